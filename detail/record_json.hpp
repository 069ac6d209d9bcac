// The one JSON record codec: what --format json writes, and what --journal,
// --diff and -c read back. Plain C++, no actors.
//
// A record is one line: {"url":...,"seq":N,"ok":B,"digests":{ALGO:HEX,...},
// "error":NAME|null,"message":...,"http_status":N,"bytes":N,"final_url":...,
// "attempts":N,"earlier":[{"error":...,"http_status":N,"message":...}],
// "elapsed_ms":N[,"mark":...],"etag":S|null,"last_modified":S|null,
// "content_type":S|null,"content_length":N|null,"http_version":S|null,
// "remote_ip":S|null,"remote_port":N|null,"redirects":[URL,...],
// "timings":{"dns_ms":F,"connect_ms":F,"tls_ms":F,"first_byte_ms":F,
// "total_ms":F},"not_modified":B}. elapsed_ms spans all attempts, timings the last one (F:
// milliseconds with three decimals). --diff also writes
// {"url":...,"mark":"gone"} for URLs of the earlier run that are not in this
// one.
//
// Text is written as valid UTF-8 whatever bytes a URL or message holds: a
// byte that is not part of valid UTF-8 is written as \udcXX (XX its value,
// the "surrogateescape" convention of Python), and read back as that byte,
// so the bytes round-trip exactly.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "messages/messages.hpp"

namespace fetchsum::detail {

/// Appends `record` as one JSON line, '\n' included.
void write_json_record(const url_result& record, std::string& out);

/// Appends the "gone" line of --diff for `url`, '\n' included.
void write_json_gone(const std::string& url, std::string& out);

/// Appends `text` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view text);

/// `text` as a JSON string literal, quotes included.
std::string json_string(std::string_view text);

/// The error kind with this name ("dns", "http_status", ...), if any.
std::optional<error_kind> error_kind_named(std::string_view name);

/// Reads one line written by write_json_record or write_json_gone (any
/// member order; unknown members are skipped). A gone line comes back with
/// `mark == "gone"` and nothing else set. Never throws, never recurses more
/// than a few levels and never allocates more than the line's size: returns
/// empty, with the reason in `why`, if the line is anything else (not JSON,
/// not an object, no "url", a digest that is not hex, a duplicate member...).
std::optional<url_result> read_json_record(std::string_view line,
                                           std::string* why = nullptr);

} // namespace fetchsum::detail
