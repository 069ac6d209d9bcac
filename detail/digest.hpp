// Several OpenSSL digests over one stream of bytes. Plain C++, no actors.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include <openssl/evp.h>

#include "messages/messages.hpp"

namespace fetchsum::detail {

/// True if OpenSSL knows this digest name ("sha512", "SHA3-512", "md5" ...)
/// and it has a fixed length.
bool is_known_digest(const std::string& name);

class digest_set;

/// The digest algorithms of a run, fetched from OpenSSL once. EVP_MD_fetch
/// is a provider lookup, far too slow to repeat per URL; each hasher owns one
/// of these, so nothing is shared between actors. Move-only.
class digest_algorithms {
public:
  /// Throws std::invalid_argument on a name OpenSSL does not know.
  explicit digest_algorithms(const std::vector<std::string>& names);

  /// Starts digests of a new stream. `*this` must outlive the result.
  digest_set start() const;

  const std::vector<std::string>& names() const noexcept {
    return names_;
  }

private:
  // digest_set reads digests_ directly: no list is built per stream.
  friend class digest_set;

  struct md_deleter {
    void operator()(EVP_MD* x) const {
      EVP_MD_free(x);
    }
  };

  std::vector<std::string> names_;
  std::vector<std::unique_ptr<EVP_MD, md_deleter>> digests_;
};

/// Every digest of one stream, computed in one pass. Move-only.
class digest_set {
public:
  void update(const char* data, size_t size);

  /// The digests, in the order of the algorithm names; call once.
  std::vector<digest_value> finish();

private:
  friend class digest_algorithms;

  struct context_deleter {
    void operator()(EVP_MD_CTX* x) const {
      EVP_MD_CTX_free(x);
    }
  };

  explicit digest_set(const digest_algorithms& algorithms);

  const digest_algorithms* algorithms_;
  std::vector<std::unique_ptr<EVP_MD_CTX, context_deleter>> contexts_;
};

/// Lower-case hex of `bytes`.
std::string to_hex(const std::vector<uint8_t>& bytes);

/// The bytes of a non-empty, even-length hex string (either case); empty if
/// it is anything else.
std::optional<std::vector<uint8_t>> from_hex(std::string_view hex);

} // namespace fetchsum::detail
