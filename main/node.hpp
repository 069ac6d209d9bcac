// `fetchsum node`: serve coordinators until SIGINT/SIGTERM.
#pragma once

#include <caf/actor_system.hpp>

#include "config/fetchsum_config.hpp"

namespace fetchsum {

/// Publishes a node actor on cfg.node's address (TLS if cfg.node.tls) and
/// serves coordinators until SIGINT, SIGTERM or SIGHUP (which must be
/// blocked, see block_stop_signals). Returns the exit status: 0 after a
/// signal, 2 if it cannot listen.
int run_node(caf::actor_system& sys, const fetchsum_config& cfg);

} // namespace fetchsum
