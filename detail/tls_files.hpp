// Checks the cluster's TLS files before CAF's openssl module loads them: it
// throws (and the process aborts) on a certificate it cannot load.
#pragma once

#include <string>

namespace fetchsum::detail {

/// Loads the PEM certificate chain, the private key and the CA file the way
/// a TLS context would, and checks that the key belongs to the certificate.
/// Empty if all is well, otherwise one line naming the file and the problem.
std::string check_tls_files(const std::string& cert, const std::string& key,
                            const std::string& ca);

} // namespace fetchsum::detail
