// libFuzzer target: the JSON record reader (--journal, --diff, -c) never
// crashes, and whatever it accepts survives a write and a second read
// unchanged (the codec round-trips).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "detail/record_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line{reinterpret_cast<const char*>(data), size};
  std::string why;
  auto record = fetchsum::detail::read_json_record(line, &why);
  if (!record) {
    if (why.empty())
      std::abort(); // a refusal always says why
    return 0;
  }
  if (record->mark == "gone" && record->attempts == 0)
    return 0; // a gone line: only url and mark
  std::string written;
  fetchsum::detail::write_json_record(*record, written);
  written.pop_back(); // '\n'
  auto again = fetchsum::detail::read_json_record(written);
  if (!again || !(*again == *record))
    std::abort();
  return 0;
}
