// The one CAF type-ID block of fetchsum: every message type and typed handle
// (the atoms are in messages/atoms.hpp).
// Register it once: cfg.add_message_types<caf::id_block::fetchsum>().
#pragma once

#include <caf/type_id.hpp>

#include "messages/interfaces.hpp"
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

  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::node_counts))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::worker_settings))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::worker_group))

  // Typed handles travel inside messages (worker_group, the join request):
  // registered, they cross nodes as what they are, not as untyped actors.
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::source_actor))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::hasher_actor))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::fetcher_actor))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::result_sink_actor))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::supervisor_actor))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::aggregator_actor))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::node_actor))
  CAF_ADD_TYPE_ID(fetchsum, (fetchsum::cluster_actor))

CAF_END_TYPE_ID_BLOCK(fetchsum)
