#include "detail/journal.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_set>

#include "detail/digest.hpp"
#include "detail/line_reader.hpp"
#include "detail/record_json.hpp"

namespace fetchsum::detail {

namespace {

std::string errno_text(const std::string& path, int code) {
  return path + ": " + std::strerror(code);
}

/// Closes a descriptor when it goes out of scope.
struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0)
      ::close(fd);
  }
};

bool write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

/// A file rewritten atomically: lines go to a temporary file created
/// (O_EXCL) in the same directory, which replaces the original by rename
/// only once it is complete and on disk.
class replacement {
public:
  /// `target` must be the real path of a regular file.
  explicit replacement(const std::string& target) : target_(target) {
    auto slash = target.rfind('/');
    auto dir = slash == std::string::npos ? std::string{"."}
                                          : target.substr(0, slash + 1);
    auto base = slash == std::string::npos ? target : target.substr(slash + 1);
    temp_ = dir + (dir.back() == '/' ? "" : "/") + "." + base + ".XXXXXX";
    fd_.fd = ::mkstemp(temp_.data());
    if (fd_.fd < 0)
      error_ = errno;
  }

  ~replacement() {
    if (!committed_ && fd_.fd >= 0)
      ::unlink(temp_.c_str());
  }

  void add(const std::string& text) {
    if (error_ == 0 && !write_all(fd_.fd, text))
      error_ = errno != 0 ? errno : EIO;
  }

  /// Returns an error text, or empty once the original is replaced.
  std::string commit() {
    if (error_ == 0 && ::fsync(fd_.fd) != 0)
      error_ = errno;
    if (error_ == 0 && ::close(fd_.fd) != 0)
      error_ = errno;
    fd_.fd = -1;
    if (error_ == 0 && ::rename(temp_.c_str(), target_.c_str()) != 0)
      error_ = errno;
    if (error_ != 0) {
      ::unlink(temp_.c_str());
      return target_ + ": cannot rewrite the journal: "
             + std::strerror(error_);
    }
    committed_ = true;
    return {};
  }

private:
  std::string target_;
  std::string temp_;
  fd_guard fd_;
  int error_ = 0;
  bool committed_ = false;
};

/// Only the requested digests, in the requested order; false if one lacks.
bool keep_requested(std::vector<digest_value>& digests,
                    const std::vector<std::string>& algorithms) {
  std::vector<digest_value> kept;
  for (auto& name : algorithms) {
    auto i = std::find_if(digests.begin(), digests.end(),
                          [&](auto& d) { return d.algo == name; });
    if (i == digests.end())
      return false;
    kept.push_back(std::move(*i));
  }
  digests = std::move(kept);
  return true;
}

/// Reads fetchsum JSON lines from `path` and hands each record with its raw
/// line to `on_record`. Returns an error text, or empty.
template <class OnRecord>
std::string read_records(const std::string& path, int fd, const char* what,
                         OnRecord on_record, bool* torn = nullptr) {
  auto lines = line_reader::from_fd(fd);
  std::string line;
  for (;;) {
    switch (lines.next(line)) {
      case line_reader::result::end:
        return {};
      case line_reader::result::error:
        return errno_text(path, lines.error_code());
      case line_reader::result::too_long:
        return path + ": line " + std::to_string(lines.line_number() + 1)
               + " is longer than " + std::to_string(max_line_length)
               + " bytes: not " + what;
      case line_reader::result::line:
        break;
    }
    if (line.empty())
      continue;
    if (!lines.terminated() && torn != nullptr)
      *torn = true; // the writer was killed mid-line
    std::string why;
    auto record = read_json_record(line, &why);
    if (!record) {
      if (!lines.terminated())
        return {}; // torn: dropped
      return path + ": line " + std::to_string(lines.line_number())
             + " is not a fetchsum JSON record (" + why + "): not " + what;
    }
    on_record(*record, line);
  }
}

} // namespace

std::string resume_journal(const std::string& path,
                           const std::vector<std::string>& algorithms,
                           journaled_records& done) {
  struct stat info{};
  if (::stat(path.c_str(), &info) != 0)
    return errno == ENOENT ? std::string{} : errno_text(path, errno);
  if (!S_ISREG(info.st_mode))
    return path + ": not a regular file (a journal is rewritten when a run"
                  " resumes)";
  // A symlink to a journal: rewrite the file it points to, keep the link.
  char real[PATH_MAX];
  if (::realpath(path.c_str(), real) == nullptr)
    return errno_text(path, errno);
  fd_guard in;
  in.fd = ::open(real, O_RDONLY | O_CLOEXEC);
  if (in.fd < 0)
    return errno_text(path, errno);
  // First pass: what is kept. The kept lines are written out again only if
  // something is dropped, in a second pass over the file (a regular file can
  // be read twice), so memory holds the records, not the file.
  uint64_t dropped = 0;
  bool torn = false;
  auto problem = read_records(
    path, in.fd, "a fetchsum journal", [&](url_result& record, std::string&) {
      bool keep = record.mark != "gone"
                  && record.report.error == error_kind::none
                  && keep_requested(record.digests, algorithms)
                  && done.count(record.url) == 0;
      if (!keep) {
        dropped += 1;
        return;
      }
      auto url = record.url;
      done.emplace(std::move(url), std::move(record));
    }, &torn);
  if (!problem.empty())
    return problem;
  if (dropped == 0 && !torn) // appending after a torn line would glue two
    return {};
  if (::lseek(in.fd, 0, SEEK_SET) != 0)
    return errno_text(path, errno);
  // Second pass: every kept record, in the order of the file.
  replacement out{real};
  std::unordered_set<std::string> written;
  problem = read_records(path, in.fd, "a fetchsum journal",
                         [&](url_result& record, std::string& line) {
                           if (record.mark == "gone"
                               || record.report.error != error_kind::none
                               || done.count(record.url) == 0
                               || !keep_requested(record.digests, algorithms)
                               || !written.insert(record.url).second)
                             return;
                           out.add(line + '\n');
                         });
  if (!problem.empty())
    return problem;
  return out.commit();
}

std::string load_previous_run(
  const std::string& path,
  std::unordered_map<std::string, earlier_digests>& previous,
  std::vector<std::string>& algorithms, conditional_requests* conditional,
  const std::vector<std::string>& wanted) {
  struct stat info{};
  if (::stat(path.c_str(), &info) != 0)
    return errno_text(path, errno);
  if (S_ISDIR(info.st_mode))
    return errno_text(path, EISDIR);
  fd_guard in;
  in.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in.fd < 0)
    return errno_text(path, errno);
  return read_records(path, in.fd, "a fetchsum --format json run",
                      [&](url_result& record, std::string&) {
                        if (record.mark == "gone"
                            || record.report.error != error_kind::none)
                          return;
                        earlier_digests digests;
                        for (auto& d : record.digests) {
                          if (std::find(algorithms.begin(), algorithms.end(),
                                        d.algo)
                              == algorithms.end())
                            algorithms.push_back(d.algo);
                          digests.emplace_back(d.algo, to_hex(d.bytes));
                        }
                        // Only a record with every digest this run makes
                        // can stand in for a body the server says is the
                        // same (304).
                        auto has = [&](const std::string& algo) {
                          for (auto& d : digests)
                            if (d.first == algo)
                              return true;
                          return false;
                        };
                        // And only where the earlier answer came from the
                        // URL itself: validators of a redirect's target say
                        // nothing about where the URL leads today.
                        bool redirected
                          = !record.report.redirects.empty()
                            || (!record.report.final_url.empty()
                                && record.report.final_url != record.url);
                        if (conditional != nullptr && !redirected
                            && (!record.report.etag.empty()
                                || !record.report.last_modified.empty())
                            && std::all_of(wanted.begin(), wanted.end(), has))
                          (*conditional)[record.url] = conditional_request{
                            record.report.etag, record.report.last_modified};
                        else if (conditional != nullptr)
                          conditional->erase(record.url); // a later line wins
                        previous[record.url] = std::move(digests);
                      });
}

} // namespace fetchsum::detail
