#define CAF_SUITE record_json
#include <caf/test/dsl.hpp>

#include "detail/line_reader.hpp"
#include "detail/record_json.hpp"

using namespace fetchsum;
using namespace fetchsum::detail;

namespace {

url_result sample() {
  url_result r;
  r.url_seq = 42;
  r.url = "http://h/a b?x=\"1\"&y=\\";
  r.digests = {digest_value{"sha512", {0x00, 0xff}},
               digest_value{"sha3-256", {0x12}}};
  r.report.http_status = 200;
  r.report.bytes = 123456789012;
  r.report.final_url = "http://h/final";
  r.report.elapsed_ms = 17;
  r.attempts = 3;
  r.earlier = {attempt_outcome{error_kind::http_status, 503, "HTTP 503"},
               attempt_outcome{error_kind::connect, 0, "refused\n"}};
  r.mark = "changed";
  r.resumed_bytes = 65536;
  return r;
}

std::string written(const url_result& r) {
  std::string line;
  write_json_record(r, line);
  CAF_REQUIRE(!line.empty() && line.back() == '\n');
  line.pop_back();
  return line;
}

/// Whether `text` is valid UTF-8.
bool valid_utf8(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > text.size())
      return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80)
        return false;
    i += n;
  }
  return true;
}

} // namespace

CAF_TEST(a record round-trips) {
  auto r = sample();
  auto back = read_json_record(written(r));
  CAF_REQUIRE(back);
  CAF_CHECK_EQUAL(*back, r);
  auto failed = url_result{};
  failed.url = "http://h/x";
  failed.report.error = error_kind::dns;
  failed.report.message = "no such host";
  back = read_json_record(written(failed));
  CAF_REQUIRE(back);
  CAF_CHECK_EQUAL(*back, failed);
}

CAF_TEST(any bytes are written as valid UTF-8 and read back exactly) {
  auto r = sample();
  r.url = std::string{"http://h/\xff\xfe\x80/\xc3\xa9/\xed\xa0\x80/\x01\x7f", 23};
  r.report.message = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc0\xaf";
  auto line = written(r);
  CAF_CHECK(valid_utf8(line));
  CAF_CHECK(line.find("\\udcff\\udcfe\\udc80") != std::string::npos);
  CAF_CHECK(line.find("\xc3\xa9") != std::string::npos); // valid text stays as it is
  auto back = read_json_record(line);
  CAF_REQUIRE(back);
  CAF_CHECK(back->url == r.url);
  CAF_CHECK(back->report.message == r.report.message);
}

CAF_TEST(escapes of other writers are understood) {
  auto back = read_json_record(
    R"({"ok":true,"url":"http:\/\/h\/\u00e9\ud83d\ude00","digests":{"md5":"AB"},"extra":[1,{"a":null},-2.5e3,false]})");
  CAF_REQUIRE(back);
  CAF_CHECK_EQUAL(back->url, "http://h/\xc3\xa9\xf0\x9f\x98\x80");
  CAF_CHECK_EQUAL(back->digests.at(0).bytes, (std::vector<uint8_t>{0xab}));
}

CAF_TEST(a gone line of diff is read as such) {
  std::string line;
  write_json_gone("http://h/old", line);
  auto back = read_json_record(line.substr(0, line.size() - 1));
  CAF_REQUIRE(back);
  CAF_CHECK_EQUAL(back->mark, "gone");
  CAF_CHECK_EQUAL(back->url, "http://h/old");
}

CAF_TEST(anything else is refused with a reason and no exception) {
  std::string deep = "{\"url\":\"u\",\"ok\":true,\"x\":" + std::string(100, '[')
                     + std::string(100, ']') + "}";
  for (std::string line : {std::string{"{\"url\":\"\\uzzzz\",\"ok\":true}"},
                           std::string{"{\"url\":\"\\ud800\",\"ok\":true}"},
                           std::string{"{\"url\":\"\\udc00\",\"ok\":true}"},
                           std::string{"{\"url\":\"a\",\"url\":\"b\",\"ok\":true}"},
                           std::string{"{\"url\":\"a\",\"ok\":true,\"digests\":{\"sha512\":\"xyz\"}}"},
                           std::string{"{\"url\":\"a\",\"ok\":true,\"digests\":{\"s\":\"00\",\"s\":\"00\"}}"},
                           std::string{"{\"url\":\"a\",\"ok\":false,\"error\":null}"},
                           std::string{"{\"url\":\"a\",\"ok\":true,\"error\":\"dns\"}"},
                           std::string{"{\"url\":\"a\",\"ok\":false,\"error\":\"nonsense\"}"},
                           std::string{"{\"url\":\"a\",\"ok\":true,\"seq\":99999999999999999999}"},
                           std::string{"{\"url\":\"a\",\"ok\":true,\"seq\":-1}"},
                           std::string{"{\"url\":\"a\",\"ok\":true} trailing"},
                           std::string{"{\"url\":\"a\"}"},
                           std::string{"{\"ok\":true}"},
                           std::string{"{\"url\":\"a\",\"ok\":tru"},
                           std::string{"{\"url\":\"a\nb\",\"ok\":true}"},
                           std::string{"[]"}, std::string{""}, std::string{"{"},
                           std::string{"\"url\""}, deep}) {
    std::string why;
    CAF_CHECK(!read_json_record(line, &why));
    CAF_CHECK(!why.empty());
  }
}

CAF_TEST(lines end at LF CRLF or CR and a long one is refused) {
  auto lines = line_reader::from_string("a\nb\r\nc\rd\r", 10);
  std::string line;
  std::vector<std::string> got;
  while (lines.next(line) == line_reader::result::line)
    got.push_back(line);
  CAF_CHECK_EQUAL(got, (std::vector<std::string>{"a", "b", "c", "d"}));
  auto torn = line_reader::from_string("a\nbc", 10);
  CAF_CHECK(torn.next(line) == line_reader::result::line && torn.terminated());
  CAF_CHECK(torn.next(line) == line_reader::result::line && !torn.terminated());
  CAF_CHECK_EQUAL(line, "bc");
  CAF_CHECK(torn.next(line) == line_reader::result::end);
  auto longer = line_reader::from_string("0123456789\n01234567890\n", 10);
  CAF_CHECK(longer.next(line) == line_reader::result::line);
  CAF_CHECK(longer.next(line) == line_reader::result::too_long);
  CAF_CHECK_EQUAL(longer.line_number(), 1u);
}

CAF_TEST(list lines drop blanks comments and surrounding space) {
  CAF_CHECK_EQUAL(list_line_url("  \thttp://h/a \t"), "http://h/a");
  CAF_CHECK_EQUAL(list_line_url("# comment"), "");
  CAF_CHECK_EQUAL(list_line_url("  # indented comment"), "");
  CAF_CHECK_EQUAL(list_line_url(" \t "), "");
}

CAF_TEST(resumed bytes are written and read; records without them read as 0) {
  auto r = sample();
  auto line = written(r);
  CAF_CHECK(line.find(",\"resumed_bytes\":65536") != std::string::npos);
  auto back = read_json_record(line);
  CAF_REQUIRE(back);
  CAF_CHECK_EQUAL(back->resumed_bytes, 65536u);
  // A journal or --diff file from before the field: 0, not a refusal.
  auto old = read_json_record(
    R"({"url":"http://h/","seq":0,"ok":true,"digests":{"sha512":"00"},)"
    R"("error":null,"message":"","http_status":200,"bytes":1})");
  CAF_REQUIRE(old);
  CAF_CHECK_EQUAL(old->resumed_bytes, 0u);
  std::string why;
  CAF_CHECK(!read_json_record(R"({"url":"u","ok":true,"resumed_bytes":-1})",
                              &why));
}
