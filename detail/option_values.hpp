// The values of the options that fetchsum shares with curl (--limit-rate,
// --resolve, --connect-to, -u, -x): checked before anything runs, because
// libcurl ignores a malformed entry silently or fails every URL with it.
// Plain C++, no CAF.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fetchsum::detail {

/// --limit-rate as curl reads it: a whole number of bytes per second, with an
/// optional unit K, M or G (1024-based, either case; B for bytes). Empty on
/// anything else (fractions, other units, overflow).
std::optional<uint64_t> parse_byte_rate(std::string_view text);

/// --resolve HOST:PORT:ADDR[,ADDR]...: HOST a name (or a bracketed IPv6
/// address), PORT 1-65535, every ADDR a numeric IPv4 or IPv6 address (IPv6
/// with or without brackets). Empty if fine, else what is wrong.
std::string check_resolve_entry(std::string_view entry);

/// --connect-to HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT: four fields, any
/// of them empty (an empty HOST or PORT matches any; an empty CONNECT-TO
/// part keeps the original), hosts possibly bracketed IPv6 addresses, ports
/// 1-65535. Empty if fine, else what is wrong.
std::string check_connect_to_entry(std::string_view entry);

/// -u USER:PASSWORD: a ':' is required (fetchsum never prompts for a
/// password). Empty if fine, else what is wrong, never quoting the value.
std::string check_user_password(std::string_view text);

/// -x [SCHEME://][USER:PASSWORD@]HOST[:PORT]: the schemes libcurl 7.88 takes
/// for a proxy (http, https, socks4, socks4a, socks5, socks5h; none means
/// http) and a host. Empty if fine, else what is wrong (quoting the proxy
/// with its password masked).
std::string check_proxy(std::string_view proxy);

} // namespace fetchsum::detail
