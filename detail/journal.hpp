// The --journal file: every finished record, appended and flushed at once,
// so a run killed at any point can be resumed. Plain C++, no actors.
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>

namespace fetchsum::detail {

/// Prepares `path` for a resumed run: keeps the complete records of URLs
/// that succeeded, drops failed ones (they run again) and a torn last line
/// (kill -9 mid-write), and rewrites the file atomically with what is kept.
/// Returns the URLs recorded OK, which the run skips. A missing file is an
/// empty journal. Sets `error` if the file cannot be read or rewritten.
std::unordered_set<std::string> resume_journal(const std::string& path,
                                               std::string& error);

/// The "url" of one of fetchsum's JSON records, or empty if the line is not
/// a complete record.
std::string journal_url(const std::string& line);

/// The "digests":{...} text of a record line, or empty.
std::string journal_digests(const std::string& line);

/// --diff: URL -> digests text of every OK record of an earlier JSON Lines
/// run. Sets `error` if the file cannot be read.
std::unordered_map<std::string, std::string>
load_previous_run(const std::string& path, std::string& error);

} // namespace fetchsum::detail
