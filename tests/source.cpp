#define CAF_SUITE source
#include "tests/fixture.hpp"

#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "actors/source.hpp"
#include "detail/line_reader.hpp"
#include "detail/url_origin.hpp"

using namespace fetchsum;

namespace {

struct fixture : test::fixture {
  std::vector<std::string> files;
  /// What the source re-emits, as if a journal had these URLs OK.
  std::shared_ptr<detail::journaled_records> journaled;
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
    std::vector<source_input> inputs;
    for (auto& path : paths)
      inputs.push_back(source_input::list_file(std::move(path)));
    return spawn_inputs(std::move(inputs));
  }

  source_actor spawn_inputs(std::vector<source_input> inputs) {
    auto src = sys.spawn(source, std::move(inputs), journaled, settings);
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
    CAF_CHECK_EQUAL(batch.jobs[i].url_seq, i);
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
  CAF_CHECK_EQUAL(second.jobs[0].url_seq, 2u);
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
  CAF_CHECK_EQUAL(batch.jobs.back().url_seq, 2u);
  CAF_CHECK(batch.last);
}

CAF_TEST(a 64 KiB line comes through intact and a longer one ends the input) {
  std::string longest = "http://h/" + std::string(detail::max_line_length - 9, 'x');
  auto src = spawn_source({list("http://h/before\n" + longest + "\nhttp://h/after\n"
                                + longest + "y\nhttp://h/never\n")});
  auto batch = pull(src, 10);
  CAF_REQUIRE_EQUAL(batch.jobs.size(), 3u);
  CAF_CHECK(batch.jobs[1].url == longest);
  CAF_CHECK_EQUAL(batch.jobs[2].url, "http://h/after");
  CAF_CHECK(batch.last);
  CAF_CHECK_EQUAL(batch.read_error.substr(batch.read_error.find(':')),
                  ": line 4 is longer than 65536 bytes (not a URL list?)");
}

CAF_TEST(a list of zero bytes is refused without reading it all) {
  // As /dev/zero would be: one endless line.
  auto src = spawn_source({list(std::string(1 << 20, '\0'))});
  auto batch = pull(src, 10);
  CAF_CHECK(batch.jobs.empty());
  CAF_CHECK(batch.last);
  CAF_CHECK(batch.read_error.find("line 1 is longer") != std::string::npos);
}

CAF_TEST(CR alone ends a line and NUL stays in the URL for check_url to refuse) {
  auto src = spawn_source({list(std::string{"http://h/1\rhttp://h/2\r\n"
                                            "http://h/3\0evil\n", 39})});
  auto batch = pull(src, 10);
  CAF_REQUIRE_EQUAL(batch.jobs.size(), 3u);
  CAF_CHECK_EQUAL(batch.jobs[0].url, "http://h/1");
  CAF_CHECK_EQUAL(batch.jobs[1].url, "http://h/2");
  CAF_CHECK_EQUAL(batch.jobs[2].url, (std::string{"http://h/3\0evil", 15}));
}

CAF_TEST(other control bytes stay in the URL and check_url refuses each) {
  // Only blanks and tabs around a line are trimmed: a control byte inside or
  // at an end (ESC, DEL, SOH, VT, a TAB between words) stays in the URL, so
  // the record names the line as it is and check_url makes it bad_url.
  auto src = spawn_source({list("http://h/a?\x01\n"
                                "http://h/\x1b[2J\n"
                                "http://h/b\x7f\n"
                                "http://h/c?a\tb\n"
                                "\x01http://h/d\n"
                                "http://h/e\x0b\n"
                                "http://h/ok\n")});
  auto batch = pull(src, 10);
  std::vector<std::string> lines{"http://h/a?\x01", "http://h/\x1b[2J",
                                 "http://h/b\x7f",  "http://h/c?a\tb",
                                 "\x01http://h/d",  "http://h/e\x0b"};
  auto want = lines;
  want.emplace_back("http://h/ok");
  CAF_CHECK_EQUAL(urls(batch), want);
  for (auto& line : lines) {
    auto checked = detail::check_url(line);
    CAF_CHECK(checked.error == error_kind::bad_url);
    CAF_CHECK(checked.message.find("control character") != std::string::npos);
    CAF_CHECK(checked.origin.empty());
  }
  CAF_CHECK(detail::check_url("http://h/ok").error == error_kind::none);
  // Every byte below 0x20 and DEL; a byte of UTF-8 is not a control byte.
  for (int c = 1; c < 0x20; ++c)
    CAF_CHECK(detail::check_url("http://h/x" + std::string(1, static_cast<char>(c)))
                .error
              == error_kind::bad_url);
  CAF_CHECK(detail::check_url("http://h/x\x7f").error == error_kind::bad_url);
  CAF_CHECK(detail::check_url("http://h/\xc3\xa9").error != error_kind::bad_url);
}

CAF_TEST(URLs the journal has OK are re-emitted in place) {
  url_result earlier;
  earlier.url = "http://h/2";
  earlier.url_seq = 77;
  earlier.attempts = 1;
  journaled = std::make_shared<detail::journaled_records>();
  journaled->emplace(earlier.url, earlier);
  auto src = spawn_source({list("http://h/1\nhttp://h/2\nhttp://h/3\nhttp://h/2\n")});
  auto batch = pull(src, 10);
  // The second http://h/2 is fetched: an uninterrupted run fetches it twice.
  CAF_CHECK_EQUAL(urls(batch), (std::vector<std::string>{"http://h/1", "http://h/3",
                                                         "http://h/2"}));
  CAF_REQUIRE_EQUAL(batch.journaled.size(), 1u);
  CAF_CHECK_EQUAL(batch.journaled[0].url, "http://h/2");
  CAF_CHECK_EQUAL(batch.journaled[0].url_seq, 1u); // numbered in input order
  CAF_CHECK(batch.journaled[0].journaled);
  CAF_CHECK_EQUAL(batch.jobs[1].url_seq, 2u);
  CAF_CHECK(journaled->empty());
}

CAF_TEST(jobs carry the conditional request of the earlier run once) {
  settings.conditional = std::make_shared<conditional_requests>();
  settings.conditional->emplace("http://h/2", conditional_request{"\"e2\"", ""});
  settings.conditional->emplace("http://h/9", conditional_request{"", "Mon, 14 Sep 2020 12:26:40 GMT"});
  auto src = spawn_source({list("http://h/1\nhttp://h/2\nhttp://h/2\n")});
  auto batch = pull(src, 10);
  CAF_REQUIRE_EQUAL(batch.jobs.size(), 3u);
  CAF_CHECK(batch.jobs[0].conditional.empty());
  CAF_CHECK_EQUAL(batch.jobs[1].conditional.if_none_match, "\"e2\"");
  // Asked once: the second listing of h/2 fetches the body (as an
  // uninterrupted run of an earlier version did).
  CAF_CHECK(batch.jobs[2].conditional.empty());
  CAF_CHECK_EQUAL(settings.conditional->size(), 1u); // h/9: not listed
}

CAF_TEST(a checksum list without one checksum line is named) {
  settings.check = true;
  auto src = spawn_source({list("<html>not found</html>\n"), list(""),
                           list("# only a comment\n")});
  auto batch = pull(src, 10);
  CAF_CHECK(batch.jobs.empty());
  CAF_CHECK_EQUAL(batch.malformed, 1u);
  CAF_CHECK_EQUAL(batch.unformatted_lists, files);
}

CAF_TEST(an unreadable list is a read error) {
  auto src = spawn_source({list("a\n"), "/nonexistent/fetchsum/list"});
  auto batch = pull(src, 10);
  CAF_CHECK_EQUAL(urls(batch), (std::vector<std::string>{"a"}));
  CAF_CHECK(batch.last);
  CAF_CHECK_EQUAL(batch.read_error,
                  "/nonexistent/fetchsum/list: No such file or directory");
}

CAF_TEST(URL arguments stand for themselves among the lists in order) {
  auto src = spawn_inputs({source_input::url("https://a/x.iso"),
                           source_input::list_file(list("http://h/1\nhttp://h/2\n")),
                           source_input::url("http:bad"),
                           source_input::url("https://b/x.iso")});
  auto batch = pull(src, 3);
  CAF_CHECK_EQUAL(urls(batch), (std::vector<std::string>{"https://a/x.iso",
                                                         "http://h/1",
                                                         "http://h/2"}));
  CAF_CHECK(!batch.last);
  auto rest = pull(src, 10);
  // A malformed URL argument is handed out like a list line: the supervisor
  // makes it a bad_url record.
  CAF_CHECK_EQUAL(urls(rest), (std::vector<std::string>{"http:bad",
                                                        "https://b/x.iso"}));
  CAF_CHECK_EQUAL(rest.jobs[1].url_seq, 4u);
  CAF_CHECK(rest.last);
}

CAF_TEST(names of a fetched checksum file resolve against its final URL) {
  settings.check = true;
  std::string sum(64, 'a');
  auto text = std::make_shared<const std::string>(
    sum + "  a.tar.gz\n" + sum + " *./sub/b.iso\n" + sum
    + "  ../other/c d\n" + sum + "  https://mirror/e.iso\nnot a line\n");
  auto src = spawn_inputs({source_input::fetched(
    "https://host/latest/SHA256SUMS", text, "https://host/v1.2/SHA256SUMS")});
  auto batch = pull(src, 10);
  CAF_CHECK_EQUAL(urls(batch), (std::vector<std::string>{
                                 "https://host/v1.2/a.tar.gz",
                                 "https://host/v1.2/sub/b.iso",
                                 "https://host/other/c%20d",
                                 "https://mirror/e.iso"}));
  CAF_CHECK_EQUAL(batch.malformed, 1u);
  CAF_CHECK(batch.unformatted_lists.empty());
  CAF_CHECK(batch.last);
}

CAF_TEST(base applies to its own list only and names nothing without one) {
  settings.check = true;
  std::string line = std::string(64, 'b') + "  a.tar.gz\n";
  auto src = spawn_inputs(
    {source_input::list_file(list(line), "http://127.0.0.1:1/pub/"),
     source_input::list_file(list(line)),
     source_input::fetched("http://h/SUMS",
                           std::make_shared<const std::string>("junk\n"),
                           "http://h/SUMS")});
  auto batch = pull(src, 10);
  CAF_CHECK_EQUAL(urls(batch), (std::vector<std::string>{
                                 "http://127.0.0.1:1/pub/a.tar.gz",
                                 "a.tar.gz"}));
  // A fetched file without a checksum line is named by its URL as given.
  CAF_CHECK_EQUAL(batch.unformatted_lists,
                  (std::vector<std::string>{"http://h/SUMS"}));
}

CAF_TEST_FIXTURE_SCOPE_END()
