#include "detail/curl_multi.hpp"

#include <cctype>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <strings.h>

namespace fetchsum::detail {

namespace {

using clock_type = std::chrono::steady_clock;

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
  char error_buffer[CURL_ERROR_SIZE];

  ~transfer() {
    if (easy != nullptr)
      curl_easy_cleanup(easy);
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
}

curl_multi::~curl_multi() {
  for (auto& [id, t] : transfers_)
    curl_multi_remove_handle(multi_, t->easy);
  transfers_.clear();
  idle_.clear();
  curl_multi_cleanup(multi_);
  curl_slist_free_all(headers_);
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
  // gopher:// redirect target must never be followed.
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
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
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &curl_multi::on_write);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &curl_multi::on_header);
  return easy;
}

void curl_multi::start(uint64_t id, const std::string& url) {
  std::unique_ptr<transfer> t;
  if (idle_.empty()) {
    t = std::make_unique<transfer>();
    t->owner = this;
    t->easy = make_easy();
    curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(t->easy, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t.get());
    curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->error_buffer);
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
  t->error_buffer[0] = '\0';
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
  if (t.too_large) {
    report.error = error_kind::too_large;
    report.message = "body exceeds --max-size ("
                     + std::to_string(settings_.max_size) + " bytes)";
  } else if (code != CURLE_OK) {
    std::string detail = t.error_buffer;
    report.error = classify(code, detail);
    report.message = detail.empty() ? curl_easy_strerror(code) : detail;
    if (code == CURLE_OUT_OF_MEMORY)
      // libcurl 7.88 also reports response headers over 100 KiB this way.
      report.message += " (or response headers too large)";
  } else if (status < 200 || status > 299) {
    report.error = error_kind::http_status;
    report.message = "HTTP " + std::to_string(status);
    if (!t.reason.empty())
      report.message += " " + t.reason;
  }
  auto id = t.id;
  auto i = transfers_.find(id);
  auto owned = std::move(i->second);
  transfers_.erase(i);
  curl_multi_remove_handle(multi_, owned->easy);
  release(std::move(owned));
  events_.on_done(id, std::move(report));
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
  }
  if (!t.body_wanted)
    return size; // an error page: read and discard, keeping the connection
  auto max_size = t.owner->settings_.max_size;
  if (max_size > 0 && t.bytes + size > max_size) {
    // Content-Length was absent or lied; CURLOPT_MAXFILESIZE covers the rest.
    t.too_large = true;
    return 0;
  }
  if (!t.owner->events_.on_body(t.id, data, size))
    return CURL_WRITEFUNC_PAUSE;
  t.bytes += size;
  return size;
}

namespace {

/// Retry-After is delta-seconds ("120") or an HTTP-date; returns
/// milliseconds from now, 0 when absent, past or unreadable.
uint64_t parse_retry_after(std::string value) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
    value.pop_back();
  auto first = value.find_first_not_of(" \t");
  if (first == std::string::npos)
    return 0;
  value.erase(0, first);
  if (value.find_first_not_of("0123456789") == std::string::npos) {
    if (value.size() > 9) // more than 31 years: cap rather than overflow
      value = "999999999";
    return std::stoull(value) * 1000;
  }
  auto when = curl_getdate(value.c_str(), nullptr);
  auto now = std::time(nullptr);
  if (when == -1 || when <= now)
    return 0;
  return static_cast<uint64_t>(when - now) * 1000;
}

bool starts_with_nocase(const char* data, size_t size, const char* prefix) {
  auto n = std::strlen(prefix);
  return size >= n && strncasecmp(data, prefix, n) == 0;
}

} // namespace

size_t curl_multi::on_header(char* data, size_t, size_t size, void* self) {
  auto& t = *static_cast<transfer*>(self);
  if (starts_with_nocase(data, size, "retry-after:")) {
    t.retry_after_ms = parse_retry_after(std::string{data + 12, size - 12});
    return size;
  }
  // Remember the reason phrase of the newest status line ("HTTP/1.1 404 Not
  // Found"): every redirect hop starts a new one. HTTP/2 has none.
  if (size > 5 && std::memcmp(data, "HTTP/", 5) == 0) {
    std::string line{data, size};
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
      line.pop_back();
    auto code_at = line.find(' ');
    auto reason_at = code_at == std::string::npos
                       ? std::string::npos
                       : line.find(' ', code_at + 1);
    t.reason = reason_at == std::string::npos ? std::string{}
                                              : line.substr(reason_at + 1);
    t.retry_after_ms = 0; // a new response: forget the previous hop's
  }
  return size;
}

error_kind classify(CURLcode code, const std::string& detail) {
  switch (code) {
    case CURLE_OK:
      return error_kind::none;
    case CURLE_URL_MALFORMAT:
      return error_kind::bad_url;
    case CURLE_UNSUPPORTED_PROTOCOL:
      return error_kind::unsupported_scheme;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return error_kind::dns;
    case CURLE_COULDNT_CONNECT:
      return error_kind::connect;
    case CURLE_OPERATION_TIMEDOUT:
      // The low-speed check and the overall timeouts share one code; only
      // the message tells them apart ("Operation too slow. Less than 1 bytes/sec").
      return detail.find("too slow") != std::string::npos ? error_kind::stall
                                                           : error_kind::timeout;
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
    case CURLE_USE_SSL_FAILED:
      return error_kind::tls;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
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
