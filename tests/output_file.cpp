#define CAF_SUITE output_file
#include <caf/test/dsl.hpp>

#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "detail/output_file.hpp"

using fetchsum::detail::output_file;

namespace {

/// A fresh directory under /tmp, removed with everything in it.
struct temp_dir {
  std::string path;

  temp_dir() {
    char name[] = "/tmp/fetchsum-output-test-XXXXXX";
    path = mkdtemp(name);
  }

  ~temp_dir() {
    for (auto* file : {"/out", "/fifo"})
      ::unlink((path + file).c_str());
    ::rmdir(path.c_str());
  }
};

std::string slurp(const std::string& path) {
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

CAF_TEST(a regular file is truncated or appended to) {
  temp_dir dir;
  auto path = dir.path + "/out";
  std::ofstream{path} << "old\n";
  std::string problem;
  auto file = output_file::open(path, false, problem);
  CAF_REQUIRE(file);
  CAF_CHECK(file.write("new\n"));
  CAF_CHECK(file.close());
  CAF_CHECK_EQUAL(slurp(path), "new\n");
  auto journal = output_file::open(path, true, problem);
  CAF_REQUIRE(journal);
  CAF_CHECK(journal.write("more\n"));
  CAF_CHECK(journal.close());
  CAF_CHECK_EQUAL(slurp(path), "new\nmore\n");
  CAF_CHECK_EQUAL(journal.name(), path);
  CAF_CHECK_EQUAL(problem, "");
}

CAF_TEST(a directory is refused with a message) {
  temp_dir dir;
  std::string problem;
  auto file = output_file::open(dir.path, false, problem);
  CAF_CHECK(!file);
  CAF_CHECK_EQUAL(problem, dir.path + ": Is a directory");
}

CAF_TEST(a FIFO is written as it is) {
  temp_dir dir;
  auto path = dir.path + "/fifo";
  CAF_REQUIRE_EQUAL(::mkfifo(path.c_str(), 0600), 0);
  // A reader first, or opening for writing would wait for one.
  int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
  CAF_REQUIRE(reader >= 0);
  std::string problem;
  auto file = output_file::open(path, false, problem);
  CAF_REQUIRE(file);
  CAF_CHECK(file.write("abc\n"));
  char buf[8] = {};
  CAF_CHECK_EQUAL(::read(reader, buf, sizeof(buf)), 4);
  CAF_CHECK_EQUAL(std::string{buf}, "abc\n");
  struct stat info;
  CAF_REQUIRE_EQUAL(::stat(path.c_str(), &info), 0);
  CAF_CHECK(S_ISFIFO(info.st_mode));
  ::close(reader);
}

CAF_TEST(large writes go out in full through a pipe) {
  int fds[2];
  CAF_REQUIRE_EQUAL(::pipe(fds), 0);
  auto file = output_file::from_descriptor(fds[1], "pipe");
  // More than a pipe holds: the writer thread gets short writes.
  std::string text(1 << 20, 'x');
  std::string got;
  std::thread reader{[&] {
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof(buf))) > 0)
      got.append(buf, static_cast<size_t>(n));
  }};
  CAF_CHECK(file.write(text));
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);
  CAF_CHECK_EQUAL(got.size(), text.size());
}

CAF_TEST(the first error is kept and nothing is written after it) {
  // A descriptor open for reading only: every write fails with EBADF.
  int fd = ::open("/dev/null", O_RDONLY);
  CAF_REQUIRE(fd >= 0);
  auto file = output_file::from_descriptor(fd, "standard output");
  CAF_CHECK(!file.failed());
  CAF_CHECK_EQUAL(file.error(), "");
  CAF_CHECK(!file.write("x\n"));
  CAF_CHECK(file.failed());
  CAF_CHECK_EQUAL(file.error(), "standard output: Bad file descriptor");
  CAF_CHECK(!file.write("y\n"));
  // Not owned: close() leaves the descriptor open and keeps the error.
  CAF_CHECK(!file.close());
  CAF_CHECK_EQUAL(::close(fd), 0);
}

CAF_TEST(a stream that goes bad is an error and is not written again) {
  std::ostringstream text;
  output_file file{&text};
  CAF_CHECK(file.write("a\n"));
  text.setstate(std::ios::badbit);
  CAF_CHECK(!file.write("b\n"));
  CAF_CHECK(file.failed());
  text.clear();
  CAF_CHECK(!file.write("c\n"));
  CAF_CHECK_EQUAL(text.str(), "a\n");
}

CAF_TEST(copies share one file and its error) {
  std::ostringstream text;
  output_file file{&text};
  auto copy = file;
  text.setstate(std::ios::badbit);
  CAF_CHECK(!copy.write("x"));
  CAF_CHECK(file.failed());
  output_file none = nullptr;
  CAF_CHECK(!none);
  CAF_CHECK(none.write("ignored"));
  CAF_CHECK(none.close());
}
