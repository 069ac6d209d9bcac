// libFuzzer target: a name from a checksum file fetched by URL (or read with
// --base), as detail::resolve_checksum_name turns it into the URL fetched.
// The first byte picks the checksum file's URL, the rest is the name.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include <curl/curl.h>

#include "detail/checksum_name.hpp"
#include "detail/url_origin.hpp"

namespace {

struct url_deleter {
  void operator()(CURLU* x) const {
    curl_url_cleanup(x);
  }
};

/// One part of `url` as libcurl parses it; empty if there is none.
std::string part(const std::string& url, CURLUPart which) {
  std::unique_ptr<CURLU, url_deleter> handle{curl_url()};
  if (curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
    std::abort(); // checked by check_url before
  char* text = nullptr;
  if (curl_url_get(handle.get(), which, &text, 0) != CURLUE_OK)
    return {};
  std::string result{text};
  curl_free(text);
  return result;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* bases[] = {"https://host/pub/v1.2/SHA256SUMS",
                                "http://127.0.0.1:8080/SHA256SUMS?x#y",
                                "https://[::1]/a/b/c/", "http://h"};
  if (size == 0)
    return 0;
  std::string base = bases[data[0] % 4];
  std::string name{reinterpret_cast<const char*>(data) + 1, size - 1};
  auto url = fetchsum::detail::resolve_checksum_name(base, name);
  if (fetchsum::detail::is_http_url(name)) {
    // An absolute URL is taken as it is, checked later like any URL.
    if (name.find('\0') == std::string::npos && (!url || *url != name))
      std::abort();
    return 0;
  }
  if (!url) {
    // Only a NUL makes a name unusable.
    if (name.find('\0') == std::string::npos)
      std::abort();
    return 0;
  }
  // What a checksum file may not do through a name: leave its host, change
  // the scheme or port, or smuggle in a query or a fragment.
  auto checked = fetchsum::detail::check_url(*url);
  if (checked.error != fetchsum::error_kind::none
      || checked.origin != fetchsum::detail::check_url(base).origin
      || !part(*url, CURLUPART_QUERY).empty()
      || !part(*url, CURLUPART_FRAGMENT).empty())
    std::abort();
  return 0;
}
