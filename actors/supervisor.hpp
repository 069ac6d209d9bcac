// The throttling supervisor: the one place that decides when a URL may go out.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/stateful_actor.hpp>

#include "config/settings.hpp"
#include "detail/host_scheduler.hpp"
#include "messages/interfaces.hpp"

namespace fetchsum {

/// How the supervisor makes its children. Production code spawns real
/// fetchers and hashers; tests hand in fakes implementing the same interfaces.
struct supervisor_children {
  std::function<fetcher_actor(caf::actor_system&)> spawn_fetcher;
  std::function<hasher_actor(caf::actor_system&, result_sink_actor)>
    spawn_hasher;
};

struct supervisor_state {
  /// A URL and what happened to it so far.
  struct pending {
    url_job job;
    std::string origin;
    /// Attempts made (reported in the record).
    uint32_t attempts = 0;
    /// Transient failures other than 429: these use up --retries.
    uint32_t failures = 0;
    /// 429 answers: these use up max_throttled.
    uint32_t throttled = 0;
    /// Crashes of a fetcher or hasher this URL's attempts caused (or may have
    /// caused, when the culprit is unknown).
    uint32_t crashes = 0;
    /// Re-runs because an actor died of another URL's transfer.
    uint32_t bystander_reruns = 0;
    /// Re-runs because the node running an attempt was lost.
    uint32_t node_losses = 0;
    /// How the last attempt ended; the record if no attempt follows.
    transfer_report last;
    /// Attempts before `last`, for the record's history.
    std::vector<attempt_outcome> earlier;
    /// When the first attempt started (the record's elapsed_ms counts from
    /// here); empty until then.
    std::optional<caf::actor_clock::time_point> first_start;
    /// Range resume: the digest state a hasher keeps of the last attempt,
    /// which broke after `offset` bytes. The next attempt goes to that
    /// hasher's group and asks for the rest; empty: from byte 0.
    struct kept_digest {
      /// The broken transfer: the hasher keeps the state under its id.
      uint64_t transfer_id = 0;
      uint64_t offset = 0;
      std::string if_range;
      uint64_t body_size = 0;
      size_t group = 0;
      size_t hasher = 0;
      /// The hasher itself: if the group's hasher at that index is another
      /// one now (a replacement), the state died with it.
      hasher_actor holder;
    };
    std::optional<kept_digest> kept;
    /// Retries after an attempt that added bytes to the kept state: they
    /// do not use up --retries, up to settings.max_resumes.
    uint32_t resumes = 0;
    /// The furthest byte a kept digest state of this URL reached: only an
    /// attempt that gets past it made progress.
    uint64_t furthest_kept = 0;
  };

  /// One URL between fetch_order and hash_result.
  struct transfer {
    pending url;
    /// Index into `groups`, and of the fetcher and hasher in that group.
    size_t group = 0;
    size_t fetcher = 0;
    size_t hasher = 0;
  };

  /// Fetchers and hashers that stream to each other: the local ones, or
  /// those of one node (worker_group::node names it then).
  struct group {
    worker_group workers;
    /// Transfers each fetcher runs, to pick the least busy one.
    std::vector<uint32_t> fetcher_load;
    uint32_t running = 0;
    /// False once a member died (a node's group is then gone for good; the
    /// local group replaces its member instead).
    bool live = true;
  };

  supervisor_settings settings;
  supervisor_children children;
  source_actor source;
  aggregator_actor aggregator;

  /// Every group that ever joined; an index stays valid (lost groups stay
  /// as dead entries: a run has few).
  std::vector<group> groups;
  /// Transfers the live groups run at once at most, together.
  uint32_t capacity = 0;
  size_t live_groups = 0;
  /// --nodes: names the current wait for a node (abandon_atom carries it);
  /// bumped when a group joins, so a stale wait does nothing.
  uint64_t node_wait_epoch = 0;
  /// --nodes: no node came within --node-wait: every URL ends as no_node.
  bool abandoned = false;
  node_counts nodes;

  /// Running transfers by transfer id (one per attempt, never reused).
  std::unordered_map<uint64_t, transfer> running;
  uint64_t next_transfer_id = 0;
  /// URLs waiting out a backoff delay before their next attempt, by url_seq.
  std::unordered_map<uint64_t, pending> backing_off;
  std::minstd_rand jitter;
  /// URLs pulled from the source (or back for another attempt) and not
  /// started yet, queued per origin under --per-host, --rate and Retry-After.
  detail::host_scheduler<pending> hosts;

  bool pulling = false;
  bool input_done = false;
  bool interrupted = false;
  bool finished = false;
  std::string read_error;
  /// url_results sent to the aggregator.
  uint64_t results = 0;
  /// URLs taken from the source.
  uint64_t admitted = 0;
  /// Records re-emitted from the --journal.
  uint64_t from_journal = 0;
  /// -c/--check: lists without one properly formatted line.
  std::vector<std::string> unformatted_lists;
  /// -k/-c (settings.order_window > 0): the url_seq of the oldest URL
  /// without a record, and for it and every URL admitted after it (by
  /// url_seq), whether it has one.
  uint64_t order_base = 0;
  std::deque<bool> order_finished;
  /// -c/--check: lines the source could not read as checksum lines.
  uint64_t malformed = 0;
  /// URLs dropped by an interrupt before their first attempt.
  uint64_t never_started = 0;

  static inline const char* name = "supervisor";
};

/// Pulls URLs from `source`, admits them within the global and per-origin
/// caps, routes each to a fetcher and (by transfer id) to a hasher, retries
/// transient failures with backoff (honouring Retry-After per host), and
/// sends exactly one url_result per URL to `aggregator`, then input_end.
supervisor_actor::behavior_type
supervisor(supervisor_actor::stateful_pointer<supervisor_state> self,
           supervisor_settings settings, supervisor_children children,
           source_actor source, aggregator_actor aggregator);

} // namespace fetchsum
