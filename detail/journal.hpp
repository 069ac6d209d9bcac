// The --journal file and the OLD file of --diff: fetchsum's own JSON Lines,
// read back through the one record codec (detail/record_json.hpp).
// Plain C++, no actors.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "config/settings.hpp"
#include "messages/messages.hpp"

namespace fetchsum::detail {

/// What a resumed run takes from its journal: the OK records that carry
/// every digest the run computes, by URL, with only those digests in the
/// run's order. The run re-emits them instead of fetching their URLs again.
using journaled_records = std::unordered_map<std::string, url_result>;

/// Prepares the journal at `path` for a resumed run and fills `done`. Failed
/// records, records lacking a requested digest and a torn last line (kill -9
/// mid-write) are dropped: the file is then rewritten with what is kept,
/// through a temporary file beside it and a rename, never in place. A missing
/// file is an empty journal. Returns an error (the run must not start) if the
/// path is not a regular file, a line is too long or is no fetchsum record
/// (a URL list given as --journal must never be rewritten), or the file
/// cannot be read or rewritten.
std::string resume_journal(const std::string& path,
                           const std::vector<std::string>& algorithms,
                           journaled_records& done);

/// --diff: the OK records of an earlier --format json run (or journal), URL
/// -> its digests; and every algorithm they name. Lines marked "gone" and
/// failed records are skipped; a torn last line is ignored. Returns an error
/// if the file cannot be read or holds anything but fetchsum records.
/// With `conditional`, also collects the validators (ETag, Last-Modified) of
/// every record that has all `wanted` digests: a 304 can reuse those.
std::string load_previous_run(
  const std::string& path,
  std::unordered_map<std::string, earlier_digests>& previous,
  std::vector<std::string>& algorithms,
  conditional_requests* conditional = nullptr,
  const std::vector<std::string>& wanted = {});

} // namespace fetchsum::detail
