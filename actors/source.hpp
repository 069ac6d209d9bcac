// The source: URL lists, read lazily, handed out on request.
#pragma once

#include <fstream>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "config/settings.hpp"
#include "messages/interfaces.hpp"

namespace fetchsum {

struct source_state {
  /// Lists not opened yet, in order; "-" is standard input.
  std::vector<std::string> paths;
  size_t next_path = 0;
  /// The list being read: a file, or std::cin.
  std::unique_ptr<std::ifstream> file;
  std::istream* in = nullptr;
  std::string current_path;
  /// Line number within the current list, for --warn.
  uint64_t line_number = 0;
  source_settings settings;
  uint64_t malformed = 0;
  /// Reused for every line, so a 10 MB line costs one allocation.
  std::string line;
  uint64_t next_seq = 0;
  bool done = false;
  /// URLs the --journal already has OK: skipped, counted. Read-only.
  std::shared_ptr<const std::unordered_set<std::string>> skip;

  static inline const char* name = "source";
};

/// Reads the URL lists in order (no path: standard input) and answers each
/// pull with at most n URLs, numbered from 0 across all lists. It reads only
/// as far as asked: memory does not grow with the length of the list.
/// Blank lines and lines starting with '#' are skipped; a trailing CR and
/// surrounding spaces and tabs are stripped. Spawn it detached: reading
/// standard input may block.
source_actor::behavior_type
source(source_actor::stateful_pointer<source_state> self,
       std::vector<std::string> paths,
       std::shared_ptr<const std::unordered_set<std::string>> skip,
       source_settings settings);

} // namespace fetchsum
