#include "detail/option_values.hpp"

#include <arpa/inet.h>
#include <vector>

#include "detail/strings.hpp"
#include "detail/url_mask.hpp"

namespace fetchsum::detail {

namespace {

/// `entry` split at ':' outside brackets ("[::1]:80" is two fields).
std::vector<std::string_view> split_fields(std::string_view entry) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  bool in_brackets = false;
  for (size_t i = 0; i < entry.size(); ++i) {
    if (entry[i] == '[')
      in_brackets = true;
    else if (entry[i] == ']')
      in_brackets = false;
    else if (entry[i] == ':' && !in_brackets) {
      fields.push_back(entry.substr(start, i - start));
      start = i + 1;
    }
  }
  fields.push_back(entry.substr(start));
  return fields;
}

bool is_port(std::string_view text) {
  if (text.empty() || text.size() > 5)
    return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value >= 1 && value <= 65535;
}

bool is_bracketed(std::string_view text) {
  return text.size() >= 2 && text.front() == '[' && text.back() == ']';
}

bool is_ip_address(std::string_view text) {
  if (is_bracketed(text))
    text = text.substr(1, text.size() - 2);
  std::string copy{text};
  unsigned char buf[16];
  return inet_pton(AF_INET, copy.c_str(), buf) == 1
         || inet_pton(AF_INET6, copy.c_str(), buf) == 1;
}

/// A host field: a name without ':', '[' or ']', or a bracketed IPv6
/// address. Empty only where `may_be_empty`.
bool is_host(std::string_view text, bool may_be_empty) {
  if (text.empty())
    return may_be_empty;
  if (is_bracketed(text))
    return is_ip_address(text);
  for (char c : text)
    if (c == ':' || c == '[' || c == ']' || c == ',' || c == ' ')
      return false;
  return true;
}

} // namespace

std::optional<uint64_t> parse_byte_rate(std::string_view text) {
  uint64_t value = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (value > (UINT64_MAX - 9) / 10)
      return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(text[i] - '0');
  }
  if (i == 0 || i + 1 < text.size())
    return std::nullopt;
  unsigned shift = 0;
  if (i < text.size()) {
    switch (text[i]) {
      case 'k': case 'K': shift = 10; break;
      case 'm': case 'M': shift = 20; break;
      case 'g': case 'G': shift = 30; break;
      case 'b': case 'B': shift = 0; break;
      default: return std::nullopt;
    }
  }
  if (value > (UINT64_MAX >> shift))
    return std::nullopt;
  return value << shift;
}

std::string check_resolve_entry(std::string_view entry) {
  auto fields = split_fields(entry);
  // HOST:PORT:ADDR, where ADDR may itself hold ':' (an unbracketed IPv6
  // address): everything after the second ':' is the address list.
  if (fields.size() < 3)
    return "is not HOST:PORT:ADDR";
  if (!is_host(fields[0], false))
    return "has no valid HOST before the first ':'";
  if (!is_port(fields[1]))
    return "has no port 1-65535 after HOST";
  auto addresses = entry.substr(fields[0].size() + fields[1].size() + 2);
  size_t start = 0;
  while (true) {
    auto comma = addresses.find(',', start);
    auto address = addresses.substr(start, comma == std::string_view::npos
                                             ? std::string_view::npos
                                             : comma - start);
    if (!is_ip_address(address))
      return "names '" + std::string{address}
             + "', not a numeric IPv4 or IPv6 address";
    if (comma == std::string_view::npos)
      return {};
    start = comma + 1;
  }
}

std::string check_connect_to_entry(std::string_view entry) {
  auto fields = split_fields(entry);
  if (fields.size() != 4)
    return "is not HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT (four fields, "
           "any of them empty; IPv6 addresses in brackets)";
  for (auto i : {0, 2})
    if (!is_host(fields[i], true))
      return "has an invalid host '" + std::string{fields[i]} + "'";
  for (auto i : {1, 3})
    if (!fields[i].empty() && !is_port(fields[i]))
      return "has an invalid port '" + std::string{fields[i]} + "'";
  return {};
}

std::string check_user_password(std::string_view text) {
  if (text.find(':') == std::string_view::npos)
    return "needs USER:PASSWORD (fetchsum never prompts for a password)";
  return {};
}

std::string check_proxy(std::string_view proxy) {
  auto rest = proxy;
  if (auto mark = proxy.find("://"); mark != std::string_view::npos) {
    auto scheme = lower(std::string{proxy.substr(0, mark)});
    if (scheme != "http" && scheme != "https" && scheme != "socks4"
        && scheme != "socks4a" && scheme != "socks5" && scheme != "socks5h")
      return "'" + mask_url_password(proxy)
             + "' has an unsupported scheme (http, https, socks4, socks4a, "
               "socks5 or socks5h)";
    rest = proxy.substr(mark + 3);
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos)
    rest = rest.substr(at + 1);
  if (rest.empty() || rest.front() == ':' || rest.front() == '/')
    return "'" + mask_url_password(proxy) + "' names no host";
  return {};
}

} // namespace fetchsum::detail
