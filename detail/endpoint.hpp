// HOST:PORT endpoints of the cluster options (--nodes, node --listen), and a
// bounded TCP probe. Plain C++: no CAF inside, fuzzed (tests/fuzz).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fetchsum::detail {

struct endpoint {
  /// A host name or address; an IPv6 address without its brackets.
  std::string host;
  uint16_t port = 0;
};

/// Parses "HOST:PORT", "[V6ADDR]:PORT" or, if `default_host` is not empty,
/// a bare "PORT" (which then means default_host:PORT). Port 0 is allowed
/// only when `allow_port_zero` (a listener asking for any free port).
/// Returns nothing and sets `problem` to one line when `text` is not one.
std::optional<endpoint> parse_endpoint(std::string_view text,
                                       std::string_view default_host,
                                       bool allow_port_zero,
                                       std::string& problem);

/// "HOST:PORT", with brackets around an IPv6 address.
std::string to_string(const endpoint& x);

/// Whether `host` names a loopback address (127.0.0.0/8, ::1, localhost):
/// the only addresses a node listens on in plaintext without
/// --cluster-plaintext.
bool is_loopback(std::string_view host);

/// Connects to `x` over TCP and closes again, waiting at most `timeout`.
/// Empty if a connection was made, otherwise why not ("Connection refused",
/// "timed out"). Used before handing an address to CAF's middleman, whose
/// own connect blocks without a limit (and blocks every other connect).
std::string probe_tcp(const endpoint& x, std::chrono::milliseconds timeout);

} // namespace fetchsum::detail
