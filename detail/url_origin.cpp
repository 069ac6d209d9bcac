#include "detail/url_origin.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>

#include <curl/curl.h>

#include "detail/strings.hpp"

namespace fetchsum::detail {

namespace {

struct url_deleter {
  void operator()(CURLU* x) const { curl_url_cleanup(x); }
};

struct curl_string_deleter {
  void operator()(char* x) const { curl_free(x); }
};

using curl_string = std::unique_ptr<char, curl_string_deleter>;

curl_string get_part(CURLU* url, CURLUPart part, unsigned flags = 0) {
  char* out = nullptr;
  if (curl_url_get(url, part, &out, flags) != CURLUE_OK)
    return nullptr;
  return curl_string{out};
}

checked_url reject(error_kind kind, std::string message) {
  checked_url result;
  result.error = kind;
  result.message = std::move(message);
  return result;
}

} // namespace

checked_url check_url(const std::string& url) {
  // libcurl takes a C string: a NUL would cut the URL short, so the URL
  // fetched would not be the one recorded. No control byte is part of a URL.
  for (size_t i = 0; i < url.size(); ++i) {
    auto c = static_cast<unsigned char>(url[i]);
    if (c < 0x20 || c == 0x7f) {
      char what[80];
      std::snprintf(what, sizeof(what),
                    "malformed URL: control character 0x%02x at byte %zu", c,
                    i);
      return reject(error_kind::bad_url, what);
    }
  }
  std::unique_ptr<CURLU, url_deleter> handle{curl_url()};
  if (!handle)
    return reject(error_kind::internal, "out of memory");
  // No CURLU_GUESS_SCHEME: "example.org/x" is not silently turned into http.
  // CURLU_NON_SUPPORT_SCHEME lets us name the unsupported scheme ourselves.
  auto rc = curl_url_set(handle.get(), CURLUPART_URL, url.c_str(),
                         CURLU_NON_SUPPORT_SCHEME);
  if (rc != CURLUE_OK)
    return reject(error_kind::bad_url,
                  std::string{"malformed URL: "} + curl_url_strerror(rc));
  auto scheme_part = get_part(handle.get(), CURLUPART_SCHEME);
  auto scheme = scheme_part ? lower(scheme_part.get()) : std::string{};
  if (scheme != "http" && scheme != "https")
    return reject(error_kind::unsupported_scheme,
                  "unsupported scheme '" + scheme + "' (only http and https)");
  auto host = get_part(handle.get(), CURLUPART_HOST);
  if (!host || *host.get() == '\0')
    return reject(error_kind::bad_url, "malformed URL: no host");
  auto port = get_part(handle.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  checked_url result;
  result.origin = scheme + "://" + lower(host.get()) + ":"
                  + (port ? port.get() : "");
  return result;
}

} // namespace fetchsum::detail
