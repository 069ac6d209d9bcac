// Reading fetchsum's command line the way curl users type it.
#pragma once

#include <string>
#include <vector>

#include "config/fetchsum_config.hpp"

namespace fetchsum {

/// A list or URL named on the command line (or in the INI file).
struct input_argument {
  std::string text;
  /// Named by -i/--input-file: a list file (or "-") whatever it looks like.
  /// Otherwise an argument starting with http: or https: is a URL.
  bool list_file = false;
};

/// What the command line asked for besides options.
struct command_line {
  /// Positional arguments: URL lists and URLs, or the subcommand "demo".
  std::vector<std::string> positional;
  /// The positional arguments and -i/--input-file lists, in the order given.
  std::vector<input_argument> inputs;
  bool help = false;
  bool version = false;
  /// CAF printed its --long-help or --dump-config: nothing else to do.
  bool caf_printed = false;
  /// Empty when no --config-file was given (no file is read then).
  std::string config_file;
};

/// Parses argv into `cfg` and `out`: first the INI file (if --config-file),
/// then CAF's own options (--scheduler.max-threads=2 ...), then fetchsum's
/// flags, so the command line wins. Accepts `-j 64`, `-j64`, `--per-host 8`,
/// `--per-host=8`, bundled flags (`-kq`), options after positionals, and `--`.
/// Unknown or mistyped keys in the INI file are errors, unlike plain CAF.
/// Returns an empty string on success, otherwise one line saying what is wrong.
std::string parse_command_line(fetchsum_config& cfg, int argc, char** argv,
                               command_line& out);

/// Checks every key of the INI file at `path` against the options of `cfg`:
/// CAF itself silently ignores unknown keys and values of the wrong type.
/// Stores integers given for options measured in seconds (CAF refuses them)
/// as real numbers. Returns an empty string if the file is fine, otherwise
/// one line naming the file and the first problem.
std::string check_config_file(const fetchsum_config& cfg,
                              const std::string& path);

/// The text of --help.
std::string help_text(const fetchsum_config& cfg);

} // namespace fetchsum
