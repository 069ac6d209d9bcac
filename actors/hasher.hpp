// The hasher: digests of many bodies at once, one context set per transfer.
#pragma once

#include <memory>
#include <unordered_map>

#include "config/settings.hpp"
#include "detail/digest.hpp"
#include "messages/interfaces.hpp"

namespace fetchsum {

struct hasher_state {
  /// The digests of one body so far.
  struct body {
    detail::digest_set digests;
    /// Bytes hashed into `digests`.
    uint64_t bytes = 0;
    /// A resume whose kept state was not here (this hasher is not the one
    /// that kept it): nothing is hashed, and the transfer fails. The tail
    /// alone must never get a digest.
    bool lost = false;
  };

  /// Fetched once when the hasher starts.
  std::unique_ptr<detail::digest_algorithms> algorithms;
  /// Digests of the bodies being received, by transfer id.
  std::unordered_map<uint64_t, body> open;
  /// Range resume: digests of bodies that broke, kept by the id of the
  /// transfer that broke until a resume continues or drops them, or the
  /// supervisor says to forget them (cancel). At most one per URL in flight.
  std::unordered_map<uint64_t, body> kept;
  result_sink_actor sink;
  std::string crash_marker;

  static inline const char* name = "hasher";
};

/// Hashes body chunks as they arrive and reports a hash_result per transfer
/// to `sink`. Every chunk of one transfer must come to the same hasher, in
/// order: the digest state of a body lives here and nowhere else, which is
/// why the supervisor routes by transfer id and never per chunk.
hasher_actor::behavior_type
hasher(hasher_actor::stateful_pointer<hasher_state> self,
       hasher_settings settings, result_sink_actor sink);

} // namespace fetchsum
