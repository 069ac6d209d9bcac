#include "detail/http_parse.hpp"

#include <algorithm>
#include <limits>

namespace fetchsum::detail {

namespace {

bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view x) noexcept {
  while (!x.empty() && is_blank(x.front()))
    x.remove_prefix(1);
  while (!x.empty() && is_blank(x.back()))
    x.remove_suffix(1);
  return x;
}

char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equal_nocase(std::string_view x, std::string_view y) noexcept {
  return x.size() == y.size()
         && std::equal(x.begin(), x.end(), y.begin(),
                       [](char a, char b) { return lower(a) == lower(b); });
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/// Reads an HTTP-date left to right; every step fails without moving on
/// input that does not fit.
struct date_reader {
  std::string_view text;
  size_t at = 0;

  bool literal(char c) noexcept {
    if (at < text.size() && text[at] == c) {
      ++at;
      return true;
    }
    return false;
  }

  bool digits(size_t n, int& out) noexcept {
    if (text.size() - at < n)
      return false;
    int value = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!is_digit(text[at + i]))
        return false;
      value = value * 10 + (text[at + i] - '0');
    }
    out = value;
    at += n;
    return true;
  }

  bool word(std::string_view& out) noexcept {
    auto begin = at;
    while (at < text.size() && is_alpha(text[at]))
      ++at;
    out = text.substr(begin, at - begin);
    return at > begin;
  }

  bool month(int& out) noexcept {
    static constexpr std::string_view names[] = {"jan", "feb", "mar", "apr",
                                                 "may", "jun", "jul", "aug",
                                                 "sep", "oct", "nov", "dec"};
    if (text.size() - at < 3)
      return false;
    for (int i = 0; i < 12; ++i)
      if (equal_nocase(text.substr(at, 3), names[i])) {
        out = i + 1;
        at += 3;
        return true;
      }
    return false;
  }

  /// "08:49:37"
  bool time_of_day(int& h, int& m, int& s) noexcept {
    return digits(2, h) && literal(':') && digits(2, m) && literal(':')
           && digits(2, s) && h < 24 && m < 60 && s <= 60;
  }

  bool gmt() noexcept {
    std::string_view zone;
    return word(zone) && equal_nocase(zone, "GMT");
  }

  bool at_end() const noexcept {
    return at == text.size();
  }
};

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// days_from_civil); exact for every year fetchsum can read (0 - 9999).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) noexcept {
  y -= m <= 2;
  auto era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = y - era * 400;
  auto doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  auto doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/// An HTTP-date as seconds since the epoch.
std::optional<int64_t> parse_http_date(std::string_view text) noexcept {
  date_reader in{text};
  std::string_view day_name;
  int day = 0, month = 0, year = 0, h = 0, m = 0, s = 0;
  if (!in.word(day_name))
    return std::nullopt;
  if (in.literal(',')) {
    if (!in.literal(' ') || !in.digits(2, day))
      return std::nullopt;
    if (in.literal(' ')) {
      // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
      if (!in.month(month) || !in.literal(' ') || !in.digits(4, year))
        return std::nullopt;
    } else {
      // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"; a two-digit year is
      // read as the nearest one with the same last digits, 1970 - 2069.
      if (!in.literal('-') || !in.month(month) || !in.literal('-')
          || !in.digits(2, year))
        return std::nullopt;
      year += year < 70 ? 2000 : 1900;
    }
    if (!in.literal(' ') || !in.time_of_day(h, m, s) || !in.literal(' ')
        || !in.gmt())
      return std::nullopt;
  } else {
    // asctime: "Sun Nov  6 08:49:37 1994"
    if (!in.literal(' ') || !in.month(month) || !in.literal(' '))
      return std::nullopt;
    if (!(in.literal(' ') ? in.digits(1, day) : in.digits(2, day))
        || !in.literal(' ') || !in.time_of_day(h, m, s) || !in.literal(' ')
        || !in.digits(4, year))
      return std::nullopt;
  }
  if (!in.at_end() || day < 1 || day > 31)
    return std::nullopt;
  return days_from_civil(year, month, day) * 86400 + h * 3600 + m * 60 + s;
}

} // namespace

uint64_t parse_retry_after(std::string_view value, std::time_t now) noexcept {
  value = trim(value);
  if (value.empty())
    return 0;
  uint64_t seconds = 0;
  if (std::all_of(value.begin(), value.end(), is_digit)) {
    for (char c : value) {
      seconds = seconds * 10 + static_cast<uint64_t>(c - '0');
      if (seconds >= max_retry_after_seconds) { // cap rather than overflow
        seconds = max_retry_after_seconds;
        break;
      }
    }
  } else {
    auto when = parse_http_date(value);
    if (!when || *when <= static_cast<int64_t>(now))
      return 0;
    seconds = std::min(static_cast<uint64_t>(*when - static_cast<int64_t>(now)),
                       max_retry_after_seconds);
  }
  return seconds * 1000;
}

std::optional<status_line> parse_status_line(std::string_view line) noexcept {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
    line.remove_suffix(1);
  if (!equal_nocase(line.substr(0, 5), "HTTP/")) // libcurl ignores case too
    return std::nullopt;
  line.remove_prefix(5);
  status_line result;
  // "1.1", "1.0", "2", "3"
  size_t version_size = 0;
  if (line.size() >= 1 && is_digit(line[0]))
    version_size = line.size() >= 3 && line[1] == '.' && is_digit(line[2]) ? 3
                                                                            : 1;
  if (version_size == 0)
    return std::nullopt;
  result.version = line.substr(0, version_size);
  line.remove_prefix(version_size);
  if (line.size() < 4 || line[0] != ' ' || !is_digit(line[1])
      || !is_digit(line[2]) || !is_digit(line[3]))
    return std::nullopt;
  result.code = static_cast<unsigned>((line[1] - '0') * 100
                                      + (line[2] - '0') * 10 + (line[3] - '0'));
  if (result.code < 100)
    return std::nullopt;
  line.remove_prefix(4);
  if (!line.empty() && line[0] != ' ')
    return std::nullopt; // "HTTP/1.1 2000"
  for (char c : line) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f)
      return std::nullopt;
  }
  result.reason = trim(line);
  return result;
}

namespace {

/// parse_content_length, telling also whether it failed on differing values.
std::optional<uint64_t> read_content_length(std::string_view value,
                                            bool& conflicting) noexcept {
  conflicting = false;
  constexpr auto max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  std::optional<uint64_t> result;
  while (true) {
    auto comma = value.find(',');
    auto item = trim(value.substr(0, comma));
    if (!item.empty()) {
      uint64_t n = 0;
      for (char c : item) {
        if (!is_digit(c))
          return std::nullopt;
        auto digit = static_cast<uint64_t>(c - '0');
        if (n > (max - digit) / 10)
          return std::nullopt;
        n = n * 10 + digit;
      }
      if (result && *result != n)
        conflicting = true;
      result = n;
    }
    if (comma == std::string_view::npos)
      return conflicting ? std::nullopt : result;
    value.remove_prefix(comma + 1);
  }
}

} // namespace

std::optional<uint64_t> parse_content_length(std::string_view value) noexcept {
  bool conflicting = false;
  return read_content_length(value, conflicting);
}

bool only_chunked(std::string_view value) noexcept {
  while (true) {
    auto comma = value.find(',');
    auto item = value.substr(0, comma);
    item = trim(item.substr(0, item.find(';'))); // parameters are no coding
    if (!item.empty() && !equal_nocase(item, "chunked"))
      return false;
    if (comma == std::string_view::npos)
      return true;
    value.remove_prefix(comma + 1);
  }
}

bool header_value(std::string_view line, std::string_view name,
                  std::string_view& value) noexcept {
  if (line.size() <= name.size() || line[name.size()] != ':'
      || !equal_nocase(line.substr(0, name.size()), name))
    return false;
  value = trim(line.substr(name.size() + 1));
  return true;
}

header_problem response_checker::feed(std::string_view line) noexcept {
  // A header name cannot hold '/', so this is a status line (libcurl takes
  // "HTTP/" in any case).
  if (equal_nocase(line.substr(0, 5), "HTTP/")) {
    // A new response (first, 1xx, or the next redirect hop) starts afresh.
    content_length_.reset();
    in_headers_ = true;
    auto status = parse_status_line(line);
    code_ = status ? status->code : 0;
    return status ? header_problem::none : header_problem::bad_status_line;
  }
  if (trim(line).empty()) {
    in_headers_ = false;
    return header_problem::none;
  }
  std::string_view value;
  if (header_value(line, "content-length", value)) {
    bool conflicting = false;
    auto length = read_content_length(value, conflicting);
    if (!length)
      return conflicting ? header_problem::conflicting_content_length
                         : header_problem::bad_content_length;
    if (content_length_ && *content_length_ != *length)
      return header_problem::conflicting_content_length;
    content_length_ = length;
  } else if (header_value(line, "transfer-encoding", value)) {
    if (!only_chunked(value))
      return header_problem::unsupported_transfer_encoding;
  }
  return header_problem::none;
}

const char* to_string(header_problem x) noexcept {
  switch (x) {
    case header_problem::none:
      return "no problem";
    case header_problem::bad_status_line:
      return "malformed status line";
    case header_problem::bad_content_length:
      return "malformed Content-Length";
    case header_problem::conflicting_content_length:
      return "conflicting Content-Length headers";
    case header_problem::unsupported_transfer_encoding:
      return "Transfer-Encoding other than chunked";
  }
  return "unknown problem";
}

} // namespace fetchsum::detail

namespace fetchsum::detail {

std::optional<int64_t> http_date_seconds(std::string_view text) noexcept {
  return parse_http_date(trim(text));
}

} // namespace fetchsum::detail
