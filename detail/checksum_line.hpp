// Reading checksum files for -c/--check: the lines sha512sum, sha256sum ...
// write (also with --tag) and SRI. Plain C++, no actors.
#pragma once

#include <optional>
#include <string>

#include "messages/messages.hpp"

namespace fetchsum::detail {

/// One line of a checksum file: what URL should hash to what.
struct expected_digest {
  std::string url;
  /// The digest named by the line, e.g. {"sha256", 32 bytes}.
  digest_value digest;
};

/// Parses `HEX  NAME`, `HEX *NAME` (algorithm from the hex length: md5,
/// sha1, sha224, sha256, sha384, sha512), `ALGO (NAME) = HEX` (BSD tag) and
/// `ALGO-BASE64  NAME` (SRI, the first digest of the line), with coreutils'
/// backslash escapes. Empty if the line is none of these.
std::optional<expected_digest> parse_checksum_line(const std::string& line);

} // namespace fetchsum::detail
