#include "actors/hasher.hpp"

#include <algorithm>
#include <stdexcept>

namespace fetchsum {

namespace {

using self_pointer = hasher_actor::stateful_pointer<hasher_state>;

using body = hasher_state::body;

/// The body of transfer `transfer_id`. Its first message may name a kept
/// state (`resume_of`): continued, that state becomes this transfer's;
/// otherwise it is dropped and the body starts at byte 0.
body& body_of(self_pointer self, uint64_t transfer_id, uint64_t resume_of,
              bool continues) {
  auto& st = self->state;
  auto i = st.open.find(transfer_id);
  if (i != st.open.end())
    return i->second;
  if (resume_of != no_transfer) {
    auto kept = st.kept.find(resume_of);
    if (continues) {
      if (kept != st.kept.end()) {
        auto continued = std::move(kept->second);
        st.kept.erase(kept);
        return st.open.emplace(transfer_id, std::move(continued)).first->second;
      }
      return st.open
        .emplace(transfer_id, body{st.algorithms->start(), 0, true})
        .first->second;
    }
    if (kept != st.kept.end())
      st.kept.erase(kept);
  }
  return st.open.emplace(transfer_id, body{st.algorithms->start(), 0, false})
    .first->second;
}

void hash(body& b, const std::vector<char>& bytes) {
  if (b.lost)
    return;
  b.digests.update(bytes.data(), bytes.size());
  b.bytes += bytes.size();
}

/// The outcome of a finished transfer from its body's state: digests, a
/// kept state, or a failure. Never a digest that is not of the whole body.
hash_result finish(self_pointer self, transfer_done& done) {
  auto& st = self->state;
  hash_result result;
  result.transfer_id = done.transfer_id;
  auto i = st.open.find(done.transfer_id);
  auto b = std::move(i->second);
  st.open.erase(i);
  if (b.lost) {
    done.report.error = error_kind::internal;
    done.report.message = "cannot resume: the digest state of the earlier "
                          "attempt is gone";
    done.report.resumable = false;
  } else if (done.report.not_modified) {
    // A 304: the earlier run's digests stand (the aggregator puts them in);
    // a digest of nothing must never stand in for them.
  } else if (done.report.error == error_kind::none) {
    if (done.report.resumed_from > 0 && b.bytes != done.report.bytes) {
      // The fetcher's count of the whole body and the bytes in the digest
      // disagree: whatever the cause, this digest is of something else.
      done.report.error = error_kind::internal;
      done.report.message = "resumed body: " + std::to_string(b.bytes)
                            + " bytes hashed, "
                            + std::to_string(done.report.bytes)
                            + " received";
    } else {
      result.digests = b.digests.finish();
    }
  } else if (done.report.resumable && b.bytes > 0) {
    result.resumable_offset = b.bytes;
    st.kept.emplace(done.transfer_id, std::move(b));
  }
  result.report = std::move(done.report);
  return result;
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
      hash(body_of(self, chunk.transfer_id, chunk.resume_of, chunk.continues),
           chunk.bytes);
      // The ack is the back-pressure signal: it lets the fetcher send (or
      // resume receiving) that many more bytes of this transfer.
      self->send(caf::actor_cast<fetcher_actor>(self->current_sender()),
                 chunk_ack{chunk.transfer_id, chunk.bytes.size()});
    },
    [=](transfer_done& done) {
      auto& b = body_of(self, done.transfer_id, done.resume_of,
                        done.continues);
      // A failed body is hashed only to be kept for a resume (the fetcher
      // sends no tail otherwise). A 304 has no body at all.
      if ((done.report.error == error_kind::none && !done.report.not_modified)
          || done.report.resumable) {
        crash_if_marked(self, done.tail);
        hash(b, done.tail);
      }
      self->send(self->state.sink, finish(self, done));
    },
    [=](cancel_atom, uint64_t transfer_id) {
      // The transfer's fetcher died, or (a kept state) its URL ended or its
      // retry went elsewhere.
      self->state.open.erase(transfer_id);
      self->state.kept.erase(transfer_id);
    },
  };
}

} // namespace fetchsum
