// libFuzzer target: detail::mask_url_password and
// detail::mask_url_passwords_in_text, which stand between every password
// in a URL and fetchsum's output. Besides "no crash" it checks the masking
// against libcurl's own URL parser: whatever libcurl reads as a URL's
// non-empty password is replaced by "***" and nothing else it reads changes;
// a URL libcurl finds no password in is left as it is.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include <curl/curl.h>

#include "detail/url_mask.hpp"

namespace {

struct url_deleter {
  void operator()(CURLU* x) const { curl_url_cleanup(x); }
};

using url_handle = std::unique_ptr<CURLU, url_deleter>;

/// One part as libcurl reads it; none when it has none.
std::optional<std::string> part(CURLU* url, CURLUPart which) {
  char* out = nullptr;
  if (curl_url_get(url, which, &out, 0) != CURLUE_OK || out == nullptr)
    return std::nullopt;
  std::string result{out};
  curl_free(out);
  return result;
}

/// libcurl's reading of `text`, or null if it refuses it.
url_handle parse(const std::string& text) {
  url_handle url{curl_url()};
  if (!url || curl_url_set(url.get(), CURLUPART_URL, text.c_str(),
                           CURLU_NON_SUPPORT_SCHEME)
                != CURLUE_OK)
    return nullptr;
  return url;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using fetchsum::detail::mask_url_password;
  using fetchsum::detail::mask_url_passwords_in_text;
  std::string input{reinterpret_cast<const char*>(data), size};
  auto masked = mask_url_password(input);
  auto in_text = mask_url_passwords_in_text(input);
  // Masking is stable: a masked string masks to itself (the --journal key
  // of a URL never changes between runs).
  if (mask_url_password(masked) != masked
      || mask_url_passwords_in_text(in_text) != in_text)
    std::abort();
  // Without an '@' there is no userinfo to mask.
  if (input.find('@') == std::string::npos && (masked != input || in_text != input))
    std::abort();
  if (input.find('\0') != std::string::npos)
    return 0; // libcurl takes C strings
  auto original = parse(input);
  if (!original)
    return 0;
  auto password = part(original.get(), CURLUPART_PASSWORD);
  if (!password || password->empty()) {
    if (masked != input)
      std::abort();
    return 0;
  }
  auto again = parse(masked);
  if (!again || part(again.get(), CURLUPART_PASSWORD) != "***")
    std::abort();
  for (auto which : {CURLUPART_SCHEME, CURLUPART_USER, CURLUPART_HOST,
                     CURLUPART_PORT, CURLUPART_PATH, CURLUPART_QUERY,
                     CURLUPART_FRAGMENT})
    if (part(original.get(), which) != part(again.get(), which))
      std::abort();
  return 0;
}
