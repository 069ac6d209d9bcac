// `fetchsum node`: the worker side of a cluster.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>

#include "config/settings.hpp"
#include "messages/interfaces.hpp"

namespace fetchsum {

/// How a node makes a group's members. Production code spawns real fetchers
/// and hashers; tests hand in fakes.
struct node_children {
  std::function<fetcher_actor(caf::actor_system&, const fetcher_settings&)>
    spawn_fetcher;
  std::function<hasher_actor(caf::actor_system&, const hasher_settings&,
                             result_sink_actor)>
    spawn_hasher;
};

struct node_state {
  /// The group one coordinator's run uses.
  struct run {
    result_sink_actor sink;
    worker_group group;
    /// How the operator's log names the coordinator.
    std::string name;
  };

  node_settings settings;
  node_children children;
  std::function<void(const std::string&)> log;
  std::vector<run> runs;
  /// Coordinators that joined so far, to name them in the log.
  uint64_t joined = 0;

  static inline const char* name = "node";
};

/// Serves coordinators: each join spawns a worker group (settings.fetchers
/// fetchers, settings.hashers hashers reporting to the coordinator's
/// supervisor) and answers with its handles. The group lives until the
/// coordinator is gone (its run ended, it crashed, or its link broke): then
/// the node stops it, so nothing runs for nobody. On exit it stops them all.
node_actor::behavior_type node(node_actor::stateful_pointer<node_state> self,
                               node_settings settings, node_children children,
                               std::function<void(const std::string&)> log);

} // namespace fetchsum
