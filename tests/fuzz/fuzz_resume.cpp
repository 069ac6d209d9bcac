// libFuzzer target: the Range-resume parsers of detail/resume on arbitrary
// header values. They must never crash or throw, and the rule they serve
// must hold: a 206 continues a body only if it starts exactly where the kept
// digest stopped and runs to the end of the same total.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "detail/resume.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fetchsum::detail;
  std::string_view text{reinterpret_cast<const char*>(data), size};
  if (auto range = parse_content_range(text)) {
    if (range->last < range->first)
      std::abort();
    if (range->total && range->last >= *range->total)
      std::abort();
    auto whole_rest = range->total && range->last + 1 == *range->total;
    if (continuation_problem(range, range->first, range->total.value_or(0))
          .empty()
        != whole_rest)
      std::abort();
    // Starting anywhere else never continues.
    if (continuation_problem(range, range->first + 1, 0).empty())
      std::abort();
  } else if (continuation_problem(range, 0, 0).empty()) {
    std::abort(); // no range, no continuation
  }
  // Three header values, split at the first two newlines.
  auto first = text.find('\n');
  auto second = first == std::string_view::npos ? first
                                                : text.find('\n', first + 1);
  auto etag = text.substr(0, first);
  auto modified = first == std::string_view::npos
                    ? std::string_view{}
                    : text.substr(first + 1, second - first - 1);
  auto date = second == std::string_view::npos ? std::string_view{}
                                               : text.substr(second + 1);
  auto validator = if_range_validator(etag, modified, date);
  // Only a strong validator, and only one the server gave (trimmed).
  if (!validator.empty() && etag.find(validator) == std::string_view::npos
      && modified.find(validator) == std::string_view::npos)
    std::abort();
  for (char c : validator) // it goes back into a request header
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      std::abort();
  if (validator.size() >= 2 && validator.compare(0, 2, "W/") == 0)
    std::abort();
  return 0;
}
