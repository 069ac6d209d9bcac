// libFuzzer target: detail::parse_status_line, and the response checker fed
// the input line by line as libcurl's header callback would. Neither may
// crash, throw or read out of bounds; a parsed status line must describe
// its input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "detail/http_parse.hpp"

namespace {

bool inside(std::string_view part, std::string_view whole) {
  return part.empty()
         || (part.data() >= whole.data()
             && part.data() + part.size() <= whole.data() + whole.size());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  if (auto status = fetchsum::detail::parse_status_line(input)) {
    if (status->code < 100 || status->code > 999
        || !inside(status->version, input) || !inside(status->reason, input))
      std::abort();
  }
  fetchsum::detail::response_checker check;
  while (!input.empty()) {
    auto end = input.find('\n');
    auto line = input.substr(0, end == std::string_view::npos ? end : end + 1);
    check.feed(line);
    input.remove_prefix(line.size());
  }
  return 0;
}
