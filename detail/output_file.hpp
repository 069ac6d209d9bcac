// Where records go: standard output, -o FILE or --journal. Every write is
// checked, so a full disk or an I/O error is reported instead of silently
// losing records.
#pragma once

#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace fetchsum::detail {

/// A handle to one output: copies share the same file, so main can open it,
/// the aggregator write to it, and main read its error and close it after the
/// run. Writes go straight to the descriptor (callers buffer), in full:
/// short writes and EINTR are retried. The first error is kept, with errno
/// and the output's name for the message, and nothing more is written after
/// it. A default-constructed (or null) output_file is no output at all.
class output_file {
public:
  output_file() = default;

  output_file(std::nullptr_t) {
    // nop
  }

  /// Writes into `os` (the tests capture records in an std::ostringstream
  /// this way); a stream that goes bad counts as an I/O error.
  output_file(std::ostream* os);

  /// Writes to `fd`, which stays open afterwards (standard output).
  static output_file from_descriptor(int fd, std::string name);

  /// Opens `path` for writing. A regular file is created or truncated (or,
  /// with `append`, appended to); a character device or FIFO is written as it
  /// is; anything else (a directory, a socket) is refused. On failure the
  /// result is empty and `problem` says why ("PATH: Is a directory").
  static output_file open(const std::string& path, bool append,
                          std::string& problem);

  /// Whether there is an output at all.
  explicit operator bool() const {
    return impl_ != nullptr;
  }

  /// Writes all of `data`; false if it (or an earlier write) failed.
  bool write(std::string_view data);

  /// Closes an owned descriptor and checks the close too (NFS and some
  /// devices report a failed write only there); false on any error so far.
  bool close();

  /// Whether a write or the close failed.
  bool failed() const;

  /// "NAME: No space left on device" for the first error; empty if none.
  std::string error() const;

  /// The output's name in messages: the path, or "standard output".
  const std::string& name() const;

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace fetchsum::detail
