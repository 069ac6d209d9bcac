// Range resume of a broken body: which validator may go into If-Range, and
// whether a 206 answer continues the body exactly where the kept digest state
// stopped. Plain functions without CAF or libcurl; none throws.
//
// The rule they serve: a digest is only ever continued with bytes that are
// provably the rest of the same representation. Anything else (no strong
// validator, a 206 starting elsewhere, ending early, of another total) means
// starting again from byte 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fetchsum::detail {

/// `Content-Range: bytes FIRST-LAST/TOTAL` of a 206 (RFC 9110 14.4).
struct content_range {
  uint64_t first = 0;
  uint64_t last = 0;
  /// Empty for `*` (unknown complete length).
  std::optional<uint64_t> total;
};

/// Parses a Content-Range value ("bytes 100-199/1000", "bytes 0-9/*").
/// nullopt for anything else: another unit, `bytes */1000` (the form of a
/// 416), last < first, last >= total, numbers over 2^63 - 1.
std::optional<content_range> parse_content_range(std::string_view value) noexcept;

/// The validator to send as If-Range when resuming a body the response
/// described with these headers (empty strings: absent). If-Range takes only
/// a strong validator (RFC 9110 13.1.5): the ETag unless weak (W/"..."), else
/// Last-Modified if it is strong by 8.8.2.2, i.e. the response's Date is at
/// least one second later (a representation changed twice within its
/// Last-Modified second would look unchanged). Empty: the body must not be
/// resumed.
std::string if_range_validator(std::string_view etag,
                               std::string_view last_modified,
                               std::string_view date);

/// Why a 206 answer does not come from the representation `if_range` (the
/// If-Range sent) names, or empty if it does: its ETag (or Last-Modified,
/// when that was the validator) must be exactly the one sent. A server that
/// honours Range but ignores If-Range would otherwise splice two bodies.
std::string validator_problem(std::string_view if_range, std::string_view etag,
                              std::string_view last_modified);

/// Why a 206 answer to `Range: bytes=OFFSET-` does not continue the body, or
/// empty if it does: its range starts exactly at `offset`, runs to the last
/// byte of a known total, and that total equals `expected_total` when the
/// first response declared one (0: it did not).
std::string continuation_problem(const std::optional<content_range>& range,
                                 uint64_t offset, uint64_t expected_total);

} // namespace fetchsum::detail
