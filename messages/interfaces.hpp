// Typed handles of fetchsum's actors: who accepts which message.
//
// Message flow (docs/architecture.md has the full picture):
//
//   source --url_batch--> supervisor --fetch_order--> fetcher
//   fetcher --body_chunk/transfer_done--> hasher --chunk_ack--> fetcher
//   hasher --hash_result--> supervisor --url_result/input_end--> aggregator
//
// With --nodes, fetchers and hashers run on nodes in worker groups:
//   cluster --join(worker_settings, supervisor)--> node --worker_group--> cluster
//   cluster --join(worker_group)--> supervisor
// and fetch_order / hash_result / cancel cross the network; body chunks and
// their acks stay inside one node (docs/distribution.md).
//
// Keeping every `replies_to` in this one header makes a CAF upgrade a
// one-file change.
#pragma once

#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/messages.hpp"

namespace fetchsum {

/// Reads the URL list lazily and hands out URLs only when asked.
using source_actor = caf::typed_actor<
  /// Returns up to `n` more URLs, in input order.
  caf::replies_to<pull_atom, uint32_t>::with<url_batch>>;

/// Hashes bodies; one EVP context per transfer id lives in its state.
using hasher_actor = caf::typed_actor<
  /// The next bytes of the body of transfer `transfer_id`; acknowledged with
  /// a chunk_ack to the sender.
  caf::reacts_to<body_chunk>,
  /// The body ended: finish the digests and report a hash_result.
  caf::reacts_to<transfer_done>,
  /// Forget the transfer with this transfer id: its fetcher died, it will
  /// run again under a new transfer id.
  caf::reacts_to<cancel_atom, uint64_t>>;

/// Downloads many URLs at once on one libcurl multi handle.
using fetcher_actor = caf::typed_actor<
  /// Start a transfer and stream its body to the order's hasher.
  caf::reacts_to<fetch_order>,
  /// The hasher consumed bytes: reopen the transfer's window.
  caf::reacts_to<chunk_ack>,
  /// Abort the transfer with this transfer id (shutdown, or its hasher
  /// died). It ends with a transfer_done carrying `interrupted`, which nobody
  /// waits for.
  caf::reacts_to<cancel_atom, uint64_t>>;

/// Where hashers report: the supervisor, or a test.
using result_sink_actor = caf::typed_actor<
  /// The outcome of one attempt at one URL.
  caf::reacts_to<hash_result>>;

/// The fetchers and hashers one node runs for one coordinator. Transfers
/// stream from a group's fetchers to hashers of the same group only, so body
/// bytes never cross the network.
struct worker_group {
  std::vector<fetcher_actor> fetchers;
  std::vector<hasher_actor> hashers;
  /// Transfers the group runs at once at most (the node's --concurrency).
  uint32_t capacity = 0;
  /// "HOST:PORT" as the coordinator names the node; set by the coordinator.
  std::string node;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_group& x) {
  return f(caf::meta::type_name("worker_group"), x.fetchers, x.hashers,
           x.capacity, x.node);
}

bool operator==(const worker_group& x, const worker_group& y);

/// `fetchsum node`: serves coordinators, one worker group each.
using node_actor = caf::typed_actor<
  /// A coordinator joins: spawn a group with these settings whose hashers
  /// report to `sink`. The group lives until `sink` is gone.
  caf::replies_to<join_atom, worker_settings, result_sink_actor>::with<
    worker_group>>;

/// --nodes: keeps one link per node and hands their worker groups to the
/// supervisor.
using cluster_actor = caf::typed_actor<
  /// Try (again) to connect to node number `index` and get its group.
  caf::reacts_to<caf::connect_atom, uint64_t>>;

/// Admits URLs within the concurrency caps and owns fetchers and hashers.
using supervisor_actor = caf::typed_actor<
  caf::reacts_to<hash_result>,
  /// --nodes: a node's worker group joins the run.
  caf::reacts_to<join_atom, worker_group>,
  /// --node-wait ended (the number names the wait): no group joined since?
  caf::reacts_to<abandon_atom, uint64_t>,
  /// Begin pulling URLs from the source.
  caf::reacts_to<start_atom>,
  /// SIGINT/SIGTERM: admit nothing more; in-flight transfers get a grace.
  caf::reacts_to<interrupt_atom>,
  /// The grace period ended: give up on whatever is still in flight.
  caf::reacts_to<abort_atom>,
  /// A backoff delay ended: the URL with this url_seq may be tried again.
  caf::reacts_to<retry_atom, uint64_t>,
  /// A host's Retry-After pause ended.
  caf::reacts_to<resume_atom, std::string>,
  /// For the progress line: URLs read and running so far.
  caf::replies_to<caf::get_atom>::with<admission_counts>>;

/// Collects exactly one record per URL and writes the output.
using aggregator_actor = caf::typed_actor<
  /// The final record of one URL.
  caf::reacts_to<url_result>,
  /// No more records will come.
  caf::reacts_to<input_end>,
  /// Write out buffered records (sent to itself on a timer).
  caf::reacts_to<caf::flush_atom>,
  /// Answers once the run is complete.
  caf::replies_to<await_atom>::with<run_summary>,
  /// For the progress line: records so far.
  caf::replies_to<caf::get_atom>::with<record_counts>>;

/// Redraws the progress line on a timer.
using progress_actor = caf::typed_actor<
  /// Time to redraw (sent to itself).
  caf::reacts_to<caf::tick_atom>>;

} // namespace fetchsum

// The type-ID block registers the handles above.
#include "messages/type_ids.hpp"
