// Parsers for the few HTTP response fields fetchsum reads itself, and checks
// of what libcurl 7.88 accepts silently but must not be: plain functions with
// no CAF and no libcurl state, so unit tests and fuzzers reach them directly.
// None throws; none allocates more than a bounded amount whatever the input.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>

namespace fetchsum::detail {

/// The longest Retry-After pause read from a server, in seconds (~31 years).
/// Both forms are capped to it, so milliseconds of it fit any later
/// conversion (even to nanoseconds in an int64).
constexpr uint64_t max_retry_after_seconds = 999'999'999;

/// Retry-After is delta-seconds ("120") or an HTTP-date in any of the three
/// forms RFC 9110 5.6.7 names (IMF-fixdate, RFC 850, asctime). Returns
/// milliseconds from `now`, at most max_retry_after_seconds * 1000; 0 when
/// empty, past or unreadable.
uint64_t parse_retry_after(std::string_view value, std::time_t now) noexcept;

/// A response's first line, e.g. "HTTP/1.1 404 Not Found".
struct status_line {
  /// "1.1", "1.0", "2", "3": the text after "HTTP/".
  std::string_view version;
  /// Three digits, 100 - 999.
  unsigned code = 0;
  /// The reason phrase without surrounding blanks; may be empty.
  std::string_view reason;
};

/// Parses a status line (with or without its CRLF). nullopt when it is not
/// "HTTP/" DIGIT ["." DIGIT] SP 3DIGIT [SP reason] or the reason holds
/// control characters. "HTTP" may be in any case, as libcurl 7.88 takes it.
std::optional<status_line> parse_status_line(std::string_view line) noexcept;

/// A Content-Length value: digits, or a list of identical values ("5, 5"),
/// which RFC 9110 8.6 lets a recipient read as one. nullopt when empty,
/// negative, not a number, over 2^63 - 1, or a list of differing values.
std::optional<uint64_t> parse_content_length(std::string_view value) noexcept;

/// Whether a Transfer-Encoding value names no coding but `chunked` (any case,
/// any number of times). libcurl 7.88 decodes gzip, deflate, br and zstd
/// transfer codings whatever it was asked, which would hash bytes the server
/// never sent; anything else is refused.
bool only_chunked(std::string_view value) noexcept;

/// What is wrong with a response's header section, as far as libcurl lets it
/// through: the header callback feeds each line here.
enum class header_problem {
  none,
  /// A line starting "HTTP/" that is no status line.
  bad_status_line,
  /// A Content-Length that is no number (or negative).
  bad_content_length,
  /// Two Content-Length headers (or a list) with different values.
  conflicting_content_length,
  /// A Transfer-Encoding other than chunked.
  unsupported_transfer_encoding,
};

/// Checks the header lines of one transfer as libcurl delivers them to its
/// header callback: every response (each redirect hop, each 1xx) starts with
/// its status line, which resets the state. Constant size.
class response_checker {
public:
  /// Feeds one line (CRLF included or not). Returns the first problem found
  /// in it; after a problem the transfer is to be aborted.
  header_problem feed(std::string_view line) noexcept;

  /// Status code of the current response; 0 before its status line.
  unsigned code() const noexcept {
    return code_;
  }

  /// Whether a status line arrived and the blank line ending its headers did
  /// not yet: libcurl failing now failed on a header.
  bool in_headers() const noexcept {
    return in_headers_;
  }

  /// Content-Length of the current response, if one was given.
  std::optional<uint64_t> content_length() const noexcept {
    return content_length_;
  }

private:
  unsigned code_ = 0;
  bool in_headers_ = false;
  std::optional<uint64_t> content_length_;
};

/// A short human description of a problem, e.g. "two different
/// Content-Length headers".
const char* to_string(header_problem x) noexcept;

/// Case-insensitive "Name:" prefix test; `name` without the colon. On a match
/// sets `value` to the rest of the line, blanks and CRLF trimmed.
bool header_value(std::string_view line, std::string_view name,
                  std::string_view& value) noexcept;

} // namespace fetchsum::detail

namespace fetchsum::detail {

/// An HTTP-date (any of the three forms Retry-After takes) as seconds since
/// the epoch; nullopt when unreadable.
std::optional<int64_t> http_date_seconds(std::string_view text) noexcept;

} // namespace fetchsum::detail
