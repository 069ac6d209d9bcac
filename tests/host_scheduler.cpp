#define CAF_SUITE host_scheduler
#include <caf/test/dsl.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "detail/host_scheduler.hpp"

using namespace std::chrono_literals;
using fetchsum::detail::host_limits;
using fetchsum::detail::host_scheduler;
using fetchsum::detail::steady_time;

namespace {

/// Replays what the supervisor does with a host scheduler, with URLs as
/// items ("a/1" is URL 1 of origin "a") and a clock that moves only when a
/// test says so. Wake-ups are delivered as the supervisor's delayed
/// resume_atom would be: when their time comes.
struct fixture {
  struct wake_up {
    std::string origin;
    steady_time due;
  };

  /// Any point on the clock: the scheduler must not assume it starts at 0.
  steady_time now = steady_time{} + 1h;
  std::vector<wake_up> wake_ups;
  /// Wake-ups asked for so far, oldest first (never cleared).
  std::vector<wake_up> asked;
  host_scheduler<std::string> hosts;
  /// URLs started and not finished, as the supervisor's `running`.
  std::vector<std::string> running;

  void limit(host_limits limits) {
    hosts = host_scheduler<std::string>{
      limits, [this](const std::string& origin, std::chrono::nanoseconds wait) {
        wake_ups.push_back({origin, now + wait});
        asked.push_back({origin, now + wait});
      }};
  }

  fixture() {
    limit(host_limits{});
  }

  static std::string origin_of(const std::string& url) {
    return url.substr(0, url.find('/'));
  }

  void enqueue(std::vector<std::string> urls, bool front = false) {
    for (auto& url : urls)
      hosts.enqueue(origin_of(url), url, front, now);
  }

  /// The supervisor's dispatch: starts URLs while fewer than `capacity` run
  /// in all; returns those it started, in order.
  std::vector<std::string> dispatch(size_t capacity = 1000) {
    std::vector<std::string> started;
    while (running.size() < capacity) {
      auto next = hosts.start_next(now);
      if (!next)
        break;
      CAF_CHECK_EQUAL(next->origin, origin_of(next->item));
      started.push_back(next->item);
      running.push_back(next->item);
    }
    return started;
  }

  /// A transfer ended.
  void finish(const std::string& url) {
    auto i = std::find(running.begin(), running.end(), url);
    CAF_REQUIRE(i != running.end());
    running.erase(i);
    hosts.finished(origin_of(url), now);
  }

  /// Lets time pass; wake-ups that fall due are delivered in order.
  void advance(std::chrono::nanoseconds d) {
    now += d;
    std::vector<wake_up> due;
    for (auto i = wake_ups.begin(); i != wake_ups.end();) {
      if (i->due <= now) {
        due.push_back(*i);
        i = wake_ups.erase(i);
      } else {
        ++i;
      }
    }
    for (auto& w : due)
      hosts.resume(w.origin, now);
  }

  using urls = std::vector<std::string>;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(host_scheduler_tests, fixture)

CAF_TEST(never more than the per-host cap of one origin runs) {
  limit(host_limits{2, 0, 1});
  enqueue({"a/0", "a/1", "a/2", "a/3", "b/0"});
  // Two for a, one for b: b is not stuck behind a's queue.
  CAF_CHECK_EQUAL(dispatch(), (urls{"a/0", "b/0", "a/1"}));
  CAF_CHECK_EQUAL(hosts.running("a"), 2u);
  CAF_CHECK_EQUAL(dispatch(), urls{});
  // Each finished transfer of a lets exactly one more of a start.
  finish("a/0");
  CAF_CHECK_EQUAL(dispatch(), urls{"a/2"});
  finish("b/0");
  CAF_CHECK_EQUAL(dispatch(), urls{});
  finish("a/1");
  CAF_CHECK_EQUAL(dispatch(), urls{"a/3"});
}

CAF_TEST(origins take turns in the order they became ready) {
  limit(host_limits{6, 0, 1});
  enqueue({"a/1", "a/2", "a/3", "b/1", "c/1", "c/2"});
  // One slot in all: an origin with many URLs must not go twice before the
  // others had their turn.
  urls order = dispatch(1);
  for (int i = 0; i < 5; ++i) {
    finish(order.back());
    auto next = dispatch(1);
    CAF_REQUIRE_EQUAL(next.size(), 1u);
    order.push_back(next[0]);
  }
  CAF_CHECK_EQUAL(order, (urls{"a/1", "b/1", "c/1", "a/2", "c/2", "a/3"}));
}

CAF_TEST(a URL queued in front goes before the others of its origin) {
  limit(host_limits{1, 0, 1});
  enqueue({"a/1", "a/2"});
  CAF_CHECK_EQUAL(dispatch(), urls{"a/1"});
  // a/1 failed and is tried again: it keeps its place at the head.
  finish("a/1");
  enqueue({"a/1"}, true);
  CAF_CHECK_EQUAL(dispatch(), urls{"a/1"});
}

CAF_TEST(the waiting count follows every URL in and out) {
  limit(host_limits{1, 0, 1});
  CAF_CHECK_EQUAL(hosts.waiting(), 0u);
  enqueue({"a/1", "a/2", "b/1"});
  CAF_CHECK_EQUAL(hosts.waiting(), 3u);
  dispatch(1);
  CAF_CHECK_EQUAL(hosts.waiting(), 2u);
  dispatch();
  CAF_CHECK_EQUAL(hosts.waiting(), 1u); // a/2 waits for a's one slot
  finish("a/1");
  enqueue({"a/1"}, true); // a retry counts as waiting again
  CAF_CHECK_EQUAL(hosts.waiting(), 2u);
  dispatch();
  CAF_CHECK_EQUAL(hosts.waiting(), 1u);
}

CAF_TEST(a pause holds back only its origin until the wake-up) {
  limit(host_limits{1, 0, 1});
  enqueue({"a/1", "a/2", "b/1", "b/2"});
  CAF_CHECK_EQUAL(dispatch(), (urls{"a/1", "b/1"}));
  // a answers with Retry-After: 5 s; its URL goes first when the pause ends.
  hosts.pause("a", 5s, now);
  finish("a/1");
  enqueue({"a/1"}, true);
  CAF_REQUIRE_EQUAL(wake_ups.size(), 1u);
  CAF_CHECK_EQUAL(wake_ups[0].origin, "a");
  CAF_CHECK(wake_ups[0].due == now + 5s);
  CAF_CHECK_EQUAL(dispatch(), urls{});
  // b carries on meanwhile.
  finish("b/1");
  CAF_CHECK_EQUAL(dispatch(), urls{"b/2"});
  // A wake-up that comes early changes nothing.
  hosts.resume("a", now + 4999ms);
  CAF_CHECK_EQUAL(hosts.start_next(now + 4999ms).has_value(), false);
  advance(4999ms);
  CAF_CHECK_EQUAL(dispatch(), urls{});
  advance(1ms);
  CAF_CHECK_EQUAL(dispatch(), urls{"a/1"});
}

CAF_TEST(a shorter pause does not cut a longer one short) {
  limit(host_limits{1, 0, 1});
  enqueue({"a/1"});
  hosts.pause("a", 10s, now);
  hosts.pause("a", 2s, now); // no new wake-up: the 10 s stand
  CAF_CHECK_EQUAL(asked.size(), 1u);
  advance(2s);
  CAF_CHECK_EQUAL(dispatch(), urls{});
  // A longer one extends it, with a wake-up of its own.
  hosts.pause("a", 20s, now);
  CAF_CHECK_EQUAL(asked.size(), 2u);
  advance(8s); // the first wake-up comes: still paused
  CAF_CHECK_EQUAL(dispatch(), urls{});
  advance(12s);
  CAF_CHECK_EQUAL(dispatch(), urls{"a/1"});
}

CAF_TEST(the token bucket admits the burst then exactly rate per second) {
  limit(host_limits{100, 2, 3}); // one token every 500 ms, 3 at once
  urls on_a;
  for (int i = 0; i < 10; ++i)
    on_a.push_back("a/" + std::to_string(i));
  enqueue(on_a);
  enqueue({"b/0"}); // another origin: its own bucket
  CAF_CHECK_EQUAL(dispatch(), (urls{"a/0", "b/0", "a/1", "a/2"}));
  // a's bucket is empty: paused until the next token, 500 ms on.
  CAF_REQUIRE_EQUAL(wake_ups.size(), 1u);
  CAF_CHECK(wake_ups[0].due == now + 500ms);
  advance(499ms);
  CAF_CHECK_EQUAL(dispatch(), urls{});
  advance(1ms);
  CAF_CHECK_EQUAL(dispatch(), urls{"a/3"});
  // From here exactly one per 500 ms: 6 more in 3 s.
  for (int i = 4; i < 10; ++i) {
    advance(499ms);
    CAF_CHECK_EQUAL(dispatch(), urls{});
    advance(1ms);
    CAF_CHECK_EQUAL(dispatch(), urls{"a/" + std::to_string(i)});
  }
  CAF_CHECK_EQUAL(hosts.waiting(), 0u);
}

CAF_TEST(tokens saved while idle make up at most the burst) {
  limit(host_limits{100, 2, 3});
  enqueue({"a/0"});
  dispatch();
  finish("a/0");
  // A minute of quiet earns 120 tokens, but the bucket holds 3.
  advance(60s);
  enqueue({"a/1", "a/2", "a/3", "a/4"});
  CAF_CHECK_EQUAL(dispatch(), (urls{"a/1", "a/2", "a/3"}));
}

CAF_TEST(idle origins are forgotten) {
  limit(host_limits{2, 0, 1});
  enqueue({"a/1", "a/2", "b/1"});
  dispatch();
  CAF_CHECK_EQUAL(hosts.known_hosts(), 2u);
  finish("a/1");
  CAF_CHECK_EQUAL(hosts.known_hosts(), 2u); // a/2 still runs
  finish("a/2");
  finish("b/1");
  CAF_CHECK_EQUAL(hosts.known_hosts(), 0u);
  // An origin that waits is kept, even with nothing running.
  enqueue({"c/1"});
  CAF_CHECK_EQUAL(hosts.known_hosts(), 1u);
}

CAF_TEST(a paused origin is not forgotten before its pause ends) {
  limit(host_limits{1, 0, 1});
  enqueue({"a/1"});
  dispatch();
  hosts.pause("a", 5s, now);
  finish("a/1"); // nothing waits or runs, but forgetting would lift the pause
  CAF_CHECK_EQUAL(hosts.known_hosts(), 1u);
  enqueue({"a/2"});
  CAF_CHECK_EQUAL(dispatch(), urls{});
  advance(5s);
  CAF_CHECK_EQUAL(dispatch(), urls{"a/2"});
  finish("a/2");
  CAF_CHECK_EQUAL(hosts.known_hosts(), 0u);
}

CAF_TEST(an origin is forgotten only once its token bucket is full again) {
  // Forgetting it earlier would give it a fresh, full bucket: more than
  // --burst at once.
  limit(host_limits{2, 1, 2}); // one token a second, 2 at once
  enqueue({"a/1", "a/2"});
  CAF_CHECK_EQUAL(dispatch(), (urls{"a/1", "a/2"}));
  finish("a/1");
  advance(1s);
  finish("a/2"); // one token back: not yet
  CAF_CHECK_EQUAL(hosts.known_hosts(), 1u);
  enqueue({"a/3", "a/4"});
  CAF_CHECK_EQUAL(dispatch(), urls{"a/3"});
  advance(1s);
  CAF_CHECK_EQUAL(dispatch(), urls{"a/4"});
  finish("a/3");
  advance(2s);
  finish("a/4"); // two tokens back: full
  CAF_CHECK_EQUAL(hosts.known_hosts(), 0u);
}

CAF_TEST(the worker group an origin ran on last is remembered) {
  limit(host_limits{2, 0, 1});
  enqueue({"a/1", "a/2"});
  auto first = hosts.start_next(now);
  CAF_REQUIRE(first);
  CAF_CHECK_EQUAL(first->last_group, (host_scheduler<std::string>::no_group));
  hosts.ran_on("a", 3);
  auto second = hosts.start_next(now);
  CAF_REQUIRE(second);
  CAF_CHECK_EQUAL(second->last_group, 3u);
  // Once forgotten, the origin starts afresh.
  hosts.finished("a", now);
  hosts.finished("a", now);
  enqueue({"a/3"});
  auto third = hosts.start_next(now);
  CAF_REQUIRE(third);
  CAF_CHECK_EQUAL(third->last_group, (host_scheduler<std::string>::no_group));
}

CAF_TEST(dropping the waiting URLs keeps the running ones counted) {
  limit(host_limits{1, 0, 1});
  enqueue({"a/1", "a/2", "a/3", "b/1", "c/1"});
  CAF_CHECK_EQUAL(dispatch(2), (urls{"a/1", "b/1"}));
  urls dropped;
  hosts.drop_waiting([&](std::string& url) { dropped.push_back(url); });
  std::sort(dropped.begin(), dropped.end());
  CAF_CHECK_EQUAL(dropped, (urls{"a/2", "a/3", "c/1"}));
  CAF_CHECK_EQUAL(hosts.waiting(), 0u);
  CAF_CHECK_EQUAL(hosts.known_hosts(), 2u); // c had nothing running
  CAF_CHECK_EQUAL(hosts.running("a"), 1u);
  // Nothing starts any more; the running ones still end normally.
  finish("a/1");
  CAF_CHECK_EQUAL(dispatch(), urls{});
  finish("b/1");
  CAF_CHECK_EQUAL(hosts.known_hosts(), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
