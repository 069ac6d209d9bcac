// Per-host politeness: which waiting URL may start next, and when. Plain C++
// without actors: time comes in as an argument, so the supervisor drives it
// with its actor clock and tests replay events with made-up times.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace fetchsum::detail {

/// The scheduler's clock: the supervisor's actor clock (caf::actor_clock) is
/// a steady_clock, and a test may start anywhere on it.
using steady_time = std::chrono::steady_clock::time_point;

/// What the scheduler enforces for every origin alike.
struct host_limits {
  /// Transfers one origin may have running at once (--per-host).
  uint32_t per_host = 1;
  /// Requests per second to one origin (--rate); 0 means no limit.
  double rate = 0;
  /// Requests one origin may get at once before `rate` applies (--burst).
  double burst = 1;
};

/// --rate/--burst for one origin: a bucket of `burst` tokens that refills at
/// `rate` tokens a second; each request takes one.
class token_bucket {
public:
  /// Takes a token for one request; false if there is none. Always true
  /// without --rate.
  bool take(steady_time now, const host_limits& limits);

  /// After `take` failed: how long until the next token, rounded up so a
  /// wake-up then never comes a hair before it.
  std::chrono::nanoseconds time_to_next(const host_limits& limits) const;

  /// Whether the bucket is as full as a new one: only then may its origin's
  /// entry be forgotten without granting that origin more than --burst.
  /// Always true without --rate.
  bool full(steady_time now, const host_limits& limits);

private:
  /// Adds the tokens earned since the last count, up to --burst.
  void refill(steady_time now, const host_limits& limits);

  /// Negative until first used: a new bucket starts full.
  double tokens_ = -1;
  steady_time refilled_;
};

/// URLs waiting per origin (each origin's own queue), served round-robin
/// among the origins that may start a transfer: under --per-host, not
/// paused (Retry-After or an empty token bucket). `Item` is the caller's
/// record of a URL; the scheduler only queues it.
///
/// Pauses need a wake-up: the scheduler tells `wake_up(origin, wait)` and
/// expects `resume(origin, now)` after `wait`. An origin with nothing
/// waiting, nothing running, no pause and a full bucket is forgotten, so
/// memory stays bounded by the origins in use, not the origins ever seen.
template <class Item>
class host_scheduler {
public:
  using wake_up_function
    = std::function<void(const std::string& origin, std::chrono::nanoseconds)>;

  /// No origin was run on a worker group yet (see `started::last_group`).
  static constexpr size_t no_group = SIZE_MAX;

  /// A URL taken off its origin's queue to run now.
  struct started {
    std::string origin;
    Item item;
    /// The worker group that ran this origin last, or `no_group`: its
    /// connections to the origin may still be open.
    size_t last_group;
  };

  host_scheduler() = default;

  host_scheduler(host_limits limits, wake_up_function wake_up)
    : limits_(limits), wake_up_(std::move(wake_up)) {
  }

  /// Queues a URL of `origin`: last, or first when it ran before and goes
  /// again (a retry, a re-run after a crash) so it does not lose its turn.
  void enqueue(const std::string& origin, Item item, bool front,
               steady_time now) {
    auto& h = hosts_[origin];
    if (front)
      h.waiting.push_front(std::move(item));
    else
      h.waiting.push_back(std::move(item));
    waiting_ += 1;
    mark_ready(origin, h, now);
  }

  /// Takes the next URL that may start now and counts it as running: from
  /// the origin that has been ready longest, one URL per turn. Origins whose
  /// bucket turns out empty are paused on the way (and woken later). Empty
  /// if no origin may start anything now.
  std::optional<started> start_next(steady_time now) {
    while (!ready_.empty()) {
      auto origin = std::move(ready_.front());
      ready_.pop_front();
      auto& h = hosts_[origin];
      h.ready = false;
      if (paused(h, now) || h.waiting.empty())
        continue; // paused after it became ready; resume() brings it back
      if (!h.bucket.take(now, limits_)) {
        pause(origin, h, now, h.bucket.time_to_next(limits_));
        continue;
      }
      auto item = std::move(h.waiting.front());
      h.waiting.pop_front();
      waiting_ -= 1;
      h.running += 1;
      auto last_group = h.group;
      mark_ready(origin, h, now);
      return started{std::move(origin), std::move(item), last_group};
    }
    return std::nullopt;
  }

  /// Remembers the worker group `origin`'s latest transfer runs on.
  void ran_on(const std::string& origin, size_t group) {
    if (auto i = hosts_.find(origin); i != hosts_.end())
      i->second.group = group;
  }

  /// A transfer of `origin` ended: its slot is free again.
  void finished(const std::string& origin, steady_time now) {
    auto i = hosts_.find(origin);
    if (i == hosts_.end())
      return;
    auto& h = i->second;
    h.running -= 1;
    if (idle(h, now))
      hosts_.erase(i); // forget idle hosts: memory stays bounded
    else
      mark_ready(origin, h, now);
  }

  /// Retry-After: no request to `origin` for `wait` (a longer pause already
  /// set stays).
  void pause(const std::string& origin, std::chrono::nanoseconds wait,
             steady_time now) {
    pause(origin, hosts_[origin], now, wait);
  }

  /// A wake-up came: `origin` takes its turn again unless its pause was
  /// extended meanwhile (a later wake-up comes for that).
  void resume(const std::string& origin, steady_time now) {
    if (auto i = hosts_.find(origin); i != hosts_.end())
      mark_ready(origin, i->second, now);
  }

  /// Hands every waiting URL to `each` and forgets it, and every origin with
  /// nothing running: the run takes no new transfers (interrupt, no node).
  /// Running transfers stay counted, to be `finished` later.
  template <class F>
  void drop_waiting(F each) {
    for (auto& [origin, h] : hosts_)
      for (auto& item : h.waiting)
        each(item);
    for (auto i = hosts_.begin(); i != hosts_.end();) {
      if (i->second.running == 0) {
        i = hosts_.erase(i);
      } else {
        auto running = i->second.running;
        i->second = host{};
        i->second.running = running;
        ++i;
      }
    }
    ready_.clear();
    waiting_ = 0;
  }

  /// URLs queued and not started yet, across all origins.
  size_t waiting() const {
    return waiting_;
  }

  /// Transfers of `origin` running now.
  uint32_t running(const std::string& origin) const {
    auto i = hosts_.find(origin);
    return i == hosts_.end() ? 0 : i->second.running;
  }

  /// Origins the scheduler holds an entry for (tests: idle ones are gone).
  size_t known_hosts() const {
    return hosts_.size();
  }

private:
  /// URLs of one origin waiting to start, and how many of its transfers run.
  struct host {
    std::deque<Item> waiting;
    uint32_t running = 0;
    /// Whether the host is in `ready_`.
    bool ready = false;
    /// Retry-After or an empty token bucket: no request to this host before
    /// this time.
    steady_time paused_until;
    token_bucket bucket;
    /// The worker group that ran this host last: among equally full groups
    /// the supervisor gives it the host's next transfer (connection reuse).
    size_t group = no_group;
  };

  static bool paused(const host& h, steady_time now) {
    return h.paused_until > now;
  }

  void mark_ready(const std::string& origin, host& h, steady_time now) {
    if (!h.ready && !h.waiting.empty() && h.running < limits_.per_host
        && !paused(h, now)) {
      h.ready = true;
      ready_.push_back(origin);
    }
  }

  void pause(const std::string& origin, host& h, steady_time now,
             std::chrono::nanoseconds wait) {
    auto until = now + wait;
    if (until > h.paused_until) {
      h.paused_until = until;
      if (wake_up_)
        wake_up_(origin, wait);
    }
  }

  /// Whether a host's entry can go: nothing waits or runs, no pause, and its
  /// token bucket is full again (a new entry starts full).
  bool idle(host& h, steady_time now) {
    if (h.running > 0 || !h.waiting.empty() || paused(h, now))
      return false;
    return h.bucket.full(now, limits_);
  }

  host_limits limits_;
  wake_up_function wake_up_;
  std::unordered_map<std::string, host> hosts_;
  /// Origins with waiting URLs and a free per-host slot, in the order they
  /// became ready: served round-robin so no host blocks the others.
  std::deque<std::string> ready_;
  /// URLs queued and not started yet (across all hosts).
  size_t waiting_ = 0;
};

} // namespace fetchsum::detail
