// libFuzzer target: an INI file given with --config-file, as
// check_config_file reads it after CAF. The input goes to an in-memory file
// (memfd) read through /proc/self/fd: nothing is left on disk, even when the
// fuzzer stops at a crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

#include "config/command_line.hpp"

namespace {

struct ini_file {
  int fd = memfd_create("fuzz_config_file.ini", 0);
  std::string path = "/proc/self/fd/" + std::to_string(fd);
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fetchsum::fetchsum_config cfg;
  static ini_file file;
  if (file.fd < 0) {
    std::perror("memfd_create");
    std::abort();
  }
  if (ftruncate(file.fd, 0) != 0
      || pwrite(file.fd, data, size, 0) != static_cast<ssize_t>(size)) {
    std::perror("writing the INI file");
    std::abort();
  }
  auto problem = fetchsum::check_config_file(cfg, file.path);
  // A problem is one line that names the file.
  if (!problem.empty() && problem.find(file.path) == std::string::npos)
    std::abort();
  return 0;
}
