// Reading lines of text that a user hands us (URL lists, checksum files,
// journals, earlier runs) with memory bounded whatever the bytes are.
// Plain C++, no actors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace fetchsum::detail {

/// The longest line fetchsum reads: a URL, a checksum line or a JSON record
/// is far shorter; /dev/zero or a binary file is not.
constexpr size_t max_line_length = 64 * 1024;

/// Splits a byte stream into lines. A line ends at "\n", "\r\n" or a lone
/// "\r" (old Mac files); the end is not part of the line. A last line without
/// an end is still a line (terminated() tells). Never holds more than one
/// line of at most `max` bytes plus one read buffer.
class line_reader {
public:
  /// Like read(2): bytes read, 0 at the end, -1 with errno set on error.
  using read_function = std::function<ssize_t(char* buffer, size_t size)>;

  enum class result {
    /// `line` holds the next line.
    line,
    /// No more lines.
    end,
    /// The next line is longer than `max`: stop reading this input.
    too_long,
    /// Reading failed; error_code() has the errno.
    error,
  };

  explicit line_reader(read_function read, size_t max = max_line_length);

  /// Reads from a file descriptor it does not own.
  static line_reader from_fd(int fd, size_t max = max_line_length);

  /// Reads the whole of `text` (tests and fuzzing).
  static line_reader from_string(std::string text,
                                 size_t max = max_line_length);

  /// Reads the whole of `*text`, shared, not copied (a checksum file fetched
  /// into memory).
  static line_reader from_shared(std::shared_ptr<const std::string> text,
                                 size_t max = max_line_length);

  result next(std::string& line);

  /// Number of the line next() returned last, from 1.
  uint64_t line_number() const noexcept {
    return line_number_;
  }

  /// Whether the line next() returned last ended with a line end; false for
  /// a last line cut short (a writer killed mid-line).
  bool terminated() const noexcept {
    return terminated_;
  }

  int error_code() const noexcept {
    return error_code_;
  }

private:
  bool fill();

  read_function read_;
  size_t max_;
  std::string buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  /// The previous line ended with '\r' at the end of a buffer: a '\n' that
  /// starts the next buffer belongs to it.
  bool skip_newline_ = false;
  bool terminated_ = true;
  uint64_t line_number_ = 0;
  int error_code_ = 0;
};

/// What a line of a URL list names: the URL with surrounding spaces and tabs
/// removed, or empty for a blank line or a '#' comment.
std::string_view list_line_url(std::string_view line);

} // namespace fetchsum::detail
