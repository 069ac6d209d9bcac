#include "actors/hasher.hpp"

#include <algorithm>
#include <stdexcept>

namespace fetchsum {

namespace {

using self_pointer = hasher_actor::stateful_pointer<hasher_state>;

detail::digest_set& digests_of(self_pointer self, uint64_t transfer_id) {
  auto& open = self->state.open;
  auto i = open.find(transfer_id);
  if (i == open.end())
    i = open.emplace(transfer_id, self->state.algorithms->start()).first;
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
                                 content.get_as<body_chunk>(0).transfer_id);
        if (content.size() == 1 && content.match_element<transfer_done>(0))
          return caf::make_error(caf::sec::runtime_error, what,
                                 content.get_as<transfer_done>(0).transfer_id);
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
      digests_of(self, chunk.transfer_id)
        .update(chunk.bytes.data(), chunk.bytes.size());
      // The ack is the back-pressure signal: it lets the fetcher send (or
      // resume receiving) that many more bytes of this transfer.
      self->send(caf::actor_cast<fetcher_actor>(self->current_sender()),
                 chunk_ack{chunk.transfer_id, chunk.bytes.size()});
    },
    [=](transfer_done& done) {
      hash_result result;
      result.transfer_id = done.transfer_id;
      // A 304 has no body: the earlier run's digests stand, and a digest
      // of nothing must never stand in for them.
      if (done.report.error == error_kind::none && !done.report.not_modified) {
        crash_if_marked(self, done.tail);
        auto& digests = digests_of(self, done.transfer_id);
        digests.update(done.tail.data(), done.tail.size());
        result.digests = digests.finish();
      }
      self->state.open.erase(done.transfer_id);
      result.report = std::move(done.report);
      self->send(self->state.sink, std::move(result));
    },
    [=](cancel_atom, uint64_t transfer_id) {
      self->state.open.erase(transfer_id);
    },
  };
}

} // namespace fetchsum
