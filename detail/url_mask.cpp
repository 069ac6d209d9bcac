#include "detail/url_mask.hpp"

namespace fetchsum::detail {

namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_scheme_char(char c) {
  return is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-'
         || c == '.';
}

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'
         || c == '\f';
}

/// Appends text[begin, end) to `out`, its password masked if it is an
/// authority with one.
void append_authority(std::string& out, std::string_view text, size_t begin,
                      size_t end) {
  auto authority = text.substr(begin, end - begin);
  auto at = authority.rfind('@');
  auto colon = at == std::string_view::npos
                 ? std::string_view::npos
                 : authority.substr(0, at).find(':');
  if (colon == std::string_view::npos || colon + 1 == at) {
    out += authority; // no password, or an empty one
    return;
  }
  out += authority.substr(0, colon + 1);
  out += masked_password;
  out += authority.substr(at);
}

/// Where the authority that starts at `begin` ends.
size_t authority_end(std::string_view text, size_t begin, bool at_blank) {
  for (auto i = begin; i < text.size(); ++i) {
    auto c = text[i];
    if (c == '/' || c == '?' || c == '#' || (at_blank && is_blank(c)))
      return i;
  }
  return text.size();
}

/// Skips the slashes after "scheme:" (libcurl takes one to three; a
/// backslash is what a Windows user may type).
size_t skip_slashes(std::string_view text, size_t i) {
  while (i < text.size() && (text[i] == '/' || text[i] == '\\'))
    ++i;
  return i;
}

} // namespace

std::string mask_url_password(std::string_view url) {
  size_t i = 0;
  while (i < url.size() && is_blank(url[i]))
    ++i;
  // libcurl 7.88 takes any run of scheme characters, a leading digit too.
  auto scheme = i;
  while (i < url.size() && is_scheme_char(url[i]))
    ++i;
  if (i == scheme || i == url.size() || url[i] != ':')
    return std::string{url};
  auto begin = skip_slashes(url, i + 1);
  auto end = authority_end(url, begin, false);
  std::string out{url.substr(0, begin)};
  append_authority(out, url, begin, end);
  out += url.substr(end);
  return out;
}

std::string mask_url_passwords_in_text(std::string_view text) {
  std::string out;
  size_t copied = 0; // text[0, copied) is in `out`
  size_t search = 0;
  while (true) {
    auto mark = text.find("://", search);
    if (mark == std::string_view::npos)
      break;
    auto scheme = mark;
    while (scheme > 0 && is_scheme_char(text[scheme - 1]))
      --scheme;
    auto begin = skip_slashes(text, mark + 1);
    if (scheme == mark) { // "://" with no scheme before it: not a URL
      search = begin;
      continue;
    }
    auto end = authority_end(text, begin, true);
    out += text.substr(copied, begin - copied);
    append_authority(out, text, begin, end);
    copied = search = end;
  }
  out += text.substr(copied);
  return out;
}

} // namespace fetchsum::detail
