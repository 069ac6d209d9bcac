#define CAF_SUITE endpoint
#include "tests/fixture.hpp"

#include "detail/endpoint.hpp"

using namespace fetchsum;
using detail::parse_endpoint;

namespace {

std::string parsed(const std::string& text, const std::string& default_host = "",
                   bool port_zero = false) {
  std::string problem;
  auto x = parse_endpoint(text, default_host, port_zero, problem);
  if (!x) {
    CAF_CHECK(!problem.empty());
    return "error";
  }
  CAF_CHECK(problem.empty());
  return detail::to_string(*x);
}

} // namespace

CAF_TEST(host and port) {
  CAF_CHECK_EQUAL(parsed("10.0.0.2:7000"), "10.0.0.2:7000");
  CAF_CHECK_EQUAL(parsed("node-1.example.invalid:1"), "node-1.example.invalid:1");
  CAF_CHECK_EQUAL(parsed("[::1]:65535"), "[::1]:65535");
  CAF_CHECK_EQUAL(parsed("[fe80::1%eth0]:80"), "[fe80::1%eth0]:80");
}

CAF_TEST(bare port with a default host) {
  CAF_CHECK_EQUAL(parsed("7000", "127.0.0.1"), "127.0.0.1:7000");
  CAF_CHECK_EQUAL(parsed("7000"), "error");
  CAF_CHECK_EQUAL(parsed("0", "127.0.0.1", true), "127.0.0.1:0");
  CAF_CHECK_EQUAL(parsed("0", "127.0.0.1", false), "error");
}

CAF_TEST(what is refused) {
  for (auto text : {"", ":", "host:", ":80", "host:65536", "host:-1",
                    "host:8o", "ho st:80", "h/x:80", "::1:80", "[::1]80",
                    "[::1", "[]:80", "[a b]:80", "host:99999999999999999999",
                    "user@host:80", "host:80 ", "[abc]:80", "[a%b]:80"})
    CAF_CHECK_EQUAL(parsed(text, ""), "error");
}

CAF_TEST(loopback) {
  CAF_CHECK(detail::is_loopback("127.0.0.1"));
  CAF_CHECK(detail::is_loopback("127.8.9.1"));
  CAF_CHECK(detail::is_loopback("::1"));
  CAF_CHECK(detail::is_loopback("localhost"));
  CAF_CHECK(!detail::is_loopback("0.0.0.0"));
  CAF_CHECK(!detail::is_loopback("10.0.0.1"));
  CAF_CHECK(!detail::is_loopback("1270.0.0.1"));
}

CAF_TEST(probe) {
  // A port nothing listens on: refused at once, never a hang.
  detail::endpoint closed{"127.0.0.1", 1};
  auto problem = detail::probe_tcp(closed, std::chrono::milliseconds(500));
  CAF_CHECK_EQUAL(problem, "Connection refused");
}
