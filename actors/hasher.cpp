#include "actors/hasher.hpp"

#include <algorithm>
#include <stdexcept>

namespace fetchsum {

namespace {

using self_pointer = hasher_actor::stateful_pointer<hasher_state>;

detail::digest_set& digests_of(self_pointer self, uint64_t seq) {
  auto& open = self->state.open;
  auto i = open.find(seq);
  if (i == open.end())
    i = open.emplace(seq, self->state.algorithms->start()).first;
  return i->second;
}

/// Like exit_on_exception, and the error also names the transfer whose
/// message was being handled, so the supervisor can tell the culprit from
/// the bystanders that merely shared this hasher.
void exit_naming_the_transfer(self_pointer self) {
  self->set_exception_handler(
    [](caf::scheduled_actor* ptr, std::exception_ptr& eptr) -> caf::error {
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(eptr);
      } catch (std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      if (auto* element = ptr->current_mailbox_element()) {
        auto& content = element->content();
        if (content.size() == 1 && content.match_element<body_chunk>(0))
          return caf::make_error(caf::sec::runtime_error, what,
                                 content.get_as<body_chunk>(0).seq);
        if (content.size() == 1 && content.match_element<transfer_done>(0))
          return caf::make_error(caf::sec::runtime_error, what,
                                 content.get_as<transfer_done>(0).seq);
      }
      return caf::make_error(caf::sec::runtime_error, what);
    });
}

/// The test hook of hasher_settings::crash_marker.
void crash_if_marked(self_pointer self, const std::vector<char>& bytes) {
  auto& marker = self->state.crash_marker;
  if (!marker.empty()
      && std::search(bytes.begin(), bytes.end(), marker.begin(), marker.end())
           != bytes.end())
    throw std::runtime_error("crash marker seen (test hook)");
}

} // namespace

hasher_actor::behavior_type
hasher(hasher_actor::stateful_pointer<hasher_state> self,
       hasher_settings settings, result_sink_actor sink) {
  // The config validated the names; a failure here is a bug and kills the
  // actor, which the supervisor sees.
  exit_naming_the_transfer(self);
  self->state.algorithms
    = std::make_unique<detail::digest_algorithms>(settings.algorithms);
  self->state.sink = std::move(sink);
  self->state.crash_marker = settings.crash_marker;
  return {
    [=](const body_chunk& chunk) {
      crash_if_marked(self, chunk.bytes);
      digests_of(self, chunk.seq).update(chunk.bytes.data(),
                                         chunk.bytes.size());
      // The ack is the back-pressure signal: it lets the fetcher send (or
      // resume receiving) that many more bytes of this transfer.
      self->send(caf::actor_cast<fetcher_actor>(self->current_sender()),
                 chunk_ack{chunk.seq, chunk.bytes.size()});
    },
    [=](transfer_done& done) {
      hash_result result;
      result.seq = done.seq;
      if (done.report.error == error_kind::none) {
        crash_if_marked(self, done.tail);
        auto& digests = digests_of(self, done.seq);
        digests.update(done.tail.data(), done.tail.size());
        result.digests = digests.finish();
      }
      self->state.open.erase(done.seq);
      result.report = std::move(done.report);
      self->send(self->state.sink, std::move(result));
    },
    [=](cancel_atom, uint64_t id) { self->state.open.erase(id); },
  };
}

} // namespace fetchsum
