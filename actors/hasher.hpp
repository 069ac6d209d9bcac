// The hasher: digests of many bodies at once, one context set per transfer.
#pragma once

#include <memory>
#include <unordered_map>

#include "config/settings.hpp"
#include "detail/digest.hpp"
#include "messages/interfaces.hpp"

namespace fetchsum {

struct hasher_state {
  /// Fetched once when the hasher starts.
  std::unique_ptr<detail::digest_algorithms> algorithms;
  /// Digests of the bodies being received, by transfer id.
  std::unordered_map<uint64_t, detail::digest_set> open;
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
