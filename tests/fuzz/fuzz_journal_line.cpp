// libFuzzer target: one line of a --journal or --diff file, as
// detail::journal_url and detail::journal_digests read it back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "detail/journal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string line{reinterpret_cast<const char*>(data), size};
  auto url = fetchsum::detail::journal_url(line);
  auto digests = fetchsum::detail::journal_digests(line);
  // The digests text is the whole "digests":{...} member or nothing.
  static const std::string member = "\"digests\":{";
  if (!digests.empty()
      && (digests.compare(0, member.size(), member) != 0 || digests.back() != '}'))
    std::abort();
  (void) url;
  return 0;
}
