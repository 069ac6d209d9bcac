// The coordinator's side of a cluster: one link per node.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <caf/io/middleman_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "config/settings.hpp"
#include "detail/endpoint.hpp"
#include "messages/interfaces.hpp"

namespace fetchsum {

/// How the cluster actor reaches CAF's middleman (plain or TLS) and the
/// operator. Tests hand in fakes.
struct cluster_hooks {
  /// Makes a TCP connection and closes it; empty if it worked, else why not.
  std::function<std::string(const detail::endpoint&)> probe;
  /// The middleman actor that connects to nodes (plain or openssl).
  caf::io::middleman_actor connector;
  /// Writes one line for the operator (stderr).
  std::function<void(const std::string&)> log;
};

struct cluster_state {
  /// One listed node and where the coordinator stands with it.
  struct link {
    detail::endpoint address;
    std::string name;
    /// Set while connected.
    node_actor node;
    /// The members of the group the node gave this run; empty when none.
    std::vector<caf::actor_addr> members;
    /// A retry message is on its way: no second one.
    bool retry_scheduled = false;
    /// The last problem told to the operator: said once, not every retry.
    std::string told;
  };

  cluster_settings settings;
  worker_settings workers;
  supervisor_actor supervisor;
  cluster_hooks hooks;
  std::vector<link> links;

  static inline const char* name = "cluster";
};

/// Connects to every node of `settings.nodes` (again and again while it is
/// down or refuses), asks each for a worker group running `workers`, and
/// hands each group to `supervisor`. A node that is lost, or whose group
/// died, is asked again after the retry interval. Stops when told to exit.
/// Spawn it detached: its TCP probe blocks up to settings.probe_timeout.
cluster_actor::behavior_type
cluster(cluster_actor::stateful_pointer<cluster_state> self,
        cluster_settings settings, worker_settings workers,
        supervisor_actor supervisor, cluster_hooks hooks);

} // namespace fetchsum
