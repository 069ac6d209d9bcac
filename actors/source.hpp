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

/// One input of the source, in command-line order.
struct source_input {
  enum class kind_type {
    /// A list file; "-" is standard input.
    list_file,
    /// A URL given as an argument: it stands for itself, one URL.
    url,
    /// -c: a checksum file fetched before the run, its bytes in `text`.
    fetched,
  };
  kind_type kind = kind_type::list_file;
  /// The path, "-" or the URL as given: what messages name.
  std::string name;
  /// kind fetched: the file's bytes.
  std::shared_ptr<const std::string> text;
  /// -c: relative names resolve against this URL (a fetched file's final
  /// URL, or --base); empty: names are taken as they are written.
  std::string base;

  static source_input list_file(std::string path, std::string base = {}) {
    return {kind_type::list_file, std::move(path), nullptr, std::move(base)};
  }

  static source_input url(std::string text) {
    return {kind_type::url, std::move(text), nullptr, {}};
  }

  static source_input fetched(std::string url,
                              std::shared_ptr<const std::string> text,
                              std::string final_url) {
    return {kind_type::fetched, std::move(url), std::move(text),
            std::move(final_url)};
  }
};

struct source_state {
  /// The inputs, in order; those before next_input are done or open.
  std::vector<source_input> inputs;
  size_t next_input = 0;
  /// The list being read, its descriptor (closed unless it is stdin) and
  /// its name for messages.
  std::optional<detail::line_reader> reader;
  int fd = -1;
  std::string current_name;
  /// -c: the base URL of the current list's names; empty: none.
  std::string current_base;
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

/// Reads the inputs in order (none: standard input) and answers each pull
/// with at most n URLs, numbered from 0 across all inputs (a URL argument is
/// one URL; with -c, a name with a base resolves against it). It reads only
/// as far as asked: memory does not grow with the length of the list, and a
/// line longer than detail::max_line_length ends the input with a read
/// error. Lines end at LF, CRLF or a lone CR; blank lines and lines starting
/// with '#' are skipped; surrounding spaces and tabs are stripped. Spawn it
/// detached: reading standard input may block.
source_actor::behavior_type
source(source_actor::stateful_pointer<source_state> self,
       std::vector<source_input> inputs,
       std::shared_ptr<detail::journaled_records> journaled,
       source_settings settings);

} // namespace fetchsum
