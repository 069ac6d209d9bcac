// The progress line: one redrawn line on a terminal.
#pragma once

#include <chrono>
#include <ostream>
#include <string>

#include "messages/interfaces.hpp"

namespace fetchsum {

struct progress_state {
  supervisor_actor supervisor;
  aggregator_actor aggregator;
  std::ostream* out = nullptr;
  caf::timespan interval;
  caf::actor_clock::time_point started;
  admission_counts admitted;
  record_counts records;

  static inline const char* name = "progress";
};

/// The line for these counts after `seconds`, without "\r" or the erase
/// sequence, e.g. "1,234/20,000 6% | 2,345 URL/s 12.3 MB/s | 64 in flight |
/// 3 failed | ETA 0:07". The total reads "?" until the list is read.
std::string progress_line(const admission_counts& admitted,
                          const record_counts& records, double seconds);

/// Every `interval`, asks the supervisor and the aggregator for their counts
/// and redraws the line on `out` (a terminal). Costs nothing per URL: it
/// polls, and only while the run lasts.
progress_actor::behavior_type
progress(progress_actor::stateful_pointer<progress_state> self,
         supervisor_actor supervisor, aggregator_actor aggregator,
         std::ostream* out, caf::timespan interval);

} // namespace fetchsum
