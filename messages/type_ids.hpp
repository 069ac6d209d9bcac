// The one CAF type-ID block of fetchsum: every atom and message type.
// Register it once: cfg.add_message_types<caf::id_block::fetchsum>().
#pragma once

#include <caf/type_id.hpp>

#include "messages/messages.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(fetchsum, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::error_kind))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::url_job))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::url_batch))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::fetch_order))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::body_chunk))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::chunk_ack))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::transfer_report))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::transfer_done))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::digest_value))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::hash_result))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::attempt_outcome))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::url_result))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::input_end))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::run_summary))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::record_counts))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::admission_counts))

  /// Supervisor -> source: hand out more URLs.
  CAF_ADD_ATOM(fetchsum, fetchsum, pull_atom, "pull")
  /// main -> supervisor: begin the run.
  CAF_ADD_ATOM(fetchsum, fetchsum, start_atom, "start")
  /// Signal thread -> supervisor: stop admitting, grace for in-flight.
  CAF_ADD_ATOM(fetchsum, fetchsum, interrupt_atom, "interrupt")
  /// Supervisor -> itself: grace over.
  CAF_ADD_ATOM(fetchsum, fetchsum, abort_atom, "abort")
  /// Supervisor -> fetcher: abort one transfer.
  CAF_ADD_ATOM(fetchsum, fetchsum, cancel_atom, "cancel")
  /// main -> aggregator: reply when the run is complete.
  CAF_ADD_ATOM(fetchsum, fetchsum, await_atom, "await")
  /// Supervisor -> itself: a backoff delay ended, try URL `url_seq` again.
  CAF_ADD_ATOM(fetchsum, fetchsum, retry_atom, "retry")
  /// Supervisor -> itself: a host paused by Retry-After may go on.
  CAF_ADD_ATOM(fetchsum, fetchsum, resume_atom, "resume")

CAF_END_TYPE_ID_BLOCK(fetchsum)
