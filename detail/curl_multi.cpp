#include "detail/curl_multi.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <strings.h>
#include <sys/socket.h>

#include "detail/control_bytes.hpp"
#include "detail/http_parse.hpp"
#include "detail/resume.hpp"

namespace fetchsum::detail {

namespace {

using clock_type = std::chrono::steady_clock;

/// Whether `url` starts with `scheme` followed by ':', in any case.
bool has_scheme(const std::string& url, const char* scheme) {
  auto n = std::strlen(scheme);
  return url.size() > n && url[n] == ':'
         && strncasecmp(url.c_str(), scheme, n) == 0;
}

/// Text from a server, made safe to print in a one-line message: control
/// bytes escaped, at most about 100 characters.
std::string printable(std::string_view text) {
  std::string result;
  for (char c : text) {
    if (result.size() >= 100) {
      result += "...";
      break;
    }
    if (is_control(c))
      append_hex_escape(result, c);
    else
      result += c;
  }
  return result;
}

/// A validator (ETag, Last-Modified) as the record keeps it: exactly as
/// sent, so a later run can send it back and get a 304; escaped like any
/// server text if it holds control bytes or is unreasonably long (then it
/// never matches, which costs a download, never a false answer).
std::string validator_text(std::string_view value) {
  if (value.size() <= 1024 && !has_control(value))
    return std::string{value};
  return printable(value);
}

/// A 206 Partial Content to a request for the whole body (a misbehaving
/// server, or a Range header given with -H).
constexpr const char* partial_refusal
  = "206 Partial Content to a request for the whole body (fetchsum hashes "
    "whole bodies; a Range header given with -H asks for part of one)";

/// curl_global_init is not thread-safe; do it once before any fetcher starts.
struct curl_global {
  curl_global() {
    curl_global_init(CURL_GLOBAL_DEFAULT);
  }
};

void init_curl_once() {
  static curl_global instance;
}

} // namespace

struct curl_multi::transfer {
  curl_multi* owner = nullptr;
  CURL* easy = nullptr;
  uint64_t id = 0;
  clock_type::time_point started;
  uint64_t bytes = 0;
  /// Whether the response being received is 2xx; only those bodies are hashed.
  bool body_wanted = false;
  bool status_known = false;
  bool too_large = false;
  /// Reason phrase of the last status line, e.g. "Not Found".
  std::string reason;
  /// Retry-After of the last response, in milliseconds; 0 if none.
  uint64_t retry_after_ms = 0;
  /// Checks what libcurl lets through in the header lines of every response.
  response_checker headers;
  /// Set when the header callback aborted the transfer: why.
  error_kind refused = error_kind::none;
  std::string refusal;
  /// An https URL may not be redirected to plain http (--allow-downgrade).
  bool https_only = false;
  /// socket() failed with EMFILE or ENFILE.
  bool out_of_fds = false;
  /// A conditional request was sent: a 304 is an answer, not a failure.
  bool conditional = false;
  /// Status of the response whose header lines are arriving.
  long current_status = 0;
  /// Where each followed redirect led (transfer_report::redirects).
  std::vector<std::string> redirects;
  char error_buffer[CURL_ERROR_SIZE];
  /// Range resume: what was asked (offset 0: a transfer from byte 0), and
  /// what the answer turned out to be.
  curl_multi::resume_request resume;
  enum class answer { undecided, continues, fresh } resume_answer
    = answer::undecided;
  /// Complete length of a continued body (its Content-Range total).
  uint64_t resume_total = 0;
  /// Headers of the current response that resuming needs, raw.
  std::string etag, last_modified, date, content_range;
  /// The -H headers plus this transfer's own (If-Range for a resume,
  /// If-None-Match / If-Modified-Since for a conditional request); null
  /// when it has none of its own and uses the shared list.
  curl_slist* own_headers = nullptr;

  /// Whether the body being hashed continues an earlier attempt's state: a
  /// 206 at the offset, or no body to hash yet (the kept state stays).
  bool continues() const noexcept {
    return resume.offset > 0 && resume_answer != answer::fresh;
  }

  ~transfer() {
    if (easy != nullptr)
      curl_easy_cleanup(easy);
    curl_slist_free_all(own_headers);
  }
};

curl_multi::curl_multi(const fetcher_settings& settings, listener& events)
  : settings_(settings), events_(events) {
  init_curl_once();
  multi_ = curl_multi_init();
  if (multi_ == nullptr)
    throw std::runtime_error("curl_multi_init failed");
  for (auto& header : settings_.headers)
    headers_ = curl_slist_append(headers_, header.c_str());
  for (auto& entry : settings_.resolve)
    resolve_ = curl_slist_append(resolve_, entry.c_str());
  for (auto& entry : settings_.connect_to)
    connect_to_ = curl_slist_append(connect_to_, entry.c_str());
}

curl_multi::~curl_multi() {
  for (auto& [id, t] : transfers_)
    curl_multi_remove_handle(multi_, t->easy);
  transfers_.clear();
  idle_.clear();
  curl_multi_cleanup(multi_);
  curl_slist_free_all(headers_);
  curl_slist_free_all(resolve_);
  curl_slist_free_all(connect_to_);
}

CURL* curl_multi::make_easy() {
  auto* easy = curl_easy_init();
  if (easy == nullptr)
    throw std::runtime_error("curl_easy_init failed");
  auto seconds = [](std::chrono::milliseconds x) {
    return static_cast<long>((x.count() + 999) / 1000);
  };
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  // Only http(s), for the first request and every redirect: a file:// or
  // gopher:// redirect target must never be followed. Which of the two a
  // redirect may go to depends on the URL: start() sets it every time.
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(easy, CURLOPT_MAXREDIRS, settings_.max_redirs);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(settings_.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(settings_.max_time.count()));
  // A transfer that receives nothing for stall_time fails as a stall. libcurl
  // skips this check while a transfer is paused by back-pressure.
  if (settings_.stall_time.count() > 0) {
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
                     seconds(settings_.stall_time));
  }
  if (settings_.max_size > 0)
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(settings_.max_size));
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, settings_.insecure ? 0L : 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, settings_.insecure ? 0L : 2L);
  if (!settings_.cacert.empty())
    curl_easy_setopt(easy, CURLOPT_CAINFO, settings_.cacert.c_str());
  curl_easy_setopt(easy, CURLOPT_USERAGENT, settings_.user_agent.c_str());
  if (headers_ != nullptr)
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers_);
  // No CURLOPT_ACCEPT_ENCODING: we send no Accept-Encoding and never decode,
  // so the digest is of the bytes as served, equal to `curl -s URL | sha512sum`.
  // (Transfer codings libcurl would decode anyway are refused in on_header.)
  // Authorization and Cookie headers of -H are not sent to another host,
  // port or scheme after a redirect: libcurl 7.88 drops them itself
  // (Curl_auth_allowed_to_host); test_hostile.sh checks it.
  set_access_options(easy);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &curl_multi::on_write);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &curl_multi::on_header);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &curl_multi::on_open_socket);
  return easy;
}

void curl_multi::set_access_options(CURL* easy) {
  // -u: CURLOPT_UNRESTRICTED_AUTH stays off, so libcurl sends these only to
  // the host of the URL, never to another host after a redirect (as curl
  // does). User and password apart, so a ';' in the password is just a
  // character.
  auto& user = settings_.user_password;
  if (auto colon = user.find(':'); colon != std::string::npos) {
    curl_easy_setopt(easy, CURLOPT_USERNAME, user.substr(0, colon).c_str());
    curl_easy_setopt(easy, CURLOPT_PASSWORD, user.substr(colon + 1).c_str());
  }
  // curl's --netrc-optional: credentials in the URL or from -u win.
  if (settings_.netrc) {
    curl_easy_setopt(easy, CURLOPT_NETRC, static_cast<long>(CURL_NETRC_OPTIONAL));
    if (!settings_.netrc_file.empty())
      curl_easy_setopt(easy, CURLOPT_NETRC_FILE, settings_.netrc_file.c_str());
  }
  // Unset, libcurl reads http_proxy, https_proxy, ALL_PROXY and no_proxy.
  if (!settings_.proxy.empty())
    curl_easy_setopt(easy, CURLOPT_PROXY, settings_.proxy.c_str());
  if (!settings_.noproxy.empty())
    curl_easy_setopt(easy, CURLOPT_NOPROXY, settings_.noproxy.c_str());
  if (!settings_.client_cert.empty())
    curl_easy_setopt(easy, CURLOPT_SSLCERT, settings_.client_cert.c_str());
  if (!settings_.client_key.empty())
    curl_easy_setopt(easy, CURLOPT_SSLKEY, settings_.client_key.c_str());
  if (resolve_ != nullptr)
    curl_easy_setopt(easy, CURLOPT_RESOLVE, resolve_);
  if (connect_to_ != nullptr)
    curl_easy_setopt(easy, CURLOPT_CONNECT_TO, connect_to_);
  curl_easy_setopt(easy, CURLOPT_IPRESOLVE,
                   settings_.ip_version == 4   ? CURL_IPRESOLVE_V4
                   : settings_.ip_version == 6 ? CURL_IPRESOLVE_V6
                                               : CURL_IPRESOLVE_WHATEVER);
  if (settings_.max_recv_speed > 0) {
    curl_easy_setopt(easy, CURLOPT_MAX_RECV_SPEED_LARGE,
                     static_cast<curl_off_t>(settings_.max_recv_speed));
    // libcurl holds the average since the transfer began, but while data
    // waits it reads up to 100 buffers at once: with its 16 KiB buffer a
    // loopback transfer took ~1 MiB in one go at any rate (1 MiB at 100
    // KiB/s in 0.7 s). A buffer of a thousandth of the rate (at least 1 KiB)
    // keeps that first burst near a tenth of a second's worth (9.8 s).
    auto buffer = std::clamp<uint64_t>(settings_.max_recv_speed / 1000, 1024,
                                       CURL_MAX_WRITE_SIZE);
    curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, static_cast<long>(buffer));
  }
}

void curl_multi::start(uint64_t id, const std::string& url,
                       const conditional_request& conditional,
                       const resume_request* resume) {
  std::unique_ptr<transfer> t;
  if (idle_.empty()) {
    t = std::make_unique<transfer>();
    t->owner = this;
    t->easy = make_easy();
    curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(t->easy, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t.get());
    curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->error_buffer);
    curl_easy_setopt(t->easy, CURLOPT_OPENSOCKETDATA, t.get());
  } else {
    t = std::move(idle_.back());
    idle_.pop_back();
  }
  t->id = id;
  t->started = clock_type::now();
  t->bytes = 0;
  t->body_wanted = false;
  t->status_known = false;
  t->too_large = false;
  t->reason.clear();
  t->retry_after_ms = 0;
  t->headers = response_checker{};
  t->refused = error_kind::none;
  t->refusal.clear();
  t->out_of_fds = false;
  t->current_status = 0;
  t->redirects.clear();
  t->error_buffer[0] = '\0';
  // Headers are per URL too: an easy handle may carry the last URL's own.
  curl_slist_free_all(t->own_headers);
  t->own_headers = nullptr;
  curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, headers_);
  prepare_range(*t, resume);
  // Per URL, so set on every start: easy handles are reused across URLs.
  // A digest recorded for an SRI string or a package recipe must not have
  // crossed the network unauthenticated, so an https URL may only be
  // redirected to https unless the user opted in.
  t->https_only = !settings_.allow_downgrade && has_scheme(url, "https");
  // Validators are sent back exactly as the server gave them (RFC 9110
  // 13.1); one with control bytes would break the header and is not sent.
  // A 304 counts as "unchanged" only if one of them was. If-Modified-Since
  // only without If-None-Match (RFC 9110 13.1.3).
  auto sendable = [](const std::string& value) {
    return !value.empty() && !has_control(value);
  };
  t->conditional = true;
  if (sendable(conditional.if_none_match))
    add_own_header(*t, "If-None-Match: " + conditional.if_none_match);
  else if (sendable(conditional.if_modified_since))
    add_own_header(*t, "If-Modified-Since: " + conditional.if_modified_since);
  else
    t->conditional = false;
  curl_easy_setopt(t->easy, CURLOPT_REDIR_PROTOCOLS_STR,
                   t->https_only ? "https" : "http,https");
  curl_easy_setopt(t->easy, CURLOPT_URL, url.c_str());
  auto* raw = t.get();
  transfers_[id] = std::move(t);
  if (auto rc = curl_multi_add_handle(multi_, raw->easy); rc != CURLM_OK) {
    transfer_report report;
    report.error = error_kind::internal;
    report.message = curl_multi_strerror(rc);
    auto owned = std::move(transfers_[id]);
    transfers_.erase(id);
    release(std::move(owned));
    events_.on_done(id, std::move(report));
  }
}

void curl_multi::prepare_range(transfer& t, const resume_request* resume) {
  // Per transfer, so set (or unset) on every start: easy handles are reused.
  t.resume = resume != nullptr ? *resume : resume_request{};
  t.resume_answer = transfer::answer::undecided;
  t.resume_total = 0;
  t.etag.clear();
  t.last_modified.clear();
  t.date.clear();
  t.content_range.clear();
  if (t.resume.offset == 0) {
    curl_easy_setopt(t.easy, CURLOPT_RANGE, nullptr);
    return;
  }
  auto range = std::to_string(t.resume.offset) + "-";
  curl_easy_setopt(t.easy, CURLOPT_RANGE, range.c_str()); // libcurl copies it
  add_own_header(t, "If-Range: " + t.resume.if_range);
}

void curl_multi::add_own_header(transfer& t, const std::string& line) {
  if (t.own_headers == nullptr)
    for (auto* h = headers_; h != nullptr; h = h->next)
      t.own_headers = curl_slist_append(t.own_headers, h->data);
  t.own_headers = curl_slist_append(t.own_headers, line.c_str());
  curl_easy_setopt(t.easy, CURLOPT_HTTPHEADER, t.own_headers);
}

bool curl_multi::decide_resume(transfer& t, long status) {
  if (status == 206) {
    auto range = parse_content_range(t.content_range);
    auto problem = continuation_problem(range, t.resume.offset, t.resume.total);
    if (problem.empty())
      problem = validator_problem(t.resume.if_range, t.etag, t.last_modified);
    if (!problem.empty()) {
      t.refused = error_kind::bad_response;
      t.refusal = problem;
      return false;
    }
    t.resume_total = *range->total;
    auto max_size = settings_.max_size;
    if (max_size > 0 && t.resume_total > max_size) {
      t.too_large = true;
      return false;
    }
    t.resume_answer = transfer::answer::continues;
  } else {
    // The server ignored the Range (it may: RFC 9110 14.2) or the If-Range
    // did not match: the whole body from byte 0, with fresh digests.
    t.resume_answer = transfer::answer::fresh;
  }
  events_.on_resume_answer(t.id, t.resume_answer == transfer::answer::continues);
  return true;
}

void curl_multi::resume(uint64_t id) {
  if (auto i = transfers_.find(id); i != transfers_.end())
    curl_easy_pause(i->second->easy, CURLPAUSE_CONT);
}

void curl_multi::cancel(uint64_t id, error_kind why,
                        const std::string& message) {
  auto i = transfers_.find(id);
  if (i == transfers_.end())
    return;
  auto t = std::move(i->second);
  transfers_.erase(i);
  curl_multi_remove_handle(multi_, t->easy);
  transfer_report report;
  report.error = why;
  report.message = message;
  report.bytes = t->bytes;
  long status = 0;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
  describe_resume(*t, status, report);
  release(std::move(t));
  events_.on_done(id, std::move(report));
}

void curl_multi::perform() {
  int running = 0;
  curl_multi_perform(multi_, &running);
  int pending = 0;
  while (auto* msg = curl_multi_info_read(multi_, &pending)) {
    if (msg->msg != CURLMSG_DONE)
      continue;
    transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
    finish(*t, msg->data.result);
  }
}

void curl_multi::wait(std::chrono::milliseconds max) {
  curl_multi_poll(multi_, nullptr, 0, static_cast<int>(max.count()), nullptr);
}

void curl_multi::wakeup() {
  curl_multi_wakeup(multi_);
}

void curl_multi::finish(transfer& t, CURLcode code) {
  transfer_report report;
  report.bytes = t.bytes;
  long status = 0;
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
  // A resume answered with a 2xx and no body byte: decide now (a 200 with
  // an empty body is an empty body, not the old state).
  if (code == CURLE_OK && t.resume.offset > 0
      && t.resume_answer == transfer::answer::undecided && status >= 200
      && status <= 299 && !t.too_large && t.refused == error_kind::none)
    decide_resume(t, status);
  report.http_status = static_cast<uint32_t>(status);
  report.retry_after_ms = t.retry_after_ms;
  char* final_url = nullptr;
  if (curl_easy_getinfo(t.easy, CURLINFO_EFFECTIVE_URL, &final_url) == CURLE_OK
      && final_url != nullptr)
    report.final_url = final_url;
  report.elapsed_ms = static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now()
                                                          - t.started)
      .count());
  describe_response(t, report);
  if (t.too_large) {
    report.error = error_kind::too_large;
    report.message = "body exceeds --max-size ("
                     + std::to_string(settings_.max_size) + " bytes)";
  } else if (t.refused != error_kind::none) {
    report.error = t.refused;
    report.message = t.refusal;
  } else if (code != CURLE_OK) {
    std::string detail = t.error_buffer;
    report.error = classify(code, detail);
    report.message = detail.empty() ? curl_easy_strerror(code) : detail;
    refine(t, code, report);
  } else if (status == 206 && t.resume.offset == 0) {
    report.error = error_kind::bad_response;
    report.message = partial_refusal;
  } else if (status == 304 && t.conditional && t.redirects.empty()) {
    // What we asked, of the URL whose validators they are: the earlier
    // record had no redirect (main asks only then), and neither had this
    // answer. libcurl sends the condition to every hop: a 304 from another
    // URL would vouch for a body we never hashed.
    report.not_modified = true;
  } else if (status < 200 || status > 299) {
    report.error = error_kind::http_status;
    report.message = "HTTP " + std::to_string(status);
    if (!t.reason.empty())
      report.message += " " + t.reason;
  }
  describe_resume(t, status, report);
  auto id = t.id;
  auto i = transfers_.find(id);
  auto owned = std::move(i->second);
  transfers_.erase(i);
  curl_multi_remove_handle(multi_, owned->easy);
  release(std::move(owned));
  events_.on_done(id, std::move(report));
}

namespace {

/// The value of header `name` in the final response, empty if absent.
std::string final_header(CURL* easy, const char* name) {
  curl_header* h = nullptr;
  if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) == CURLHE_OK
      && h != nullptr && h->value != nullptr)
    return h->value;
  return {};
}

uint64_t microseconds(CURL* easy, CURLINFO what) {
  curl_off_t value = 0;
  if (curl_easy_getinfo(easy, what, &value) != CURLE_OK || value < 0)
    return 0;
  return static_cast<uint64_t>(value);
}

const char* version_name(long version) {
  switch (version) {
    case CURL_HTTP_VERSION_1_0: return "1.0";
    case CURL_HTTP_VERSION_1_1: return "1.1";
    case CURL_HTTP_VERSION_2_0: return "2";
    case CURL_HTTP_VERSION_3: return "3";
    default: return "";
  }
}

} // namespace

void curl_multi::describe_response(transfer& t, transfer_report& report) {
  auto* easy = t.easy;
  // Text from a server goes into records and onto terminals: printable()
  // also caps its length.
  report.etag = validator_text(final_header(easy, "ETag"));
  report.last_modified = validator_text(final_header(easy, "Last-Modified"));
  char* type = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK
      && type != nullptr)
    report.content_type = printable(type);
  curl_off_t length = -1;
  if (curl_easy_getinfo(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length)
      == CURLE_OK)
    report.content_length = length;
  long version = 0;
  if (report.http_status > 0
      && curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version) == CURLE_OK)
    report.http_version = version_name(version);
  char* ip = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK
      && ip != nullptr)
    report.remote_ip = ip;
  long port = 0;
  if (!report.remote_ip.empty()
      && curl_easy_getinfo(easy, CURLINFO_PRIMARY_PORT, &port) == CURLE_OK
      && port > 0 && port <= 65535)
    report.remote_port = static_cast<uint16_t>(port);
  report.redirects = std::move(t.redirects);
  auto& times = report.timings;
  times.dns_us = microseconds(easy, CURLINFO_NAMELOOKUP_TIME_T);
  times.connect_us = microseconds(easy, CURLINFO_CONNECT_TIME_T);
  times.tls_us = microseconds(easy, CURLINFO_APPCONNECT_TIME_T);
  times.first_byte_us = microseconds(easy, CURLINFO_STARTTRANSFER_TIME_T);
  times.total_us = microseconds(easy, CURLINFO_TOTAL_TIME_T);
}

void curl_multi::refine(transfer& t, CURLcode code, transfer_report& report) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
      if (report.error == error_kind::bad_response
          && report.message.find("HTTP/0.9") != std::string::npos)
        report.message += " (the answer has no HTTP status line)";
      // A redirect to a scheme the URL may not go to. From https to http
      // that is a downgrade, refused on purpose; anything else (file://) is
      // an unsupported scheme.
      if (t.https_only && has_scheme(report.final_url, "http")) {
        report.error = error_kind::downgrade;
        report.message = "redirected from https to plain http ("
                         + report.final_url
                         + "); --allow-downgrade follows such redirects";
      }
      break;
    case CURLE_OUT_OF_MEMORY:
      // libcurl 7.88 reports a response header line over 100 KiB as out of
      // memory; before the first body byte that is what it was.
      if (!t.status_known) {
        report.error = error_kind::bad_response;
        report.message = "response header line too long (libcurl allows "
                         "100 KiB): "
                         + report.message;
      }
      break;
    case CURLE_COULDNT_CONNECT: {
      // libcurl says "Couldn't connect" also when socket() itself failed
      // for want of file descriptors, and 7.88 leaves CURLINFO_OS_ERRNO 0
      // then: on_open_socket notes it.
      long os_errno = 0;
      curl_easy_getinfo(t.easy, CURLINFO_OS_ERRNO, &os_errno);
      if (t.out_of_fds || os_errno == EMFILE || os_errno == ENFILE)
        report.message = "out of file descriptors: raise the limit (ulimit "
                         "-n) or lower -j; "
                         + report.message;
      break;
    }
    default:
      break;
  }
  if (report.error == error_kind::tls
      && report.message.find("certificate required") != std::string::npos)
    report.message += " (the server demands a client certificate)";
}

void curl_multi::describe_resume(transfer& t, long status,
                                 transfer_report& report) {
  if (t.continues()) {
    report.resumed_from = t.resume.offset;
    report.bytes = t.resume.offset + t.bytes;
    report.if_range = t.resume.if_range;
    report.body_size = t.resume_total != 0 ? t.resume_total : t.resume.total;
    if (report.error == error_kind::none && report.bytes != t.resume_total) {
      // libcurl holds a 206 to its Content-Length, which need not agree
      // with its Content-Range: the body must end exactly at the total.
      report.error = report.bytes < t.resume_total ? error_kind::truncated
                                                   : error_kind::bad_response;
      report.message = "resumed body ended at byte "
                       + std::to_string(report.bytes) + " of "
                       + std::to_string(t.resume_total);
    }
    // The kept state plus whatever arrived is a prefix of the body the
    // validator names.
    report.resumable = is_transient(report);
    return;
  }
  if (status != 200)
    return;
  report.if_range = if_range_validator(t.etag, t.last_modified, t.date);
  if (auto length = t.headers.content_length())
    report.body_size = *length;
  report.resumable = t.bytes > 0 && !report.if_range.empty()
                     && is_transient(report);
}

void curl_multi::release(std::unique_ptr<transfer> t) {
  idle_.push_back(std::move(t));
}

size_t curl_multi::on_write(char* data, size_t, size_t size, void* self) {
  auto& t = *static_cast<transfer*>(self);
  if (!t.status_known) {
    // Bodies of followed redirects never reach this callback, so the first
    // call belongs to the final response.
    long status = 0;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
    t.body_wanted = status >= 200 && status <= 299;
    t.status_known = true;
    if (t.body_wanted && t.resume.offset > 0
        && !t.owner->decide_resume(t, status))
      return 0; // refused: not one byte of it is hashed
    if (status == 206 && t.resume.offset == 0) {
      // Part of a body is not the body: its digest would be a false OK.
      t.refused = error_kind::bad_response;
      t.refusal = partial_refusal;
      return 0;
    }
  }
  if (!t.body_wanted)
    return size; // an error page: read and discard, keeping the connection
  auto max_size = t.owner->settings_.max_size;
  auto before = t.continues() ? t.resume.offset : 0; // the whole body counts
  if (max_size > 0 && before + t.bytes + size > max_size) {
    // Content-Length was absent or lied; CURLOPT_MAXFILESIZE covers the rest.
    t.too_large = true;
    return 0;
  }
  if (!t.owner->events_.on_body(t.id, data, size))
    return CURL_WRITEFUNC_PAUSE;
  t.bytes += size;
  return size;
}

curl_socket_t curl_multi::on_open_socket(void* self, curlsocktype,
                                         curl_sockaddr* address) {
  auto& t = *static_cast<transfer*>(self);
  auto fd = socket(address->family, address->socktype, address->protocol);
  if (fd == CURL_SOCKET_BAD && (errno == EMFILE || errno == ENFILE))
    t.out_of_fds = true;
  return fd;
}

size_t curl_multi::on_header(char* data, size_t, size_t size, void* self) {
  auto& t = *static_cast<transfer*>(self);
  std::string_view line{data, size};
  if (auto problem = t.headers.feed(line); problem != header_problem::none) {
    // Abort before any body byte is hashed: libcurl would go on with what it
    // accepts silently (last Content-Length wins; gzip transfer coding
    // decoded, so 1 KB on the wire could become a GiB hashed).
    t.refused = problem == header_problem::unsupported_transfer_encoding
                  ? error_kind::unsupported_encoding
                  : error_kind::bad_response;
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
      line.remove_suffix(1);
    t.refusal = std::string{to_string(problem)} + ": " + printable(line);
    if (problem == header_problem::conflicting_content_length
        && t.headers.content_length())
      t.refusal += " after Content-Length: "
                   + std::to_string(*t.headers.content_length());
    if (t.refused == error_kind::unsupported_encoding)
      t.refusal += " (fetchsum hashes the bytes as served and never decodes)";
    return 0; // not `size`: libcurl ends the transfer
  }
  std::string_view value;
  if (header_value(line, "retry-after", value)) {
    t.retry_after_ms = parse_retry_after(value, std::time(nullptr));
  } else if (auto status = parse_status_line(line)) {
    // Remember the reason phrase of the newest status line ("HTTP/1.1 404
    // Not Found"): every redirect hop starts a new one. HTTP/2 has none.
    t.reason = std::string{status->reason};
    t.retry_after_ms = 0; // a new response: forget the previous hop's
    // A response after a redirect answers the URL libcurl followed it to,
    // which is the effective URL by now. Bounded by --max-redirs (libcurl
    // stops there), and by a cap should that ever change.
    char* now_at = nullptr;
    if (t.current_status >= 300 && t.current_status <= 399
        && t.redirects.size() < 64
        && curl_easy_getinfo(t.easy, CURLINFO_EFFECTIVE_URL, &now_at)
             == CURLE_OK
        && now_at != nullptr)
      t.redirects.emplace_back(now_at);
    t.current_status = status->code;
    t.etag.clear();
    t.last_modified.clear();
    t.date.clear();
    t.content_range.clear();
  } else if (header_value(line, "etag", value)) {
    t.etag = std::string{value.substr(0, 1024)};
  } else if (header_value(line, "last-modified", value)) {
    t.last_modified = std::string{value.substr(0, 1024)};
  } else if (header_value(line, "date", value)) {
    t.date = std::string{value.substr(0, 1024)};
  } else if (header_value(line, "content-range", value)) {
    t.content_range = std::string{value.substr(0, 1024)};
  }
  return size;
}

error_kind classify(CURLcode code, const std::string& detail) {
  auto says = [&](const char* text) {
    return detail.find(text) != std::string::npos;
  };
  switch (code) {
    case CURLE_OK:
      return error_kind::none;
    case CURLE_URL_MALFORMAT:
      return error_kind::bad_url;
    case CURLE_UNSUPPORTED_PROTOCOL:
      // Also what libcurl says when the answer has no HTTP status line at
      // all ("Received HTTP/0.9 when not allowed") or an unknown version.
      return says("HTTP/0.9") || says("HTTP version") ? error_kind::bad_response
                                                      : error_kind::unsupported_scheme;
    case CURLE_WEIRD_SERVER_REPLY:
      // "Nul byte in header", "Invalid Content-Length: value", ...
      return error_kind::bad_response;
    case CURLE_BAD_CONTENT_ENCODING:
      return error_kind::unsupported_encoding;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return error_kind::dns;
    case CURLE_COULDNT_CONNECT:
      return error_kind::connect;
    case CURLE_OPERATION_TIMEDOUT:
      // The low-speed check and the overall timeouts share one code; only
      // the message tells them apart ("Operation too slow. Less than 1
      // bytes/sec"). --connect-timeout says "Failed to connect ... Timeout
      // was reached", --max-time while connecting "Connection timed out".
      if (says("too slow"))
        return error_kind::stall;
      if (says("Failed to connect") || says("Connection timed out"))
        return error_kind::connect;
      if (says("Resolving timed out"))
        return error_kind::dns;
      return error_kind::timeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return error_kind::tls;
    case CURLE_RECV_ERROR:
      // Under TLS 1.3 a server demanding a client certificate says so with
      // an alert after the handshake, which reaches us as a read error:
      // "OpenSSL SSL_read: ... tlsv13 alert certificate required".
      if (says("SSL routines") && says("alert"))
        return error_kind::tls;
      // "Illegal or missing hexadecimal sequence in chunked-encoding",
      // "Too large response headers: 307957 > 307200"
      if (says("chunked-encoding") || says("response headers"))
        return error_kind::bad_response;
      return error_kind::truncated;
    case CURLE_SEND_ERROR:
      if (says("SSL routines") && says("alert"))
        return error_kind::tls;
      return error_kind::truncated;
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return error_kind::truncated;
    case CURLE_TOO_MANY_REDIRECTS:
      return error_kind::too_many_redirects;
    case CURLE_FILESIZE_EXCEEDED:
      return error_kind::too_large;
    default:
      return error_kind::internal;
  }
}

} // namespace fetchsum::detail
