#include "detail/resume.hpp"

#include "detail/control_bytes.hpp"
#include "detail/http_parse.hpp"

namespace fetchsum::detail {

namespace {

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

/// Reads digits at the front of `in` into `out` (at most 2^63 - 1).
bool read_number(std::string_view& in, uint64_t& out) noexcept {
  if (in.empty() || !is_digit(in.front()))
    return false;
  out = 0;
  while (!in.empty() && is_digit(in.front())) {
    auto digit = static_cast<uint64_t>(in.front() - '0');
    if (out > (UINT64_C(0x7fffffffffffffff) - digit) / 10)
      return false;
    out = out * 10 + digit;
    in.remove_prefix(1);
  }
  return true;
}

bool take(std::string_view& in, char c) noexcept {
  if (in.empty() || in.front() != c)
    return false;
  in.remove_prefix(1);
  return true;
}

std::string_view trim(std::string_view x) noexcept {
  auto blank = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  };
  while (!x.empty() && blank(x.front()))
    x.remove_prefix(1);
  while (!x.empty() && blank(x.back()))
    x.remove_suffix(1);
  return x;
}

std::string describe(const content_range& r) {
  return "bytes " + std::to_string(r.first) + "-" + std::to_string(r.last)
         + "/" + (r.total ? std::to_string(*r.total) : std::string{"*"});
}

} // namespace

std::optional<content_range> parse_content_range(std::string_view value) noexcept {
  auto in = trim(value);
  // The unit is case-insensitive ("bytes"), then one or more spaces.
  if (in.size() < 6)
    return std::nullopt;
  for (size_t i = 0; i < 5; ++i)
    if ((in[i] | 0x20) != "bytes"[i])
      return std::nullopt;
  in.remove_prefix(5);
  if (!take(in, ' '))
    return std::nullopt;
  while (take(in, ' '))
    ;
  content_range result;
  if (!read_number(in, result.first) || !take(in, '-')
      || !read_number(in, result.last) || !take(in, '/'))
    return std::nullopt;
  if (take(in, '*')) {
    if (!in.empty())
      return std::nullopt;
  } else {
    uint64_t total = 0;
    if (!read_number(in, total) || !in.empty() || result.last >= total)
      return std::nullopt;
    result.total = total;
  }
  if (result.last < result.first)
    return std::nullopt;
  return result;
}

std::string if_range_validator(std::string_view etag,
                               std::string_view last_modified,
                               std::string_view date) {
  // What goes back into a request header: no control bytes.
  auto printable = [](std::string_view x) { return !has_control(x); };
  etag = trim(etag);
  // A strong entity tag is a quoted string; W/"..." is weak and must not be
  // sent in If-Range.
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"'
      && printable(etag))
    return std::string{etag};
  // RFC 9110 13.1.5: a date only when there is no entity tag at all. A weak
  // one says two representations may share a Last-Modified second; a
  // digest spliced from both would be wrong.
  if (!etag.empty())
    return {};
  last_modified = trim(last_modified);
  if (!printable(last_modified))
    return {};
  auto modified = http_date_seconds(last_modified);
  auto now = http_date_seconds(date);
  if (modified && now && *now - *modified >= 1)
    return std::string{last_modified};
  return {};
}

std::string validator_problem(std::string_view if_range, std::string_view etag,
                              std::string_view last_modified) {
  bool is_etag = !if_range.empty() && if_range.front() == '"';
  auto got = trim(is_etag ? etag : last_modified);
  if (got == if_range)
    return {};
  return std::string{"206 whose "} + (is_etag ? "ETag" : "Last-Modified")
         + (got.empty() ? " is missing" : " differs from the If-Range sent")
         + ": the rest may be of another body";
}

std::string continuation_problem(const std::optional<content_range>& range,
                                 uint64_t offset, uint64_t expected_total) {
  if (!range)
    return "206 without a readable Content-Range";
  if (range->first != offset)
    return "206 with Content-Range " + describe(*range)
           + " does not continue at byte " + std::to_string(offset);
  if (!range->total)
    return "206 with Content-Range " + describe(*range)
           + " does not say the complete length";
  if (range->last + 1 != *range->total)
    return "206 with Content-Range " + describe(*range)
           + " does not run to the end of the body";
  if (expected_total != 0 && *range->total != expected_total)
    return "206 with Content-Range " + describe(*range)
           + " has another length than the first answer ("
           + std::to_string(expected_total) + " bytes)";
  return {};
}

} // namespace fetchsum::detail
