// The fetcher: one thread, one libcurl multi handle, many transfers.
#pragma once

#include <atomic>
#include <memory>
#include <unordered_map>
#include <vector>

#include <caf/blocking_actor.hpp>

#include "config/settings.hpp"
#include "detail/curl_multi.hpp"
#include "messages/interfaces.hpp"

namespace fetchsum {

/// Downloads every URL it is ordered to fetch, concurrently, and streams each
/// body to the hasher named in the order, chunk by chunk, under a per-transfer
/// byte window: a transfer whose window is full pauses until the hasher acks.
///
/// A blocking actor by design: its thread sleeps in curl_multi_poll, which
/// wakes on socket activity, libcurl timers, or a message arriving (enqueue
/// calls curl_multi_wakeup). No busy polling, no thread per transfer.
/// Spawn it with spawn<fetcher>(settings) and talk to it as a fetcher_actor.
class fetcher : public caf::blocking_actor,
                private detail::curl_multi::listener {
public:
  fetcher(caf::actor_config& cfg, fetcher_settings settings);

  void act() override;

  void enqueue(caf::mailbox_element_ptr ptr, caf::execution_unit* eu) override;

  const char* name() const override {
    return "fetcher";
  }

private:
  /// What the fetcher knows of one transfer besides libcurl's state.
  struct outbox {
    caf::actor hasher;
    /// Bytes received and not yet sent to the hasher.
    std::vector<char> buffer;
    /// Bytes sent to the hasher and not yet acknowledged.
    uint64_t unacked = 0;
    /// Paused by us because the window is full.
    bool paused = false;
    /// Range resume: the transfer whose kept digest state this one was
    /// ordered to continue, until the first message to the hasher carried
    /// it (then no_transfer); and whether the answer continues it (a body
    /// not started yet leaves the kept state as it is: continued by 0 bytes).
    uint64_t resume_of = no_transfer;
    bool continues = true;
  };

  void loop();
  bool on_body(uint64_t id, const char* data, size_t size) override;
  void on_done(uint64_t id, transfer_report report) override;
  void on_resume_answer(uint64_t id, bool continues) override;

  void start(fetch_order& order);
  void acknowledge(const chunk_ack& ack);
  void send_buffer(uint64_t id, outbox& box);

  fetcher_settings settings_;
  /// By transfer id.
  std::unordered_map<uint64_t, outbox> outboxes_;
  std::unique_ptr<detail::curl_multi> curl_;
  /// True while act() sleeps in curl_multi_poll; enqueue only wakes it then.
  std::atomic<bool> asleep_{false};
};

} // namespace fetchsum
