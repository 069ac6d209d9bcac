// The throttling supervisor: the one place that decides when a URL may go out.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/stateful_actor.hpp>

#include "config/settings.hpp"
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
  /// One URL between fetch_order and hash_result.
  struct transfer {
    std::string url;
    std::string origin;
    size_t fetcher = 0;
    size_t hasher = 0;
  };

  /// URLs of one origin waiting to start, and how many of its transfers run.
  struct host {
    std::deque<url_job> waiting;
    uint32_t running = 0;
    /// Whether the host is in `ready`.
    bool ready = false;
  };

  supervisor_settings settings;
  supervisor_children children;
  source_actor source;
  aggregator_actor aggregator;

  std::vector<fetcher_actor> fetchers;
  /// Transfers each fetcher runs, to pick the least busy one.
  std::vector<uint32_t> fetcher_load;
  std::vector<hasher_actor> hashers;

  std::unordered_map<uint64_t, transfer> running;
  std::unordered_map<std::string, host> hosts;
  /// Origins with waiting URLs and a free per-host slot, in the order they
  /// became ready: served round-robin so no host blocks the others.
  std::deque<std::string> ready;
  /// URLs pulled from the source and not started yet (across all hosts).
  size_t waiting = 0;

  bool pulling = false;
  bool input_done = false;
  bool interrupted = false;
  bool finished = false;
  std::string read_error;
  /// url_results sent to the aggregator.
  uint64_t results = 0;

  static inline const char* name = "supervisor";
};

/// Pulls URLs from `source`, admits them within the global and per-origin
/// caps, routes each to a fetcher and (by transfer id) to a hasher, and sends
/// exactly one url_result per URL to `aggregator`, then input_end.
supervisor_actor::behavior_type
supervisor(supervisor_actor::stateful_pointer<supervisor_state> self,
           supervisor_settings settings, supervisor_children children,
           source_actor source, aggregator_actor aggregator);

} // namespace fetchsum
