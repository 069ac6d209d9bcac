#define CAF_SUITE http_parse
#include <caf/test/dsl.hpp>

#include <string>

#include "detail/http_parse.hpp"

using namespace fetchsum::detail;
using namespace std::string_view_literals;

namespace {

/// 1994-11-06 08:49:37 UTC, the date of RFC 9110's examples.
constexpr std::time_t rfc_example = 784111777;

} // namespace

CAF_TEST(retry after in seconds) {
  CAF_CHECK_EQUAL(parse_retry_after("120", 0), 120'000u);
  CAF_CHECK_EQUAL(parse_retry_after(" 7\r\n", 0), 7'000u);
  CAF_CHECK_EQUAL(parse_retry_after("0", 0), 0u);
  CAF_CHECK_EQUAL(parse_retry_after("", 0), 0u);
  CAF_CHECK_EQUAL(parse_retry_after("-5", 0), 0u);
  CAF_CHECK_EQUAL(parse_retry_after("12abc", 0), 0u);
  // Huge values are capped, however many digits.
  CAF_CHECK_EQUAL(parse_retry_after("99999999999999999999999999999999", 0),
                  max_retry_after_seconds * 1000);
}

CAF_TEST(retry after as an HTTP date in all three forms) {
  auto now = rfc_example - 60;
  CAF_CHECK_EQUAL(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
                  60'000u);
  CAF_CHECK_EQUAL(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now),
                  60'000u);
  CAF_CHECK_EQUAL(parse_retry_after("Sun Nov  6 08:49:37 1994", now), 60'000u);
  // A date in the past or now: no pause.
  CAF_CHECK_EQUAL(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
                                    rfc_example),
                  0u);
  CAF_CHECK_EQUAL(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
                                    rfc_example + 1),
                  0u);
  // Unreadable dates.
  for (auto text : {"Sun, 06 Nov 1994 08:49:37 CET", "Sun, 06 Foo 1994 08:49:37 GMT",
                    "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 32 Nov 1994 08:49:37 GMT",
                    "Sun, 06 Nov 1994 08:49:37 GMT trailing", "Sun,", "Sun"})
    CAF_CHECK_EQUAL(parse_retry_after(text, 0), 0u);
}

CAF_TEST(retry after far in the future is capped like the seconds form) {
  // Year 9999: in milliseconds about 2.5e14, in nanoseconds beyond int64;
  // the supervisor converts the value to caf::timespan.
  auto ms = parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", rfc_example);
  CAF_CHECK_EQUAL(ms, max_retry_after_seconds * 1000);
  CAF_CHECK(ms <= static_cast<uint64_t>(INT64_MAX / 1'000'000));
}

CAF_TEST(status lines) {
  auto ok = parse_status_line("HTTP/1.1 404 Not Found\r\n");
  CAF_REQUIRE(ok);
  CAF_CHECK_EQUAL(ok->version, "1.1"sv);
  CAF_CHECK_EQUAL(ok->code, 404u);
  CAF_CHECK_EQUAL(ok->reason, "Not Found"sv);
  auto h2 = parse_status_line("HTTP/2 200 \r\n");
  CAF_REQUIRE(h2);
  CAF_CHECK_EQUAL(h2->version, "2"sv);
  CAF_CHECK_EQUAL(h2->code, 200u);
  CAF_CHECK_EQUAL(h2->reason, ""sv);
  auto bare = parse_status_line("HTTP/1.0 999");
  CAF_REQUIRE(bare);
  CAF_CHECK_EQUAL(bare->code, 999u);
  for (auto line : {"HELLO THERE\r\n", "HTTP/1.1 abc OK\r\n", "HTTP/1.1 20 OK",
                    "HTTP/1.1 2000 OK", "HTTP/x 200 OK", "HTTP/1.1 099 Low",
                    "HTTP/1.1  200 OK", "HTTP/", ""})
    {
      CAF_MESSAGE("case: " << line);
      CAF_CHECK(!parse_status_line(line));
    }
  // libcurl 7.88 takes "HTTP/" in any case; so must we, or a lower-case
  // redirect hop would not reset the response checker.
  CAF_CHECK(parse_status_line("http/1.1 200 OK"));
  CAF_CHECK(!parse_status_line("HTTP/1.1 200 O\x01K"sv));
  CAF_CHECK(!parse_status_line("HTTP/1.1 200 O\0K"sv));
}

CAF_TEST(content length) {
  CAF_CHECK_EQUAL(parse_content_length("0"), 0u);
  CAF_CHECK_EQUAL(parse_content_length(" 12345 "), 12345u);
  CAF_CHECK_EQUAL(parse_content_length("5, 5"), 5u);
  CAF_CHECK_EQUAL(parse_content_length("9223372036854775807"),
                  uint64_t{9223372036854775807u});
  for (auto text : {"", " ", "-5", "+5", "5x", "0x10", "5, 3", "5,,x",
                    "9223372036854775808", "99999999999999999999999"})
    {
      CAF_MESSAGE("case: " << text);
      CAF_CHECK(!parse_content_length(text));
    }
}

CAF_TEST(only chunked transfer coding is accepted) {
  for (auto text : {"chunked", "Chunked", " chunked ", "chunked, chunked", ""})
    {
      CAF_MESSAGE("case: " << text);
      CAF_CHECK(only_chunked(text));
    }
  for (auto text : {"gzip", "gzip, chunked", "chunked, gzip", "deflate",
                    "br", "identity", "x-whatever"})
    {
      CAF_MESSAGE("case: " << text);
      CAF_CHECK(!only_chunked(text));
    }
}

CAF_TEST(header values match names in any case) {
  std::string_view value;
  CAF_CHECK(header_value("content-LENGTH:  42 \r\n", "Content-Length", value));
  CAF_CHECK_EQUAL(value, "42"sv);
  CAF_CHECK(!header_value("Content-Length-X: 4", "content-length", value));
  CAF_CHECK(!header_value("Content-Length : 4", "content-length", value));
  CAF_CHECK(!header_value("Content-Lengt", "content-length", value));
}

CAF_TEST(the response checker finds what libcurl lets through) {
  response_checker check;
  CAF_CHECK(check.feed("HTTP/1.1 200 OK\r\n") == header_problem::none);
  CAF_CHECK(check.in_headers());
  CAF_CHECK_EQUAL(check.code(), 200u);
  CAF_CHECK(check.feed("Content-Length: 5\r\n") == header_problem::none);
  // The same length twice is fine; another one is not.
  CAF_CHECK(check.feed("content-length: 5\r\n") == header_problem::none);
  CAF_CHECK(check.feed("Content-Length: 3\r\n")
            == header_problem::conflicting_content_length);
  CAF_CHECK(check.feed("Content-Length: 5x\r\n")
            == header_problem::bad_content_length);
  CAF_CHECK(check.feed("Content-Length: 5, 6\r\n")
            == header_problem::conflicting_content_length);
  CAF_CHECK(check.feed("Transfer-Encoding: gzip, chunked\r\n")
            == header_problem::unsupported_transfer_encoding);
  CAF_CHECK(check.feed("Transfer-Encoding: chunked\r\n") == header_problem::none);
  CAF_CHECK(check.feed("\r\n") == header_problem::none);
  CAF_CHECK(!check.in_headers());
  // The next response (a redirect hop) starts afresh.
  CAF_CHECK(check.feed("HTTP/1.1 302 Found\r\n") == header_problem::none);
  CAF_CHECK(!check.content_length());
  CAF_CHECK(check.feed("Content-Length: 3\r\n") == header_problem::none);
  CAF_CHECK_EQUAL(check.content_length(), 3u);
  CAF_CHECK(check.feed("http/1.0 200 OK\r\n") == header_problem::none);
  CAF_CHECK(check.feed("Content-Length: 7\r\n") == header_problem::none);
  CAF_CHECK(check.feed("HTTP/1.1 abc\r\n") == header_problem::bad_status_line);
  CAF_CHECK_EQUAL(check.code(), 0u);
}
