#include "detail/line_reader.hpp"

#include <cerrno>
#include <memory>
#include <unistd.h>

namespace fetchsum::detail {

namespace {

constexpr size_t read_size = 64 * 1024;

} // namespace

line_reader::line_reader(read_function read, size_t max)
  : read_(std::move(read)), max_(max) {
  // nop
}

line_reader line_reader::from_fd(int fd, size_t max) {
  return line_reader{[fd](char* buffer, size_t size) -> ssize_t {
                       for (;;) {
                         auto n = ::read(fd, buffer, size);
                         if (n >= 0 || errno != EINTR)
                           return n;
                       }
                     },
                     max};
}

line_reader line_reader::from_string(std::string text, size_t max) {
  return from_shared(std::make_shared<const std::string>(std::move(text)), max);
}

line_reader line_reader::from_shared(std::shared_ptr<const std::string> data,
                                     size_t max) {
  auto pos = std::make_shared<size_t>(0);
  return line_reader{[data, pos](char* buffer, size_t size) -> ssize_t {
                       auto n = std::min(size, data->size() - *pos);
                       data->copy(buffer, n, *pos);
                       *pos += n;
                       return static_cast<ssize_t>(n);
                     },
                     max};
}

bool line_reader::fill() {
  if (eof_)
    return false;
  if (buffer_.size() < read_size)
    buffer_.resize(read_size);
  auto n = read_(buffer_.data(), buffer_.size());
  if (n < 0) {
    error_code_ = errno;
    eof_ = true;
    return false;
  }
  if (n == 0) {
    eof_ = true;
    return false;
  }
  pos_ = 0;
  end_ = static_cast<size_t>(n);
  if (skip_newline_ && buffer_[0] == '\n')
    pos_ = 1;
  skip_newline_ = false;
  return true;
}

line_reader::result line_reader::next(std::string& line) {
  line.clear();
  if (error_code_ != 0)
    return result::error;
  for (;;) {
    if (pos_ == end_ && !fill()) {
      if (error_code_ != 0)
        return result::error;
      if (line.empty())
        return result::end;
      // A last line without its end.
      line_number_ += 1;
      terminated_ = false;
      return result::line;
    }
    auto start = pos_;
    while (pos_ < end_ && buffer_[pos_] != '\n' && buffer_[pos_] != '\r')
      ++pos_;
    if (line.size() + (pos_ - start) > max_)
      return result::too_long;
    line.append(buffer_, start, pos_ - start);
    if (pos_ == end_)
      continue;
    // A line end: "\n", "\r" or "\r\n" (possibly split across two reads).
    if (buffer_[pos_++] == '\r') {
      if (pos_ < end_) {
        if (buffer_[pos_] == '\n')
          ++pos_;
      } else {
        skip_newline_ = true;
      }
    }
    line_number_ += 1;
    terminated_ = true;
    return result::line;
  }
}

std::string_view list_line_url(std::string_view line) {
  auto first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos || line[first] == '#')
    return {};
  auto last = line.find_last_not_of(" \t");
  return line.substr(first, last - first + 1);
}

} // namespace fetchsum::detail
