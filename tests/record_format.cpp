#define CAF_SUITE record_format
#include <caf/test/dsl.hpp>

#include "detail/record_format.hpp"
#include "tests/vectors.hpp"

using namespace fetchsum;
using namespace fetchsum::test;
using detail::format_record;

namespace {

std::vector<uint8_t> unhex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

url_result ok_record(const std::string& url,
                     std::vector<std::string> algos = {"sha512"}) {
  url_result r;
  r.url_seq = 3;
  r.url = url;
  for (auto& algo : algos)
    r.digests.push_back(
      digest_value{algo, unhex(algo == "sha512" ? sha512_abc : sha256_abc)});
  r.report.http_status = 200;
  r.report.bytes = 3;
  r.report.final_url = url;
  r.elapsed_ms = 12;
  r.attempts = 1;
  return r;
}

url_result failed_record() {
  url_result r;
  r.url_seq = 7;
  r.url = "http://h/x";
  r.report.error = error_kind::http_status;
  r.report.message = "HTTP 404 Not Found";
  r.report.http_status = 404;
  r.attempts = 1;
  return r;
}

std::pair<std::string, std::string> format(const url_result& r,
                                           output_format f) {
  std::string out, err;
  format_record(r, f, out, err);
  return {out, err};
}

} // namespace

// Expected lines are what coreutils 9.1 prints for a file named like the URL
// holding "abc": `sha512sum NAME` and `sha512sum --tag NAME`.

CAF_TEST(sum lines equal sha512sum) {
  auto [out, err] = format(ok_record("http://h/a"), output_format::sum);
  CAF_CHECK_EQUAL(out, std::string{sha512_abc} + "  http://h/a\n");
  CAF_CHECK_EQUAL(err, "");
}

CAF_TEST(tag lines equal sha512sum --tag) {
  auto [out, err] = format(ok_record("http://h/a", {"sha256", "sha512"}),
                           output_format::tag);
  CAF_CHECK_EQUAL(out, std::string{"SHA256 (http://h/a) = "} + sha256_abc
                         + "\nSHA512 (http://h/a) = " + sha512_abc + "\n");
}

CAF_TEST(names with a backslash are escaped as coreutils does) {
  auto [out, err] = format(ok_record("http://h/a\\b"), output_format::sum);
  CAF_CHECK_EQUAL(out, std::string{"\\"} + sha512_abc + "  http://h/a\\\\b\n");
  auto tag = format(ok_record("http://h/a\\b"), output_format::tag).first;
  CAF_CHECK_EQUAL(tag, std::string{"\\SHA512 (http://h/a\\\\b) = "} + sha512_abc
                         + "\n");
}

CAF_TEST(control bytes in a name never reach a terminal) {
  // A verdict line ending in an escape sequence could hide what follows
  // ("URL: OK" + ESC[8m + ": FAILED open or read").
  CAF_CHECK_EQUAL(detail::coreutils_name("http://h/x: OK\x1b[8m"),
                  "\\http://h/x: OK\\x1b[8m");
  CAF_CHECK_EQUAL(detail::coreutils_name("http://h/\x01\x7f\t"),
                  "\\http://h/\\x01\\x7f\\x09");
  CAF_CHECK_EQUAL(detail::coreutils_name("http://h/plain"), "http://h/plain");
  auto f = failed_record();
  f.url = "http://h/\x1b]0;title\x07";
  auto [out, err] = format(f, output_format::sum);
  CAF_CHECK_EQUAL(err.find('\x1b'), std::string::npos);
  CAF_CHECK_EQUAL(err.find('\x07'), std::string::npos);
}

CAF_TEST(sri lines carry base64 digests) {
  auto [out, err] = format(ok_record("http://h/a", {"sha256", "sha512"}),
                           output_format::sri);
  // openssl dgst -sha256 -binary | base64, and the same for sha512.
  CAF_CHECK_EQUAL(out, "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0= "
                       "sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05oh"
                       "kpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==  http://h/a\n");
  CAF_CHECK_EQUAL(detail::to_base64({}), "");
  CAF_CHECK_EQUAL(detail::to_base64({'f'}), "Zg==");
  CAF_CHECK_EQUAL(detail::to_base64({'f', 'o'}), "Zm8=");
  CAF_CHECK_EQUAL(detail::to_base64({'f', 'o', 'o'}), "Zm9v");
}

CAF_TEST(failures go to stderr except in json) {
  for (auto f : {output_format::sum, output_format::tag, output_format::sri}) {
    auto [out, err] = format(failed_record(), f);
    CAF_CHECK_EQUAL(out, "");
    CAF_CHECK_EQUAL(err, "fetchsum: http://h/x: HTTP 404 Not Found\n");
  }
  auto [out, err] = format(failed_record(), output_format::json);
  CAF_CHECK_EQUAL(err, "");
  CAF_CHECK_EQUAL(out, "{\"url\":\"http://h/x\",\"seq\":7,\"ok\":false,"
                       "\"digests\":{},\"error\":\"http_status\","
                       "\"message\":\"HTTP 404 Not Found\",\"http_status\":404,"
                       "\"bytes\":0,\"final_url\":\"\",\"attempts\":1,\"earlier\":[],"
                       "\"elapsed_ms\":0,\"resumed_bytes\":0,\"etag\":null,\"last_modified\":null,"
                       "\"content_type\":null,\"content_length\":null,"
                       "\"http_version\":null,\"remote_ip\":null,"
                       "\"remote_port\":null,\"redirects\":[],\"timings\":{"
                       "\"dns_ms\":0.000,\"connect_ms\":0.000,\"tls_ms\":0.000,"
                       "\"first_byte_ms\":0.000,\"total_ms\":0.000},"
                       "\"not_modified\":false}\n");
}

CAF_TEST(json records are escaped) {
  auto r = ok_record("http://h/\"q\"\\\x01");
  auto [out, err] = format(r, output_format::json);
  std::string url_field = "{\"url\":\"http://h/\\\"q\\\"\\\\\\u0001\",";
  CAF_CHECK_EQUAL(out.substr(0, url_field.size()), url_field);
  CAF_CHECK(out.find(std::string{"\"digests\":{\"sha512\":\""} + sha512_abc
                     + "\"}") != std::string::npos);
  CAF_CHECK(out.find("\"ok\":true") != std::string::npos);
  CAF_CHECK(out.find("\"error\":null") != std::string::npos);
  CAF_CHECK_EQUAL(out.back(), '\n');
  CAF_CHECK_EQUAL(std::count(out.begin(), out.end(), '\n'), 1);
}

CAF_TEST(verbose detail names status and size and time and attempts) {
  std::string err;
  auto r = ok_record("http://h/a");
  r.report.final_url = "http://h/b";
  detail::format_detail(r, err);
  CAF_CHECK_EQUAL(err, "fetchsum: http://h/a: HTTP 200, 3 bytes, 12 ms, 1 attempt, "
                       "now http://h/b\n");
  err.clear();
  auto f = failed_record();
  f.report.http_status = 0;
  f.report.error = error_kind::connect;
  f.attempts = 4;
  detail::format_detail(f, err);
  CAF_CHECK_EQUAL(err, "fetchsum: http://h/x: connect, 0 bytes, 0 ms, 4 attempts\n");
  err.clear();
  r.report.http_version = "2";
  r.report.content_type = "text/html";
  r.report.remote_ip = "::1";
  r.report.remote_port = 443;
  r.report.timings = transfer_timings{100, 250, 1250, 4000, 5000};
  r.report.redirects = {"http://h/b"};
  r.report.etag = "\"e1\"";
  detail::format_detail(r, err);
  CAF_CHECK_EQUAL(err, "fetchsum: http://h/a: HTTP/2 200, 3 bytes of text/html, "
                       "[::1]:443, 12 ms (dns 0.1, connect 0.2, tls 1.2, first "
                       "byte 4.0, last attempt 5.0), 1 attempt, 1 redirect, now "
                       "http://h/b, etag \"e1\"\n");
}

CAF_TEST(verbose detail says where a resumed body continued) {
  std::string err;
  auto r = ok_record("http://h/a");
  r.attempts = 3;
  r.resumed_bytes = 1048576;
  detail::format_detail(r, err);
  CAF_CHECK_EQUAL(err, "fetchsum: http://h/a: HTTP 200, 3 bytes, 12 ms, 3 attempts, "
                       "resumed at byte 1048576\n");
}
