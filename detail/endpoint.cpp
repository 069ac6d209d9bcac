#include "detail/endpoint.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fetchsum::detail {

namespace {

/// A decimal port: digits only, at most 65535.
std::optional<uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5)
    return std::nullopt;
  uint32_t value = 0;
  for (auto c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535)
    return std::nullopt;
  return static_cast<uint16_t>(value);
}

/// Host names and addresses: letters, digits, '-', '.', '_' and, for IPv6,
/// ':' and hex digits. Anything else (spaces, '/', '@', control bytes) is a
/// typo or an attempt to smuggle something into the resolver.
bool plausible_host(std::string_view host, bool v6) {
  if (host.empty() || host.size() > 253)
    return false;
  for (auto c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
              || (v6 && (c == ':' || c == '%'));
    if (!ok)
      return false;
  }
  return true;
}

} // namespace

std::optional<endpoint> parse_endpoint(std::string_view text,
                                       std::string_view default_host,
                                       bool allow_port_zero,
                                       std::string& problem) {
  auto quoted = "'" + std::string{text.substr(0, 200)} + "'";
  endpoint result;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size()
        || text[close + 1] != ':') {
      problem = quoted + " is not [IPV6-ADDRESS]:PORT";
      return std::nullopt;
    }
    result.host = std::string{text.substr(1, close - 1)};
    port_text = text.substr(close + 2);
    if (!plausible_host(result.host, true)
        || result.host.find(':') == std::string::npos) {
      problem = quoted + " has no valid IPv6 address between the brackets";
      return std::nullopt;
    }
  } else if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
    result.host = std::string{text.substr(0, colon)};
    port_text = text.substr(colon + 1);
    if (result.host.find(':') != std::string::npos) {
      problem = quoted + ": write an IPv6 address in brackets, [ADDRESS]:PORT";
      return std::nullopt;
    }
    if (!plausible_host(result.host, false)) {
      problem = quoted + " has no valid host before the ':'";
      return std::nullopt;
    }
  } else if (!default_host.empty()) {
    result.host = std::string{default_host};
    port_text = text;
  } else {
    problem = quoted + " is not HOST:PORT";
    return std::nullopt;
  }
  auto port = parse_port(port_text);
  if (!port || (*port == 0 && !allow_port_zero)) {
    problem = quoted + " has no valid port (1-65535)";
    return std::nullopt;
  }
  result.port = *port;
  return result;
}

std::string to_string(const endpoint& x) {
  if (x.host.find(':') != std::string::npos)
    return "[" + x.host + "]:" + std::to_string(x.port);
  return x.host + ":" + std::to_string(x.port);
}

bool is_loopback(std::string_view host) {
  return host == "localhost" || host == "::1" || host.substr(0, 4) == "127.";
}

std::string probe_tcp(const endpoint& x, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  auto port = std::to_string(x.port);
  if (int rc = ::getaddrinfo(x.host.c_str(), port.c_str(), &hints, &found);
      rc != 0)
    return std::string{"cannot resolve: "} + ::gai_strerror(rc);
  std::string problem = "no address";
  for (auto* ai = found; ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK
                                       | SOCK_CLOEXEC,
                      ai->ai_protocol);
    if (fd < 0) {
      problem = std::strerror(errno);
      continue;
    }
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd pfd{fd, POLLOUT, 0};
      rc = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
      if (rc == 0) {
        problem = "timed out after " + std::to_string(timeout.count())
                  + " ms";
        rc = -1;
      } else if (rc > 0) {
        int err = 0;
        socklen_t len = sizeof(err);
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = err == 0 ? 0 : -1;
        if (err != 0)
          problem = std::strerror(err);
      } else {
        problem = std::strerror(errno);
      }
    } else if (rc != 0) {
      problem = std::strerror(errno);
    }
    ::close(fd);
    if (rc == 0) {
      ::freeaddrinfo(found);
      return {};
    }
  }
  ::freeaddrinfo(found);
  return problem;
}

} // namespace fetchsum::detail
