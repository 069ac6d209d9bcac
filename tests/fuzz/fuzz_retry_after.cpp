// libFuzzer target: detail::parse_retry_after on arbitrary header values.
// It must never crash, throw or read out of bounds, and never return more
// than the cap (the supervisor converts the value to nanoseconds).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "detail/http_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view value{reinterpret_cast<const char*>(data), size};
  using fetchsum::detail::max_retry_after_seconds;
  // Now at the epoch and at a recent date: past and future dates both occur.
  for (std::time_t now : {std::time_t{0}, std::time_t{1'764'000'000}})
    if (fetchsum::detail::parse_retry_after(value, now)
        > max_retry_after_seconds * 1000)
      std::abort();
  return 0;
}
