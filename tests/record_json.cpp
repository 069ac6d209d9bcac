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
  r.elapsed_ms = 17;
  r.report.etag = "\"v1\"";
  r.report.last_modified = "Wed, 21 Oct 2015 07:28:00 GMT";
  r.report.content_type = "text/plain; charset=utf-8";
  r.report.content_length = 123456789012;
  r.report.http_version = "2";
  r.report.remote_ip = "::1";
  r.report.remote_port = 8443;
  r.report.redirects = {"http://h/hop", "http://h/final"};
  r.report.timings = transfer_timings{1, 20, 300, 4000, 50001};
  r.report.not_modified = true;
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

CAF_TEST(the fields that explain a record are written as documented) {
  auto line = written(sample());
  CAF_CHECK(line.find("\"etag\":\"\\\"v1\\\"\"") != std::string::npos);
  CAF_CHECK(line.find("\"content_length\":123456789012") != std::string::npos);
  CAF_CHECK(line.find("\"http_version\":\"2\"") != std::string::npos);
  CAF_CHECK(line.find("\"remote_ip\":\"::1\",\"remote_port\":8443")
            != std::string::npos);
  CAF_CHECK(line.find("\"redirects\":[\"http://h/hop\",\"http://h/final\"]")
            != std::string::npos);
  CAF_CHECK(line.find("\"timings\":{\"dns_ms\":0.001,\"connect_ms\":0.020,"
                      "\"tls_ms\":0.300,\"first_byte_ms\":4.000,"
                      "\"total_ms\":50.001}")
            != std::string::npos);
  CAF_CHECK(line.find("\"elapsed_ms\":17") != std::string::npos);
  // Absent headers and no connection are null, never "" or 0.
  url_result bare;
  bare.url = "http://h/x";
  bare.report.error = error_kind::connect;
  auto empty = written(bare);
  for (auto member : {"etag", "last_modified", "content_type", "content_length",
                      "http_version", "remote_ip", "remote_port"})
    CAF_CHECK(empty.find(std::string{"\""} + member + "\":null")
              != std::string::npos);
  auto back = read_json_record(empty);
  CAF_REQUIRE(back);
  CAF_CHECK_EQUAL(*back, bare);
}

CAF_TEST(records of earlier versions without the newer fields read) {
  auto back = read_json_record(
    R"({"url":"http://h/a","seq":1,"ok":true,"digests":{"sha512":"00ff"},)"
    R"("error":null,"message":"","http_status":200,"bytes":2,)"
    R"("final_url":"http://h/a","attempts":1,"earlier":[],"elapsed_ms":5})");
  CAF_REQUIRE(back);
  CAF_CHECK_EQUAL(back->report.content_length, -1);
  CAF_CHECK_EQUAL(back->report.etag, "");
  CAF_CHECK_EQUAL(back->elapsed_ms, 5u);
}

CAF_TEST(the newer fields are checked like the rest) {
  auto base = std::string{R"({"url":"http://h/a","ok":false,"error":"dns",)"};
  std::string why;
  CAF_CHECK(!read_json_record(base + R"("remote_port":65536})", &why));
  CAF_CHECK(why.find("port") != std::string::npos);
  CAF_CHECK(!read_json_record(base + R"("content_length":-1})"));
  CAF_CHECK(!read_json_record(base + R"("redirects":["a",1]})"));
  CAF_CHECK(!read_json_record(base + R"("timings":{"dns_ms":-1}})"));
  CAF_CHECK(!read_json_record(base + R"("timings":{"dns_ms":1.}})"));
  CAF_CHECK(!read_json_record(base + R"("etag":"a","etag":"b"})"));
  CAF_CHECK(!read_json_record(base + R"("not_modified":true})")); // failed
  CAF_CHECK(!read_json_record(base + R"("timings":{"dns_ms":99999999999999999999}})"));
  auto t = read_json_record(base + R"("timings":{"total_ms":1.23456,"x":[1]}})");
  CAF_REQUIRE(t);
  CAF_CHECK_EQUAL(t->report.timings.total_us, 1234u); // decimals past 3 cut
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
