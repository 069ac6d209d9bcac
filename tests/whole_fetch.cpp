#define CAF_SUITE whole_fetch
#include <caf/test/dsl.hpp>

#include "detail/whole_fetch.hpp"
#include "origin/origin.hpp"

using namespace fetchsum;
using namespace fetchsum::detail;

namespace {

struct fixture {
  origin::server server{make_origin_options()};
  fetcher_settings settings;
  whole_fetch_limits limits;

  static origin::options make_origin_options() {
    origin::options opts;
    opts.documents = 2;
    return opts;
  }

  whole_file fetch(const std::string& path) {
    return fetch_whole(settings, server.base_url() + path, limits);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(whole_fetch_tests, fixture)

CAF_TEST(a file comes back whole with its final URL after redirects) {
  auto direct = fetch("/release/v1/SHA256SUMS");
  CAF_REQUIRE_EQUAL(direct.report.error, error_kind::none);
  CAF_CHECK_EQUAL(direct.attempts, 1u);
  CAF_CHECK_EQUAL(direct.body.find("  a.tar.gz\n"), 64u);
  auto redirected = fetch("/release/latest/SHA256SUMS");
  CAF_REQUIRE_EQUAL(redirected.report.error, error_kind::none);
  CAF_CHECK_EQUAL(redirected.body, direct.body);
  CAF_CHECK_EQUAL(redirected.report.final_url,
                  server.base_url() + "/release/v1/SHA256SUMS");
}

CAF_TEST(an error status keeps no body and says why) {
  auto missing = fetch("/release/v1/MISSING");
  CAF_CHECK_EQUAL(missing.report.error, error_kind::http_status);
  CAF_CHECK_EQUAL(missing.report.http_status, 404u);
  CAF_CHECK_EQUAL(missing.report.message, "HTTP 404 Not Found");
  CAF_CHECK(missing.body.empty());
}

CAF_TEST(a body over the cap fails and names the cap) {
  limits.max_bytes = 1000;
  limits.max_bytes_origin = "--max-size";
  // Content-Length says 3000: refused before the body.
  auto declared = fetch("/release/v1/a.tar.gz");
  CAF_CHECK_EQUAL(declared.report.error, error_kind::too_large);
  CAF_CHECK_EQUAL(declared.report.message, "larger than 1000 bytes (--max-size)");
  CAF_CHECK(declared.body.empty());
  // No Content-Length at all: cut off as the bytes come.
  auto endless = fetch("/endless");
  CAF_CHECK_EQUAL(endless.report.error, error_kind::too_large);
  CAF_CHECK(endless.body.empty());
}

CAF_TEST(transient failures are retried and counted) {
  limits.retries = 2;
  limits.retry_delay = std::chrono::milliseconds(1);
  auto flaky = fetch("/flaky/2/sums");
  CAF_CHECK_EQUAL(flaky.report.error, error_kind::none);
  CAF_CHECK_EQUAL(flaky.attempts, 3u);
  CAF_CHECK_EQUAL(flaky.body, "flaky 2/sums\n");
  // A 404 is final: one attempt.
  CAF_CHECK_EQUAL(fetch("/status/404").attempts, 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
