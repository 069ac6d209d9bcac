// Many concurrent HTTP transfers on one libcurl multi handle, driven by one
// thread. Plain C++: the fetcher actor owns one and turns its callbacks into
// messages.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <curl/curl.h>

#include "config/settings.hpp"
#include "messages/messages.hpp"

namespace fetchsum::detail {

class curl_multi {
public:
  /// Receives the events of all transfers. Called on the thread that calls
  /// perform() or resume(), never concurrently.
  class listener {
  public:
    virtual ~listener() = default;

    /// Body bytes of a 2xx response, at most CURL_MAX_WRITE_SIZE at a time.
    /// Returning false pauses the transfer: libcurl keeps these bytes and
    /// delivers them again after resume(id).
    virtual bool on_body(uint64_t id, const char* data, size_t size) = 0;

    /// Transfer `id` ended; `report` says how. Its id may be reused afterwards.
    virtual void on_done(uint64_t id, transfer_report report) = 0;

    /// A transfer started with a resume_request got the answer whose body
    /// it hashes: a 206 that continues the body at the offset (`continues`),
    /// or the whole body again from byte 0. Called once, before the first
    /// on_body of that transfer; never for a transfer that ends without a
    /// body to hash (the kept state is then untouched).
    virtual void on_resume_answer(uint64_t id, bool continues) {
      (void) id, (void) continues;
    }
  };

  /// Asks for the rest of a body that broke after `offset` bytes.
  struct resume_request {
    uint64_t offset = 0;
    /// The strong validator for If-Range (transfer_report::if_range).
    std::string if_range;
    /// The complete length the first answer declared; 0 if none.
    uint64_t total = 0;
  };

  curl_multi(const fetcher_settings& settings, listener& events);
  ~curl_multi();

  curl_multi(const curl_multi&) = delete;
  curl_multi& operator=(const curl_multi&) = delete;

  /// Adds a transfer. It starts on the next perform(). A non-empty
  /// `conditional` is sent as If-None-Match / If-Modified-Since, and a 304
  /// answer then ends the transfer without error, marked not_modified. With
  /// `resume` it asks for `Range: bytes=OFFSET-` with If-Range.
  void start(uint64_t id, const std::string& url,
             const conditional_request& conditional = {},
             const resume_request* resume = nullptr);

  /// Continues a transfer paused by on_body returning false. May call
  /// on_body before it returns.
  void resume(uint64_t id);

  /// Ends a transfer now; on_done reports `why` before this returns.
  void cancel(uint64_t id, error_kind why, const std::string& message);

  /// Moves every transfer along as far as the network allows and reports the
  /// finished ones. Never blocks.
  void perform();

  /// Sleeps until a socket is ready, a libcurl timer is due, `max` passed, or
  /// wakeup() was called (also a wakeup() that came before this call).
  void wait(std::chrono::milliseconds max);

  /// Interrupts wait(). Safe to call from any thread.
  void wakeup();

  /// Transfers started and not yet reported done.
  size_t active() const noexcept {
    return transfers_.size();
  }

private:
  struct transfer;

  static size_t on_write(char* data, size_t, size_t size, void* self);
  static size_t on_header(char* data, size_t, size_t size, void* self);
  static curl_socket_t on_open_socket(void* self, curlsocktype,
                                      curl_sockaddr* address);

  CURL* make_easy();
  /// Credentials, proxy, name pinning, IP version and rate limit: part of
  /// make_easy.
  void set_access_options(CURL* easy);
  void finish(transfer& t, CURLcode code);
  /// Tells apart what libcurl reports under one code, with the transfer's
  /// state at hand (a downgrade from an unsupported scheme, too few file
  /// descriptors from a refused connection).
  void refine(transfer& t, CURLcode code, transfer_report& report);
  void release(std::unique_ptr<transfer> t);
  /// Fills in what the final response said about itself (headers, address,
  /// version, timings) and where redirects led.
  void describe_response(transfer& t, transfer_report& report);
  /// Range resume: sets (or clears) Range and If-Range for a transfer.
  void prepare_range(transfer& t, const resume_request* resume);
  /// Adds a header line for this transfer alone: its own list starts as a
  /// copy of the shared -H list.
  void add_own_header(transfer& t, const std::string& line);
  /// The first body byte of a resume's answer: continue, start again, or
  /// refuse it (false: t.refused / t.too_large say why).
  bool decide_resume(transfer& t, long status);
  /// Fills the report's resume fields: whole-body bytes, validator, and
  /// whether the hasher keeps the digest state of a failure.
  void describe_resume(transfer& t, long status, transfer_report& report);

  const fetcher_settings& settings_;
  listener& events_;
  CURLM* multi_;
  curl_slist* headers_ = nullptr;
  /// --resolve and --connect-to entries, shared by every easy handle.
  curl_slist* resolve_ = nullptr;
  curl_slist* connect_to_ = nullptr;
  std::unordered_map<uint64_t, std::unique_ptr<transfer>> transfers_;
  /// Finished transfers kept for reuse: their easy handles keep all options
  /// set, which saves setting a dozen options per URL.
  std::vector<std::unique_ptr<transfer>> idle_;
};

/// Classifies a libcurl result. `detail` is libcurl's error buffer: libcurl
/// 7.88 reports several different failures under one code, and only its
/// message tells them apart.
error_kind classify(CURLcode code, const std::string& detail);

} // namespace fetchsum::detail
