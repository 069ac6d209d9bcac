// Checks the cluster's TLS files before CAF's openssl module loads them: it
// throws (and the process aborts) on a certificate it cannot load.
#pragma once

#include <chrono>
#include <string>

#include "detail/endpoint.hpp"

namespace fetchsum::detail {

/// Loads the PEM certificate chain, the private key and the CA file the way
/// a TLS context would, and checks that the key belongs to the certificate.
/// Empty if all is well, otherwise one line naming the file and the problem.
std::string check_tls_files(const std::string& cert, const std::string& key,
                            const std::string& ca);

/// The three files of the cluster's mutual TLS.
struct tls_files {
  std::string cert;
  std::string key;
  std::string ca;
};

/// Makes a TLS connection to a node with `files` and waits (within
/// `timeout`) for the node's first bytes, then closes. Empty if the node
/// accepted this side's certificate and showed one from the CA; otherwise
/// why not ("certificate verify failed", "tlsv13 alert unknown ca"...).
///
/// Why: CAF's openssl module leaves OpenSSL's per-thread error queue as a
/// failed handshake left it, and the next TLS connection on the middleman's
/// thread may then fail for no reason of its own. Probing in the caller's
/// thread keeps failed handshakes off the middleman's.
std::string probe_tls(const endpoint& x, const tls_files& files,
                      std::chrono::milliseconds timeout);

} // namespace fetchsum::detail
