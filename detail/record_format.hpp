// How one record looks in each output format. Plain C++, no actors.
#pragma once

#include <string>
#include <vector>

#include "config/settings.hpp"
#include "messages/messages.hpp"

namespace fetchsum::detail {

/// Standard base64 with padding (RFC 4648), as SRI uses.
std::string to_base64(const std::vector<uint8_t>& bytes);

/// Appends the output of one record: to `out` what belongs on stdout (or the
/// -o file), to `err` what belongs on stderr.
///   sum:  "HEX  URL\n" per digest, exactly as sha512sum prints a file name
///   tag:  "SHA512 (URL) = HEX\n" per digest, as sha512sum --tag
///   sri:  "sha512-BASE64 ...  URL\n"
///   json: one JSON object per line, failures included (detail/record_json)
/// In sum, tag and sri a failure is "fetchsum: URL: message\n" on `err`.
void format_record(const url_result& record, output_format format,
                   std::string& out, std::string& err);

/// A name as coreutils prints it in a verdict line: as it is, or, if it
/// holds a backslash or a line end, those escaped and a backslash before it.
std::string coreutils_name(const std::string& name);

/// `text` with every control byte as \xHH: a message that may quote what a
/// server or a list said, made safe for a terminal.
std::string terminal_text(const std::string& text);

/// Appends the -v detail of one record to `err`: "fetchsum: URL: HTTP 200,
/// 4096 bytes, 12 ms, 1 attempt[, final URL]".
void format_detail(const url_result& record, std::string& err);

} // namespace fetchsum::detail
