#define CAF_SUITE url_origin
#include <caf/test/dsl.hpp>

#include "detail/url_origin.hpp"

using fetchsum::error_kind;
using fetchsum::detail::check_url;

CAF_TEST(http and https URLs name their origin with an explicit port) {
  CAF_CHECK_EQUAL(check_url("http://Example.ORG/a?b=c").origin,
                  "http://example.org:80");
  CAF_CHECK_EQUAL(check_url("https://example.org/").origin,
                  "https://example.org:443");
  CAF_CHECK_EQUAL(check_url("http://127.0.0.1:8080/x").origin,
                  "http://127.0.0.1:8080");
  CAF_CHECK_EQUAL(check_url("http://[::1]:9/").origin, "http://[::1]:9");
  // One origin, however it is spelled.
  CAF_CHECK_EQUAL(check_url("http://a.test/").origin,
                  check_url("HTTP://A.TEST:80/other").origin);
  CAF_CHECK(check_url("https://a.test/").error == error_kind::none);
}

CAF_TEST(other schemes are rejected without being fetched) {
  for (auto url : {"file:///etc/passwd", "ftp://127.0.0.1/x",
                   "gopher://127.0.0.1/", "dict://x/"}) {
    auto checked = check_url(url);
    CAF_CHECK(checked.error == error_kind::unsupported_scheme);
    CAF_CHECK(checked.origin.empty());
  }
}

CAF_TEST(malformed input is a bad URL) {
  for (auto url : {"not a url", "http://exa mple/", "http://", "://x",
                   "example.org/no-scheme", ""}) {
    auto checked = check_url(url);
    CAF_MESSAGE(url << " gave " << to_string(checked.error));
    CAF_CHECK(checked.error == error_kind::bad_url);
    CAF_CHECK(!checked.message.empty());
  }
}
