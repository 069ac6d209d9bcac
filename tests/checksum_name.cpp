#define CAF_SUITE checksum_name
#include <caf/test/dsl.hpp>

#include "detail/checksum_line.hpp"
#include "detail/checksum_name.hpp"
#include "tests/vectors.hpp"

using namespace fetchsum::detail;
using namespace fetchsum::test;

namespace {

/// The checksum file's own URL in these tests, with a query and a fragment
/// that must not leak into the names' URLs.
const std::string base = "https://host/pub/v1.2/SHA256SUMS?mirror=1#top";

std::string resolved(const std::string& name) {
  auto url = resolve_checksum_name(base, name);
  return url ? *url : "(none)";
}

/// The URL a whole checksum line stands for: what the source does per line.
std::string resolved_line(const std::string& line) {
  auto parsed = parse_checksum_line(line);
  if (!parsed)
    return "(not a checksum line)";
  return resolved(parsed->url);
}

} // namespace

CAF_TEST(relative names resolve against the directory of the file) {
  CAF_CHECK_EQUAL(resolved("a.tar.gz"), "https://host/pub/v1.2/a.tar.gz");
  CAF_CHECK_EQUAL(resolved("./sub/b.iso"), "https://host/pub/v1.2/sub/b.iso");
  CAF_CHECK_EQUAL(resolved("sub/./c/../b.iso"),
                  "https://host/pub/v1.2/sub/b.iso");
  CAF_CHECK_EQUAL(resolved("../v1.1/a.tar.gz"), "https://host/pub/v1.1/a.tar.gz");
  // As a browser does: never above the root.
  CAF_CHECK_EQUAL(resolved("../../../../a"), "https://host/a");
  // A name starting with '/' is a path on the same host.
  CAF_CHECK_EQUAL(resolved("/pub/other/x"), "https://host/pub/other/x");
}

CAF_TEST(a base without a directory or with a port resolves too) {
  auto url = resolve_checksum_name("http://127.0.0.1:8080/SHA256SUMS", "a b");
  CAF_REQUIRE(url);
  CAF_CHECK_EQUAL(*url, "http://127.0.0.1:8080/a%20b");
  url = resolve_checksum_name("http://h", "x");
  CAF_REQUIRE(url);
  CAF_CHECK_EQUAL(*url, "http://h/x");
}

CAF_TEST(the binary marker is not part of the name) {
  CAF_CHECK_EQUAL(resolved_line(std::string{sha256_abc} + " *a.tar.gz"),
                  "https://host/pub/v1.2/a.tar.gz");
  CAF_CHECK_EQUAL(resolved_line(std::string{sha256_abc} + "  a.tar.gz"),
                  "https://host/pub/v1.2/a.tar.gz");
  CAF_CHECK_EQUAL(resolved_line(std::string{"SHA256 (./sub/b.iso) = "}
                                + sha256_abc),
                  "https://host/pub/v1.2/sub/b.iso");
}

CAF_TEST(absolute http and https names stay as they are) {
  CAF_CHECK_EQUAL(resolved("https://mirror.example/x.iso?a=1#f"),
                  "https://mirror.example/x.iso?a=1#f");
  CAF_CHECK_EQUAL(resolved("HTTP://Mirror/x"), "HTTP://Mirror/x");
  // A malformed one too: the supervisor makes it a bad_url record.
  CAF_CHECK_EQUAL(resolved("http://[::1/x"), "http://[::1/x");
}

CAF_TEST(names are file names: no query fragment escape host or scheme) {
  CAF_CHECK_EQUAL(resolved("with space.iso"),
                  "https://host/pub/v1.2/with%20space.iso");
  CAF_CHECK_EQUAL(resolved("a#b.txt"), "https://host/pub/v1.2/a%23b.txt");
  CAF_CHECK_EQUAL(resolved("a?b=c"), "https://host/pub/v1.2/a%3Fb=c");
  CAF_CHECK_EQUAL(resolved("100%.txt"), "https://host/pub/v1.2/100%25.txt");
  CAF_CHECK_EQUAL(resolved("a%20b"), "https://host/pub/v1.2/a%2520b");
  CAF_CHECK_EQUAL(resolved("back\\slash"), "https://host/pub/v1.2/back%5Cslash");
  CAF_CHECK_EQUAL(resolved("caf\xc3\xa9.txt"), "https://host/pub/v1.2/caf%C3%A9.txt");
  CAF_CHECK_EQUAL(resolved("line\nbreak"), "https://host/pub/v1.2/line%0Abreak");
  // "a:b" would be scheme "a" as a link; as a file name it is a file.
  CAF_CHECK_EQUAL(resolved("a:b.iso"), "https://host/pub/v1.2/a:b.iso");
  CAF_CHECK_EQUAL(resolved("file:///etc/passwd"),
                  "https://host/pub/v1.2/file:///etc/passwd");
  // "//evil/x" would be another host as a link; as a path it is /evil/x.
  CAF_CHECK_EQUAL(resolved("//evil.test/x"), "https://host/evil.test/x");
  CAF_CHECK_EQUAL(resolved("///x"), "https://host/x");
  CAF_CHECK_EQUAL(resolved("/"), "https://host/");
}

CAF_TEST(sha256sum escaped names resolve to the unescaped file name) {
  // sha256sum writes "\HEX  back\\slash" for a name with a backslash and
  // "\HEX  a\nb" for one with a newline.
  CAF_CHECK_EQUAL(resolved_line("\\" + std::string{sha256_abc}
                                + "  back\\\\slash.txt"),
                  "https://host/pub/v1.2/back%5Cslash.txt");
  CAF_CHECK_EQUAL(resolved_line("\\" + std::string{sha256_abc} + "  a\\nb"),
                  "https://host/pub/v1.2/a%0Ab");
}

CAF_TEST(what cannot be resolved is refused) {
  CAF_CHECK(!resolve_checksum_name(base, std::string{"a\0b", 3}));
  CAF_CHECK(!resolve_checksum_name("not a url", "a"));
  CAF_CHECK(!resolve_checksum_name("", "a"));
}

CAF_TEST(name_as_reference keeps what a path may hold) {
  CAF_CHECK_EQUAL(name_as_reference("a-b_c.d~e!$&'()*+,;=:@/f"),
                  "./a-b_c.d~e!$&'()*+,;=:@/f");
  CAF_CHECK_EQUAL(name_as_reference("/x y"), "/x%20y");
  CAF_CHECK_EQUAL(name_as_reference("//"), "/");
}

CAF_TEST(is_http_url looks at the scheme only) {
  CAF_CHECK(is_http_url("http://h/x"));
  CAF_CHECK(is_http_url("HTTPS://h/x"));
  CAF_CHECK(is_http_url("http:x"));
  CAF_CHECK(!is_http_url("httpx://h"));
  CAF_CHECK(!is_http_url("ftp://h/x"));
  CAF_CHECK(!is_http_url("./http://x"));
  CAF_CHECK(!is_http_url("http"));
}
