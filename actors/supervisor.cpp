#include "actors/supervisor.hpp"
#include "actors/exceptions.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>

#include "detail/url_mask.hpp"
#include "detail/url_origin.hpp"

namespace fetchsum {

namespace {

using self_pointer = supervisor_actor::stateful_pointer<supervisor_state>;
using pending = supervisor_state::pending;
using started_url = detail::host_scheduler<pending>::started;

/// Pulled-but-not-started URLs are capped, so a long list (or one slow host)
/// never piles up in memory: the source is only asked for more below half.
size_t waiting_limit(const supervisor_state& st) {
  return std::max<size_t>(1024, 4 * size_t{st.capacity});
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

/// Masks the password of every URL in a record before it leaves the
/// supervisor: whatever prints, journals or compares records (aggregator,
/// --journal, --diff, -v) sees only `user:***@`. Every URL-bearing field of
/// the record belongs here.
void hide_passwords(url_result& result) {
  // Per record, so no copy where there is nothing to hide: a password needs
  // an '@' after it.
  auto mask_url = [](std::string& url) {
    if (url.find('@') != std::string::npos)
      url = detail::mask_url_password(url);
  };
  auto mask_text = [](std::string& text) {
    if (text.find('@') != std::string::npos)
      text = detail::mask_url_passwords_in_text(text);
  };
  mask_url(result.url);
  mask_url(result.report.final_url);
  for (auto& hop : result.report.redirects)
    mask_url(hop);
  mask_text(result.report.message);
  for (auto& attempt : result.earlier)
    mask_text(attempt.message);
}

/// Sends the one record of a URL.
void record(self_pointer self, pending& url, std::vector<digest_value> digests,
            transfer_report report) {
  mark_finished(self->state, url.job.url_seq);
  if (url.kept) // no attempt follows: the hasher may forget the state
    self->send(url.kept->holder, cancel_atom_v, url.kept->transfer_id);
  url_result result;
  result.url_seq = url.job.url_seq;
  result.url = std::move(url.job.url);
  result.digests = std::move(digests);
  result.report = std::move(report);
  result.attempts = url.attempts;
  result.earlier = std::move(url.earlier);
  if (url.first_start)
    result.elapsed_ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
        self->clock().now() - *url.first_start)
        .count());
  result.expected = std::move(url.job.expected);
  hide_passwords(result);
  result.resumed_bytes = result.report.resumed_from;
  self->state.results += 1;
  self->send(self->state.aggregator, std::move(result));
}

/// The group for a host's next transfer: the least full one (by share of
/// its capacity), so every node's link carries its part; among equally full
/// groups the one that ran the host last (its connections are open). Only
/// called below the total capacity, so some live group has room.
size_t pick_group(supervisor_state& st, size_t last_group) {
  size_t best = SIZE_MAX;
  double best_fill = 2;
  for (size_t i = 0; i < st.groups.size(); ++i) {
    auto& g = st.groups[i];
    if (!g.live || g.running >= g.workers.capacity)
      continue;
    auto fill = double(g.running) / g.workers.capacity;
    if (fill < best_fill || (fill == best_fill && i == last_group)) {
      best = i;
      best_fill = fill;
    }
  }
  return best;
}

/// Sends a URL the host scheduler started to a fetcher.
void launch(self_pointer self, started_url next) {
  auto& st = self->state;
  auto group_index = pick_group(st, next.last_group);
  auto url = std::move(next.item);
  if (url.kept) {
    // Range resume: the digest state lives in one hasher, so the attempt
    // goes to that hasher's group (even if it is full: one transfer over
    // its capacity for a while beats fetching the body again). If that
    // hasher is gone (replaced, node lost), the body starts at byte 0.
    auto& k = *url.kept;
    if (k.group < st.groups.size() && st.groups[k.group].live
        && st.groups[k.group].workers.hashers[k.hasher] == k.holder)
      group_index = k.group;
    else
      url.kept.reset();
  }
  st.hosts.ran_on(next.origin, group_index);
  auto& g = st.groups[group_index];
  if (!url.first_start)
    url.first_start = self->clock().now();
  g.running += 1;
  auto least_busy = std::min_element(g.fetcher_load.begin(),
                                     g.fetcher_load.end());
  auto fetcher_index = static_cast<size_t>(least_busy - g.fetcher_load.begin());
  // Routing is a correctness property: every chunk of one body must reach the
  // same hasher, in order. The hasher is a function of the transfer id and the
  // fetcher sends all of a transfer's chunks to that one hasher.
  //
  // Each attempt gets a fresh transfer id: a re-run after a crash must never
  // meet digest state its predecessor left in a hasher. The hasher is one of
  // the fetcher's own group: body bytes never leave a node.
  auto id = st.next_transfer_id++;
  auto hasher_index = url.kept ? url.kept->hasher
                               : static_cast<size_t>(id % g.workers.hashers.size());
  g.fetcher_load[fetcher_index] += 1;
  fetch_order order;
  order.transfer_id = id;
  order.url = url.job.url;
  order.hasher = caf::actor_cast<caf::actor>(g.workers.hashers[hasher_index]);
  // A resume continues a body the server already answered with 200; only a
  // fresh attempt asks "changed since?".
  if (!url.kept)
    order.conditional = url.job.conditional;
  if (url.kept) {
    order.resume_of = url.kept->transfer_id;
    order.resume_offset = url.kept->offset;
    order.if_range = url.kept->if_range;
    order.resume_total = url.kept->body_size;
  }
  st.running.emplace(id, supervisor_state::transfer{std::move(url),
                                                    group_index, fetcher_index,
                                                    hasher_index});
  self->send(g.workers.fetchers[fetcher_index], std::move(order));
}

/// Tells every member of a group that the run is over for it.
void stop_group(self_pointer self, supervisor_state::group& g) {
  for (auto& f : g.workers.fetchers)
    self->send_exit(f, caf::exit_reason::user_shutdown);
  for (auto& h : g.workers.hashers)
    self->send_exit(h, caf::exit_reason::user_shutdown);
}

/// Starts waiting URLs while the global cap allows; the host scheduler says
/// which (one URL per ready origin in turn, within each origin's limits).
void dispatch(self_pointer self) {
  auto& st = self->state;
  auto now = self->clock().now();
  while (st.running.size() < st.capacity) {
    auto next = st.hosts.start_next(now);
    if (!next)
      break;
    launch(self, std::move(*next));
  }
}

void finish_if_done(self_pointer self) {
  auto& st = self->state;
  if (st.finished || !st.running.empty() || !st.backing_off.empty())
    return;
  if (!st.interrupted && (!st.input_done || st.hosts.waiting() > 0))
    return;
  st.finished = true;
  self->send(st.aggregator, input_end{st.results, st.read_error,
                                     st.interrupted, st.from_journal,
                                     st.malformed, st.unformatted_lists,
                                     st.never_started,
                                     st.interrupted && !st.input_done,
                                     st.nodes});
  // Children ignore a normal exit; tell them explicitly that the run is over
  // (a node's workers too: the node drops them anyway once we are gone).
  for (auto& g : st.groups)
    if (g.live)
      stop_group(self, g);
  self->send_exit(st.source, caf::exit_reason::user_shutdown);
  self->quit();
}

/// The transfer ids of a group's running transfers, oldest first.
template <class Predicate>
std::vector<uint64_t> transfers_where(supervisor_state& st, Predicate pred) {
  std::vector<uint64_t> ids;
  for (auto& [id, t] : st.running)
    if (pred(t))
      ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

void enqueue(self_pointer self, pending url, bool front) {
  auto origin = url.origin; // a copy: `url` moves into the queue
  self->state.hosts.enqueue(origin, std::move(url), front, self->clock().now());
}

/// The record of a URL no node was there to fetch.
transfer_report no_node_report(const supervisor_state& st) {
  transfer_report report;
  report.error = error_kind::no_node;
  char wait[32];
  std::snprintf(wait, sizeof(wait), "%g", st.settings.node_wait.count() / 1e3);
  report.message = std::string{"no node connected for "} + wait
                   + " s (--node-wait)";
  return report;
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
    if (st.abandoned) {
      record(self, url, {}, no_node_report(st));
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
  auto limit = waiting_limit(st);
  auto waiting = st.hosts.waiting();
  if (st.pulling || st.input_done || st.interrupted || waiting > limit / 2)
    return;
  auto n = static_cast<uint32_t>(limit - waiting);
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
  auto& g = st.groups[transfer.group];
  g.fetcher_load[transfer.fetcher] -= 1;
  g.running -= 1;
  st.hosts.finished(transfer.url.origin, self->clock().now());
  return std::move(transfer.url);
}

/// The outcome in `last` joins the record's history of earlier attempts.
void keep_last_attempt(pending& url) {
  url.earlier.push_back(attempt_outcome{url.last.error, url.last.http_status,
                                        url.last.message});
}

/// Keeps a failed attempt for the record's history; `last` holds the newest.
void note_failure(pending& url, const transfer_report& report) {
  if (url.attempts > 1)
    keep_last_attempt(url);
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

/// Whether a failed resume attempt is worth one more attempt from byte 0:
/// its 206 did not continue the body (bad_response), the range was refused
/// (416), or the kept state was gone (internal).
bool resume_refused(const transfer_report& report) {
  return report.resumed_from > 0
         && (report.error == error_kind::bad_response
             || report.error == error_kind::internal
             || (report.error == error_kind::http_status
                 && report.http_status == 416));
}

/// Decides whether a failed attempt is tried again, and when. `added`:
/// bytes the attempt added to a kept digest state (url.kept).
bool schedule_retry(self_pointer self, pending& url,
                    const transfer_report& report, uint64_t added) {
  auto& st = self->state;
  if (st.interrupted || (!is_transient(report) && !resume_refused(report)))
    return false;
  bool throttled = report.error == error_kind::http_status
                   && report.http_status == 429;
  // Progress on a body that breaks again and again (a big image over a bad
  // link) is free, up to a cap of its own: otherwise such a body fails
  // after --retries breaks however much of it arrived.
  bool progress = url.kept && added > 0
                  && url.resumes < st.settings.max_resumes;
  if (progress) {
    url.resumes += 1;
  } else {
    if (throttled ? url.throttled >= st.settings.max_throttled
                  : url.failures >= st.settings.retries)
      return false;
    (throttled ? url.throttled : url.failures) += 1;
  }
  note_failure(url, report);
  if (url.kept)
    url.last.message += " (resuming at byte "
                        + std::to_string(url.kept->offset) + ")";
  if (report.retry_after_ms > 0) {
    // The server named a time: pause the whole host (others go on), and put
    // the URL first in its queue for when the pause ends.
    // Capped in milliseconds first: a far date (year 9999) in nanoseconds
    // would overflow caf::timespan.
    auto pause = std::chrono::milliseconds(std::min<uint64_t>(
      report.retry_after_ms,
      static_cast<uint64_t>(st.settings.retry_max_delay.count())));
    st.hosts.pause(url.origin, pause, self->clock().now());
    enqueue(self, std::move(url), true);
    return true;
  }
  auto delay = progress    ? backoff(self, 1)
               : throttled ? backoff(self, url.throttled)
                           : backoff(self, url.failures);
  auto url_seq = url.job.url_seq;
  st.backing_off.emplace(url_seq, std::move(url));
  self->delayed_send(self, delay, retry_atom_v, url_seq);
  return true;
}

/// An attempt ended: record the URL, or try it again.
void attempt_done(self_pointer self, hash_result& result) {
  auto& st = self->state;
  auto id = result.transfer_id;
  auto running = st.running.find(id);
  if (running == st.running.end())
    return;
  auto group = running->second.group;
  auto hasher = running->second.hasher;
  auto url = end_transfer(self, id);
  url->attempts += 1;
  auto& report = result.report;
  // The state this attempt was to resume is continued or dropped by now:
  // the fetcher told the hasher first thing. Only a new one is kept.
  url->kept.reset();
  uint64_t added = 0;
  if (result.resumable_offset > 0) {
    url->kept = pending::kept_digest{id, result.resumable_offset,
                                     report.if_range, report.body_size,
                                     group, hasher,
                                     st.groups[group].workers.hashers[hasher]};
    // Progress is a kept state further into the body than any before: an
    // attempt that had to start again from byte 0 (Range ignored, body
    // changed) and broke earlier than the last one gained nothing, so a
    // server that never resumes costs --retries, not max_resumes, downloads.
    added = result.resumable_offset
            - std::min(result.resumable_offset, url->furthest_kept);
    url->furthest_kept = std::max(url->furthest_kept, result.resumable_offset);
  }
  auto digests = std::move(result.digests);
  if (report.error != error_kind::none
      && schedule_retry(self, *url, report, added))
    return;
  if (url->attempts > 1) // the attempt before this one joins the history
    keep_last_attempt(*url);
  record(self, *url, std::move(digests), std::move(report));
}

/// A hasher that throws names the transfer it was handling in the error's
/// context (see hasher.cpp); empty if the culprit is unknown.
caf::optional<uint64_t> culprit_of(const caf::error& reason) {
  if (!reason) // a normal exit has no context to look into (null in CAF)
    return caf::none;
  auto& context = reason.context();
  if (context.match_elements<std::string, uint64_t>())
    return context.get_as<uint64_t>(1);
  return caf::none;
}

/// Re-runs of bystanders are capped too, so nothing can loop forever. A URL
/// whose node was lost this often (it may be what kills them) ends as
/// `internal` too.
constexpr uint32_t max_bystander_reruns = 10;

/// An actor died: every transfer in `ids` runs again from the start (the
/// fetcher and the hasher of a transfer both hold part of it), the
/// surviving halves told to drop theirs if `cancel_survivors`. A URL whose
/// transfer caused max_crashes + 1 crashes ends as `internal`. When the dead
/// actor named its culprit, the other transfers are bystanders: their re-run
/// costs them nothing but a (large) cap of their own.
void rerun_crashed(self_pointer self, const std::vector<uint64_t>& ids,
                   bool cancel_survivors, const std::string& why,
                   caf::optional<uint64_t> culprit) {
  auto& st = self->state;
  for (auto id : ids) {
    auto& t = st.running[id];
    auto& g = st.groups[t.group];
    if (cancel_survivors) {
      self->send(g.workers.hashers[t.hasher], cancel_atom_v, id);
      self->send(g.workers.fetchers[t.fetcher], cancel_atom_v, id);
    }
    auto url = end_transfer(self, id);
    if (url->kept) { // a re-run starts from byte 0
      self->send(url->kept->holder, cancel_atom_v, url->kept->transfer_id);
      url->kept.reset();
    }
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

/// A node was lost (killed, hung, cut off): its transfers run again
/// elsewhere. Not an attempt: the URL's record stays what a one-process run
/// would write.
void rerun_lost(self_pointer self, const std::vector<uint64_t>& ids,
                const std::string& why) {
  auto& st = self->state;
  for (auto id : ids) {
    auto url = end_transfer(self, id);
    url->kept.reset(); // it was on the lost node
    st.nodes.reruns += 1;
    url->node_losses += 1;
    if (st.interrupted || url->node_losses > max_bystander_reruns) {
      transfer_report report;
      report.error = st.interrupted ? error_kind::interrupted
                                    : error_kind::internal;
      report.message = st.interrupted
                         ? "interrupted before the transfer finished"
                         : why + " (" + std::to_string(url->node_losses)
                             + " nodes lost while fetching this URL)";
      if (url->attempts > 0)
        keep_last_attempt(*url);
      record(self, *url, {}, std::move(report));
    } else {
      enqueue(self, std::move(*url), true);
    }
  }
}

/// Starts the wait for a node: if none joins within --node-wait, the URLs
/// left end as no_node.
void await_node(self_pointer self) {
  auto& st = self->state;
  st.node_wait_epoch += 1;
  self->delayed_send(self, st.settings.node_wait, abandon_atom_v,
                     st.node_wait_epoch);
}

/// Adds a group and watches its members.
void add_group(self_pointer self, worker_group workers) {
  auto& st = self->state;
  supervisor_state::group g;
  g.fetcher_load.resize(workers.fetchers.size());
  g.workers = std::move(workers);
  for (auto& f : g.workers.fetchers)
    self->monitor(f);
  for (auto& h : g.workers.hashers)
    self->monitor(h);
  st.capacity += g.workers.capacity;
  st.live_groups += 1;
  st.groups.push_back(std::move(g));
}

/// A member of a node's group died: the group is gone (the cluster asks
/// the node for a new one if it is still there). Its transfers run again
/// elsewhere: as lost if the node's link broke, as crashed otherwise.
void lose_group(self_pointer self, size_t index, const caf::down_msg& msg) {
  auto& st = self->state;
  auto& g = st.groups[index];
  g.live = false;
  st.capacity -= g.workers.capacity;
  st.live_groups -= 1;
  stop_group(self, g); // members the node still runs
  auto ids = transfers_where(st, [&](auto& t) { return t.group == index; });
  auto why = self->system().render(msg.reason);
  // Gone with the node: its link broke, or it was stopped (SIGTERM ends a
  // node's workers normally or with user_shutdown). Anything else is a
  // worker that crashed on a node that is still there.
  bool node_gone = !msg.reason
                   || msg.reason == caf::exit_reason::remote_link_unreachable
                   || msg.reason == caf::exit_reason::user_shutdown;
  if (node_gone) {
    st.nodes.lost += 1;
    rerun_lost(self, ids, "node " + g.workers.node + " lost");
  } else {
    rerun_crashed(self, ids, true,
                  "worker on node " + g.workers.node + " died: " + why,
                  culprit_of(msg.reason));
  }
  if (st.settings.remote_workers && st.live_groups == 0 && !st.finished)
    await_node(self);
}

void spawn_fetcher(self_pointer self, supervisor_state::group& g,
                   size_t index) {
  auto& st = self->state;
  auto f = st.children.spawn_fetcher(self->system());
  self->monitor(f);
  g.workers.fetchers[index] = f;
}

void spawn_hasher(self_pointer self, supervisor_state::group& g,
                  size_t index) {
  auto& st = self->state;
  auto h = st.children.spawn_hasher(self->system(),
                                    caf::actor_cast<result_sink_actor>(self));
  self->monitor(h);
  g.workers.hashers[index] = h;
}

/// A child died. In the local group a fresh child takes its place and its
/// transfers run again (each URL still gets exactly one record); a node's
/// group is lost as a whole.
void on_child_down(self_pointer self, caf::down_msg& msg) {
  auto& st = self->state;
  if (st.finished)
    return;
  auto why = self->system().render(msg.reason);
  for (size_t gi = 0; gi < st.groups.size(); ++gi) {
    auto& g = st.groups[gi];
    if (!g.live)
      continue;
    auto& fetchers = g.workers.fetchers;
    auto& hashers = g.workers.hashers;
    auto is_source = [&](const auto& member) {
      return member.address() == msg.source;
    };
    bool member = std::any_of(fetchers.begin(), fetchers.end(), is_source)
                  || std::any_of(hashers.begin(), hashers.end(), is_source);
    if (!member)
      continue;
    if (!g.workers.node.empty()) {
      lose_group(self, gi, msg);
      break;
    }
    for (size_t i = 0; i < fetchers.size(); ++i)
      if (is_source(fetchers[i])) {
        rerun_crashed(self, transfers_where(st, [&](auto& t) {
                        return t.group == gi && t.fetcher == i;
                      }),
                      true, "fetcher died: " + why, caf::none);
        spawn_fetcher(self, g, i);
      }
    for (size_t i = 0; i < hashers.size(); ++i)
      if (is_source(hashers[i])) {
        rerun_crashed(self, transfers_where(st, [&](auto& t) {
                        return t.group == gi && t.hasher == i;
                      }),
                      true, "hasher died: " + why, culprit_of(msg.reason));
        spawn_hasher(self, g, i);
      }
    break;
  }
  dispatch(self);
  finish_if_done(self);
}

/// No node for --node-wait: every URL not recorded yet ends as no_node, and
/// so does every URL still to come from the list.
void abandon(self_pointer self) {
  auto& st = self->state;
  st.abandoned = true;
  auto report = no_node_report(st);
  auto end = [&](pending& url) {
    if (url.attempts > 0)
      keep_last_attempt(url);
    record(self, url, {}, report);
  };
  st.hosts.drop_waiting(end);
  for (auto& [url_seq, url] : st.backing_off)
    end(url);
  st.backing_off.clear();
  pull_if_needed(self);
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
    auto& t = st.running[id];
    self->send(st.groups[t.group].workers.fetchers[t.fetcher], cancel_atom_v,
               id);
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
  st.hosts.drop_waiting([&](pending& url) {
    if (url.attempts > 0)
      record(self, url, {}, url.last);
    else
      st.never_started += 1;
  });
  for (auto& [url_seq, url] : st.backing_off)
    record(self, url, {}, url.last);
  st.backing_off.clear();
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
  // The scheduler says when a paused host may go again; the wake-up is a
  // message to ourselves.
  st.hosts = detail::host_scheduler<pending>{
    detail::host_limits{settings.per_host, settings.rate, double(settings.burst)},
    [self](const std::string& origin, std::chrono::nanoseconds wait) {
      self->delayed_send(self, wait, resume_atom_v, origin);
    }};
  if (settings.remote_workers) {
    await_node(self); // groups join from nodes
  } else {
    supervisor_state::group local;
    local.workers.capacity = settings.concurrency;
    local.workers.fetchers.resize(std::max(1u, settings.fetchers));
    local.fetcher_load.resize(local.workers.fetchers.size());
    local.workers.hashers.resize(std::max(1u, settings.hashers));
    for (size_t i = 0; i < local.workers.fetchers.size(); ++i)
      spawn_fetcher(self, local, i);
    for (size_t i = 0; i < local.workers.hashers.size(); ++i)
      spawn_hasher(self, local, i);
    st.capacity = local.workers.capacity;
    st.live_groups = 1;
    st.groups.push_back(std::move(local));
  }
  self->set_down_handler(
    [=](caf::down_msg& msg) { on_child_down(self, msg); });
  return {
    [=](start_atom) { pull_if_needed(self); },
    [=](hash_result& result) {
      if (self->state.running.count(result.transfer_id) == 0) {
        // Its transfer was re-run: a node that was cut off came back.
        self->state.nodes.late_results += 1;
        return;
      }
      attempt_done(self, result);
      dispatch(self);
      pull_if_needed(self);
      finish_if_done(self);
    },
    [=](join_atom, worker_group& workers) {
      auto& st = self->state;
      if (st.finished || st.abandoned || workers.fetchers.empty()
          || workers.hashers.empty() || workers.capacity == 0) {
        supervisor_state::group refused;
        refused.workers = std::move(workers);
        stop_group(self, refused);
        return;
      }
      add_group(self, std::move(workers));
      st.node_wait_epoch += 1; // a wait for a node is over
      dispatch(self);
      pull_if_needed(self);
    },
    [=](abandon_atom, uint64_t epoch) {
      auto& st = self->state;
      if (epoch == st.node_wait_epoch && st.live_groups == 0 && !st.finished
          && !st.interrupted)
        abandon(self);
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
      // A no-op if the pause was extended meanwhile (a later resume_atom
      // comes for that).
      self->state.hosts.resume(origin, self->clock().now());
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
