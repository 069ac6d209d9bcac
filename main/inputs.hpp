// What the arguments name: list files, URLs, checksum files by URL. Checked
// (and checksum files fetched) before anything else runs, so a missing list
// or an unreachable checksum file is an input error (exit 2) with nothing
// fetched.
#pragma once

#include <string>
#include <vector>

#include "actors/source.hpp"
#include "config/command_line.hpp"
#include "config/fetchsum_config.hpp"

namespace fetchsum {

/// Turns `arguments` (the INI file's input-file lists, then the command
/// line's inputs in order) into the source's inputs. A list file must be
/// readable; an argument starting with http: or https: is a URL, unless -i
/// named it; with -c such a URL is a checksum file, fetched here (same
/// transfer settings as any URL, at most --max-size or 64 MiB, --retries
/// for transient failures) and read against its final URL; --base (only
/// with -c) is the base of the local checksum files. Returns an empty string
/// on success, else one line saying which input and why.
std::string prepare_inputs(const fetchsum_config& cfg,
                           const std::vector<input_argument>& arguments,
                           std::vector<source_input>& inputs);

/// -c/--check: the digests the checksum lists name, so the hashers compute
/// them all. Standard input cannot be read twice: then every digest a
/// checksum line can name by its length.
std::vector<std::string>
algorithms_to_check(const std::vector<source_input>& inputs);

} // namespace fetchsum
