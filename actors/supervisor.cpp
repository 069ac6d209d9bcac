#include "actors/supervisor.hpp"
#include "actors/exceptions.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>

#include "detail/url_origin.hpp"

namespace fetchsum {

namespace {

using self_pointer = supervisor_actor::stateful_pointer<supervisor_state>;
using pending = supervisor_state::pending;

/// Pulled-but-not-started URLs are capped, so a long list (or one slow host)
/// never piles up in memory: the source is only asked for more below half.
size_t waiting_limit(const supervisor_settings& settings) {
  return std::max<size_t>(1024, 4 * size_t{settings.concurrency});
}

/// -k/-c: URL `url_seq` has its record; the oldest unfinished URL may move on.
void mark_finished(supervisor_state& st, uint64_t url_seq) {
  if (st.settings.order_window == 0 || url_seq < st.order_base)
    return;
  auto index = url_seq - st.order_base;
  if (index >= st.order_finished.size())
    st.order_finished.resize(index + 1, false);
  st.order_finished[index] = true;
  while (!st.order_finished.empty() && st.order_finished.front()) {
    st.order_finished.pop_front();
    st.order_base += 1;
  }
}

/// Sends the one record of a URL.
void record(self_pointer self, pending& url, std::vector<digest_value> digests,
            transfer_report report) {
  mark_finished(self->state, url.job.url_seq);
  url_result result;
  result.url_seq = url.job.url_seq;
  result.url = std::move(url.job.url);
  result.digests = std::move(digests);
  result.report = std::move(report);
  result.attempts = url.attempts;
  result.earlier = std::move(url.earlier);
  result.expected = std::move(url.job.expected);
  self->state.results += 1;
  self->send(self->state.aggregator, std::move(result));
}

bool paused(self_pointer self, const supervisor_state::host& h) {
  return h.paused_until > self->clock().now();
}

void mark_ready(self_pointer self, const std::string& origin,
                supervisor_state::host& h) {
  auto& st = self->state;
  if (!h.ready && !h.waiting.empty() && h.running < st.settings.per_host
      && !paused(self, h)) {
    h.ready = true;
    st.ready.push_back(origin);
  }
}

void launch(self_pointer self, supervisor_state::host& h) {
  auto& st = self->state;
  auto url = std::move(h.waiting.front());
  h.waiting.pop_front();
  st.waiting -= 1;
  h.running += 1;
  auto least_busy = std::min_element(st.fetcher_load.begin(),
                                     st.fetcher_load.end());
  auto fetcher_index = static_cast<size_t>(least_busy - st.fetcher_load.begin());
  // Routing is a correctness property: every chunk of one body must reach the
  // same hasher, in order. The hasher is a function of the transfer id and the
  // fetcher sends all of a transfer's chunks to that one hasher.
  //
  // Each attempt gets a fresh transfer id: a re-run after a crash must never
  // meet digest state its predecessor left in a hasher.
  auto id = st.next_transfer_id++;
  auto hasher_index = static_cast<size_t>(id % st.hashers.size());
  st.fetcher_load[fetcher_index] += 1;
  fetch_order order{id, url.job.url,
                    caf::actor_cast<caf::actor>(st.hashers[hasher_index])};
  st.running.emplace(id, supervisor_state::transfer{std::move(url),
                                                    fetcher_index,
                                                    hasher_index});
  self->send(st.fetchers[fetcher_index], std::move(order));
}

/// No request to `origin` before `until`; resume_atom wakes it then.
void pause_host(self_pointer self, const std::string& origin,
                supervisor_state::host& h, caf::timespan wait) {
  auto until = self->clock().now() + wait;
  if (until > h.paused_until) {
    h.paused_until = until;
    self->delayed_send(self, wait, resume_atom_v, origin);
  }
}

/// --rate: adds the tokens earned since the last count, up to --burst.
void refill(self_pointer self, supervisor_state::host& h) {
  auto& st = self->state;
  auto now = self->clock().now();
  if (h.tokens < 0) {
    h.tokens = st.settings.burst;
  } else {
    std::chrono::duration<double> elapsed = now - h.refilled;
    h.tokens = std::min<double>(st.settings.burst,
                                h.tokens + elapsed.count() * st.settings.rate);
  }
  h.refilled = now;
}

/// Takes a token for one request; false (and the host paused until the next
/// token) if there is none. Always true without --rate.
bool take_token(self_pointer self, const std::string& origin,
                supervisor_state::host& h) {
  auto rate = self->state.settings.rate;
  if (rate <= 0)
    return true;
  refill(self, h);
  if (h.tokens >= 1) {
    h.tokens -= 1;
    return true;
  }
  auto wait = std::chrono::duration<double>((1 - h.tokens) / rate);
  // Round up, or the wake-up could come a hair before the token.
  pause_host(self, origin, h,
             std::chrono::ceil<std::chrono::microseconds>(wait));
  return false;
}

/// Starts waiting URLs while the global cap allows, taking one URL per ready
/// origin in turn: the origin that has been ready longest goes first.
void dispatch(self_pointer self) {
  auto& st = self->state;
  while (!st.ready.empty() && st.running.size() < st.settings.concurrency) {
    auto origin = std::move(st.ready.front());
    st.ready.pop_front();
    auto& h = st.hosts[origin];
    h.ready = false;
    if (paused(self, h) || h.waiting.empty())
      continue; // paused after it became ready; resume_atom brings it back
    if (!take_token(self, origin, h))
      continue;
    launch(self, h);
    mark_ready(self, origin, h);
  }
}

/// Whether a host's entry can go: nothing waits or runs, no pause, and its
/// token bucket is full again (a new entry starts full).
bool idle(self_pointer self, supervisor_state::host& h) {
  if (h.running > 0 || !h.waiting.empty() || paused(self, h))
    return false;
  if (self->state.settings.rate <= 0 || h.tokens < 0)
    return true;
  refill(self, h);
  return h.tokens >= self->state.settings.burst;
}

void finish_if_done(self_pointer self) {
  auto& st = self->state;
  if (st.finished || !st.running.empty() || !st.backing_off.empty())
    return;
  if (!st.interrupted && (!st.input_done || st.waiting > 0))
    return;
  st.finished = true;
  self->send(st.aggregator, input_end{st.results, st.read_error,
                                     st.interrupted, st.from_journal,
                                     st.malformed, st.unformatted_lists,
                                     st.never_started,
                                     st.interrupted && !st.input_done});
  // Children ignore a normal exit; tell them explicitly that the run is over.
  for (auto& f : st.fetchers)
    self->send_exit(f, caf::exit_reason::user_shutdown);
  for (auto& h : st.hashers)
    self->send_exit(h, caf::exit_reason::user_shutdown);
  self->send_exit(st.source, caf::exit_reason::user_shutdown);
  self->quit();
}

void enqueue(self_pointer self, pending url, bool front) {
  auto& st = self->state;
  auto& h = st.hosts[url.origin];
  auto origin = url.origin;
  if (front)
    h.waiting.push_front(std::move(url));
  else
    h.waiting.push_back(std::move(url));
  st.waiting += 1;
  mark_ready(self, origin, h);
}

void admit(self_pointer self, url_batch& batch) {
  auto& st = self->state;
  st.admitted += batch.jobs.size() + batch.journaled.size();
  st.malformed += batch.malformed;
  for (auto& list : batch.unformatted_lists)
    st.unformatted_lists.push_back(std::move(list));
  if (st.settings.order_window > 0) {
    // Every URL of the batch is now in the window, finished or not.
    uint64_t last = 0;
    for (auto& job : batch.jobs)
      last = std::max(last, job.url_seq + 1);
    for (auto& done : batch.journaled)
      last = std::max(last, done.url_seq + 1);
    if (last > st.order_base + st.order_finished.size())
      st.order_finished.resize(last - st.order_base, false);
  }
  // Records the --journal already has go out as they are.
  for (auto& done : batch.journaled) {
    mark_finished(st, done.url_seq);
    st.from_journal += 1;
    st.results += 1;
    self->send(st.aggregator, std::move(done));
  }
  for (auto& job : batch.jobs) {
    if (st.interrupted) { // a pull answered after the interrupt
      st.never_started += 1;
      continue;
    }
    auto checked = detail::check_url(job.url);
    pending url;
    url.job = std::move(job);
    if (checked.error != error_kind::none) {
      transfer_report report;
      report.error = checked.error;
      report.message = std::move(checked.message);
      record(self, url, {}, std::move(report));
      continue;
    }
    url.origin = std::move(checked.origin);
    enqueue(self, std::move(url), false);
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
  auto n = static_cast<uint32_t>(limit - st.waiting);
  if (auto window = st.settings.order_window; window > 0) {
    // Admitting more would make the aggregator hold more than the window
    // behind the oldest unfinished URL: wait until it finishes.
    auto in_window = st.order_finished.size();
    if (in_window >= window)
      return;
    n = std::min<uint32_t>(n, static_cast<uint32_t>(window - in_window));
  }
  st.pulling = true;
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

/// Ends a running transfer: frees its slots. Empty if it was not running
/// (already failed because its fetcher died, say).
caf::optional<pending> end_transfer(self_pointer self, uint64_t id) {
  auto& st = self->state;
  auto i = st.running.find(id);
  if (i == st.running.end())
    return caf::none;
  auto transfer = std::move(i->second);
  st.running.erase(i);
  st.fetcher_load[transfer.fetcher] -= 1;
  auto h = st.hosts.find(transfer.url.origin);
  h->second.running -= 1;
  if (idle(self, h->second))
    st.hosts.erase(h); // forget idle hosts: memory stays bounded
  else
    mark_ready(self, transfer.url.origin, h->second);
  return std::move(transfer.url);
}

/// Keeps a failed attempt for the record's history; `last` holds the newest.
void note_failure(pending& url, const transfer_report& report) {
  if (url.attempts > 1)
    url.earlier.push_back(attempt_outcome{url.last.error, url.last.http_status,
                                          url.last.message});
  url.last = report;
}

/// Full jitter: uniform in [0, min(cap, base * 2^(failures-1))].
caf::timespan backoff(self_pointer self, uint32_t failures) {
  auto& st = self->state;
  auto ceiling = st.settings.retry_delay.count();
  for (uint32_t i = 1; i < failures && ceiling < st.settings.retry_max_delay.count(); ++i)
    ceiling *= 2;
  ceiling = std::min(ceiling, static_cast<decltype(ceiling)>(
                                st.settings.retry_max_delay.count()));
  std::uniform_int_distribution<int64_t> pick{0, ceiling};
  return std::chrono::milliseconds(pick(st.jitter));
}

/// Decides whether a failed attempt is tried again, and when.
bool schedule_retry(self_pointer self, pending& url,
                    const transfer_report& report) {
  auto& st = self->state;
  if (st.interrupted || !is_transient(report))
    return false;
  bool throttled = report.error == error_kind::http_status
                   && report.http_status == 429;
  if (throttled ? url.throttled >= st.settings.max_throttled
                : url.failures >= st.settings.retries)
    return false;
  (throttled ? url.throttled : url.failures) += 1;
  note_failure(url, report);
  if (report.retry_after_ms > 0) {
    // The server named a time: pause the whole host (others go on), and put
    // the URL first in its queue for when the pause ends.
    // Capped in milliseconds first: a far date (year 9999) in nanoseconds
    // would overflow caf::timespan.
    auto pause = std::chrono::milliseconds(std::min<uint64_t>(
      report.retry_after_ms,
      static_cast<uint64_t>(st.settings.retry_max_delay.count())));
    pause_host(self, url.origin, st.hosts[url.origin], pause);
    enqueue(self, std::move(url), true);
    return true;
  }
  auto delay = throttled ? backoff(self, url.throttled)
                         : backoff(self, url.failures);
  auto url_seq = url.job.url_seq;
  st.backing_off.emplace(url_seq, std::move(url));
  self->delayed_send(self, delay, retry_atom_v, url_seq);
  return true;
}

/// An attempt ended: record the URL, or try it again.
void attempt_done(self_pointer self, uint64_t id,
                  std::vector<digest_value> digests, transfer_report report) {
  auto url = end_transfer(self, id);
  if (!url)
    return;
  url->attempts += 1;
  if (report.error != error_kind::none && schedule_retry(self, *url, report))
    return;
  if (url->attempts > 1) // the attempt before this one joins the history
    url->earlier.push_back(attempt_outcome{url->last.error,
                                           url->last.http_status,
                                           url->last.message});
  record(self, *url, std::move(digests), std::move(report));
}

/// A hasher that throws names the transfer it was handling in the error's
/// context (see hasher.cpp); empty if the culprit is unknown.
caf::optional<uint64_t> culprit_of(const caf::error& reason) {
  auto& context = reason.context();
  if (context.match_elements<std::string, uint64_t>())
    return context.get_as<uint64_t>(1);
  return caf::none;
}

/// Re-runs of bystanders are capped too, so nothing can loop forever.
constexpr uint32_t max_bystander_reruns = 10;

/// A child died: every transfer it worked on runs again from the start (the
/// fetcher and the hasher of a transfer both hold part of it). A URL whose
/// transfer caused max_crashes + 1 crashes ends as `internal`. When the dead
/// actor named its culprit, the other transfers are bystanders: their re-run
/// costs them nothing but a (large) cap of their own.
void rerun_all_of(self_pointer self, bool by_fetcher, size_t index,
                  const std::string& why, caf::optional<uint64_t> culprit) {
  auto& st = self->state;
  std::vector<uint64_t> affected;
  for (auto& [id, t] : st.running)
    if ((by_fetcher ? t.fetcher : t.hasher) == index)
      affected.push_back(id);
  std::sort(affected.begin(), affected.end());
  for (auto id : affected) {
    auto& t = st.running[id];
    // Whoever survived drops its half of the transfer.
    if (by_fetcher)
      self->send(st.hashers[t.hasher], cancel_atom_v, id);
    else
      self->send(st.fetchers[t.fetcher], cancel_atom_v, id);
    auto url = end_transfer(self, id);
    url->attempts += 1;
    bool bystander = culprit && *culprit != id;
    (bystander ? url->bystander_reruns : url->crashes) += 1;
    transfer_report crashed;
    crashed.error = error_kind::internal;
    crashed.message = why;
    note_failure(*url, crashed);
    if (st.interrupted || url->crashes > st.settings.max_crashes
        || url->bystander_reruns > max_bystander_reruns) {
      auto last = url->last;
      record(self, *url, {}, std::move(last));
    } else {
      enqueue(self, std::move(*url), true);
    }
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

/// A child died: a fresh child takes its place and its transfers run again
/// (each URL still gets exactly one record).
void on_child_down(self_pointer self, caf::down_msg& msg) {
  auto& st = self->state;
  if (st.finished)
    return;
  auto why = self->system().render(msg.reason);
  for (size_t i = 0; i < st.fetchers.size(); ++i)
    if (st.fetchers[i].address() == msg.source) {
      rerun_all_of(self, true, i, "fetcher died: " + why, caf::none);
      spawn_fetcher(self, i);
    }
  for (size_t i = 0; i < st.hashers.size(); ++i)
    if (st.hashers[i].address() == msg.source) {
      rerun_all_of(self, false, i, "hasher died: " + why,
                   culprit_of(msg.reason));
      spawn_hasher(self, i);
    }
  dispatch(self);
  finish_if_done(self);
}

/// The grace after an interrupt is over: whatever still runs ends now.
void abort_running(self_pointer self) {
  auto& st = self->state;
  std::vector<uint64_t> ids;
  for (auto& [id, t] : st.running)
    ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (auto id : ids) {
    self->send(st.fetchers[st.running[id].fetcher], cancel_atom_v, id);
    transfer_report report;
    report.error = error_kind::interrupted;
    report.message = "interrupted before the transfer finished";
    auto url = end_transfer(self, id);
    record(self, *url, {}, std::move(report));
  }
  finish_if_done(self);
}

void interrupt(self_pointer self) {
  auto& st = self->state;
  if (st.interrupted) { // a second signal: no more grace
    abort_running(self);
    return;
  }
  st.interrupted = true;
  // URLs not started yet are dropped and get no record (the summary counts
  // them), except those already tried: their last attempt's outcome is their
  // record.
  for (auto& [origin, h] : st.hosts)
    for (auto& url : h.waiting)
      if (url.attempts > 0)
        record(self, url, {}, url.last);
      else
        st.never_started += 1;
  for (auto& [url_seq, url] : st.backing_off)
    record(self, url, {}, url.last);
  st.backing_off.clear();
  st.hosts.clear();
  st.ready.clear();
  st.waiting = 0;
  for (auto& [id, t] : st.running)
    st.hosts[t.url.origin].running += 1;
  if (st.running.empty())
    finish_if_done(self);
  else
    self->delayed_send(self, st.settings.grace, abort_atom_v);
}

} // namespace

supervisor_actor::behavior_type
supervisor(supervisor_actor::stateful_pointer<supervisor_state> self,
           supervisor_settings settings, supervisor_children children,
           source_actor source, aggregator_actor aggregator) {
  exit_on_exception(self);
  auto& st = self->state;
  st.settings = settings;
  st.children = std::move(children);
  st.source = std::move(source);
  st.aggregator = std::move(aggregator);
  st.jitter.seed(settings.random_seed != 0 ? settings.random_seed
                                           : std::random_device{}());
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
      attempt_done(self, result.transfer_id, std::move(result.digests),
                   std::move(result.report));
      dispatch(self);
      pull_if_needed(self);
      finish_if_done(self);
    },
    [=](retry_atom, uint64_t url_seq) {
      auto& st = self->state;
      auto i = st.backing_off.find(url_seq);
      if (i == st.backing_off.end())
        return; // recorded meanwhile (interrupt)
      auto url = std::move(i->second);
      st.backing_off.erase(i);
      enqueue(self, std::move(url), true);
      dispatch(self);
    },
    [=](resume_atom, const std::string& origin) {
      auto& st = self->state;
      auto h = st.hosts.find(origin);
      if (h == st.hosts.end())
        return;
      mark_ready(self, origin, h->second); // no-op while still paused
      dispatch(self);
      finish_if_done(self);
    },
    [=](interrupt_atom) { interrupt(self); },
    [=](caf::get_atom) {
      auto& st = self->state;
      return admission_counts{st.admitted, st.running.size(), st.input_done};
    },
    [=](abort_atom) { abort_running(self); },
  };
}

} // namespace fetchsum
