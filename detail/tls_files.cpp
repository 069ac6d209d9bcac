#include "detail/tls_files.hpp"

#include <memory>
#include <poll.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace fetchsum::detail {

namespace {

/// OpenSSL's reason for the last failure, e.g. "no start line".
std::string openssl_reason() {
  auto code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0)
    return "unknown error";
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : "unknown error";
}

} // namespace

std::string check_tls_files(const std::string& cert, const std::string& key,
                            const std::string& ca) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{
    SSL_CTX_new(TLS_method()), SSL_CTX_free};
  if (!ctx)
    return "cluster TLS: cannot create a TLS context: " + openssl_reason();
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert.c_str()) != 1)
    return "--cluster-cert " + cert + ": not a PEM certificate ("
           + openssl_reason() + ")";
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM)
      != 1)
    return "--cluster-key " + key + ": not a PEM private key without "
           "passphrase (" + openssl_reason() + ")";
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return "--cluster-key " + key + " does not belong to --cluster-cert "
           + cert;
  if (SSL_CTX_load_verify_locations(ctx.get(), ca.c_str(), nullptr) != 1)
    return "--cluster-ca " + ca + ": no PEM CA certificate ("
           + openssl_reason() + ")";
  return {};
}

std::string probe_tls(const endpoint& x, const tls_files& files,
                      std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + timeout;
  ERR_clear_error(); // whatever an earlier failure left in this thread
  std::string problem;
  int fd = connect_tcp(x, timeout, problem);
  if (fd < 0)
    return problem;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{
    SSL_CTX_new(TLS_client_method()), SSL_CTX_free};
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl{nullptr, SSL_free};
  if (ctx
      && SSL_CTX_use_certificate_chain_file(ctx.get(), files.cert.c_str()) == 1
      && SSL_CTX_use_PrivateKey_file(ctx.get(), files.key.c_str(),
                                     SSL_FILETYPE_PEM)
           == 1
      && SSL_CTX_load_verify_locations(ctx.get(), files.ca.c_str(), nullptr)
           == 1) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    ssl.reset(SSL_new(ctx.get()));
  }
  if (!ssl) {
    ::close(fd);
    return "cannot set up TLS: " + openssl_reason();
  }
  SSL_set_fd(ssl.get(), fd);
  // Waits for the socket as OpenSSL asks; false once the time is up.
  auto wait = [&](int ssl_error) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - clock::now())
                  .count();
    if (left <= 0)
      return false;
    pollfd pfd{fd, static_cast<short>(ssl_error == SSL_ERROR_WANT_WRITE
                                        ? POLLOUT
                                        : POLLIN),
               0};
    return ::poll(&pfd, 1, static_cast<int>(left)) > 0;
  };
  // The handshake; with TLS 1.3 the node judges this side's certificate
  // only after it, so then wait for its first bytes (CAF's BASP handshake,
  // sent at once) or its alert.
  bool shook = false;
  char first_byte = 0;
  for (;;) {
    int rc = shook ? SSL_peek(ssl.get(), &first_byte, 1)
                   : SSL_connect(ssl.get());
    if (rc == 1 && !shook) {
      shook = true;
      continue;
    }
    int err = SSL_get_error(ssl.get(), rc);
    if (shook && (rc > 0 || err == SSL_ERROR_NONE))
      break; // bytes from the node: it accepted us
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (wait(err))
        continue;
      problem = shook ? std::string{} // a quiet node: let CAF decide
                      : "the TLS handshake timed out";
      break;
    }
    problem = "refused during the TLS handshake ("
              + (err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL
                   ? std::string{"the node closed the connection: not TLS?"}
                   : openssl_reason())
              + ")";
    break;
  }
  ERR_clear_error();
  ::close(fd);
  return problem;
}

} // namespace fetchsum::detail
