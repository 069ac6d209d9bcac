// Plain settings structs, one per actor that needs them. The
// actor_system_config subclass in config/fetchsum_config.hpp binds every field
// to a command-line flag and an INI key; actors receive only their struct.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace fetchsum {

/// --diff: the digests of one URL in an earlier run, as (algorithm,
/// lower-case hex) pairs.
using earlier_digests = std::vector<std::pair<std::string, std::string>>;

/// --diff: what a URL's earlier record lets us ask the server ("changed
/// since?"): its ETag for If-None-Match, its Last-Modified for
/// If-Modified-Since. Both empty: ask nothing.
struct conditional_request {
  std::string if_none_match;
  std::string if_modified_since;

  bool empty() const noexcept {
    return if_none_match.empty() && if_modified_since.empty();
  }
};

/// --diff: the conditional request of every URL of the earlier run that has
/// validators and all the digests this run computes (a 304 reuses them).
using conditional_requests
  = std::unordered_map<std::string, conditional_request>;

/// How records are written.
enum class output_format { sum, tag, json, sri };

/// Settings of the source.
struct source_settings {
  /// -c/--check: the lists are checksum files, not URL lists.
  bool check = false;
  /// --warn: name every improperly formatted line on stderr.
  bool warn = false;
  /// --diff (unless --no-conditional): jobs of these URLs carry their
  /// conditional request; the source takes each out as it hands it on.
  std::shared_ptr<conditional_requests> conditional;
};

/// Settings of the hashers.
struct hasher_settings {
  /// OpenSSL digest names, in output order, e.g. {"sha512"}.
  std::vector<std::string> algorithms{"sha512"};
  /// Test hook: a hasher that sees these bytes in a body throws (dies), so
  /// tests can check supervision end to end. Empty: off.
  std::string crash_marker;
};

/// Settings of each fetcher's libcurl transfers.
struct fetcher_settings {
  long max_redirs = 10;
  std::chrono::milliseconds connect_timeout{10'000};
  /// Whole-transfer limit, 0 = none.
  std::chrono::milliseconds max_time{300'000};
  /// Fail a transfer when no byte arrived for this long.
  std::chrono::milliseconds stall_time{30'000};
  bool insecure = false;
  std::string user_agent = "fetchsum/0.1";
  std::vector<std::string> headers;
  /// Bodies larger than this fail with too_large; 0 = unlimited.
  uint64_t max_size = 0;
  /// Bytes accumulated before a body_chunk is sent to the hasher.
  uint32_t chunk_size = 256 * 1024;
  /// Bytes of one transfer that may be on their way to or inside the hasher;
  /// beyond it the transfer pauses until the hasher acknowledges.
  uint32_t window = 1024 * 1024;
  /// Optional CA bundle (tests with their own TLS origin).
  std::string cacert;
  /// Follow redirects from an https URL to plain http; off, such a URL fails
  /// as `downgrade`.
  bool allow_downgrade = false;
  /// -u USER:PASSWORD for Basic authentication, sent only to the host of
  /// each URL (never after a redirect to another host). Empty: none. Never
  /// printed.
  std::string user_password;
  /// --netrc / --netrc-file: look up credentials in a netrc file (read where
  /// the fetcher runs) for URLs that carry none; a missing file is no error.
  bool netrc = false;
  /// Empty: ~/.netrc.
  std::string netrc_file;
  /// -x: proxy URL (empty: libcurl's http_proxy, https_proxy, ALL_PROXY).
  std::string proxy;
  /// --noproxy: hosts reached directly, comma-separated; "*" for all.
  std::string noproxy;
  /// --cert / --key: client certificate and its key (PEM, files read where
  /// the fetcher runs). Empty: none.
  std::string client_cert;
  std::string client_key;
  /// --resolve HOST:PORT:ADDR and --connect-to HOST:PORT:HOST2:PORT2 entries,
  /// checked, as libcurl takes them.
  std::vector<std::string> resolve;
  std::vector<std::string> connect_to;
  /// -4 / -6: 4 or 6 to use only that IP version, 0 for either.
  int ip_version = 0;
  /// --limit-rate: body bytes per second per transfer at most, 0 = no limit.
  uint64_t max_recv_speed = 0;
};

/// Settings of the throttling supervisor.
struct supervisor_settings {
  /// Transfers in flight at most.
  uint32_t concurrency = 256;
  /// Transfers in flight per origin (scheme://host:port) at most.
  uint32_t per_host = 6;
  /// Fetcher actors (each one libcurl multi handle on its own thread).
  uint32_t fetchers = 1;
  /// Hasher actors; 0 = one per core.
  uint32_t hashers = 0;
  /// After SIGINT/SIGTERM, how long in-flight transfers may still finish.
  std::chrono::milliseconds grace{2'000};
  /// Further attempts after a transient failure (not counting 429s).
  uint32_t retries = 3;
  /// Backoff base: attempt n waits a uniform random time in
  /// [0, min(retry_max_delay, retry_delay * 2^(n-1))] ("full jitter").
  std::chrono::milliseconds retry_delay{1'000};
  /// Cap of every backoff and of every Retry-After pause.
  std::chrono::milliseconds retry_max_delay{60'000};
  /// 429 Too Many Requests pause the host without using up `retries`; this
  /// many of them end the URL, so a server cannot keep it forever.
  uint32_t max_throttled = 10;
  /// A URL whose attempts crashed a fetcher or hasher this often ends as an
  /// `internal` error instead of killing actors forever.
  uint32_t max_crashes = 2;
  /// Requests per second per host (token bucket), 0 = no limit.
  double rate = 0;
  /// Requests a host may get at once before `rate` applies.
  uint32_t burst = 1;
  /// Seed of the jitter; 0 picks a random one. Tests fix it.
  uint64_t random_seed = 0;
  /// -k/--keep-order and -c write records in input order: the aggregator
  /// holds a record until every earlier one is written. No URL more than
  /// this many places after the oldest unfinished one is admitted, so at most
  /// this many records are held back. 0: records go out as they finish.
  uint32_t order_window = 0;
  /// --nodes: no local fetchers or hashers; worker groups join from nodes,
  /// each with its own capacity (concurrency, fetchers and hashers above
  /// are then the nodes' business).
  bool remote_workers = false;
  /// --nodes: how long the run may go without any node before every URL not
  /// yet recorded ends as no_node.
  std::chrono::milliseconds node_wait{30'000};
  /// Range resume: a transient failure after which the body's digest grew
  /// is retried with Range without using up `retries`, this many times per
  /// URL at most (then such retries use `retries` like any other).
  uint32_t max_resumes = 100;
};

/// --nodes: how the coordinator's cluster actor reaches its nodes.
struct cluster_settings {
  /// "HOST:PORT" of every node, as validated.
  std::vector<std::string> nodes;
  /// Mutual TLS (--cluster-cert/-key/-ca) instead of plain BASP.
  bool tls = false;
  /// A node that is down, refused, lost or restarted is tried this often.
  std::chrono::milliseconds retry_interval{2'000};
  /// How long a TCP connect to a node may take before the attempt counts as
  /// failed (CAF's own connect has no limit).
  std::chrono::milliseconds probe_timeout{2'000};
  /// How long the CAF handshake and the join may take.
  std::chrono::milliseconds handshake_timeout{5'000};
};

/// `fetchsum node`: what a node offers each coordinator.
struct node_settings {
  /// Where it listens.
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  bool tls = false;
  /// The worker group each coordinator gets.
  uint32_t fetchers = 2;
  uint32_t hashers = 1;
  uint32_t capacity = 256;
};

/// Settings of the aggregator.
struct aggregator_settings {
  output_format format = output_format::sum;
  /// Write records in input order instead of completion order.
  bool keep_order = false;
  /// Flush buffered output at least this often.
  std::chrono::milliseconds flush_interval{200};
  /// -v: one line of detail per URL on the error stream.
  bool verbose = false;
  /// -c/--check: print verdicts (OK / FAILED) instead of digests.
  bool check = false;
  /// --quiet with -c: no line for URLs that are OK.
  bool check_quiet = false;
  /// --status with -c: no verdict lines or warnings at all.
  bool check_status = false;
  /// --ignore-missing with -c: a URL answered 404 or 410 gets no verdict
  /// and is no failure, as sha256sum -c --ignore-missing treats a missing
  /// file.
  bool ignore_missing = false;
  /// --diff: compare with an earlier run, URL -> its digests there.
  bool diff = false;
  /// --diff: the digests of this run, in output order; a 304 record gets
  /// these from the earlier run.
  std::vector<std::string> algorithms;
  std::unordered_map<std::string, earlier_digests> previous_run;
  /// A progress line is on the error stream: erase it before writing errors
  /// (the next redraw brings it back).
  bool erase_progress_line = false;
};

} // namespace fetchsum
