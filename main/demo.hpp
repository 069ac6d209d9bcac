// `fetchsum demo`: the main job on an embedded default, with no internet.
#pragma once

#include <caf/actor_system.hpp>

#include "config/fetchsum_config.hpp"

namespace fetchsum {

/// Starts the demo origin on 127.0.0.1 (ephemeral port), fetches every
/// document it serves, prints the records and a summary, and checks every
/// digest against the origin's own. Returns the exit status.
int run_demo(caf::actor_system& sys, fetchsum_config& cfg);

} // namespace fetchsum
