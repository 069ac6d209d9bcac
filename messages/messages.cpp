#include "messages/messages.hpp"
#include "messages/interfaces.hpp"

#include <tuple>

namespace fetchsum {

const char* to_string(error_kind x) {
  switch (x) {
    case error_kind::none: return "none";
    case error_kind::bad_url: return "bad_url";
    case error_kind::unsupported_scheme: return "unsupported_scheme";
    case error_kind::dns: return "dns";
    case error_kind::connect: return "connect";
    case error_kind::tls: return "tls";
    case error_kind::timeout: return "timeout";
    case error_kind::stall: return "stall";
    case error_kind::http_status: return "http_status";
    case error_kind::truncated: return "truncated";
    case error_kind::too_many_redirects: return "too_many_redirects";
    case error_kind::too_large: return "too_large";
    case error_kind::internal: return "internal";
    case error_kind::interrupted: return "interrupted";
    case error_kind::bad_response: return "bad_response";
    case error_kind::unsupported_encoding: return "unsupported_encoding";
    case error_kind::downgrade: return "downgrade";
    case error_kind::no_node: return "no_node";
  }
  return "internal";
}

bool is_transient(const transfer_report& report) {
  switch (report.error) {
    case error_kind::dns:
    case error_kind::connect:
    case error_kind::timeout:
    case error_kind::stall:
    case error_kind::truncated:
      return true;
    case error_kind::http_status:
      return report.http_status == 408 || report.http_status == 429
             || report.http_status >= 500;
    default:
      return false;
  }
}

namespace {

auto fields(const conditional_request& x) {
  return std::tie(x.if_none_match, x.if_modified_since);
}
auto fields(const url_job& x) {
  return std::tie(x.url_seq, x.url, x.expected, x.conditional);
}
auto fields(const url_batch& x) {
  return std::tie(x.jobs, x.last, x.read_error, x.journaled, x.malformed,
                  x.unformatted_lists);
}
auto fields(const fetch_order& x) {
  return std::tie(x.transfer_id, x.url, x.hasher, x.conditional, x.resume_of,
                  x.resume_offset, x.if_range, x.resume_total);
}
auto fields(const body_chunk& x) {
  return std::tie(x.transfer_id, x.bytes, x.resume_of, x.continues);
}
auto fields(const chunk_ack& x) { return std::tie(x.transfer_id, x.size); }
auto fields(const transfer_timings& x) {
  return std::tie(x.dns_us, x.connect_us, x.tls_us, x.first_byte_us,
                  x.total_us);
}
auto fields(const transfer_report& x) {
  return std::tie(x.error, x.message, x.http_status, x.bytes, x.final_url,
                  x.elapsed_ms, x.retry_after_ms, x.etag, x.last_modified,
                  x.content_type, x.content_length, x.http_version,
                  x.remote_ip, x.remote_port, x.redirects, x.timings,
                  x.not_modified, x.if_range, x.body_size, x.resumable,
                  x.resumed_from);
}
auto fields(const transfer_done& x) {
  return std::tie(x.transfer_id, x.tail, x.report, x.resume_of,
                  x.continues);
}
auto fields(const digest_value& x) { return std::tie(x.algo, x.bytes); }
auto fields(const hash_result& x) {
  return std::tie(x.transfer_id, x.digests, x.report, x.resumable_offset);
}
auto fields(const attempt_outcome& x) {
  return std::tie(x.error, x.http_status, x.message);
}
auto fields(const url_result& x) {
  return std::tie(x.url_seq, x.url, x.digests, x.report, x.attempts,
                  x.earlier, x.mark, x.expected, x.journaled, x.elapsed_ms,
                  x.resumed_bytes);
}
auto fields(const input_end& x) {
  return std::tie(x.results, x.read_error, x.interrupted, x.from_journal,
                  x.malformed, x.unformatted_lists, x.never_started,
                  x.list_unread, x.nodes);
}
auto fields(const run_summary& x) {
  return std::tie(x.ok, x.failed, x.failed_by_kind, x.bytes, x.duplicates,
                  x.read_error, x.interrupted, x.from_journal, x.marks,
                  x.verified, x.mismatched, x.unreadable, x.missing,
                  x.malformed, x.unformatted_lists, x.never_started,
                  x.list_unread, x.write_errors, x.nodes, x.not_modified);
}

auto fields(const record_counts& x) {
  return std::tie(x.ok, x.failed, x.bytes);
}
auto fields(const admission_counts& x) {
  return std::tie(x.admitted, x.in_flight, x.input_done);
}
auto fields(const node_counts& x) {
  return std::tie(x.lost, x.reruns, x.late_results);
}
auto fields(const fetcher_settings& x) {
  return std::tie(x.max_redirs, x.connect_timeout, x.max_time, x.stall_time,
                  x.insecure, x.user_agent, x.headers, x.max_size,
                  x.chunk_size, x.window, x.cacert, x.allow_downgrade,
                  x.user_password, x.netrc, x.netrc_file, x.proxy, x.noproxy,
                  x.client_cert, x.client_key, x.resolve, x.connect_to,
                  x.ip_version, x.max_recv_speed);
}
auto fields(const hasher_settings& x) {
  return std::tie(x.algorithms, x.crash_marker);
}
auto fields(const worker_settings& x) {
  return std::make_tuple(fields(x.fetcher), fields(x.hasher));
}
auto fields(const worker_group& x) {
  return std::tie(x.fetchers, x.hashers, x.capacity, x.node);
}

} // namespace

#define FETCHSUM_EQ(type)                                                      \
  bool operator==(const type& x, const type& y) {                              \
    return fields(x) == fields(y);                                             \
  }

FETCHSUM_EQ(conditional_request)
FETCHSUM_EQ(url_job)
FETCHSUM_EQ(url_batch)
FETCHSUM_EQ(fetch_order)
FETCHSUM_EQ(body_chunk)
FETCHSUM_EQ(chunk_ack)
FETCHSUM_EQ(transfer_timings)
FETCHSUM_EQ(transfer_report)
FETCHSUM_EQ(transfer_done)
FETCHSUM_EQ(digest_value)
FETCHSUM_EQ(hash_result)
FETCHSUM_EQ(attempt_outcome)
FETCHSUM_EQ(url_result)
FETCHSUM_EQ(input_end)
FETCHSUM_EQ(run_summary)
FETCHSUM_EQ(record_counts)
FETCHSUM_EQ(admission_counts)
FETCHSUM_EQ(node_counts)
FETCHSUM_EQ(worker_settings)
FETCHSUM_EQ(worker_group)

#undef FETCHSUM_EQ

} // namespace fetchsum
