// The aggregator: exactly one record per URL, written out.
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <caf/typed_response_promise.hpp>

#include "config/settings.hpp"
#include "detail/output_file.hpp"
#include "messages/interfaces.hpp"

namespace fetchsum {

struct aggregator_state {
  aggregator_settings settings;
  /// Records; after a write error nothing more is written to it.
  detail::output_file out;
  std::ostream* err = nullptr;
  /// --journal: every record as a JSON line, written at once; may be empty.
  detail::output_file journal;

  /// Formatted text not written yet.
  std::string pending_out;
  std::string pending_err;
  bool flush_armed = false;

  /// Which url_seqs have a record. They are dense from 0, so a bit each.
  std::vector<bool> seen;
  /// --keep-order: records waiting for a lower url_seq, by url_seq, and the
  /// next url_seq to write.
  std::map<uint64_t, url_result> held;
  uint64_t next_in_order = 0;

  /// --diff: the earlier run's OK records, and whether this run listed the
  /// URL. Kept until the end, not erased when a record comes: a URL listed
  /// twice may get its 304 after the other listing's record, and needs the
  /// earlier digests then too.
  struct earlier_record {
    earlier_digests digests;
    bool listed = false;
  };
  std::unordered_map<std::string, earlier_record> previous;

  run_summary summary;
  uint64_t distinct = 0;
  bool complete = false;
  std::vector<caf::typed_response_promise<run_summary>> waiting;

  static inline const char* name = "aggregator";
};

/// Receives the one url_result of every URL, counts it, and writes it to
/// `out` / `err` in the configured format, in completion order or (with
/// keep_order) input order. Output is buffered and flushed at least every
/// settings.flush_interval, so records already made survive a kill. A second
/// result for a url_seq is a bug: counted in `duplicates` and dropped.
/// A failed write to `out` or `journal` is reported in
/// run_summary::write_errors; the records are still counted.
aggregator_actor::behavior_type
aggregator(aggregator_actor::stateful_pointer<aggregator_state> self,
           aggregator_settings settings, detail::output_file out,
           std::ostream* err, detail::output_file journal);

} // namespace fetchsum
