// The source: URL lists, read lazily, handed out on request.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "detail/journal.hpp"
#include "detail/line_reader.hpp"
#include "messages/interfaces.hpp"

namespace fetchsum {

struct source_state {
  /// Lists not opened yet, in order; "-" is standard input.
  std::vector<std::string> paths;
  size_t next_path = 0;
  /// The list being read, its descriptor (closed unless it is stdin) and
  /// its name for messages.
  std::optional<detail::line_reader> reader;
  int fd = -1;
  std::string current_name;
  /// -c/--check: properly formatted lines of the current list so far.
  uint64_t formatted = 0;
  source_settings settings;
  /// Reused for every line.
  std::string line;
  /// The url_seq of the next URL handed out (journaled or not).
  uint64_t next_url_seq = 0;
  bool done = false;
  /// --journal: what an earlier run finished OK, by URL. Each entry is
  /// re-emitted (and removed) the first time its URL comes up. May be null.
  std::shared_ptr<detail::journaled_records> journaled;

  ~source_state();

  static inline const char* name = "source";
};

/// Reads the URL lists in order (no path: standard input) and answers each
/// pull with at most n URLs, numbered from 0 across all lists. It reads only
/// as far as asked: memory does not grow with the length of the list, and a
/// line longer than detail::max_line_length ends the input with a read
/// error. Lines end at LF, CRLF or a lone CR; blank lines and lines starting
/// with '#' are skipped; surrounding spaces and tabs are stripped. Spawn it
/// detached: reading standard input may block.
source_actor::behavior_type
source(source_actor::stateful_pointer<source_state> self,
       std::vector<std::string> paths,
       std::shared_ptr<detail::journaled_records> journaled,
       source_settings settings);

} // namespace fetchsum
