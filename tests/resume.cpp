#define CAF_SUITE resume
#include <caf/test/dsl.hpp>

#include "detail/resume.hpp"

// The plain rules of Range resume: what may go into If-Range and which 206
// continues a body. Everything else starts again from byte 0.

using namespace fetchsum::detail;

CAF_TEST(content range values are read strictly) {
  auto r = parse_content_range("bytes 100-199/1000");
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->first, 100u);
  CAF_CHECK_EQUAL(r->last, 199u);
  CAF_REQUIRE(r->total);
  CAF_CHECK_EQUAL(*r->total, 1000u);
  auto unknown = parse_content_range(" Bytes 0-9/* ");
  CAF_REQUIRE(unknown);
  CAF_CHECK(!unknown->total);
  for (auto bad : {"", "bytes", "bytes */1000", "items 0-9/10", "bytes 9-0/10",
                   "bytes 0-10/10", "bytes 0-9/10x", "bytes -1-9/10",
                   "bytes 0-9", "bytes 0-99999999999999999999/1"})
    if (parse_content_range(bad))
      CAF_FAIL("read as a range: " << bad);
}

CAF_TEST(if range takes a strong etag or a strong last modified only) {
  CAF_CHECK_EQUAL(if_range_validator("\"abc\"", "", ""), "\"abc\"");
  // Weak: not allowed in If-Range, and (RFC 9110 13.1.5) no date either
  // while there is an entity tag: not resumable.
  CAF_CHECK_EQUAL(if_range_validator("W/\"abc\"", "", ""), "");
  const char* modified = "Sat, 01 Jan 2022 00:00:00 GMT";
  CAF_CHECK_EQUAL(if_range_validator("W/\"abc\"", modified,
                                     "Sat, 01 Jan 2022 00:00:01 GMT"),
                  "");
  CAF_CHECK_EQUAL(if_range_validator("", modified,
                                     "Sat, 01 Jan 2022 00:00:01 GMT"),
                  modified);
  // Date within the Last-Modified second (or none): weak, not resumable.
  CAF_CHECK_EQUAL(if_range_validator("", modified, modified), "");
  CAF_CHECK_EQUAL(if_range_validator("", modified, ""), "");
  CAF_CHECK_EQUAL(if_range_validator("", "yesterday", "today"), "");
  // Nothing that could end a header line goes back to the server.
  CAF_CHECK_EQUAL(if_range_validator("\"a\x01\"", "", ""), "");
}

CAF_TEST(a 206 must carry the validator the if range named) {
  const char* modified = "Sat, 01 Jan 2022 00:00:00 GMT";
  CAF_CHECK_EQUAL(validator_problem("\"v1\"", "\"v1\"", ""), "");
  CAF_CHECK_EQUAL(validator_problem("\"v1\"", " \"v1\" ", modified), "");
  CAF_CHECK_EQUAL(validator_problem(modified, "", modified), "");
  // A server that honours Range but ignores If-Range: the rest is of
  // another body, or nobody can tell.
  CAF_CHECK_NOT_EQUAL(validator_problem("\"v1\"", "\"v2\"", ""), "");
  CAF_CHECK_NOT_EQUAL(validator_problem("\"v1\"", "", modified), "");
  CAF_CHECK_NOT_EQUAL(validator_problem(modified, "", "Sun, 02 Jan 2022 00:00:00 GMT"), "");
  CAF_CHECK_NOT_EQUAL(validator_problem(modified, "", ""), "");
}

CAF_TEST(a 206 continues only at the offset to the end of the same length) {
  auto range = [](const char* text) { return parse_content_range(text); };
  CAF_CHECK_EQUAL(continuation_problem(range("bytes 500-999/1000"), 500, 1000),
                  "");
  // The first answer declared no length: the 206's own total is the end.
  CAF_CHECK_EQUAL(continuation_problem(range("bytes 500-999/1000"), 500, 0), "");
  CAF_CHECK_NOT_EQUAL(continuation_problem(range("bytes 499-999/1000"), 500, 1000),
                      "");
  CAF_CHECK_NOT_EQUAL(continuation_problem(range("bytes 501-999/1000"), 500, 1000),
                      "");
  // Ends early: the rest would be missing from the digest.
  CAF_CHECK_NOT_EQUAL(continuation_problem(range("bytes 500-899/1000"), 500, 1000),
                      "");
  // Another length than the first answer: another representation.
  CAF_CHECK_NOT_EQUAL(continuation_problem(range("bytes 500-1099/1100"), 500, 1000),
                      "");
  CAF_CHECK_NOT_EQUAL(continuation_problem(range("bytes 500-999/*"), 500, 1000),
                      "");
  CAF_CHECK_NOT_EQUAL(continuation_problem(std::nullopt, 500, 1000), "");
}
