// libFuzzer target: an input URL, as detail::check_url checks it and names
// its origin before anything is fetched.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "detail/url_origin.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string url{reinterpret_cast<const char*>(data), size};
  auto checked = fetchsum::detail::check_url(url);
  // An accepted URL is http or https and has a complete origin: the
  // per-host cap and the fetcher both depend on that.
  if (checked.error == fetchsum::error_kind::none) {
    const auto& origin = checked.origin;
    bool http = origin.compare(0, 7, "http://") == 0;
    bool https = origin.compare(0, 8, "https://") == 0;
    if ((!http && !https) || origin.back() == ':')
      std::abort();
  }
  return 0;
}
