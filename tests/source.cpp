#define CAF_SUITE source
#include "tests/fixture.hpp"

#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "actors/source.hpp"

using namespace fetchsum;

namespace {

struct fixture : test::fixture {
  std::vector<std::string> files;
  /// What the source skips, as if a journal had these URLs OK.
  std::shared_ptr<const std::unordered_set<std::string>> skip;
  source_settings settings;

  ~fixture() {
    for (auto& f : files)
      std::remove(f.c_str());
  }

  std::string list(const std::string& content) {
    char path[] = "/tmp/fetchsum-source-test-XXXXXX";
    int fd = mkstemp(path);
    CAF_REQUIRE(fd >= 0);
    CAF_REQUIRE(write(fd, content.data(), content.size())
                == static_cast<ssize_t>(content.size()));
    close(fd);
    files.emplace_back(path);
    return path;
  }

  // Pulls are sent and the deterministic scheduler run before reading the
  // reply: a blocking request would wait for a scheduler that never runs.
  url_batch pull(const source_actor& src, uint32_t n) {
    self->send(src, pull_atom_v, n);
    sched.run();
    url_batch result;
    bool got = false;
    self->receive([&](url_batch& batch) { result = std::move(batch); got = true; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    CAF_REQUIRE(got);
    return result;
  }

  source_actor spawn_source(std::vector<std::string> paths) {
    auto src = sys.spawn(source, std::move(paths), skip, settings);
    sched.run();
    return src;
  }

  static std::vector<std::string> urls(const url_batch& batch) {
    std::vector<std::string> result;
    for (auto& job : batch.jobs)
      result.push_back(job.url);
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(source_tests, fixture)

CAF_TEST(comments blanks CRLF and whitespace are handled) {
  auto src = spawn_source({list("# a comment\r\n"
                                "http://h/1\r\n"
                                "\r\n"
                                "   \t\n"
                                "  http://h/2  \n"
                                "\thttp://h/3\t\r\n"
                                "#http://h/commented\n"
                                "http://h/4")}); // no final newline
  auto batch = pull(src, 100);
  CAF_CHECK_EQUAL(urls(batch), (std::vector<std::string>{
                                 "http://h/1", "http://h/2", "http://h/3",
                                 "http://h/4"}));
  CAF_CHECK(batch.last);
  CAF_CHECK(batch.read_error.empty());
  for (uint64_t i = 0; i < batch.jobs.size(); ++i)
    CAF_CHECK_EQUAL(batch.jobs[i].seq, i);
}

CAF_TEST(an empty list ends at once) {
  auto src = spawn_source({list("")});
  auto batch = pull(src, 10);
  CAF_CHECK(batch.jobs.empty());
  CAF_CHECK(batch.last);
}

CAF_TEST(batches respect n and read lazily) {
  auto src = spawn_source({list("a\nb\nc\nd\ne\n")});
  auto first = pull(src, 2);
  CAF_CHECK_EQUAL(urls(first), (std::vector<std::string>{"a", "b"}));
  CAF_CHECK(!first.last);
  auto second = pull(src, 2);
  CAF_CHECK_EQUAL(urls(second), (std::vector<std::string>{"c", "d"}));
  CAF_CHECK_EQUAL(second.jobs[0].seq, 2u);
  auto third = pull(src, 2);
  CAF_CHECK_EQUAL(urls(third), (std::vector<std::string>{"e"}));
  CAF_CHECK(third.last);
  // Pulling after the end is harmless.
  auto after = pull(src, 2);
  CAF_CHECK(after.jobs.empty());
  CAF_CHECK(after.last);
}

CAF_TEST(several lists are read in order with continuous ids) {
  auto src = spawn_source({list("a\nb\n"), list("# only a comment\n"),
                           list("c\n")});
  auto batch = pull(src, 10);
  CAF_CHECK_EQUAL(urls(batch), (std::vector<std::string>{"a", "b", "c"}));
  CAF_CHECK_EQUAL(batch.jobs.back().seq, 2u);
  CAF_CHECK(batch.last);
}

CAF_TEST(a 10 MB line comes through intact) {
  std::string huge = "http://h/" + std::string(10 * 1000 * 1000, 'x');
  auto src = spawn_source({list("http://h/before\n" + huge + "\nhttp://h/after\n")});
  auto batch = pull(src, 10);
  CAF_REQUIRE_EQUAL(batch.jobs.size(), 3u);
  CAF_CHECK_EQUAL(batch.jobs[1].url.size(), huge.size());
  CAF_CHECK(batch.jobs[1].url == huge);
  CAF_CHECK_EQUAL(batch.jobs[2].url, "http://h/after");
}

CAF_TEST(URLs the journal has OK are skipped and counted) {
  skip = std::make_shared<const std::unordered_set<std::string>>(
    std::unordered_set<std::string>{"http://h/2"});
  auto src = spawn_source({list("http://h/1\nhttp://h/2\nhttp://h/3\n")});
  auto batch = pull(src, 10);
  CAF_CHECK_EQUAL(urls(batch), (std::vector<std::string>{"http://h/1", "http://h/3"}));
  CAF_CHECK_EQUAL(batch.jobs[1].seq, 1u); // ids stay dense
  CAF_CHECK_EQUAL(batch.skipped, 1u);
}

CAF_TEST(an unreadable list is a read error) {
  auto src = spawn_source({list("a\n"), "/nonexistent/fetchsum/list"});
  auto batch = pull(src, 10);
  CAF_CHECK_EQUAL(urls(batch), (std::vector<std::string>{"a"}));
  CAF_CHECK(batch.last);
  CAF_CHECK_EQUAL(batch.read_error,
                  "/nonexistent/fetchsum/list: No such file or directory");
}

CAF_TEST_FIXTURE_SCOPE_END()
