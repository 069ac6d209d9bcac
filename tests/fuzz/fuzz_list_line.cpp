// libFuzzer target: URL lists and checksum files as the source reads them:
// the bounded line reader, list lines, checksum lines and URL checks never
// crash and never hand out a line longer than the cap.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "detail/checksum_line.hpp"
#include "detail/line_reader.hpp"
#include "detail/url_origin.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using fetchsum::detail::line_reader;
  constexpr size_t cap = 256; // small, so the fuzzer reaches the limit
  auto lines = line_reader::from_string(
    std::string{reinterpret_cast<const char*>(data), size}, cap);
  std::string line;
  while (lines.next(line) == line_reader::result::line) {
    if (line.size() > cap || line.find_first_of("\r\n") != std::string::npos)
      std::abort();
    auto url = fetchsum::detail::list_line_url(line);
    auto checked = fetchsum::detail::check_url(std::string{url});
    if (checked.error == fetchsum::error_kind::none
        && url.find('\0') != std::string::npos)
      std::abort(); // a URL with a NUL must never pass
    if (auto sum = fetchsum::detail::parse_checksum_line(std::string{url}))
      (void) fetchsum::detail::check_url(sum->url);
  }
  return 0;
}
