// Checking an input URL before anything is fetched, and naming its origin.
#pragma once

#include <string>

#include "messages/messages.hpp"

namespace fetchsum::detail {

/// The outcome of checking one input URL.
struct checked_url {
  /// none, bad_url or unsupported_scheme.
  error_kind error = error_kind::none;
  /// Why the URL was rejected.
  std::string message;
  /// "scheme://host:port", lower-case, port always explicit: the key of the
  /// per-host concurrency cap (http://a and http://a:80 are one origin).
  std::string origin;
};

/// Parses `url` with libcurl's own URL parser, so what passes here is what the
/// fetcher will request. Only http and https are accepted: a file:// URL must
/// never read a local file.
checked_url check_url(const std::string& url);

} // namespace fetchsum::detail
