#include "detail/checksum_name.hpp"

#include <memory>
#include <strings.h>

#include <curl/curl.h>

namespace fetchsum::detail {

namespace {

struct url_deleter {
  void operator()(CURLU* x) const {
    curl_url_cleanup(x);
  }
};

/// Bytes a path segment may hold as they are (RFC 3986 pchar without
/// pct-encoded, plus '/').
bool path_safe(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  switch (c) {
    case '-': case '.': case '_': case '~':                       // unreserved
    case '!': case '$': case '&': case '\'': case '(': case ')':  // sub-delims
    case '*': case '+': case ',': case ';': case '=':
    case ':': case '@': case '/':
      return true;
    default:
      return false;
  }
}

} // namespace

bool is_http_url(std::string_view text) {
  auto starts = [&](const char* scheme, size_t n) {
    return text.size() >= n && strncasecmp(text.data(), scheme, n) == 0;
  };
  return starts("http:", 5) || starts("https:", 6);
}

std::string name_as_reference(std::string_view name) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(name.size() + 2);
  if (!name.empty() && name.front() == '/') {
    auto first = name.find_first_not_of('/');
    name.remove_prefix(first == std::string_view::npos ? name.size() - 1
                                                       : first - 1);
  } else {
    out = "./";
  }
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (path_safe(c)) {
      out += ch;
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::optional<std::string> resolve_checksum_name(const std::string& base,
                                                 const std::string& name) {
  // A NUL would end the C string libcurl reads: the URL fetched would not
  // be the one the line names. Left as it is, it becomes a bad_url record.
  if (name.find('\0') != std::string::npos)
    return std::nullopt;
  if (is_http_url(name))
    return name;
  std::unique_ptr<CURLU, url_deleter> url{curl_url()};
  if (!url || base.find('\0') != std::string::npos
      || curl_url_set(url.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK)
    return std::nullopt;
  // Setting a relative reference on a handle holding a URL resolves it
  // (RFC 3986 5.2, dot segments removed). name_as_reference left nothing
  // for CURLU_URLENCODE to encode; it is a second guard only.
  auto reference = name_as_reference(name);
  if (curl_url_set(url.get(), CURLUPART_URL, reference.c_str(),
                   CURLU_URLENCODE)
      != CURLUE_OK)
    return std::nullopt;
  char* text = nullptr;
  if (curl_url_get(url.get(), CURLUPART_URL, &text, 0) != CURLUE_OK)
    return std::nullopt;
  std::string result{text};
  curl_free(text);
  return result;
}

} // namespace fetchsum::detail
