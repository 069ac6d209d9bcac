// Shared test fixture: a deterministic actor system that knows fetchsum's
// message types.
#pragma once

#include <caf/test/dsl.hpp>

#include "messages/interfaces.hpp"

namespace fetchsum::test {

struct config : caf::actor_system_config {
  config() {
    add_message_types<caf::id_block::fetchsum>();
  }
};

using fixture = test_coordinator_fixture<config>;

} // namespace fetchsum::test
