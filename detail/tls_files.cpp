#include "detail/tls_files.hpp"

#include <memory>

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

} // namespace fetchsum::detail
