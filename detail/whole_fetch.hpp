// Fetching one small file whole before a run starts: a checksum file named
// by URL (fetchsum -c https://host/pub/SHA256SUMS). Plain C++, no actors.
#pragma once

#include <cstdint>
#include <string>

#include "config/settings.hpp"
#include "messages/messages.hpp"

namespace fetchsum::detail {

/// What fetch_whole brought back.
struct whole_file {
  /// How the (last) attempt ended: error none, or why not; final_url is the
  /// URL after redirects, the base of the file's relative names.
  transfer_report report;
  /// The body, when report.error is none.
  std::string body;
  /// Attempts made.
  uint32_t attempts = 0;
};

/// How hard fetch_whole tries.
struct whole_fetch_limits {
  /// Bodies larger than this fail as too_large; the text says what set it.
  uint64_t max_bytes = 64 << 20;
  std::string max_bytes_origin = "the cap of a checksum file";
  /// Further attempts after a transient failure, each after a random delay
  /// of up to retry_delay * 2^(n-1), at most retry_max_delay (as the
  /// supervisor waits).
  uint32_t retries = 0;
  std::chrono::milliseconds retry_delay{1'000};
  std::chrono::milliseconds retry_max_delay{60'000};
};

/// Downloads `url` into memory, blocking, through the very transfer code the
/// fetchers use (detail::curl_multi with `settings`): TLS verification,
/// --cacert, timeouts, redirects within http and https, the downgrade rule,
/// -H headers, the user agent and the response checks are the same as for
/// any URL of a list. A body is only kept from a 2xx answer.
whole_file fetch_whole(const fetcher_settings& settings, const std::string& url,
                       const whole_fetch_limits& limits);

} // namespace fetchsum::detail
