#include "detail/record_format.hpp"

#include <algorithm>
#include <cstdio>

#include "detail/control_bytes.hpp"
#include "detail/digest.hpp"
#include "detail/record_json.hpp"

namespace fetchsum::detail {

namespace {

/// coreutils prefixes a line with '\' when the name holds a backslash or a
/// newline, and escapes those; anything else is printed as it is.
/// Backslash and line ends, as coreutils escapes them; and any other
/// control byte, which a terminal would act on (ESC sequences can hide or
/// rewrite a verdict line). Only URLs that are bad_url hold those.
bool needs_escape(const std::string& name) {
  return std::any_of(name.begin(), name.end(),
                     [](char c) { return c == '\\' || is_control(c); });
}

void append_escaped_name(std::string& out, const std::string& name) {
  for (char c : name) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default:
        if (is_control(c))
          append_hex_escape(out, c);
        else
          out += c;
    }
  }
}

void append_name(std::string& out, const std::string& name) {
  if (needs_escape(name))
    append_escaped_name(out, name);
  else
    out += name;
}

std::string upper(std::string x) {
  std::transform(x.begin(), x.end(), x.begin(), [](unsigned char c) {
    return static_cast<char>(std::toupper(c));
  });
  return x;
}

void append_failure(std::string& err, const url_result& r) {
  err += "fetchsum: ";
  err += coreutils_name(r.url);
  err += ": ";
  err += r.report.message.empty() ? std::string{to_string(r.report.error)}
                                  : terminal_text(r.report.message);
  err += '\n';
}

void format_sum(const url_result& r, std::string& out) {
  for (auto& d : r.digests) {
    if (needs_escape(r.url))
      out += '\\';
    out += to_hex(d.bytes);
    out += "  ";
    append_name(out, r.url);
    out += '\n';
  }
}

void format_tag(const url_result& r, std::string& out) {
  for (auto& d : r.digests) {
    if (needs_escape(r.url))
      out += '\\';
    out += upper(d.algo);
    out += " (";
    append_name(out, r.url);
    out += ") = ";
    out += to_hex(d.bytes);
    out += '\n';
  }
}

void format_sri(const url_result& r, std::string& out) {
  for (size_t i = 0; i < r.digests.size(); ++i) {
    if (i > 0)
      out += ' ';
    out += r.digests[i].algo;
    out += '-';
    out += to_base64(r.digests[i].bytes);
  }
  out += "  ";
  out += r.url;
  out += '\n';
}

} // namespace

std::string terminal_text(const std::string& text) {
  if (!has_control(text))
    return text;
  std::string out;
  for (char c : text)
    if (is_control(c))
      append_hex_escape(out, c);
    else
      out += c;
  return out;
}

std::string coreutils_name(const std::string& name) {
  if (!needs_escape(name))
    return name;
  std::string out = "\\";
  append_escaped_name(out, name);
  return out;
}

std::string to_base64(const std::vector<uint8_t>& bytes) {
  static constexpr char alphabet[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  if (auto rest = bytes.size() - i; rest > 0) {
    uint32_t n = bytes[i] << 16;
    if (rest == 2)
      n |= bytes[i + 1] << 8;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += rest == 2 ? alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

namespace {

/// Microseconds as milliseconds with one decimal: 1234 -> "1.2".
std::string millis(uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", static_cast<double>(us) / 1000.0);
  return buf;
}

} // namespace

void format_detail(const url_result& r, std::string& err) {
  auto& report = r.report;
  err += "fetchsum: ";
  err += terminal_text(r.url);
  err += ": ";
  if (report.http_status > 0) {
    err += report.http_version.empty() ? "HTTP" : "HTTP/" + report.http_version;
    err += " " + std::to_string(report.http_status);
    if (report.error != error_kind::none)
      err += std::string{" ("} + to_string(report.error) + ")";
  } else {
    err += to_string(report.error);
  }
  err += ", " + std::to_string(report.bytes) + " bytes";
  if (!report.content_type.empty())
    err += " of " + report.content_type;
  if (!report.remote_ip.empty()) {
    // An IPv6 address takes brackets before its port, as in a URL.
    bool v6 = report.remote_ip.find(':') != std::string::npos;
    err += ", " + (v6 ? "[" + report.remote_ip + "]" : report.remote_ip) + ":"
           + std::to_string(report.remote_port);
  }
  err += ", " + std::to_string(r.elapsed_ms) + " ms";
  auto& times = report.timings;
  if (times.total_us > 0) {
    err += " (dns " + millis(times.dns_us) + ", connect "
           + millis(times.connect_us);
    if (times.tls_us > 0)
      err += ", tls " + millis(times.tls_us);
    err += ", first byte " + millis(times.first_byte_us) + ", last attempt "
           + millis(times.total_us) + ")";
  }
  err += ", " + std::to_string(r.attempts)
         + (r.attempts == 1 ? " attempt" : " attempts");
  if (r.resumed_bytes > 0)
    err += ", resumed at byte " + std::to_string(r.resumed_bytes);
  if (!report.redirects.empty())
    err += ", " + std::to_string(report.redirects.size())
           + (report.redirects.size() == 1 ? " redirect" : " redirects");
  if (!report.final_url.empty() && report.final_url != r.url)
    err += ", now " + terminal_text(report.final_url);
  if (!r.mark.empty())
    err += ", " + r.mark;
  if (!report.etag.empty())
    err += ", etag " + report.etag;
  else if (!report.last_modified.empty())
    err += ", modified " + report.last_modified;
  err += '\n';
}

void format_record(const url_result& record, output_format format,
                   std::string& out, std::string& err) {
  if (format == output_format::json) {
    write_json_record(record, out);
    return;
  }
  if (record.report.error != error_kind::none) {
    append_failure(err, record);
    return;
  }
  switch (format) {
    case output_format::sum: format_sum(record, out); break;
    case output_format::tag: format_tag(record, out); break;
    case output_format::sri: format_sri(record, out); break;
    case output_format::json: break;
  }
}

} // namespace fetchsum::detail
