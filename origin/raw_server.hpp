// A raw-TCP test origin for hostile server behaviour. libmicrohttpd only
// speaks correct HTTP, so this one answers with canned bytes instead: it reads
// the request line, picks the answer by path, writes it and closes the
// connection. Plain C++, no CAF; loopback only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace fetchsum::origin {

/// Serves, until destroyed (the query string is ignored):
///   /garbage-status      "HELLO THERE" instead of a status line
///   /http09              a bare body with no status line (HTTP/0.9)
///   /bad-version         "HTTP/1.1 abc OK"
///   /nul-header          a header holding a NUL byte
///   /negative-length     Content-Length: -5
///   /bad-length          Content-Length: 5x
///   /conflicting-length  Content-Length: 5, then Content-Length: 3
///   /same-length-twice   Content-Length: 5 twice, body "hello" (valid)
///   /bad-chunked         chunked framing with a chunk size that is no hex
///   /gzip-te             Transfer-Encoding: gzip, chunked: ~64 KiB on the
///                        wire that inflate to 64 MiB of zeros
///   /huge-headers        400 header lines of 1 KB (over libcurl's 300 KiB)
///   /huge-header-line    one header line of 200 KiB (over libcurl's 100 KiB)
///   anything else        404
class raw_server {
public:
  /// Listens on `address` (IPv4) and `port` (0: ephemeral); throws
  /// std::runtime_error saying why it cannot.
  explicit raw_server(const std::string& address, uint16_t port = 0);
  ~raw_server();

  raw_server(const raw_server&) = delete;
  raw_server& operator=(const raw_server&) = delete;

  uint16_t port() const;

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace fetchsum::origin
