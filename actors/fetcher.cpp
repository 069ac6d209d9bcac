#include "actors/fetcher.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <caf/after.hpp>
#include <caf/others.hpp>

namespace fetchsum {

fetcher::fetcher(caf::actor_config& cfg, fetcher_settings settings)
  : caf::blocking_actor(cfg),
    settings_(std::move(settings)),
    curl_(std::make_unique<detail::curl_multi>(
      settings_, static_cast<detail::curl_multi::listener&>(*this))) {
  // nop
}

void fetcher::enqueue(caf::mailbox_element_ptr ptr, caf::execution_unit* eu) {
  caf::blocking_actor::enqueue(std::move(ptr), eu);
  // curl_multi_wakeup is thread-safe and not lost if it comes before the
  // poll starts; skipping it while the loop is awake saves a syscall per
  // message.
  if (asleep_.load())
    curl_->wakeup();
}

void fetcher::act() {
  // An exception ends this fetcher with an error the supervisor sees, without
  // CAF printing it to standard output, where records go.
  try {
    loop();
  } catch (std::exception& e) {
    fail_state(caf::make_error(caf::sec::runtime_error, std::string{e.what()}));
  }
}

void fetcher::loop() {
  bool running = true;
  while (running) {
    // Take every message that is there, without blocking.
    bool draining = true;
    receive_while(draining)(
      [&](fetch_order& order) { start(order); },
      [&](const chunk_ack& ack) { acknowledge(ack); },
      [&](cancel_atom, uint64_t transfer_id) {
        curl_->cancel(transfer_id, error_kind::interrupted,
                      "transfer cancelled");
      },
      [&](caf::exit_msg&) {
        running = false;
        draining = false;
      },
      // A message matching nothing would otherwise stay in the mailbox.
      caf::others >> [](caf::message_view&) -> caf::result<caf::message> {
        return caf::sec::unexpected_message;
      },
      caf::after(std::chrono::seconds(0)) >> [&] { draining = false; });
    if (!running)
      break;
    curl_->perform();
    // Sleep until the network, a libcurl timer or a new message needs us.
    asleep_.store(true);
    if (mailbox().empty())
      curl_->wait(std::chrono::seconds(10));
    asleep_.store(false);
  }
}

void fetcher::start(fetch_order& order) {
  auto& box = outboxes_[order.transfer_id];
  box.hasher = std::move(order.hasher);
  if (order.resume_of == no_transfer || order.resume_offset == 0) {
    curl_->start(order.transfer_id, order.url, order.conditional);
    return;
  }
  box.resume_of = order.resume_of;
  detail::curl_multi::resume_request resume{order.resume_offset,
                                            std::move(order.if_range),
                                            order.resume_total};
  curl_->start(order.transfer_id, order.url, {}, &resume);
}

void fetcher::on_resume_answer(uint64_t id, bool continues) {
  if (auto i = outboxes_.find(id); i != outboxes_.end())
    i->second.continues = continues;
}

void fetcher::acknowledge(const chunk_ack& ack) {
  auto i = outboxes_.find(ack.transfer_id);
  if (i == outboxes_.end())
    return; // the transfer ended meanwhile
  auto& box = i->second;
  box.unacked -= std::min(box.unacked, ack.size);
  if (box.paused) {
    // Clear the flag first: resume() may call on_body before it returns.
    box.paused = false;
    curl_->resume(ack.transfer_id);
  }
}

bool fetcher::on_body(uint64_t id, const char* data, size_t size) {
  auto& box = outboxes_[id];
  if (!box.buffer.empty() && box.buffer.size() + size > settings_.chunk_size) {
    if (box.unacked + box.buffer.size() > settings_.window) {
      box.paused = true;
      return false;
    }
    send_buffer(id, box);
  }
  if (box.buffer.capacity() == 0)
    box.buffer.reserve(std::max<size_t>(size, 16 * 1024));
  box.buffer.insert(box.buffer.end(), data, data + size);
  return true;
}

void fetcher::send_buffer(uint64_t id, outbox& box) {
  box.unacked += box.buffer.size();
  // The buffer moves into the message: no copy of body bytes.
  send(box.hasher, body_chunk{id, std::move(box.buffer), box.resume_of,
                              box.continues});
  box.resume_of = no_transfer; // said once, on the first message
  box.buffer = std::vector<char>{};
  box.buffer.reserve(settings_.chunk_size);
}

void fetcher::on_done(uint64_t id, transfer_report report) {
  auto i = outboxes_.find(id);
  if (i == outboxes_.end())
    return;
  auto box = std::move(i->second);
  outboxes_.erase(i);
  // A failed body is never hashed, unless its digest state is kept to be
  // resumed: then every byte received counts.
  if (report.error != error_kind::none && !report.resumable)
    box.buffer.clear();
  // Sent after every body_chunk of this transfer on the same path, so the
  // hasher sees it last.
  send(box.hasher, transfer_done{id, std::move(box.buffer), std::move(report),
                                 box.resume_of, box.continues});
}

} // namespace fetchsum
