#define CAF_SUITE checksum_line
#include <caf/test/dsl.hpp>

#include "detail/checksum_line.hpp"
#include "detail/digest.hpp"
#include "tests/vectors.hpp"

using namespace fetchsum::detail;
using namespace fetchsum::test;

namespace {

std::string hex_of(const std::optional<expected_digest>& x) {
  return x ? to_hex(x->digest.bytes) : "none";
}

} // namespace

CAF_TEST(sha256sum and sha512sum lines name the algorithm by length) {
  auto line = parse_checksum_line(std::string{sha256_abc} + "  http://h/a");
  CAF_REQUIRE(line);
  CAF_CHECK_EQUAL(line->url, "http://h/a");
  CAF_CHECK_EQUAL(line->digest.algo, "sha256");
  CAF_CHECK_EQUAL(hex_of(line), sha256_abc);
  auto binary = parse_checksum_line(std::string{sha512_abc} + " *http://h/b");
  CAF_REQUIRE(binary);
  CAF_CHECK_EQUAL(binary->digest.algo, "sha512");
  CAF_CHECK_EQUAL(binary->url, "http://h/b");
  // Kept in a variable: `parse_checksum_line(...)->digest.algo` would read
  // a temporary optional after its end (ASan: stack-use-after-scope).
  auto md5 = parse_checksum_line(std::string{md5_abc} + "  x");
  CAF_REQUIRE(md5);
  CAF_CHECK_EQUAL(md5->digest.algo, "md5");
}

CAF_TEST(tag lines and escaped names) {
  auto tag = parse_checksum_line(std::string{"SHA256 (http://h/a b) = "} + sha256_abc);
  CAF_REQUIRE(tag);
  CAF_CHECK_EQUAL(tag->url, "http://h/a b");
  CAF_CHECK_EQUAL(tag->digest.algo, "sha256");
  auto escaped = parse_checksum_line(std::string{"\\"} + sha256_abc + "  http://h/a\\\\b");
  CAF_REQUIRE(escaped);
  CAF_CHECK_EQUAL(escaped->url, "http://h/a\\b");
  auto tag_escaped = parse_checksum_line(std::string{"\\SHA512 (http://h/x\\\\y) = "} + sha512_abc);
  CAF_REQUIRE(tag_escaped);
  CAF_CHECK_EQUAL(tag_escaped->url, "http://h/x\\y");
}

CAF_TEST(sri lines take the first digest) {
  auto sri = parse_checksum_line(
    "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0= sha512-xyz  http://h/a");
  CAF_REQUIRE(sri);
  CAF_CHECK_EQUAL(sri->digest.algo, "sha256");
  CAF_CHECK_EQUAL(hex_of(sri), sha256_abc);
  CAF_CHECK_EQUAL(sri->url, "http://h/a");
}

CAF_TEST(fetchsum json records) {
  auto json = parse_checksum_line(std::string{"{\"url\":\"http://h/a\",\"seq\":0,\"ok\":true,"
                                              "\"digests\":{\"sha256\":\""}
                                  + sha256_abc + "\"},\"error\":null}");
  CAF_REQUIRE(json);
  CAF_CHECK_EQUAL(json->url, "http://h/a");
  CAF_CHECK_EQUAL(json->digest.algo, "sha256");
  CAF_CHECK_EQUAL(hex_of(json), sha256_abc);
}

// Found by tests/fuzz/fuzz_checksum_line: -c aborted (std::stoi threw) on a
// JSON line whose URL had a backslash-u escape without four hex digits.
CAF_TEST(json records with a broken unicode escape are improperly formatted) {
  auto line = [](const std::string& url) {
    return "{\"url\":\"" + url + "\",\"seq\":0,\"ok\":true,\"digests\":{\"sha256\":\""
           + std::string{sha256_abc} + "\"},\"error\":null}";
  };
  auto good = parse_checksum_line(line("http://h/\\u0041"));
  CAF_REQUIRE(good);
  CAF_CHECK_EQUAL(good->url, "http://h/A");
  CAF_CHECK(!parse_checksum_line(line("http://h/\\uzzzz")));
  CAF_CHECK(!parse_checksum_line(line("http://h/\\u12")));
}

// Found by tests/fuzz/fuzz_checksum_line: a JSON record naming its digest ""
// was taken as a line with an unknown algorithm (-c then stopped with "no
// checksum line names a digest OpenSSL knows") instead of a malformed one.
CAF_TEST(json records with an empty algorithm name are improperly formatted) {
  CAF_CHECK(!parse_checksum_line(
    "{\"url\":\"http://h/a\",\"seq\":0,\"ok\":true,\"digests\":{\"\":\"75ed\"},"
    "\"error\":null}"));
}

CAF_TEST(anything else is improperly formatted) {
  for (std::string line : std::vector<std::string>{"", "garbage", "abc  http://h/a", "0123  http://h/a",
                    "SHA256 (x) = nothex", std::string{sha256_abc} + "  ",
                    std::string{sha256_abc} + "x  http://h/a",
                    std::string{"md4-AAAA  http://h/a"}})
    CAF_CHECK(!parse_checksum_line(line));
}
