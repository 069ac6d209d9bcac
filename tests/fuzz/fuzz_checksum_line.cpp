// libFuzzer target: one line of a checksum file for -c/--check (sha*sum,
// --tag, SRI or fetchsum JSON), as detail::parse_checksum_line reads it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "detail/checksum_line.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string line{reinterpret_cast<const char*>(data), size};
  auto parsed = fetchsum::detail::parse_checksum_line(line);
  // What the checker relies on: a line that parses names a URL and a digest.
  if (parsed && (parsed->url.empty() || parsed->digest.algo.empty()
                 || parsed->digest.bytes.empty()))
    std::abort();
  return 0;
}
