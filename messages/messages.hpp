// Every message type fetchsum's actors exchange, declared once.
//
// Messages are plain structs with a CAF 0.17-style `inspect`, so the test DSL
// can match them and the middleman can carry them between nodes. The type-ID
// block registering them lives in messages/type_ids.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

#include "config/settings.hpp"

namespace fetchsum {

/// What went wrong with one URL. `none` means the URL succeeded.
/// The names are part of the output format (JSON `error` field): keep them stable.
enum class error_kind : uint8_t {
  /// The URL was fetched and hashed.
  none = 0,
  /// The line is not a URL libcurl can parse (no scheme, bad host, spaces...).
  bad_url,
  /// A scheme other than http/https, for the URL or for a redirect target.
  unsupported_scheme,
  /// The host name did not resolve.
  dns,
  /// The TCP connection was refused or could not be made.
  connect,
  /// TLS handshake or certificate verification failed.
  tls,
  /// The transfer exceeded --connect-timeout or --max-time.
  timeout,
  /// No byte arrived for --stall-time.
  stall,
  /// The final response was not 2xx.
  http_status,
  /// The body ended early: shorter than Content-Length, or the peer reset it.
  truncated,
  /// More than --max-redirs redirects.
  too_many_redirects,
  /// The body exceeded --max-size.
  too_large,
  /// A bug or a crashed actor; the message says which.
  internal,
  /// The run was interrupted (SIGINT/SIGTERM) before this transfer finished.
  interrupted,
  /// The server's answer is not valid HTTP: a garbage or HTTP/0.9 status
  /// line, a NUL in a header, a negative, malformed or conflicting
  /// Content-Length, headers over libcurl's limit, broken chunked framing.
  bad_response,
  /// A Transfer-Encoding other than chunked (gzip, deflate, ...): libcurl
  /// would decode it, so the digest would not be of the bytes served.
  unsupported_encoding,
  /// An https URL redirected to plain http (allowed by --allow-downgrade).
  downgrade,
  /// --nodes: no node was connected for --node-wait seconds; the URL was
  /// never tried (or its node was lost and no other took it).
  no_node,
};

/// Stable lower-case name of an error kind, e.g. "http_status".
const char* to_string(error_kind x);

struct transfer_report;

/// Whether another attempt may succeed: dns, connect, timeout, stall,
/// truncated, and HTTP 408, 429 and 5xx. Everything else is final, among
/// them bad_response, unsupported_encoding, downgrade and tls: the same
/// server would answer the same way.
bool is_transient(const transfer_report& report);

struct digest_value;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conditional_request& x) {
  return f(caf::meta::type_name("conditional_request"), x.if_none_match,
           x.if_modified_since);
}
/// No transfer: the value of a field naming a transfer id when there is
/// none (transfer ids count up from 0 and never get this far).
constexpr uint64_t no_transfer = UINT64_MAX;

/// One URL read from the input, numbered in input order from 0.
struct url_job {
  /// The URL's index in the input, from 0 across all lists; the same in
  /// every attempt (JSON `seq`). Not a transfer id.
  uint64_t url_seq = 0;
  std::string url;
  /// -c/--check: the digest the checksum file expects; empty otherwise.
  std::vector<digest_value> expected;
  /// --diff: ask the server whether the body changed since the earlier run.
  conditional_request conditional;
};

/// Supervisor -> fetcher: start downloading `url` and stream its body to
/// `hasher`. The supervisor picks the hasher from the transfer id, so every
/// chunk of one body reaches the same hasher in order.
struct fetch_order {
  /// Names this one attempt: fresh for every attempt, never reused. Not a
  /// URL's url_seq.
  uint64_t transfer_id = 0;
  std::string url;
  /// A hasher_actor handle; untyped here so this header needs no interfaces.
  caf::actor hasher;
  /// Sent as If-None-Match / If-Modified-Since; a 304 answer is then a
  /// success without a body (transfer_report::not_modified).
  conditional_request conditional;
  /// Range resume: the earlier transfer of this URL whose digest state
  /// `hasher` keeps (it broke after `resume_offset` bytes); no_transfer for
  /// a transfer from byte 0. The fetcher asks for `Range: bytes=OFFSET-`
  /// with `If-Range: if_range` and tells the hasher on the first message
  /// whether the answer continues that state.
  uint64_t resume_of = no_transfer;
  uint64_t resume_offset = 0;
  std::string if_range;
  /// The complete length the first answer declared (0: it declared none); a
  /// 206 must have the same.
  uint64_t resume_total = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_order& x) {
  return f(caf::meta::type_name("fetch_order"), x.transfer_id, x.url,
           x.hasher, x.conditional, x.resume_of, x.resume_offset,
           x.if_range, x.resume_total);
}

/// Fetcher -> hasher: the next piece of a body, in order. The bytes are moved
/// into the message, never copied.
struct body_chunk {
  uint64_t transfer_id = 0;
  std::vector<char> bytes;
  /// Set on the first message (body_chunk or transfer_done) of a transfer
  /// ordered as a resume: the transfer whose kept digest state this body
  /// continues (`continues`: a 206 at the right offset), or whose state is
  /// dropped because the body starts again at byte 0. no_transfer on every
  /// other message. It travels with the bytes, in order on the fetcher ->
  /// hasher path, because only the fetcher sees the answer.
  uint64_t resume_of = no_transfer;
  bool continues = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, body_chunk& x) {
  return f(caf::meta::type_name("body_chunk"), x.transfer_id, x.bytes,
           x.resume_of, x.continues);
}

/// Hasher -> fetcher: `size` bytes of transfer `transfer_id` are hashed; the
/// fetcher may send that many more (or resume the paused transfer).
struct chunk_ack {
  uint64_t transfer_id = 0;
  uint64_t size = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunk_ack& x) {
  return f(caf::meta::type_name("chunk_ack"), x.transfer_id, x.size);
}

/// Where the time of one attempt went, in microseconds since it started
/// (libcurl's CURLINFO_*_TIME_T, the numbers behind curl's -w time_*): each
/// point includes the ones before it. 0 for a step that did not happen (no
/// TLS, a reused connection).
struct transfer_timings {
  uint64_t dns_us = 0;
  uint64_t connect_us = 0;
  uint64_t tls_us = 0;
  uint64_t first_byte_us = 0;
  uint64_t total_us = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, transfer_timings& x) {
  return f(caf::meta::type_name("transfer_timings"), x.dns_us, x.connect_us,
           x.tls_us, x.first_byte_us, x.total_us);
}

/// How one transfer ended, as the fetcher saw it.
struct transfer_report {
  error_kind error = error_kind::none;
  /// Human-readable reason when `error != none`, e.g. "HTTP 404 Not Found".
  std::string message;
  /// Final HTTP status, 0 if no response arrived.
  uint32_t http_status = 0;
  /// Body bytes received.
  uint64_t bytes = 0;
  /// URL after redirects.
  std::string final_url;
  /// Wall time of the transfer in milliseconds.
  uint64_t elapsed_ms = 0;
  /// The server's Retry-After (delta-seconds or HTTP-date) in milliseconds
  /// from the end of the transfer; 0 if it sent none.
  uint64_t retry_after_ms = 0;
  // What the final response said about itself, as the server sent it (empty:
  // the header was absent). They make a record explain itself, and the
  // validators let a later run ask "changed since?".
  std::string etag;
  std::string last_modified;
  std::string content_type;
  /// Declared Content-Length of the final response; -1 if none.
  int64_t content_length = -1;
  /// "1.0", "1.1", "2", "3"; empty if no response arrived.
  std::string http_version;
  /// The address the last connection went to; empty/0 if none was made.
  std::string remote_ip;
  uint16_t remote_port = 0;
  /// Every URL a redirect led to, in order; the last is final_url.
  std::vector<std::string> redirects;
  transfer_timings timings;
  /// The server answered 304 Not Modified to our conditional request: no
  /// body, and the earlier run's digests stand (the aggregator fills them in).
  bool not_modified = false;
  /// Range resume: the strong validator (ETag, or Last-Modified) an If-Range
  /// for the rest of this body sends; empty if it may not be resumed.
  std::string if_range;
  /// The complete length of the body as declared (Content-Length of a 200,
  /// the total of a 206's Content-Range); 0 if unknown.
  uint64_t body_size = 0;
  /// A failed transfer whose digest state the hasher keeps for a resume:
  /// it broke after some bytes of a body with a validator, transiently.
  bool resumable = false;
  /// The body continued the digest state of an earlier attempt from this
  /// byte (the Range offset); 0 if it started at byte 0. `bytes` counts
  /// the whole body either way.
  uint64_t resumed_from = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, transfer_report& x) {
  return f(caf::meta::type_name("transfer_report"), x.error, x.message,
           x.http_status, x.bytes, x.final_url, x.elapsed_ms,
           x.retry_after_ms, x.etag, x.last_modified, x.content_type,
           x.content_length, x.http_version, x.remote_ip, x.remote_port,
           x.redirects, x.timings, x.not_modified, x.if_range, x.body_size,
           x.resumable, x.resumed_from);
}

/// Fetcher -> hasher: the transfer ended. Carries the last bytes of the body
/// (often the whole body of a small page: one message instead of two).
struct transfer_done {
  uint64_t transfer_id = 0;
  std::vector<char> tail;
  transfer_report report;
  /// As in body_chunk: set if this is the transfer's first message.
  uint64_t resume_of = no_transfer;
  bool continues = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, transfer_done& x) {
  return f(caf::meta::type_name("transfer_done"), x.transfer_id, x.tail,
           x.report, x.resume_of, x.continues);
}

/// One digest of a body, e.g. {"sha512", 64 raw bytes}.
struct digest_value {
  std::string algo;
  std::vector<uint8_t> bytes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, digest_value& x) {
  return f(caf::meta::type_name("digest_value"), x.algo, x.bytes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, url_job& x) {
  return f(caf::meta::type_name("url_job"), x.url_seq, x.url, x.expected,
           x.conditional);
}

/// Hasher -> supervisor: the outcome of one attempt. Digests are empty when
/// the transfer failed.
struct hash_result {
  uint64_t transfer_id = 0;
  std::vector<digest_value> digests;
  transfer_report report;
  /// A failed transfer whose digest state the hasher keeps, under this
  /// transfer id, for a resume: the bytes hashed so far (the next Range
  /// offset). 0: nothing kept.
  uint64_t resumable_offset = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hash_result& x) {
  return f(caf::meta::type_name("hash_result"), x.transfer_id, x.digests,
           x.report, x.resumable_offset);
}

/// How one earlier attempt at a URL failed (the last attempt is the record's
/// own report).
struct attempt_outcome {
  error_kind error = error_kind::none;
  uint32_t http_status = 0;
  std::string message;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attempt_outcome& x) {
  return f(caf::meta::type_name("attempt_outcome"), x.error, x.http_status,
           x.message);
}

/// Supervisor -> aggregator: the one final record of an input URL.
struct url_result {
  /// The url_job's url_seq: the URL's index in the input (JSON `seq`).
  uint64_t url_seq = 0;
  std::string url;
  std::vector<digest_value> digests;
  transfer_report report;
  uint32_t attempts = 0;
  /// The attempts before the last one, oldest first.
  std::vector<attempt_outcome> earlier;
  /// --diff: "new", "changed" or "unchanged" against the earlier run; set
  /// by the aggregator, empty otherwise.
  std::string mark;
  /// -c/--check: what the checksum file expects (from the url_job).
  std::vector<digest_value> expected;
  /// Re-emitted from the --journal of an earlier run, not fetched now.
  bool journaled = false;
  /// Milliseconds from the start of the first attempt to the record, back-off
  /// pauses included (report.elapsed_ms is the last attempt's alone).
  uint64_t elapsed_ms = 0;
  /// Bytes of the body the last attempt did not fetch: it continued the
  /// digest state earlier attempts left (JSON `resumed_bytes`); 0 if it
  /// fetched the body from byte 0.
  uint64_t resumed_bytes = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, url_result& x) {
  return f(caf::meta::type_name("url_result"), x.url_seq, x.url, x.digests,
           x.report, x.attempts, x.earlier, x.mark, x.expected,
           x.journaled, x.elapsed_ms, x.resumed_bytes);
}

/// The source's answer to a pull: the next URLs, and whether the list ended.
struct url_batch {
  std::vector<url_job> jobs;
  /// True once the input is exhausted: no further batch will have jobs.
  bool last = false;
  /// Set when reading the input failed (the run must end with exit code 2).
  std::string read_error;
  /// --journal: records of URLs the journal already has OK, numbered like
  /// the jobs (re-emitted as they are, never fetched again).
  std::vector<url_result> journaled;
  /// -c/--check: lines that are no checksum line.
  uint64_t malformed = 0;
  /// -c/--check: lists that ended without one properly formatted line.
  std::vector<std::string> unformatted_lists;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, url_batch& x) {
  return f(caf::meta::type_name("url_batch"), x.jobs, x.last, x.read_error,
           x.journaled, x.malformed, x.unformatted_lists);
}


/// --nodes: what node losses cost a run.
struct node_counts {
  /// Worker groups of nodes lost mid-run (link lost, node killed or hung).
  uint64_t lost = 0;
  /// Transfers that ran again on another node because theirs was lost.
  uint64_t reruns = 0;
  /// Results that arrived for a transfer no longer running (a node that
  /// came back after its transfers were re-run): dropped, never printed.
  uint64_t late_results = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_counts& x) {
  return f(caf::meta::type_name("node_counts"), x.lost, x.reruns,
           x.late_results);
}

/// Supervisor -> aggregator: no more results will come; `results` were sent.
struct input_end {
  uint64_t results = 0;
  /// Non-empty if the input could not be read to its end.
  std::string read_error;
  /// True if the run was cut short by a signal.
  bool interrupted = false;
  /// Records re-emitted from the --journal.
  uint64_t from_journal = 0;
  /// -c/--check: improperly formatted lines.
  uint64_t malformed = 0;
  /// -c/--check: lists without one properly formatted line.
  std::vector<std::string> unformatted_lists;
  /// Interrupted: URLs read from the list but never started (no record),
  /// and whether the list was not read to its end.
  uint64_t never_started = 0;
  bool list_unread = false;
  /// --nodes: the node counters of the run (see node_counts).
  node_counts nodes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, input_end& x) {
  return f(caf::meta::type_name("input_end"), x.results, x.read_error,
           x.interrupted, x.from_journal, x.malformed, x.unformatted_lists,
           x.never_started, x.list_unread, x.nodes);
}

/// Aggregator -> main: the run is complete.
struct run_summary {
  uint64_t ok = 0;
  uint64_t failed = 0;
  /// Failed URLs by error_kind, indexed by its value.
  std::vector<uint64_t> failed_by_kind;
  uint64_t bytes = 0;
  /// Second results for an already-recorded url_seq: a bug if ever non-zero.
  uint64_t duplicates = 0;
  std::string read_error;
  bool interrupted = false;
  /// Records re-emitted from the --journal (counted in ok too).
  uint64_t from_journal = 0;
  /// --diff counts: new, changed, unchanged, gone.
  std::vector<uint64_t> marks;
  /// -c/--check verdicts: matched, did not match, could not be read,
  /// missing (404/410 under --ignore-missing: no verdict), and improperly
  /// formatted lines.
  uint64_t verified = 0;
  uint64_t mismatched = 0;
  uint64_t unreadable = 0;
  uint64_t missing = 0;
  uint64_t malformed = 0;
  /// -c/--check: lists without one properly formatted line.
  std::vector<std::string> unformatted_lists;
  /// As in input_end: URLs never started, list not read to its end.
  uint64_t never_started = 0;
  bool list_unread = false;
  /// "standard output: No space left on device": one line per output that
  /// failed (records are still counted, but no longer written there).
  std::vector<std::string> write_errors;
  /// As in input_end.
  node_counts nodes;
  /// --diff: URLs the server answered 304 Not Modified (counted as
  /// unchanged too).
  uint64_t not_modified = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_summary& x) {
  return f(caf::meta::type_name("run_summary"), x.ok, x.failed,
           x.failed_by_kind, x.bytes, x.duplicates, x.read_error,
           x.interrupted, x.from_journal, x.marks, x.verified, x.mismatched,
           x.unreadable, x.missing, x.malformed, x.unformatted_lists,
           x.never_started, x.list_unread, x.write_errors, x.nodes,
           x.not_modified);
}

/// Coordinator -> node: how the run's transfers and digests are made. It
/// travels with the join request, so a node needs no per-run configuration.
struct worker_settings {
  fetcher_settings fetcher;
  hasher_settings hasher;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetcher_settings& x) {
  return f(caf::meta::type_name("fetcher_settings"), x.max_redirs,
           x.connect_timeout, x.max_time, x.stall_time, x.insecure,
           x.user_agent, x.headers, x.max_size, x.chunk_size, x.window,
           x.cacert, x.allow_downgrade, x.user_password, x.netrc,
           x.netrc_file, x.proxy, x.noproxy, x.client_cert, x.client_key,
           x.resolve, x.connect_to, x.ip_version, x.max_recv_speed);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hasher_settings& x) {
  return f(caf::meta::type_name("hasher_settings"), x.algorithms,
           x.crash_marker);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_settings& x) {
  return f(caf::meta::type_name("worker_settings"), x.fetcher, x.hasher);
}

/// Aggregator -> progress display: records so far.
struct record_counts {
  uint64_t ok = 0;
  uint64_t failed = 0;
  uint64_t bytes = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, record_counts& x) {
  return f(caf::meta::type_name("record_counts"), x.ok, x.failed, x.bytes);
}

/// Supervisor -> progress display: URLs read and running so far.
struct admission_counts {
  /// URLs taken from the list so far.
  uint64_t admitted = 0;
  uint64_t in_flight = 0;
  /// True once the list is read to its end: `admitted` is the total.
  bool input_done = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admission_counts& x) {
  return f(caf::meta::type_name("admission_counts"), x.admitted, x.in_flight,
           x.input_done);
}

// -- equality, so tests can match messages with `.with(...)` ------------------

bool operator==(const conditional_request& x, const conditional_request& y);
bool operator==(const url_job& x, const url_job& y);
bool operator==(const url_batch& x, const url_batch& y);
bool operator==(const fetch_order& x, const fetch_order& y);
bool operator==(const body_chunk& x, const body_chunk& y);
bool operator==(const chunk_ack& x, const chunk_ack& y);
bool operator==(const transfer_timings& x, const transfer_timings& y);
bool operator==(const transfer_report& x, const transfer_report& y);
bool operator==(const transfer_done& x, const transfer_done& y);
bool operator==(const digest_value& x, const digest_value& y);
bool operator==(const hash_result& x, const hash_result& y);
bool operator==(const attempt_outcome& x, const attempt_outcome& y);
bool operator==(const url_result& x, const url_result& y);
bool operator==(const input_end& x, const input_end& y);
bool operator==(const run_summary& x, const run_summary& y);
bool operator==(const record_counts& x, const record_counts& y);
bool operator==(const admission_counts& x, const admission_counts& y);
bool operator==(const node_counts& x, const node_counts& y);
bool operator==(const worker_settings& x, const worker_settings& y);

} // namespace fetchsum
