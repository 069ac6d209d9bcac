#include "actors/supervisor.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>

#include "detail/url_origin.hpp"

namespace fetchsum {

namespace {

using self_pointer = supervisor_actor::stateful_pointer<supervisor_state>;

/// Pulled-but-not-started URLs are capped, so a long list (or one slow host)
/// never piles up in memory: the source is only asked for more below half.
size_t waiting_limit(const supervisor_settings& settings) {
  return std::max<size_t>(1024, 4 * size_t{settings.concurrency});
}

void send_result(self_pointer self, url_result result) {
  self->state.results += 1;
  self->send(self->state.aggregator, std::move(result));
}

void reject(self_pointer self, url_job& job, error_kind kind,
            std::string message) {
  url_result result;
  result.seq = job.seq;
  result.url = std::move(job.url);
  result.report.error = kind;
  result.report.message = std::move(message);
  send_result(self, std::move(result));
}

void mark_ready(supervisor_state& st, const std::string& origin,
                supervisor_state::host& h) {
  if (!h.ready && !h.waiting.empty() && h.running < st.settings.per_host) {
    h.ready = true;
    st.ready.push_back(origin);
  }
}

void launch(self_pointer self, const std::string& origin,
            supervisor_state::host& h) {
  auto& st = self->state;
  auto job = std::move(h.waiting.front());
  h.waiting.pop_front();
  st.waiting -= 1;
  h.running += 1;
  auto least_busy = std::min_element(st.fetcher_load.begin(),
                                     st.fetcher_load.end());
  auto fetcher_index = static_cast<size_t>(least_busy - st.fetcher_load.begin());
  // Routing is a correctness property: every chunk of one body must reach the
  // same hasher, in order. The hasher is a function of the transfer id and the
  // fetcher sends all of a transfer's chunks to that one hasher.
  auto hasher_index = static_cast<size_t>(job.seq % st.hashers.size());
  st.fetcher_load[fetcher_index] += 1;
  st.running.emplace(job.seq, supervisor_state::transfer{job.url, origin,
                                                         fetcher_index,
                                                         hasher_index});
  self->send(st.fetchers[fetcher_index],
             fetch_order{job.seq, std::move(job.url),
                         caf::actor_cast<caf::actor>(st.hashers[hasher_index])});
}

/// Starts waiting URLs while the global cap allows, taking one URL per ready
/// origin in turn.
void dispatch(self_pointer self) {
  auto& st = self->state;
  while (!st.ready.empty() && st.running.size() < st.settings.concurrency) {
    auto origin = std::move(st.ready.front());
    st.ready.pop_front();
    auto& h = st.hosts[origin];
    h.ready = false;
    launch(self, origin, h);
    mark_ready(st, origin, h);
  }
}

void finish_if_done(self_pointer self) {
  auto& st = self->state;
  if (st.finished || !st.running.empty())
    return;
  if (!st.interrupted && (!st.input_done || st.waiting > 0))
    return;
  st.finished = true;
  self->send(st.aggregator,
             input_end{st.results, st.read_error, st.interrupted});
  // Children ignore a normal exit; tell them explicitly that the run is over.
  for (auto& f : st.fetchers)
    self->send_exit(f, caf::exit_reason::user_shutdown);
  for (auto& h : st.hashers)
    self->send_exit(h, caf::exit_reason::user_shutdown);
  self->send_exit(st.source, caf::exit_reason::user_shutdown);
  self->quit();
}

void pull_if_needed(self_pointer self);

void admit(self_pointer self, url_batch& batch) {
  auto& st = self->state;
  for (auto& job : batch.jobs) {
    if (st.interrupted)
      break;
    auto checked = detail::check_url(job.url);
    if (checked.error != error_kind::none) {
      reject(self, job, checked.error, std::move(checked.message));
      continue;
    }
    auto& h = st.hosts[checked.origin];
    h.waiting.push_back(std::move(job));
    st.waiting += 1;
    mark_ready(st, checked.origin, h);
  }
  if (batch.last) {
    st.input_done = true;
    st.read_error = std::move(batch.read_error);
  }
}

void pull_if_needed(self_pointer self) {
  auto& st = self->state;
  auto limit = waiting_limit(st.settings);
  if (st.pulling || st.input_done || st.interrupted || st.waiting > limit / 2)
    return;
  st.pulling = true;
  auto n = static_cast<uint32_t>(limit - st.waiting);
  self->request(st.source, caf::infinite, pull_atom_v, n)
    .then(
      [=](url_batch& batch) {
        self->state.pulling = false;
        admit(self, batch);
        dispatch(self);
        pull_if_needed(self);
        finish_if_done(self);
      },
      [=](caf::error& err) {
        auto& st = self->state;
        st.pulling = false;
        st.input_done = true;
        st.read_error = "cannot read the URL list: "
                        + self->system().render(err);
        finish_if_done(self);
      });
}

/// Ends one transfer: frees its slots and sends its record.
void complete(self_pointer self, uint64_t seq, std::vector<digest_value> digests,
              transfer_report report) {
  auto& st = self->state;
  auto i = st.running.find(seq);
  if (i == st.running.end())
    return; // already ended, e.g. failed when its fetcher died
  auto transfer = std::move(i->second);
  st.running.erase(i);
  st.fetcher_load[transfer.fetcher] -= 1;
  auto h = st.hosts.find(transfer.origin);
  h->second.running -= 1;
  if (h->second.running == 0 && h->second.waiting.empty())
    st.hosts.erase(h); // forget idle hosts: memory stays bounded
  else
    mark_ready(st, transfer.origin, h->second);
  url_result result;
  result.seq = seq;
  result.url = std::move(transfer.url);
  result.digests = std::move(digests);
  result.report = std::move(report);
  result.attempts = 1;
  send_result(self, std::move(result));
}

void fail_all_of(self_pointer self, bool by_fetcher, size_t index,
                 const std::string& why) {
  std::vector<uint64_t> affected;
  for (auto& [seq, t] : self->state.running)
    if ((by_fetcher ? t.fetcher : t.hasher) == index)
      affected.push_back(seq);
  for (auto seq : affected) {
    if (!by_fetcher) // the fetcher still runs it, feeding a dead hasher
      self->send(self->state.fetchers[self->state.running[seq].fetcher],
                 cancel_atom_v, seq);
    transfer_report report;
    report.error = error_kind::internal;
    report.message = why;
    complete(self, seq, {}, std::move(report));
  }
}

void spawn_fetcher(self_pointer self, size_t index) {
  auto& st = self->state;
  auto f = st.children.spawn_fetcher(self->system());
  self->monitor(f);
  st.fetchers[index] = f;
}

void spawn_hasher(self_pointer self, size_t index) {
  auto& st = self->state;
  auto h = st.children.spawn_hasher(self->system(),
                                    caf::actor_cast<result_sink_actor>(self));
  self->monitor(h);
  st.hashers[index] = h;
}

/// A child died: its transfers end as `internal` errors (each URL still gets
/// exactly one record) and a fresh child takes its place.
void on_child_down(self_pointer self, caf::down_msg& msg) {
  auto& st = self->state;
  if (st.finished)
    return;
  auto why = self->system().render(msg.reason);
  for (size_t i = 0; i < st.fetchers.size(); ++i)
    if (st.fetchers[i].address() == msg.source) {
      fail_all_of(self, true, i, "fetcher died: " + why);
      spawn_fetcher(self, i);
    }
  for (size_t i = 0; i < st.hashers.size(); ++i)
    if (st.hashers[i].address() == msg.source) {
      fail_all_of(self, false, i, "hasher died: " + why);
      spawn_hasher(self, i);
    }
  dispatch(self);
  finish_if_done(self);
}

/// The grace after an interrupt is over: whatever still runs ends now.
void abort_running(self_pointer self) {
  auto& st = self->state;
  std::vector<uint64_t> seqs;
  for (auto& [seq, t] : st.running)
    seqs.push_back(seq);
  std::sort(seqs.begin(), seqs.end());
  for (auto seq : seqs) {
    self->send(st.fetchers[st.running[seq].fetcher], cancel_atom_v, seq);
    transfer_report report;
    report.error = error_kind::interrupted;
    report.message = "interrupted before the transfer finished";
    complete(self, seq, {}, std::move(report));
  }
  finish_if_done(self);
}

} // namespace

supervisor_actor::behavior_type
supervisor(supervisor_actor::stateful_pointer<supervisor_state> self,
           supervisor_settings settings, supervisor_children children,
           source_actor source, aggregator_actor aggregator) {
  auto& st = self->state;
  st.settings = settings;
  st.children = std::move(children);
  st.source = std::move(source);
  st.aggregator = std::move(aggregator);
  st.fetchers.resize(std::max(1u, settings.fetchers));
  st.fetcher_load.resize(st.fetchers.size());
  st.hashers.resize(std::max(1u, settings.hashers));
  for (size_t i = 0; i < st.fetchers.size(); ++i)
    spawn_fetcher(self, i);
  for (size_t i = 0; i < st.hashers.size(); ++i)
    spawn_hasher(self, i);
  self->set_down_handler(
    [=](caf::down_msg& msg) { on_child_down(self, msg); });
  return {
    [=](start_atom) { pull_if_needed(self); },
    [=](hash_result& result) {
      complete(self, result.seq, std::move(result.digests),
               std::move(result.report));
      dispatch(self);
      pull_if_needed(self);
      finish_if_done(self);
    },
    [=](interrupt_atom) {
      auto& st = self->state;
      if (st.interrupted) { // a second signal: no more grace
        abort_running(self);
        return;
      }
      st.interrupted = true;
      // URLs not started yet are not admitted; they get no record.
      st.hosts.clear();
      st.ready.clear();
      st.waiting = 0;
      for (auto& [seq, t] : st.running)
        st.hosts[t.origin].running += 1;
      if (st.running.empty())
        finish_if_done(self);
      else
        self->delayed_send(self, st.settings.grace, abort_atom_v);
    },
    [=](abort_atom) { abort_running(self); },
  };
}

} // namespace fetchsum
