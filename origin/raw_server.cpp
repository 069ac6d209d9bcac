#include "origin/raw_server.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <list>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <zlib.h>

namespace fetchsum::origin {

namespace {

/// 64 MiB of zeros, gzip-compressed (about 64 KiB): made once, on first use.
const std::string& gzip_bomb() {
  static const std::string bytes = [] {
    z_stream z{};
    // windowBits 15 + 16: a gzip header and trailer around the deflate data.
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
      throw std::runtime_error("deflateInit2 failed");
    std::string zeros(64 * 1024, '\0');
    std::string result;
    char out[16 * 1024];
    for (int i = 0; i < 1024; ++i) {
      z.next_in = reinterpret_cast<Bytef*>(zeros.data());
      z.avail_in = static_cast<uInt>(zeros.size());
      auto flush = i + 1 == 1024 ? Z_FINISH : Z_NO_FLUSH;
      int rc;
      do {
        z.next_out = reinterpret_cast<Bytef*>(out);
        z.avail_out = sizeof(out);
        rc = deflate(&z, flush);
        result.append(out, sizeof(out) - z.avail_out);
      } while (z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    }
    deflateEnd(&z);
    return result;
  }();
  return bytes;
}

std::string chunked(const std::string& body) {
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", body.size());
  return size + body + "\r\n0\r\n\r\n";
}

std::string answer(const std::string& path) {
  using namespace std::string_literals;
  if (path == "/garbage-status")
    return "HELLO THERE\r\n\r\nbody";
  if (path == "/http09")
    return "just some bytes with no status line before them\n";
  if (path == "/bad-version")
    return "HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\nok";
  if (path == "/nul-header")
    return "HTTP/1.1 200 OK\r\nX-Nul: a\0b\r\nContent-Length: 2\r\n\r\nok"s;
  if (path == "/negative-length")
    return "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nhello";
  if (path == "/bad-length")
    return "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello";
  if (path == "/conflicting-length")
    return "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 3\r\n\r\n"
           "hello";
  if (path == "/same-length-twice")
    return "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"
           "hello";
  if (path == "/bad-chunked")
    return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
           "zz\r\nhello\r\n0\r\n\r\n";
  if (path == "/gzip-te")
    return "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
           + chunked(gzip_bomb());
  if (path == "/huge-headers") {
    std::string text = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 400; ++i)
      text += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'h')
              + "\r\n";
    return text + "Content-Length: 2\r\n\r\nok";
  }
  if (path == "/huge-header-line")
    return "HTTP/1.1 200 OK\r\nX-Big: " + std::string(200 * 1024, 'h')
           + "\r\nContent-Length: 2\r\n\r\nok";
  return "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nnot found\n";
}

/// The path of "GET /path?query HTTP/1.1", or empty.
std::string request_path(const std::string& request) {
  auto first_space = request.find(' ');
  if (first_space == std::string::npos)
    return {};
  auto end = request.find_first_of(" ?\r\n", first_space + 1);
  if (end == std::string::npos)
    return {};
  return request.substr(first_space + 1, end - first_space - 1);
}

void send_all(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      return; // the client gave up: fine, it was told enough
    sent += static_cast<size_t>(n);
  }
}

void serve(int fd) {
  // Never wait long for a client that does not send or read.
  timeval limit{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
  std::string request;
  char buf[4096];
  while (request.find("\r\n\r\n") == std::string::npos
         && request.size() < 64 * 1024) {
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0)
      break;
    request.append(buf, static_cast<size_t>(n));
  }
  if (auto path = request_path(request); !path.empty())
    send_all(fd, answer(path));
  ::shutdown(fd, SHUT_WR);
  // Drain briefly so the close does not turn into a reset that could cut
  // the answer short on the client's side (unread input makes close() send
  // RST); the client may keep the connection, so do not wait for its close.
  timeval brief{0, 100 * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &brief, sizeof(brief));
  while (::recv(fd, buf, sizeof(buf), 0) > 0)
    ;
  ::close(fd);
}

} // namespace

struct raw_server::impl {
  int listener = -1;
  int stop_pipe[2] = {-1, -1};
  uint16_t port = 0;
  std::thread acceptor;

  struct connection {
    std::thread thread;
    std::atomic<bool> finished{false};
  };
  std::list<std::unique_ptr<connection>> connections;

  /// Joins the connections that ended, so a long run does not pile them up.
  void reap(bool all) {
    for (auto i = connections.begin(); i != connections.end();) {
      if (all || (*i)->finished) {
        (*i)->thread.join();
        i = connections.erase(i);
      } else {
        ++i;
      }
    }
  }

  void run() {
    pollfd fds[2] = {{listener, POLLIN, 0}, {stop_pipe[0], POLLIN, 0}};
    while (true) {
      if (::poll(fds, 2, 1000) < 0 && errno != EINTR)
        break;
      if (fds[1].revents != 0)
        break;
      reap(false);
      if ((fds[0].revents & POLLIN) == 0)
        continue;
      auto fd = ::accept(listener, nullptr, nullptr);
      if (fd < 0)
        continue;
      auto c = std::make_unique<connection>();
      auto* raw = c.get();
      c->thread = std::thread([fd, raw] {
        serve(fd);
        raw->finished = true;
      });
      connections.push_back(std::move(c));
    }
    reap(true);
  }
};

raw_server::raw_server(const std::string& address, uint16_t port)
  : impl_(std::make_unique<impl>()) {
  auto& d = *impl_;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1)
    throw std::runtime_error("not an IPv4 address: " + address);
  d.listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int on = 1;
  setsockopt(d.listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  socklen_t size = sizeof(addr);
  if (d.listener < 0
      || ::bind(d.listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      || ::listen(d.listener, 128) != 0
      || ::getsockname(d.listener, reinterpret_cast<sockaddr*>(&addr), &size) != 0
      || ::pipe(d.stop_pipe) != 0) {
    auto why = std::string{std::strerror(errno)};
    if (d.listener >= 0)
      ::close(d.listener);
    throw std::runtime_error("raw server cannot listen on " + address + ":"
                             + std::to_string(port) + ": " + why);
  }
  d.port = ntohs(addr.sin_port);
  d.acceptor = std::thread([&d] { d.run(); });
}

raw_server::~raw_server() {
  auto& d = *impl_;
  char byte = 0;
  if (::write(d.stop_pipe[1], &byte, 1) != 1) {
    // Cannot happen with an empty pipe; the poll timeout would not help
    // either, so there is nothing better to do than to go on.
  }
  d.acceptor.join();
  ::close(d.listener);
  ::close(d.stop_pipe[0]);
  ::close(d.stop_pipe[1]);
}

uint16_t raw_server::port() const {
  return impl_->port;
}

} // namespace fetchsum::origin
