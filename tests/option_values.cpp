#define CAF_SUITE option_values
#include <caf/test/dsl.hpp>

#include "detail/option_values.hpp"

using namespace fetchsum::detail;

CAF_TEST(limit rates are whole bytes per second with the units of curl) {
  CAF_CHECK_EQUAL(parse_byte_rate("0"), uint64_t{0});
  CAF_CHECK_EQUAL(parse_byte_rate("100"), uint64_t{100});
  CAF_CHECK_EQUAL(parse_byte_rate("100B"), uint64_t{100});
  CAF_CHECK_EQUAL(parse_byte_rate("100k"), uint64_t{102400});
  CAF_CHECK_EQUAL(parse_byte_rate("100K"), uint64_t{102400});
  CAF_CHECK_EQUAL(parse_byte_rate("2M"), uint64_t{2} << 20);
  CAF_CHECK_EQUAL(parse_byte_rate("1g"), uint64_t{1} << 30);
  for (auto bad : {"", "k", "-1", "1.5M", "10 k", "10kb", "10T", "1e3",
                   "99999999999999999999", "17179869184G"})
    CAF_CHECK(!parse_byte_rate(bad));
}

CAF_TEST(resolve entries pin a host and port to numeric addresses) {
  for (auto good : {"mirror.test:443:127.0.0.1", "a:80:::1", "a:80:[::1]",
                    "a:80:127.0.0.1,::1,127.0.0.2", "[::1]:80:127.0.0.1"})
    CAF_CHECK_EQUAL(check_resolve_entry(good), "");
  for (auto bad : {"", "a", "a:80", ":80:127.0.0.1", "a:0:127.0.0.1",
                   "a:65536:127.0.0.1", "a:http:127.0.0.1", "a:80:",
                   "a:80:localhost", "a:80:127.0.0.1,", "a:80:127.0.0.256"}) {
    CAF_MESSAGE(bad);
    CAF_CHECK_NOT_EQUAL(check_resolve_entry(bad), "");
  }
}

CAF_TEST(connect-to entries have four fields and each may be empty) {
  for (auto good : {"a.test:443:b.test:8443", "::127.0.0.1:", ":::",
                    "[::1]:80:[::1]:81", "a:80:b:"})
    CAF_CHECK_EQUAL(check_connect_to_entry(good), "");
  for (auto bad : {"", "a:80:b", "a:80:b:81:c", "a:0:b:1", "a:80:b:x",
                   "a:80:::1:81", "a:80:[x]:81"}) {
    CAF_MESSAGE(bad);
    CAF_CHECK_NOT_EQUAL(check_connect_to_entry(bad), "");
  }
}

CAF_TEST(user needs a colon and its message never quotes the value) {
  CAF_CHECK_EQUAL(check_user_password("u:p"), "");
  CAF_CHECK_EQUAL(check_user_password(":p"), "");
  CAF_CHECK_EQUAL(check_user_password("u:"), "");
  auto problem = check_user_password("secretuser");
  CAF_CHECK_NOT_EQUAL(problem, "");
  CAF_CHECK_EQUAL(problem.find("secretuser"), std::string::npos);
}

CAF_TEST(proxies have a scheme libcurl takes and a host) {
  for (auto good : {"127.0.0.1:3128", "http://proxy.test:3128",
                    "socks5h://127.0.0.1:1080", "https://u:p@proxy.test",
                    "HTTP://proxy.test"})
    CAF_CHECK_EQUAL(check_proxy(good), "");
  for (auto bad : {"", "ftp://proxy.test", "http://", "http://u:p@",
                   "http://:3128"}) {
    CAF_MESSAGE(bad);
    CAF_CHECK_NOT_EQUAL(check_proxy(bad), "");
  }
  auto problem = check_proxy("ftp://u:secret@proxy.test");
  CAF_CHECK_EQUAL(problem.find("secret"), std::string::npos);
}
