#define CAF_SUITE journal
#include <caf/test/dsl.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "detail/journal.hpp"

using namespace fetchsum::detail;

namespace {

std::string temp_path() {
  char path[] = "/tmp/fetchsum-journal-test-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  return path;
}

std::string slurp(const std::string& path) {
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string ok_a = R"({"url":"http://h/a","seq":0,"ok":true,"digests":{},"error":null})";
const std::string failed_b = R"({"url":"http://h/b","seq":1,"ok":false,"digests":{},"error":"dns"})";
const std::string ok_c = R"({"url":"http://h/\"c\"\\","seq":2,"ok":true,"digests":{},"error":null})";

} // namespace

CAF_TEST(the url of a record is unescaped and torn lines have none) {
  CAF_CHECK_EQUAL(journal_url(ok_a), "http://h/a");
  CAF_CHECK_EQUAL(journal_url(ok_c), "http://h/\"c\"\\");
  CAF_CHECK_EQUAL(journal_url(ok_a.substr(0, 20)), "");
  CAF_CHECK_EQUAL(journal_url(ok_a.substr(0, ok_a.size() - 1)), "");
  CAF_CHECK_EQUAL(journal_url("garbage"), "");
}

// Found by tests/fuzz/fuzz_journal_line: a backslash-u escape without four
// hex digits threw std::invalid_argument out of std::stoi and aborted
// --journal, --diff and -c on a damaged file.
CAF_TEST(a broken unicode escape makes a line no record) {
  CAF_CHECK_EQUAL(journal_url(R"({"url":"http://h/\u0041","ok":true})"),
                  "http://h/A");
  for (auto escape : {R"(\uM041)", R"(\u+041)", R"(\u 041)", R"(\u00")"})
    CAF_CHECK_EQUAL(journal_url(std::string{R"({"url":"http://h/)"} + escape
                                + R"(","ok":true})"),
                    "");
}

CAF_TEST(resuming keeps OK records and drops failed and torn ones) {
  auto path = temp_path();
  {
    std::ofstream out{path};
    out << ok_a << '\n' << failed_b << '\n' << ok_c << '\n'
        << ok_a << '\n'                       // a duplicate OK record
        << ok_a.substr(0, 30);                // kill -9 mid-write
  }
  std::string error;
  auto done = resume_journal(path, error);
  CAF_CHECK_EQUAL(error, "");
  CAF_CHECK_EQUAL(done.size(), 2u);
  CAF_CHECK(done.count("http://h/a") == 1);
  CAF_CHECK(done.count("http://h/\"c\"\\") == 1);
  CAF_CHECK(done.count("http://h/b") == 0);
  CAF_CHECK_EQUAL(slurp(path), ok_a + "\n" + ok_c + "\n");
  std::remove(path.c_str());
}

CAF_TEST(a missing journal is an empty one) {
  std::string error;
  auto done = resume_journal("/tmp/fetchsum-no-such-journal", error);
  CAF_CHECK(done.empty());
  CAF_CHECK_EQUAL(error, "");
  std::remove("/tmp/fetchsum-no-such-journal");
}
