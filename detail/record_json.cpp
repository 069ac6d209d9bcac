#include "detail/record_json.hpp"

#include <cstdio>

#include "detail/digest.hpp"

namespace fetchsum::detail {

// -- writing -------------------------------------------------------------------

namespace {

/// Length of the valid UTF-8 sequence at text[i], 0 if there is none
/// (overlong forms, surrogates and code points past U+10FFFF are invalid).
size_t utf8_sequence(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  auto c = byte(i);
  size_t n;
  uint32_t min;
  uint32_t cp;
  if (c < 0x80)
    return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2, min = 0x80, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, min = 0x800, cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, min = 0x10000, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > text.size())
    return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

void append_u_escape(std::string& out, unsigned value) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "\\u%04x", value & 0xFFFF);
  out += buf;
}

void append_member(std::string& out, const char* name, uint64_t value) {
  out += ",\"";
  out += name;
  out += "\":";
  out += std::to_string(value);
}

void append_member(std::string& out, const char* name, std::string_view text) {
  out += ",\"";
  out += name;
  out += "\":";
  append_json_string(out, text);
}

/// A string member, or null when empty (the header was absent).
void append_text_or_null(std::string& out, const char* name,
                         std::string_view text) {
  if (!text.empty()) {
    append_member(out, name, text);
    return;
  }
  out += ",\"";
  out += name;
  out += "\":null";
}

/// Microseconds as milliseconds with three decimals: 1234 -> 1.234.
void append_millis(std::string& out, const char* name, uint64_t us,
                   bool first = false) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s\"%s\":%llu.%03llu", first ? "" : ",",
                name, static_cast<unsigned long long>(us / 1000),
                static_cast<unsigned long long>(us % 1000));
  out += buf;
}

} // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      default: break;
    }
    if (c < 0x20) {
      append_u_escape(out, c);
      ++i;
    } else if (auto n = utf8_sequence(text, i); n > 0) {
      out.append(text, i, n);
      i += n;
    } else {
      append_u_escape(out, 0xDC00 + c); // a byte outside valid UTF-8
      ++i;
    }
  }
  out += '"';
}

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

void write_json_record(const url_result& r, std::string& out) {
  bool ok = r.report.error == error_kind::none;
  out += "{\"url\":";
  append_json_string(out, r.url);
  append_member(out, "seq", r.url_seq);
  out += ok ? ",\"ok\":true" : ",\"ok\":false";
  out += ",\"digests\":{";
  for (size_t i = 0; i < r.digests.size(); ++i) {
    if (i > 0)
      out += ',';
    append_json_string(out, r.digests[i].algo);
    out += ":\"" + to_hex(r.digests[i].bytes) + "\"";
  }
  out += "},\"error\":";
  if (ok)
    out += "null";
  else
    append_json_string(out, to_string(r.report.error));
  append_member(out, "message", r.report.message);
  append_member(out, "http_status", r.report.http_status);
  append_member(out, "bytes", r.report.bytes);
  append_member(out, "final_url", r.report.final_url);
  append_member(out, "attempts", r.attempts);
  out += ",\"earlier\":[";
  for (size_t i = 0; i < r.earlier.size(); ++i) {
    out += i > 0 ? ",{\"error\":" : "{\"error\":";
    append_json_string(out, to_string(r.earlier[i].error));
    append_member(out, "http_status", r.earlier[i].http_status);
    append_member(out, "message", r.earlier[i].message);
    out += '}';
  }
  out += ']';
  append_member(out, "elapsed_ms", r.elapsed_ms);
  append_member(out, "resumed_bytes", r.resumed_bytes);
  if (!r.mark.empty())
    append_member(out, "mark", r.mark);
  auto& report = r.report;
  append_text_or_null(out, "etag", report.etag);
  append_text_or_null(out, "last_modified", report.last_modified);
  append_text_or_null(out, "content_type", report.content_type);
  if (report.content_length >= 0)
    append_member(out, "content_length",
                  static_cast<uint64_t>(report.content_length));
  else
    out += ",\"content_length\":null";
  append_text_or_null(out, "http_version", report.http_version);
  append_text_or_null(out, "remote_ip", report.remote_ip);
  if (report.remote_port > 0)
    append_member(out, "remote_port", report.remote_port);
  else
    out += ",\"remote_port\":null";
  out += ",\"redirects\":[";
  for (size_t i = 0; i < report.redirects.size(); ++i) {
    if (i > 0)
      out += ',';
    append_json_string(out, report.redirects[i]);
  }
  out += "],\"timings\":{";
  auto& times = report.timings;
  append_millis(out, "dns_ms", times.dns_us, true);
  append_millis(out, "connect_ms", times.connect_us);
  append_millis(out, "tls_ms", times.tls_us);
  append_millis(out, "first_byte_ms", times.first_byte_us);
  append_millis(out, "total_ms", times.total_us);
  out += report.not_modified ? "},\"not_modified\":true}\n"
                             : "},\"not_modified\":false}\n";
}

void write_json_gone(const std::string& url, std::string& out) {
  out += "{\"url\":";
  append_json_string(out, url);
  out += ",\"mark\":\"gone\"}\n";
}

std::optional<error_kind> error_kind_named(std::string_view name) {
  // to_string names every kind; values past the last one map to "internal",
  // which the real `internal` (a smaller value) matches first.
  for (unsigned value = 0; value <= 255; ++value) {
    auto kind = static_cast<error_kind>(value);
    if (name == to_string(kind))
      return kind;
  }
  return std::nullopt;
}

// -- reading -------------------------------------------------------------------

namespace {

/// A cursor over one line of JSON. Every method returns false on malformed
/// input and leaves `why` saying what; nothing throws.
class json_cursor {
public:
  explicit json_cursor(std::string_view text) : text_(text) {
    // nop
  }

  std::string why;

  void skip_space() {
    while (pos_ < text_.size()
           && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n'
               || text_[pos_] == '\r'))
      ++pos_;
  }

  bool at_end() {
    skip_space();
    return pos_ == text_.size();
  }

  /// Consumes `c` (after white space) if it is next.
  bool take(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool expect(char c) {
    if (take(c))
      return true;
    return fail(std::string{"expected '"} + c + "'");
  }

  bool fail(std::string reason) {
    if (why.empty())
      why = std::move(reason) + " at byte " + std::to_string(pos_);
    return false;
  }

  bool read_string(std::string& out) {
    out.clear();
    skip_space();
    if (pos_ >= text_.size() || text_[pos_] != '"')
      return fail("expected a string");
    ++pos_;
    while (pos_ < text_.size()) {
      auto c = static_cast<unsigned char>(text_[pos_++]);
      if (c == '"')
        return true;
      if (c < 0x20)
        return fail("control character in a string");
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (pos_ >= text_.size())
        break;
      switch (text_[pos_++]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u':
          if (!read_u_escape(out))
            return false;
          break;
        default: return fail("unknown escape in a string");
      }
    }
    return fail("unterminated string");
  }

  bool read_uint(uint64_t& out) {
    skip_space();
    auto start = pos_;
    out = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      auto digit = static_cast<uint64_t>(text_[pos_] - '0');
      if (out > (UINT64_MAX - digit) / 10)
        return fail("number too large");
      out = out * 10 + digit;
      ++pos_;
    }
    if (pos_ == start)
      return fail("expected a number >= 0");
    if (pos_ - start > 1 && text_[start] == '0')
      return fail("leading zero in a number");
    if (pos_ < text_.size()
        && (text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E'))
      return fail("expected a whole number");
    return true;
  }

  bool read_uint32(uint32_t& out) {
    uint64_t value = 0;
    if (!read_uint(value))
      return false;
    if (value > UINT32_MAX)
      return fail("number too large");
    out = static_cast<uint32_t>(value);
    return true;
  }

  /// A number >= 0 with at most three decimals, as microseconds/1000:
  /// "1.234" -> 1234 (what append_millis writes; more decimals are cut).
  bool read_millis(uint64_t& us) {
    skip_space();
    auto start = pos_;
    uint64_t whole = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      if (whole > UINT64_MAX / 10000) // room for the 1000 below
        return fail("number too large");
      whole = whole * 10 + static_cast<uint64_t>(text_[pos_] - '0');
      ++pos_;
    }
    if (pos_ == start)
      return fail("expected a number >= 0");
    us = whole * 1000;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      auto start = pos_;
      uint64_t scale = 100;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        us += static_cast<uint64_t>(text_[pos_] - '0') * scale;
        scale /= 10;
        ++pos_;
      }
      if (pos_ == start)
        return fail("malformed number");
    }
    return true;
  }

  /// A string, or null for an empty one.
  bool read_string_or_null(std::string& out) {
    out.clear();
    return take_null() || read_string(out);
  }

  bool read_bool(bool& out) {
    skip_space();
    if (text_.substr(pos_, 4) == "true") {
      pos_ += 4;
      out = true;
      return true;
    }
    if (text_.substr(pos_, 5) == "false") {
      pos_ += 5;
      out = false;
      return true;
    }
    return fail("expected true or false");
  }

  /// `[]` or `[ITEM, ...]`, each ITEM read by `read_item()`.
  template <class ReadItem>
  bool read_array(ReadItem read_item) {
    if (!expect('['))
      return false;
    if (take(']'))
      return true;
    do {
      if (!read_item())
        return false;
    } while (take(','));
    return expect(']');
  }

  /// `{}` or `{"KEY": VALUE, ...}`, each VALUE read by `read_member(key)`.
  template <class ReadMember>
  bool read_object(ReadMember read_member) {
    if (!expect('{'))
      return false;
    if (take('}'))
      return true;
    do {
      std::string key;
      if (!read_string(key) || !expect(':') || !read_member(key))
        return false;
    } while (take(','));
    return expect('}');
  }

  bool take_null() {
    skip_space();
    if (text_.substr(pos_, 4) == "null") {
      pos_ += 4;
      return true;
    }
    return false;
  }

  /// Skips any JSON value, nested at most `depth` levels.
  bool skip_value(int depth) {
    if (depth <= 0)
      return fail("nested too deeply");
    skip_space();
    if (pos_ >= text_.size())
      return fail("expected a value");
    auto c = text_[pos_];
    if (c == '"') {
      std::string ignored;
      return read_string(ignored);
    }
    if (c == '{' || c == '[') {
      ++pos_;
      char close = c == '{' ? '}' : ']';
      if (take(close))
        return true;
      do {
        if (c == '{') {
          std::string key;
          if (!read_string(key) || !expect(':'))
            return false;
        }
        if (!skip_value(depth - 1))
          return false;
      } while (take(','));
      return expect(close);
    }
    if (take_null())
      return true;
    if (c == 't' || c == 'f') {
      bool ignored;
      return read_bool(ignored);
    }
    return skip_number();
  }

private:
  bool skip_number() {
    auto start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '-')
      ++pos_;
    auto digits = [&] {
      auto from = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9')
        ++pos_;
      return pos_ > from;
    };
    if (!digits())
      return fail("expected a value");
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (!digits())
        return fail("malformed number");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-'))
        ++pos_;
      if (!digits())
        return fail("malformed number");
    }
    return pos_ > start;
  }

  bool read_hex4(unsigned& out) {
    if (pos_ + 4 > text_.size())
      return fail("short \\u escape");
    out = 0;
    for (int k = 0; k < 4; ++k) {
      auto c = text_[pos_++];
      unsigned digit;
      if (c >= '0' && c <= '9')
        digit = static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        digit = static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        digit = static_cast<unsigned>(c - 'A' + 10);
      else
        return fail("bad \\u escape");
      out = out * 16 + digit;
    }
    return true;
  }

  /// After "\u": a code point (a surrogate pair counts as one) as UTF-8, or
  /// \udc80-\udcff alone as the raw byte it stands for.
  bool read_u_escape(std::string& out) {
    unsigned cp = 0;
    if (!read_hex4(cp))
      return false;
    if (cp >= 0xDC80 && cp <= 0xDCFF) {
      out += static_cast<char>(cp - 0xDC00);
      return true;
    }
    if (cp >= 0xDC00 && cp <= 0xDFFF)
      return fail("lone low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      unsigned low = 0;
      if (text_.substr(pos_, 2) != "\\u")
        return fail("lone high surrogate");
      pos_ += 2;
      if (!read_hex4(low))
        return false;
      if (low < 0xDC00 || low > 0xDFFF)
        return fail("bad surrogate pair");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

/// Members nested deeper than this are not fetchsum's.
constexpr int max_depth = 8;

bool read_error_kind(json_cursor& in, error_kind& out) {
  if (in.take_null()) {
    out = error_kind::none;
    return true;
  }
  std::string name;
  if (!in.read_string(name))
    return false;
  auto kind = error_kind_named(name);
  if (!kind)
    return in.fail("unknown error kind '" + name + "'");
  out = *kind;
  return true;
}

bool read_digests(json_cursor& in, std::vector<digest_value>& out) {
  return in.read_object([&](std::string& algo) {
    std::string hex;
    if (!in.read_string(hex))
      return false;
    auto bytes = from_hex(hex);
    if (!bytes || algo.empty())
      return in.fail("digest '" + algo + "' is not hex");
    for (auto& earlier : out)
      if (earlier.algo == algo)
        return in.fail("digest '" + algo + "' twice");
    out.push_back(digest_value{std::move(algo), std::move(*bytes)});
    return true;
  });
}

bool read_redirects(json_cursor& in, std::vector<std::string>& out) {
  return in.read_array([&] {
    std::string url;
    if (!in.read_string(url))
      return false;
    out.push_back(std::move(url));
    return true;
  });
}

bool read_timings(json_cursor& in, transfer_timings& out) {
  return in.read_object([&](const std::string& key) {
    return key == "dns_ms"          ? in.read_millis(out.dns_us)
           : key == "connect_ms"    ? in.read_millis(out.connect_us)
           : key == "tls_ms"        ? in.read_millis(out.tls_us)
           : key == "first_byte_ms" ? in.read_millis(out.first_byte_us)
           : key == "total_ms"      ? in.read_millis(out.total_us)
                                    : in.skip_value(max_depth - 3);
  });
}

/// A Content-Length: a number, or null when none was declared.
bool read_content_length(json_cursor& in, int64_t& out) {
  out = -1;
  if (in.take_null())
    return true;
  uint64_t value = 0;
  if (!in.read_uint(value))
    return false;
  if (value > static_cast<uint64_t>(INT64_MAX))
    return in.fail("number too large");
  out = static_cast<int64_t>(value);
  return true;
}

bool read_port(json_cursor& in, uint16_t& out) {
  out = 0;
  if (in.take_null())
    return true;
  uint64_t value = 0;
  if (!in.read_uint(value))
    return false;
  if (value > 65535)
    return in.fail("port out of range");
  out = static_cast<uint16_t>(value);
  return true;
}

bool read_earlier(json_cursor& in, std::vector<attempt_outcome>& out) {
  return in.read_array([&] {
    attempt_outcome attempt;
    auto member = [&](const std::string& key) {
      return key == "error"         ? read_error_kind(in, attempt.error)
             : key == "http_status" ? in.read_uint32(attempt.http_status)
             : key == "message"     ? in.read_string(attempt.message)
                                    : in.skip_value(max_depth - 3);
    };
    if (!in.read_object(member))
      return false;
    out.push_back(std::move(attempt));
    return true;
  });
}

} // namespace

std::optional<url_result> read_json_record(std::string_view line,
                                           std::string* why) {
  json_cursor in{line};
  url_result record;
  // Which members were seen: each may appear once.
  enum member : unsigned {
    m_url = 1, m_seq = 2, m_ok = 4, m_digests = 8, m_error = 16,
    m_message = 32, m_status = 64, m_bytes = 128, m_final = 256,
    m_attempts = 512, m_earlier = 1024, m_elapsed = 2048, m_mark = 4096,
    m_etag = 1u << 13, m_modified = 1u << 14, m_type = 1u << 15,
    m_length = 1u << 16, m_version = 1u << 17, m_ip = 1u << 18,
    m_port = 1u << 19, m_redirects = 1u << 20, m_timings = 1u << 21,
    m_not_modified = 1u << 22,
    m_resumed = 1u << 23,
  };
  unsigned seen = 0;
  bool ok = false;
  error_kind kind = error_kind::none;
  auto parse = [&]() -> bool {
    if (!in.expect('{'))
      return false;
    if (in.take('}'))
      return in.fail("empty object");
    do {
      std::string key;
      if (!in.read_string(key) || !in.expect(':'))
        return false;
      unsigned bit = 0;
      bool good;
      if (key == "url")
        bit = m_url, good = in.read_string(record.url);
      else if (key == "seq")
        bit = m_seq, good = in.read_uint(record.url_seq);
      else if (key == "ok")
        bit = m_ok, good = in.read_bool(ok);
      else if (key == "digests")
        bit = m_digests, good = read_digests(in, record.digests);
      else if (key == "error")
        bit = m_error, good = read_error_kind(in, kind);
      else if (key == "message")
        bit = m_message, good = in.read_string(record.report.message);
      else if (key == "http_status")
        bit = m_status, good = in.read_uint32(record.report.http_status);
      else if (key == "bytes")
        bit = m_bytes, good = in.read_uint(record.report.bytes);
      else if (key == "final_url")
        bit = m_final, good = in.read_string(record.report.final_url);
      else if (key == "attempts")
        bit = m_attempts, good = in.read_uint32(record.attempts);
      else if (key == "earlier")
        bit = m_earlier, good = read_earlier(in, record.earlier);
      else if (key == "elapsed_ms")
        bit = m_elapsed, good = in.read_uint(record.elapsed_ms);
      else if (key == "mark")
        bit = m_mark, good = in.read_string(record.mark);
      else if (key == "etag")
        bit = m_etag, good = in.read_string_or_null(record.report.etag);
      else if (key == "last_modified")
        bit = m_modified,
        good = in.read_string_or_null(record.report.last_modified);
      else if (key == "content_type")
        bit = m_type, good = in.read_string_or_null(record.report.content_type);
      else if (key == "content_length")
        bit = m_length,
        good = read_content_length(in, record.report.content_length);
      else if (key == "http_version")
        bit = m_version,
        good = in.read_string_or_null(record.report.http_version);
      else if (key == "remote_ip")
        bit = m_ip, good = in.read_string_or_null(record.report.remote_ip);
      else if (key == "remote_port")
        bit = m_port, good = read_port(in, record.report.remote_port);
      else if (key == "redirects")
        bit = m_redirects, good = read_redirects(in, record.report.redirects);
      else if (key == "timings")
        bit = m_timings, good = read_timings(in, record.report.timings);
      else if (key == "not_modified")
        bit = m_not_modified, good = in.read_bool(record.report.not_modified);
      else if (key == "resumed_bytes")
        bit = m_resumed, good = in.read_uint(record.resumed_bytes);
      else
        good = in.skip_value(max_depth - 1);
      if (!good)
        return false;
      if ((seen & bit) != 0)
        return in.fail("member '" + key + "' twice");
      seen |= bit;
    } while (in.take(','));
    if (!in.expect('}'))
      return false;
    if (!in.at_end())
      return in.fail("text after the record");
    if ((seen & m_url) == 0)
      return in.fail("no \"url\"");
    if ((seen & m_ok) == 0) {
      if (record.mark == "gone")
        return true;
      return in.fail("no \"ok\"");
    }
    if (ok != (kind == error_kind::none))
      return in.fail("\"ok\" and \"error\" disagree");
    if (!ok && !record.digests.empty())
      return in.fail("a failed record with digests");
    if (!ok && record.report.not_modified)
      return in.fail("a failed record that was not modified");
    record.report.error = kind;
    return true;
  };
  if (!parse()) {
    if (why != nullptr)
      *why = in.why;
    return std::nullopt;
  }
  return record;
}

} // namespace fetchsum::detail
