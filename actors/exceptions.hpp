// What an exception escaping an actor's handler turns into.
#pragma once

#include <exception>
#include <string>

#include <caf/error.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/sec.hpp>

namespace fetchsum {

/// CAF's default handler prints "*** unhandled exception" to standard output,
/// which would corrupt fetchsum's records there. This one says nothing and
/// ends the actor with an error naming the exception; whoever monitors the
/// actor (the supervisor) turns that into records.
inline void exit_on_exception(caf::scheduled_actor* self) {
  self->set_exception_handler(
    [](caf::scheduled_actor*, std::exception_ptr& eptr) -> caf::error {
      try {
        std::rethrow_exception(eptr);
      } catch (std::exception& e) {
        return caf::make_error(caf::sec::runtime_error, std::string{e.what()});
      } catch (...) {
        return caf::make_error(caf::sec::runtime_error,
                               std::string{"unknown exception"});
      }
    });
}

} // namespace fetchsum
