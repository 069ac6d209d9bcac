// What a name in a checksum file stands for when the file came from a URL
// (or --base names one): `a.tar.gz` next to
// https://host/pub/v1.2/SHA256SUMS is https://host/pub/v1.2/a.tar.gz.
// Plain C++, no actors.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fetchsum::detail {

/// Whether `text` starts with "http:" or "https:", in any case: a command
/// line argument or checksum-file name that is a URL, not a file name.
/// (Whether the rest is a valid URL is the supervisor's check: a malformed
/// one still becomes a bad_url record.)
bool is_http_url(std::string_view text);

/// A file name as a relative URL reference: every byte that is not
/// unreserved, a sub-delimiter, ':', '@' or '/' is percent-encoded (so ' ',
/// '#', '?', '%', '\\' and non-ASCII bytes are part of the name, never a
/// fragment, a query or an escape), leading slashes collapse to one (the
/// file system reads "//x" as "/x"; a URL would read a host), and a relative
/// name starts with "./" (so "a:b.iso" is no scheme "a").
std::string name_as_reference(std::string_view name);

/// The URL a checksum file's `name` stands for, the file's own URL being
/// `base` (its final URL after redirects, or --base): RFC 3986 resolution of
/// name_as_reference(name) against base, by libcurl's URL API, as a browser
/// resolves a relative link ("./", "../", "/abs" included). A name that is
/// already an http(s) URL stays as it is. Empty when `base` is not an
/// absolute URL or the name cannot be a URL (a NUL in it).
std::optional<std::string> resolve_checksum_name(const std::string& base,
                                                 const std::string& name);

} // namespace fetchsum::detail
