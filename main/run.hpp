// Wiring one run: spawn the actors, wait for the aggregator, stop cleanly.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <unordered_set>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/source.hpp"
#include "config/fetchsum_config.hpp"
#include "detail/journal.hpp"
#include "detail/output_file.hpp"
#include "messages/messages.hpp"

namespace fetchsum {

struct run_outcome {
  run_summary summary;
  /// The signal that interrupted the run, 0 if none.
  int signal = 0;
  double seconds = 0;
};

/// Fetches every URL `inputs` name and writes the records to `out` (and error
/// lines to `err`). SIGINT/SIGTERM/SIGHUP interrupt the run gracefully;
/// SIGUSR1 prints a status line on stderr.
/// With --journal, `journal` receives every record, and `journaled` holds
/// the records of URLs a previous run finished OK: they are re-emitted, not
/// fetched again. Failed writes to `out` or `journal` end up in the
/// summary's write_errors.
run_outcome run(caf::actor_system& sys, const fetchsum_config& cfg,
                std::vector<source_input> inputs, detail::output_file out,
                std::ostream& err, detail::output_file journal = {},
                std::shared_ptr<detail::journaled_records> journaled
                = nullptr);

/// Blocks SIGINT, SIGTERM, SIGHUP and SIGUSR1 in the calling thread (and
/// every thread it starts afterwards), so only run()'s signal thread receives
/// them. Call before creating the actor system.
void block_stop_signals();

/// The exit status for an outcome: 0 all ok, 1 some failed (or, with -c,
/// did not match; with --strict also improperly formatted lines), 2 input or
/// output error (a list unreadable, records not written), 128+signal when
/// interrupted.
int exit_status(const run_outcome& outcome, bool strict = false);

/// One line: URLs, ok/failed, bytes, time, rates; with -c (`check`) the
/// verdicts instead of ok/failed.
std::string summary_line(const run_outcome& outcome, bool check = false);

} // namespace fetchsum
