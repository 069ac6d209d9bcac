#include "detail/output_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fetchsum::detail {

struct output_file::impl {
  std::string name;
  int fd = -1;
  /// Whether close() closes `fd` (not for standard output).
  bool owned = false;
  std::ostream* stream = nullptr;
  /// errno of the first failure, 0 while all is well.
  int error = 0;

  ~impl() {
    if (owned && fd >= 0)
      ::close(fd);
  }

  void fail(int code) {
    if (error == 0)
      error = code != 0 ? code : EIO;
  }
};

output_file::output_file(std::ostream* os) {
  if (os == nullptr)
    return;
  impl_ = std::make_shared<impl>();
  impl_->name = "output stream";
  impl_->stream = os;
}

output_file output_file::from_descriptor(int fd, std::string name) {
  output_file result;
  result.impl_ = std::make_shared<impl>();
  result.impl_->name = std::move(name);
  result.impl_->fd = fd;
  return result;
}

output_file output_file::open(const std::string& path, bool append,
                              std::string& problem) {
  // No O_TRUNC here: the file is truncated below only once it is known to be
  // a regular file, so a device or FIFO given as -o is written as it is, and
  // nothing is replaced in between looking and opening.
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : 0);
  int fd = ::open(path.c_str(), flags, 0666);
  if (fd < 0) {
    problem = path + ": " + std::strerror(errno);
    return {};
  }
  auto result = from_descriptor(fd, path);
  result.impl_->owned = true;
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    problem = path + ": " + std::strerror(errno);
    return {};
  }
  if (S_ISREG(info.st_mode)) {
    if (!append && ::ftruncate(fd, 0) != 0) {
      problem = path + ": " + std::strerror(errno);
      return {};
    }
  } else if (!S_ISCHR(info.st_mode) && !S_ISFIFO(info.st_mode)) {
    // A block device, say: never write records over a disk.
    problem = path + ": not a regular file, character device or FIFO";
    return {};
  }
  return result;
}

bool output_file::write(std::string_view data) {
  if (!impl_)
    return true;
  auto& st = *impl_;
  if (st.error != 0)
    return false;
  if (st.stream != nullptr) {
    st.stream->write(data.data(), static_cast<std::streamsize>(data.size()));
    st.stream->flush();
    if (!*st.stream)
      st.fail(EIO);
    return st.error == 0;
  }
  while (!data.empty()) {
    auto n = ::write(st.fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR)
        continue;
      st.fail(errno);
      return false;
    }
    if (n == 0) { // no progress and no errno: nothing more will fit
      st.fail(ENOSPC);
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool output_file::close() {
  if (!impl_)
    return true;
  auto& st = *impl_;
  if (st.owned && st.fd >= 0) {
    // Linux closes the descriptor even when close() fails (EINTR too):
    // never retry, just keep the error.
    if (::close(st.fd) != 0 && errno != EINTR)
      st.fail(errno);
    st.fd = -1;
  }
  return st.error == 0;
}

bool output_file::failed() const {
  return impl_ && impl_->error != 0;
}

std::string output_file::error() const {
  if (!failed())
    return {};
  return impl_->name + ": " + std::strerror(impl_->error);
}

const std::string& output_file::name() const {
  static const std::string none;
  return impl_ ? impl_->name : none;
}

} // namespace fetchsum::detail
