#define CAF_SUITE supervisor
#include "tests/fixture.hpp"
#include "tests/fake_source.hpp"

#include <algorithm>

#include "actors/supervisor.hpp"

using namespace fetchsum;
using test::distinct_hosts;
using test::fake_source;

namespace {

// -- fakes implementing the real interfaces ----------------------------------

/// What the fakes saw; owned by the fixture.
struct observations {
  std::vector<fetch_order> orders;
  std::vector<std::pair<fetcher_actor, uint64_t>> cancels;
  std::vector<std::pair<hasher_actor, uint64_t>> hasher_cancels;
  std::vector<url_result> results;
  std::vector<input_end> ends;
};

fetcher_actor::behavior_type fake_fetcher(fetcher_actor::pointer self,
                                          observations* seen) {
  return {
    [=](fetch_order& order) { seen->orders.push_back(order); },
    [=](const chunk_ack&) {},
    [=](cancel_atom, uint64_t transfer_id) {
      seen->cancels.emplace_back(caf::actor_cast<fetcher_actor>(self),
                                 transfer_id);
    },
  };
}

hasher_actor::behavior_type fake_hasher(hasher_actor::pointer self,
                                        observations* seen) {
  return {
    [](const body_chunk&) {},
    [](const transfer_done&) {},
    [=](cancel_atom, uint64_t id) {
      seen->hasher_cancels.emplace_back(caf::actor_cast<hasher_actor>(self), id);
    },
  };
}

aggregator_actor::behavior_type fake_aggregator(aggregator_actor::pointer,
                                                observations* seen) {
  return {
    [=](url_result& result) { seen->results.push_back(std::move(result)); },
    [=](input_end& end) { seen->ends.push_back(end); },
    [=](caf::flush_atom) {},
    [=](await_atom) { return run_summary{}; },
    [=](caf::get_atom) { return record_counts{}; },
  };
}

struct fixture : test::fixture {
  observations seen;
  std::vector<fetcher_actor> fetchers;
  std::vector<hasher_actor> hashers;

  /// Delivers what is pending, lets a back-off of at most `retry_delay`
  /// pass, and delivers the attempt that follows.
  void next_attempt(std::chrono::milliseconds retry_delay
                    = std::chrono::milliseconds(100)) {
    sched.run();
    sched.advance_time(retry_delay);
    sched.run();
  }

  supervisor_actor start(std::vector<std::string> urls,
                         supervisor_settings settings) {
    supervisor_children children{
      [this](caf::actor_system& sys) {
        auto f = sys.spawn(fake_fetcher, &seen);
        fetchers.push_back(f);
        return f;
      },
      [this](caf::actor_system& sys, result_sink_actor) {
        auto h = sys.spawn(fake_hasher, &seen);
        hashers.push_back(h);
        return h;
      }};
    auto src = sys.spawn(fake_source, std::move(urls));
    auto agg = sys.spawn(fake_aggregator, &seen);
    auto sup = sys.spawn(supervisor, settings, children, src, agg);
    sched.run();
    self->send(sup, start_atom_v);
    sched.run();
    return sup;
  }

  /// What a hasher reports for a finished transfer.
  static hash_result ok(uint64_t transfer_id) {
    hash_result result;
    result.transfer_id = transfer_id;
    result.digests.push_back(digest_value{"sha512", {1, 2, 3}});
    result.report.http_status = 200;
    return result;
  }

  static supervisor_settings caps(uint32_t concurrency, uint32_t per_host,
                                  uint32_t hashers = 1) {
    supervisor_settings settings;
    settings.concurrency = concurrency;
    settings.per_host = per_host;
    settings.fetchers = 1;
    settings.hashers = hashers;
    settings.retries = 0;
    settings.random_seed = 42;
    return settings;
  }

  /// What a hasher reports for a failed attempt.
  static hash_result failure(uint64_t transfer_id, error_kind kind,
                             uint32_t status = 0, uint64_t retry_after_ms = 0) {
    hash_result result;
    result.transfer_id = transfer_id;
    result.report.error = kind;
    result.report.http_status = status;
    result.report.retry_after_ms = retry_after_ms;
    result.report.message = "failed";
    return result;
  }

  /// What a hasher reports for an attempt that broke after the body had
  /// `offset` bytes in all (`resumed_from` of them from earlier attempts)
  /// and whose digest state it keeps.
  static hash_result broken(uint64_t transfer_id, uint64_t offset,
                            uint64_t resumed_from = 0) {
    hash_result result;
    result.transfer_id = transfer_id;
    result.report.error = error_kind::truncated;
    result.report.http_status = resumed_from > 0 ? 206 : 200;
    result.report.message = "cut";
    result.report.bytes = offset;
    result.report.if_range = "\"v1\"";
    result.report.body_size = 5000;
    result.report.resumable = true;
    result.report.resumed_from = resumed_from;
    result.resumable_offset = offset;
    return result;
  }

  /// The transfer id of the latest attempt at `url`.
  uint64_t id(const std::string& url) const {
    for (auto i = seen.orders.rbegin(); i != seen.orders.rend(); ++i)
      if (i->url == url)
        return i->transfer_id;
    CAF_FAIL("no order for " << url);
    return 0;
  }

  /// Attempts ordered for a URL.
  size_t orders_for(const std::string& url) const {
    return static_cast<size_t>(
      std::count_if(seen.orders.begin(), seen.orders.end(),
                    [&](const fetch_order& o) { return o.url == url; }));
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(supervisor_tests, fixture)

CAF_TEST(never more than the global cap in flight) {
  auto sup = start(distinct_hosts(5), caps(2, 6));
  CAF_CHECK_EQUAL(seen.orders.size(), 2u);
  // Each finished transfer admits exactly one more.
  self->send(sup, ok(seen.orders[0].transfer_id));
  sched.run();
  CAF_CHECK_EQUAL(seen.orders.size(), 3u);
  CAF_CHECK_EQUAL(seen.results.size(), 1u);
  for (size_t i = 1; i < 5; ++i) {
    self->send(sup, ok(seen.orders[i].transfer_id));
    sched.run();
  }
  CAF_CHECK_EQUAL(seen.orders.size(), 5u);
  CAF_CHECK_EQUAL(seen.results.size(), 5u);
  CAF_REQUIRE_EQUAL(seen.ends.size(), 1u);
  CAF_CHECK_EQUAL(seen.ends[0].results, 5u);
  CAF_CHECK(!seen.ends[0].interrupted);
}

CAF_TEST(never more than the per-host cap in flight) {
  std::vector<std::string> urls;
  for (int i = 0; i < 4; ++i)
    urls.push_back("http://a.test/" + std::to_string(i));
  urls.push_back("http://b.test/0");
  auto sup = start(urls, caps(10, 2));
  // Two for a.test, one for b.test: b is not stuck behind a's queue.
  CAF_REQUIRE_EQUAL(seen.orders.size(), 3u);
  auto on_b = std::count_if(seen.orders.begin(), seen.orders.end(),
                            [](auto& o) { return o.url == "http://b.test/0"; });
  CAF_CHECK_EQUAL(on_b, 1);
  // http://A.TEST:80 is the same origin as http://a.test.
  self->send(sup, ok(0));
  sched.run();
  CAF_REQUIRE_EQUAL(seen.orders.size(), 4u);
  CAF_CHECK_EQUAL(seen.orders.back().url, "http://a.test/2");
}

CAF_TEST(hosts take turns in the order they became ready) {
  // One slot in all: a host with many URLs must not go twice before the
  // others had their turn.
  auto sup = start({"http://a.test/1", "http://a.test/2", "http://a.test/3",
                    "http://b.test/1", "http://c.test/1", "http://c.test/2"},
                   caps(1, 6));
  for (int i = 0; i < 5; ++i) {
    self->send(sup, ok(seen.orders.back().transfer_id));
    sched.run();
  }
  std::vector<std::string> order;
  for (auto& o : seen.orders)
    order.push_back(o.url);
  CAF_CHECK_EQUAL(order, (std::vector<std::string>{
                           "http://a.test/1", "http://b.test/1",
                           "http://c.test/1", "http://a.test/2",
                           "http://c.test/2", "http://a.test/3"}));
}

CAF_TEST(bad URLs get a record without being fetched) {
  auto sup = start({"not a url", "file:///etc/passwd", "http://ok.test/"},
                   caps(4, 4));
  CAF_REQUIRE_EQUAL(seen.orders.size(), 1u);
  CAF_CHECK_EQUAL(seen.orders[0].url, "http://ok.test/");
  CAF_REQUIRE_EQUAL(seen.results.size(), 2u);
  CAF_CHECK(seen.results[0].report.error == error_kind::bad_url);
  CAF_CHECK_EQUAL(seen.results[0].url_seq, 0u);
  CAF_CHECK(seen.results[1].report.error == error_kind::unsupported_scheme);
  CAF_CHECK_EQUAL(seen.results[1].url, "file:///etc/passwd");
  CAF_CHECK_EQUAL(seen.ends.size(), 0u);
  self->send(sup, ok(id("http://ok.test/")));
  sched.run();
  CAF_REQUIRE_EQUAL(seen.ends.size(), 1u);
  CAF_CHECK_EQUAL(seen.ends[0].results, 3u);
}

CAF_TEST(chunks of one transfer are routed to one hasher chosen by id) {
  start(distinct_hosts(6), caps(6, 1, 3));
  CAF_REQUIRE_EQUAL(hashers.size(), 3u);
  CAF_REQUIRE_EQUAL(seen.orders.size(), 6u);
  for (auto& order : seen.orders)
    CAF_CHECK_EQUAL(order.hasher,
                    caf::actor_cast<caf::actor>(hashers[order.transfer_id % 3]));
}

CAF_TEST(an unknown or repeated hash_result is ignored) {
  auto sup = start(distinct_hosts(2), caps(2, 1));
  self->send(sup, ok(0));
  self->send(sup, ok(0));
  self->send(sup, ok(99));
  sched.run();
  CAF_CHECK_EQUAL(seen.results.size(), 1u);
  CAF_CHECK_EQUAL(seen.ends.size(), 0u);
}

CAF_TEST(the transfers of a dead hasher run again on its replacement) {
  auto sup = start(distinct_hosts(4), caps(4, 1, 2));
  CAF_REQUIRE_EQUAL(seen.orders.size(), 4u);
  // Hasher 1 serves transfers 1 and 3.
  self->send_exit(hashers[1], caf::exit_reason::kill);
  sched.run();
  CAF_CHECK_EQUAL(hashers.size(), 3u); // a replacement was spawned
  CAF_CHECK_EQUAL(seen.results.size(), 0u);
  // The fetcher stops feeding the dead hasher...
  CAF_CHECK_EQUAL(seen.cancels.size(), 2u);
  // ...and both URLs run again under new transfer ids.
  CAF_REQUIRE_EQUAL(seen.orders.size(), 6u);
  CAF_CHECK_EQUAL(orders_for(seen.orders[1].url), 2u);
  CAF_CHECK_EQUAL(orders_for(seen.orders[3].url), 2u);
  CAF_CHECK_GREATER_OR_EQUAL(seen.orders[4].transfer_id, 4u);
  // Late reports of the dead transfers make no records.
  self->send(sup, ok(1));
  self->send(sup, ok(3));
  sched.run();
  CAF_CHECK_EQUAL(seen.results.size(), 0u);
  for (auto i : {0, 2, 4, 5})
    self->send(sup, ok(seen.orders[i].transfer_id));
  sched.run();
  CAF_REQUIRE_EQUAL(seen.results.size(), 4u);
  for (auto& result : seen.results) {
    CAF_CHECK(result.report.error == error_kind::none);
    CAF_CHECK_EQUAL(result.attempts,
                    (result.url_seq == 1 || result.url_seq == 3) ? 2u : 1u);
  }
  CAF_REQUIRE_EQUAL(seen.ends.size(), 1u);
  CAF_CHECK_EQUAL(seen.ends[0].results, 4u);
}

CAF_TEST(a URL that keeps killing actors ends as internal) {
  auto settings = caps(1, 1, 1);
  settings.max_crashes = 1;
  // Keep the handle: an actor nobody refers to is gone.
  auto sup = start({"http://a.test/poison"}, settings);
  self->send_exit(hashers.back(), caf::exit_reason::kill);
  sched.run();
  CAF_CHECK_EQUAL(orders_for("http://a.test/poison"), 2u); // one re-run
  self->send_exit(hashers.back(), caf::exit_reason::kill);
  sched.run();
  CAF_CHECK_EQUAL(orders_for("http://a.test/poison"), 2u); // budget spent
  CAF_REQUIRE_EQUAL(seen.results.size(), 1u);
  CAF_CHECK(seen.results[0].report.error == error_kind::internal);
  CAF_CHECK_EQUAL(seen.results[0].attempts, 2u);
  CAF_CHECK_EQUAL(seen.ends.size(), 1u);
  self->send_exit(sup, caf::exit_reason::user_shutdown);
}

CAF_TEST(only the transfer a hasher died of uses up its crash budget) {
  auto settings = caps(2, 2, 1);
  settings.max_crashes = 0;
  auto sup = start({"http://a.test/poison", "http://a.test/innocent"},
                   settings);
  CAF_REQUIRE_EQUAL(seen.orders.size(), 2u);
  // The hasher names the transfer it was handling when it threw.
  auto culprit = id("http://a.test/poison");
  self->send_exit(hashers.back(),
                  caf::make_error(caf::sec::runtime_error, std::string{"boom"},
                                  culprit));
  sched.run();
  CAF_REQUIRE_EQUAL(seen.results.size(), 1u);
  CAF_CHECK_EQUAL(seen.results[0].url, "http://a.test/poison");
  CAF_CHECK(seen.results[0].report.error == error_kind::internal);
  // The bystander runs again at no cost to its budget.
  CAF_CHECK_EQUAL(orders_for("http://a.test/innocent"), 2u);
  self->send(sup, ok(id("http://a.test/innocent")));
  sched.run();
  CAF_REQUIRE_EQUAL(seen.results.size(), 2u);
  CAF_CHECK(seen.results[1].report.error == error_kind::none);
}

CAF_TEST(the transfers of a dead fetcher run again and hashers forget them) {
  auto sup = start(distinct_hosts(3), caps(2, 1));
  CAF_REQUIRE_EQUAL(seen.orders.size(), 2u);
  self->send_exit(fetchers[0], caf::exit_reason::kill);
  sched.run();
  CAF_CHECK_EQUAL(fetchers.size(), 2u);
  // The hashers drop the half-hashed bodies of transfers 0 and 1.
  CAF_CHECK_EQUAL(seen.hasher_cancels.size(), 2u);
  CAF_CHECK_EQUAL(seen.results.size(), 0u);
  // Both URLs ordered again, from the new fetcher.
  CAF_REQUIRE_EQUAL(seen.orders.size(), 4u);
  for (auto i : {2, 3})
    self->send(sup, ok(seen.orders[i].transfer_id));
  sched.run();
  CAF_REQUIRE_EQUAL(seen.orders.size(), 5u); // the third URL
  self->send(sup, ok(seen.orders[4].transfer_id));
  sched.run();
  CAF_CHECK_EQUAL(seen.results.size(), 3u);
  CAF_CHECK_EQUAL(seen.ends.size(), 1u);
}

CAF_TEST(interrupt admits nothing more and aborts after the grace) {
  auto settings = caps(2, 2);
  settings.grace = std::chrono::milliseconds(500);
  auto sup = start(distinct_hosts(5), settings);
  CAF_REQUIRE_EQUAL(seen.orders.size(), 2u);
  self->send(sup, interrupt_atom_v);
  sched.run();
  // One finishes within the grace: it keeps its real record.
  self->send(sup, ok(0));
  sched.run();
  CAF_CHECK_EQUAL(seen.orders.size(), 2u);
  CAF_CHECK_EQUAL(seen.ends.size(), 0u);
  sched.advance_time(std::chrono::milliseconds(499));
  sched.run();
  CAF_CHECK_EQUAL(seen.ends.size(), 0u);
  sched.advance_time(std::chrono::milliseconds(1));
  sched.run();
  CAF_REQUIRE_EQUAL(seen.results.size(), 2u);
  CAF_CHECK(seen.results[0].report.error == error_kind::none);
  CAF_CHECK(seen.results[1].report.error == error_kind::interrupted);
  CAF_REQUIRE_EQUAL(seen.ends.size(), 1u);
  CAF_CHECK(seen.ends[0].interrupted);
  CAF_CHECK_EQUAL(seen.ends[0].results, 2u);
}

CAF_TEST(an interrupt counts the URLs it drops before they started) {
  auto settings = caps(2, 2);
  settings.grace = std::chrono::milliseconds(500);
  auto sup = start(distinct_hosts(5), settings);
  CAF_REQUIRE_EQUAL(seen.orders.size(), 2u);
  self->send(sup, interrupt_atom_v);
  sched.run();
  sched.advance_time(std::chrono::milliseconds(500));
  sched.run();
  CAF_REQUIRE_EQUAL(seen.ends.size(), 1u);
  // 2 ran (and were interrupted), 3 waited: the whole list was read.
  CAF_CHECK_EQUAL(seen.ends[0].results, 2u);
  CAF_CHECK_EQUAL(seen.ends[0].never_started, 3u);
  CAF_CHECK(!seen.ends[0].list_unread);
}

CAF_TEST(an interrupt says when the rest of the list was not read) {
  std::vector<std::string> urls;
  for (int i = 0; i < 3000; ++i)
    urls.push_back("http://a.test/" + std::to_string(i));
  auto settings = caps(2, 2);
  settings.grace = std::chrono::milliseconds(500);
  auto sup = start(urls, settings);
  // The first pull takes 1024 URLs (the waiting cap), 2 of them start.
  CAF_REQUIRE_EQUAL(seen.orders.size(), 2u);
  self->send(sup, interrupt_atom_v);
  sched.run();
  self->send(sup, ok(seen.orders[0].transfer_id));
  sched.run();
  sched.advance_time(std::chrono::milliseconds(500));
  sched.run();
  CAF_REQUIRE_EQUAL(seen.ends.size(), 1u);
  CAF_CHECK_EQUAL(seen.ends[0].results, 2u);
  CAF_CHECK_EQUAL(seen.ends[0].never_started, 1022u);
  CAF_CHECK(seen.ends[0].list_unread);
  CAF_CHECK_EQUAL(seen.orders.size(), 2u);
}

CAF_TEST(transient failures are retried after a jittered backoff) {
  auto settings = caps(4, 4);
  settings.retries = 2;
  settings.retry_delay = std::chrono::milliseconds(100);
  const std::string url = "http://a.test/x";
  auto sup = start({url}, settings);
  CAF_REQUIRE_EQUAL(orders_for(url), 1u);
  // First failure: the next attempt comes within [0, 100 ms].
  self->send(sup, failure(id(url), error_kind::connect));
  sched.run();
  CAF_CHECK_EQUAL(seen.results.size(), 0u);
  sched.advance_time(std::chrono::milliseconds(100));
  sched.run();
  CAF_REQUIRE_EQUAL(orders_for(url), 2u);
  // Second failure: within [0, 200 ms].
  self->send(sup, failure(id(url), error_kind::http_status, 503));
  sched.run();
  sched.advance_time(std::chrono::milliseconds(200));
  sched.run();
  CAF_REQUIRE_EQUAL(orders_for(url), 3u);
  // Third failure: the budget of 2 retries is spent; one record, 3 attempts.
  self->send(sup, failure(id(url), error_kind::timeout));
  sched.run();
  sched.advance_time(std::chrono::seconds(10));
  sched.run();
  CAF_CHECK_EQUAL(orders_for(url), 3u);
  CAF_REQUIRE_EQUAL(seen.results.size(), 1u);
  CAF_CHECK(seen.results[0].report.error == error_kind::timeout);
  CAF_CHECK_EQUAL(seen.results[0].attempts, 3u);
  // The record keeps the history of the attempts before the last.
  CAF_REQUIRE_EQUAL(seen.results[0].earlier.size(), 2u);
  CAF_CHECK(seen.results[0].earlier[0].error == error_kind::connect);
  CAF_CHECK_EQUAL(seen.results[0].earlier[1].http_status, 503u);
  CAF_CHECK_EQUAL(seen.ends.size(), 1u);
}

CAF_TEST(backoff delays stay within the full-jitter bounds) {
  // Many URLs fail once each; every retry must come between 0 and 1 s, and
  // the random delays must not all be equal.
  auto settings = caps(50, 50);
  settings.retries = 1;
  settings.retry_delay = std::chrono::seconds(1);
  std::vector<std::string> urls;
  for (int i = 0; i < 40; ++i)
    urls.push_back("http://h" + std::to_string(i) + ".test/");
  auto sup = start(urls, settings);
  for (uint64_t i = 0; i < 40; ++i)
    self->send(sup, failure(i, error_kind::connect));
  sched.run();
  size_t retried = 0;
  std::vector<size_t> per_step;
  for (int step = 0; step < 10; ++step) {
    sched.advance_time(std::chrono::milliseconds(100));
    sched.run();
    auto now = seen.orders.size() - 40;
    per_step.push_back(now - retried);
    retried = now;
  }
  CAF_CHECK_EQUAL(retried, 40u); // all within 1 s
  auto busiest = *std::max_element(per_step.begin(), per_step.end());
  CAF_CHECK_LESS(busiest, 40u); // spread out, not one burst
}

CAF_TEST(permanent failures are not retried) {
  auto settings = caps(4, 4);
  settings.retries = 3;
  auto sup = start({"http://a.test/x", "http://a.test/y"}, settings);
  self->send(sup, failure(0, error_kind::http_status, 404));
  self->send(sup, failure(1, error_kind::tls));
  sched.run();
  sched.advance_time(std::chrono::seconds(60));
  sched.run();
  CAF_CHECK_EQUAL(seen.orders.size(), 2u);
  CAF_REQUIRE_EQUAL(seen.results.size(), 2u);
  CAF_CHECK_EQUAL(seen.results[0].attempts, 1u);
}

CAF_TEST(retry after pauses only its host) {
  auto settings = caps(10, 1);
  settings.retries = 3;
  auto sup = start({"http://a.test/1", "http://a.test/2", "http://b.test/1",
                    "http://b.test/2"},
                   settings);
  CAF_REQUIRE_EQUAL(seen.orders.size(), 2u); // a/1 and b/1
  // a.test asks for 5 s of quiet.
  self->send(sup, failure(0, error_kind::http_status, 503, 5000));
  sched.run();
  CAF_CHECK_EQUAL(seen.orders.size(), 2u); // a/2 is held back too
  // b.test carries on meanwhile.
  self->send(sup, ok(id("http://b.test/1")));
  sched.run();
  CAF_REQUIRE_EQUAL(seen.orders.size(), 3u);
  CAF_CHECK_EQUAL(seen.orders.back().url, "http://b.test/2");
  sched.advance_time(std::chrono::milliseconds(4999));
  sched.run();
  CAF_CHECK_EQUAL(seen.orders.size(), 3u);
  sched.advance_time(std::chrono::milliseconds(1));
  sched.run();
  // The pause is over: the retried URL goes first.
  CAF_REQUIRE_EQUAL(seen.orders.size(), 4u);
  CAF_CHECK_EQUAL(seen.orders.back().url, "http://a.test/1");
}

CAF_TEST(the elapsed time of a record spans every attempt and the pauses between) {
  auto settings = caps(4, 4);
  settings.retries = 1;
  auto sup = start({"http://a.test/1"}, settings);
  CAF_REQUIRE_EQUAL(seen.orders.size(), 1u);
  sched.advance_time(std::chrono::milliseconds(250)); // the first attempt
  self->send(sup, failure(0, error_kind::http_status, 503, 3000));
  sched.run();
  sched.advance_time(std::chrono::milliseconds(3000)); // Retry-After
  sched.run();
  CAF_REQUIRE_EQUAL(seen.orders.size(), 2u);
  sched.advance_time(std::chrono::milliseconds(40)); // the second attempt
  self->send(sup, ok(id("http://a.test/1")));
  sched.run();
  CAF_REQUIRE_EQUAL(seen.results.size(), 1u);
  CAF_CHECK_EQUAL(seen.results[0].elapsed_ms, 3290u);
}

CAF_TEST(retry after is capped by the maximum delay) {
  auto settings = caps(10, 1);
  settings.retries = 1;
  settings.retry_max_delay = std::chrono::seconds(2);
  auto sup = start({"http://a.test/1"}, settings);
  self->send(sup, failure(0, error_kind::http_status, 503, 3600 * 1000));
  sched.run();
  sched.advance_time(std::chrono::seconds(2));
  sched.run();
  CAF_CHECK_EQUAL(orders_for("http://a.test/1"), 2u);
}

CAF_TEST(a retry after beyond any timespan is capped too) {
  auto settings = caps(10, 1);
  settings.retries = 1;
  settings.retry_max_delay = std::chrono::seconds(2);
  auto sup = start({"http://a.test/1"}, settings);
  // Year 9999 in milliseconds from now: as nanoseconds beyond int64.
  self->send(sup, failure(0, error_kind::http_status, 503, 253'402'300'799'000));
  sched.run();
  sched.advance_time(std::chrono::seconds(1));
  sched.run();
  CAF_CHECK_EQUAL(orders_for("http://a.test/1"), 1u);
  sched.advance_time(std::chrono::seconds(1));
  sched.run();
  CAF_CHECK_EQUAL(orders_for("http://a.test/1"), 2u);
}

CAF_TEST(429 does not use up the retry budget but has a cap of its own) {
  auto settings = caps(10, 1);
  settings.retries = 0;
  settings.max_throttled = 2;
  auto sup = start({"http://a.test/1", "http://a.test/2"}, settings);
  // Two 429s with Retry-After: both retried although retries = 0.
  const std::string first = "http://a.test/1";
  for (int i = 0; i < 2; ++i) {
    self->send(sup, failure(id(first), error_kind::http_status, 429, 1000));
    sched.run();
    sched.advance_time(std::chrono::seconds(1));
    sched.run();
  }
  CAF_CHECK_EQUAL(orders_for(first), 3u);
  // A third one ends the URL; 3 attempts.
  self->send(sup, failure(id(first), error_kind::http_status, 429, 1000));
  sched.run();
  CAF_REQUIRE_EQUAL(seen.results.size(), 1u);
  CAF_CHECK_EQUAL(seen.results[0].attempts, 3u);
  CAF_CHECK_EQUAL(seen.results[0].report.http_status, 429u);
  // A 503 for the other URL is final at once: retries = 0.
  sched.advance_time(std::chrono::seconds(1));
  sched.run();
  self->send(sup, failure(id("http://a.test/2"), error_kind::http_status, 503));
  sched.run();
  CAF_CHECK_EQUAL(seen.results.size(), 2u);
}

CAF_TEST(the token bucket admits the burst then exactly rate per second) {
  auto settings = caps(100, 100);
  settings.rate = 2;  // one token every 500 ms
  settings.burst = 3;
  std::vector<std::string> urls;
  for (int i = 0; i < 10; ++i)
    urls.push_back("http://a.test/" + std::to_string(i));
  urls.push_back("http://b.test/0"); // another host: its own bucket
  start(urls, settings);
  auto on_a = [&] {
    return std::count_if(seen.orders.begin(), seen.orders.end(),
                         [](auto& o) { return o.url.find("a.test") != std::string::npos; });
  };
  CAF_CHECK_EQUAL(on_a(), 3); // the burst
  CAF_CHECK_EQUAL(seen.orders.size(), 4u); // b.test is not held back
  sched.advance_time(std::chrono::milliseconds(499));
  sched.run();
  CAF_CHECK_EQUAL(on_a(), 3);
  sched.advance_time(std::chrono::milliseconds(1));
  sched.run();
  CAF_CHECK_EQUAL(on_a(), 4);
  for (int i = 0; i < 6; ++i) {
    sched.advance_time(std::chrono::milliseconds(500));
    sched.run();
  }
  CAF_CHECK_EQUAL(on_a(), 10); // 3 + one per 500 ms
}

CAF_TEST(an interrupt records URLs waiting for a retry with their last outcome) {
  auto settings = caps(4, 4);
  settings.retries = 3;
  settings.grace = std::chrono::milliseconds(100);
  auto sup = start({"http://a.test/1"}, settings);
  self->send(sup, failure(0, error_kind::connect));
  sched.run();
  self->send(sup, interrupt_atom_v);
  sched.run();
  CAF_REQUIRE_EQUAL(seen.results.size(), 1u);
  CAF_CHECK(seen.results[0].report.error == error_kind::connect);
  CAF_REQUIRE_EQUAL(seen.ends.size(), 1u);
  CAF_CHECK(seen.ends[0].interrupted);
  // The backoff timer firing later changes nothing.
  sched.advance_time(std::chrono::seconds(10));
  sched.run();
  CAF_CHECK_EQUAL(seen.results.size(), 1u);
}

CAF_TEST(an order window admits nothing past it while the oldest URL runs) {
  auto settings = caps(100, 100);
  settings.order_window = 5;
  std::vector<std::string> urls;
  for (int i = 0; i < 1000; ++i)
    urls.push_back("http://h.test/" + std::to_string(i));
  auto sup = start(urls, settings);
  // Only the window is admitted, though the caps would allow 100.
  CAF_REQUIRE_EQUAL(seen.orders.size(), 5u);
  // URLs 1-4 finish: their records wait behind URL 0 in the aggregator, so
  // nothing new is admitted.
  for (uint64_t id = 1; id < 5; ++id)
    self->send(sup, ok(id));
  sched.run();
  CAF_CHECK_EQUAL(seen.orders.size(), 5u);
  CAF_CHECK_EQUAL(seen.results.size(), 4u);
  // The oldest finishes: the window moves on by five.
  self->send(sup, ok(0));
  sched.run();
  CAF_CHECK_EQUAL(seen.orders.size(), 10u);
  CAF_CHECK_EQUAL(seen.orders.back().url, "http://h.test/9");
}

CAF_TEST(records the journal has go straight to the aggregator in order) {
  auto settings = caps(10, 10);
  settings.order_window = 2;
  supervisor_children children{
    [this](caf::actor_system& sys) { return sys.spawn(fake_fetcher, &seen); },
    [this](caf::actor_system& sys, result_sink_actor) {
      return sys.spawn(fake_hasher, &seen);
    }};
  // A source whose one batch re-emits URL 0 from the journal and hands out
  // URL 1 to fetch.
  // (Spawned with an argument: CAF 0.17.6 binds a null argument tuple for a
  // function without any, which UBSan reports.)
  auto src = sys.spawn([](int) -> source_actor::behavior_type {
    return {[](pull_atom, uint32_t n) {
      CAF_CHECK_EQUAL(n, 2u); // asked for no more than the window
      url_batch batch;
      url_result earlier;
      earlier.url_seq = 0;
      earlier.url = "http://h.test/0";
      earlier.journaled = true;
      batch.journaled.push_back(earlier);
      batch.jobs.push_back(url_job{1, "http://h.test/1"});
      batch.last = true;
      return batch;
    }};
  }, 0);
  auto agg = sys.spawn(fake_aggregator, &seen);
  auto sup = sys.spawn(supervisor, settings, children, src, agg);
  sched.run();
  self->send(sup, start_atom_v);
  sched.run();
  CAF_REQUIRE_EQUAL(seen.results.size(), 1u);
  CAF_CHECK(seen.results[0].journaled);
  CAF_CHECK_EQUAL(seen.orders.size(), 1u);
  self->send(sup, ok(seen.orders[0].transfer_id));
  sched.run();
  CAF_REQUIRE_EQUAL(seen.ends.size(), 1u);
  CAF_CHECK_EQUAL(seen.ends[0].results, 2u);
  CAF_CHECK_EQUAL(seen.ends[0].from_journal, 1u);
}

// -- Range resume ----------------------------------------------------------------

CAF_TEST(a broken body resumes on the hasher that keeps its digest state) {
  // Three hashers: by id, the retry (transfer 1) would go to hasher 1.
  auto settings = caps(4, 4, 3);
  settings.retries = 0; // progress is free: no budget needed
  settings.retry_delay = std::chrono::milliseconds(100);
  const std::string url = "http://a.test/big.iso";
  auto sup = start({url}, settings);
  CAF_REQUIRE_EQUAL(seen.orders.size(), 1u);
  CAF_CHECK_EQUAL(seen.orders[0].resume_of, no_transfer);
  auto keeper = seen.orders[0].hasher; // hashers[0 % 3]
  self->send(sup, broken(0, 1000));
  sched.run();
  sched.advance_time(std::chrono::milliseconds(100));
  sched.run();
  CAF_REQUIRE_EQUAL(seen.orders.size(), 2u);
  auto& retry = seen.orders[1];
  CAF_CHECK_EQUAL(retry.transfer_id, 1u);
  CAF_CHECK_EQUAL(retry.hasher, keeper);
  CAF_CHECK_EQUAL(retry.resume_of, 0u);
  CAF_CHECK_EQUAL(retry.resume_offset, 1000u);
  CAF_CHECK_EQUAL(retry.if_range, "\"v1\"");
  CAF_CHECK_EQUAL(retry.resume_total, 5000u);
  // It completes: one record saying how much was resumed.
  auto done = ok(1);
  done.report.http_status = 206;
  done.report.bytes = 5000;
  done.report.resumed_from = 1000;
  self->send(sup, done);
  sched.run();
  CAF_REQUIRE_EQUAL(seen.results.size(), 1u);
  auto& record = seen.results[0];
  CAF_CHECK(record.report.error == error_kind::none);
  CAF_CHECK_EQUAL(record.resumed_bytes, 1000u);
  CAF_CHECK_EQUAL(record.attempts, 2u);
  CAF_REQUIRE_EQUAL(record.earlier.size(), 1u);
  CAF_CHECK(record.earlier[0].error == error_kind::truncated);
  CAF_CHECK_EQUAL(record.earlier[0].message, "cut (resuming at byte 1000)");
  // The state was used up by the resume: nothing to forget.
  CAF_CHECK(seen.hasher_cancels.empty());
}

CAF_TEST(a failure with nothing kept retries from byte 0 within the budget) {
  auto settings = caps(4, 4, 3);
  settings.retries = 1;
  settings.retry_delay = std::chrono::milliseconds(100);
  const std::string url = "http://a.test/x";
  auto sup = start({url}, settings);
  // No validator: the hasher kept nothing (resumable_offset 0).
  auto failed = broken(0, 1000);
  failed.resumable_offset = 0;
  failed.report.resumable = false;
  failed.report.if_range.clear();
  self->send(sup, failed);
  sched.run();
  sched.advance_time(std::chrono::milliseconds(100));
  sched.run();
  CAF_REQUIRE_EQUAL(seen.orders.size(), 2u);
  CAF_CHECK_EQUAL(seen.orders[1].resume_of, no_transfer);
  CAF_CHECK_EQUAL(seen.orders[1].resume_offset, 0u);
  // That was the one retry: the next failure ends the URL.
  failed.transfer_id = 1;
  self->send(sup, failed);
  sched.run();
  sched.advance_time(std::chrono::seconds(10));
  sched.run();
  CAF_CHECK_EQUAL(seen.orders.size(), 2u);
  CAF_REQUIRE_EQUAL(seen.results.size(), 1u);
  CAF_CHECK_EQUAL(seen.results[0].resumed_bytes, 0u);
}

CAF_TEST(a kept state is forgotten when its URL ends) {
  auto settings = caps(4, 4, 2);
  settings.retries = 0;
  settings.max_resumes = 0; // no free resume either: the URL ends here
  auto sup = start({"http://a.test/x"}, settings);
  auto keeper = seen.orders[0].hasher;
  self->send(sup, broken(0, 1000));
  sched.run();
  CAF_REQUIRE_EQUAL(seen.results.size(), 1u);
  CAF_CHECK(seen.results[0].report.error == error_kind::truncated);
  CAF_REQUIRE_EQUAL(seen.hasher_cancels.size(), 1u);
  CAF_CHECK_EQUAL(caf::actor_cast<caf::actor>(seen.hasher_cancels[0].first),
                  keeper);
  CAF_CHECK_EQUAL(seen.hasher_cancels[0].second, 0u);
}

CAF_TEST(resumes without progress use the budget and free ones are capped) {
  auto settings = caps(4, 4, 1);
  settings.retries = 1;
  settings.max_resumes = 2;
  settings.retry_delay = std::chrono::milliseconds(100);
  const std::string url = "http://a.test/x";
  auto sup = start({url}, settings);
  // Attempts 1 and 2 add bytes: free (the cap is 2).
  self->send(sup, broken(0, 1000));
  next_attempt();
  self->send(sup, broken(1, 2000, 1000));
  next_attempt();
  CAF_REQUIRE_EQUAL(orders_for(url), 3u);
  CAF_CHECK_EQUAL(seen.orders[2].resume_offset, 2000u);
  // Attempt 3 adds bytes too, but the free resumes are used up: the one
  // retry of the budget goes, still resuming.
  self->send(sup, broken(2, 3000, 2000));
  next_attempt();
  CAF_REQUIRE_EQUAL(orders_for(url), 4u);
  CAF_CHECK_EQUAL(seen.orders[3].resume_offset, 3000u);
  // Attempt 4 adds nothing and the budget is spent: the URL ends, and its
  // kept state is forgotten.
  self->send(sup, broken(3, 3000, 3000));
  next_attempt();
  CAF_CHECK_EQUAL(orders_for(url), 4u);
  CAF_REQUIRE_EQUAL(seen.results.size(), 1u);
  CAF_CHECK_EQUAL(seen.results[0].attempts, 4u);
  CAF_REQUIRE_EQUAL(seen.hasher_cancels.size(), 1u);
  CAF_CHECK_EQUAL(seen.hasher_cancels[0].second, 3u);
}

CAF_TEST(an attempt that starts again from byte 0 makes progress only past the furthest state) {
  auto settings = caps(4, 4, 1);
  settings.retries = 1;
  settings.retry_delay = std::chrono::milliseconds(100);
  const std::string url = "http://a.test/x";
  auto sup = start({url}, settings);
  self->send(sup, broken(0, 3000)); // progress: free
  next_attempt();
  CAF_REQUIRE_EQUAL(orders_for(url), 2u);
  // The server ignored the Range (a 200 from byte 0) and the link broke at
  // byte 1000: behind the furthest state, so the one retry of the budget.
  self->send(sup, broken(1, 1000));
  next_attempt();
  CAF_REQUIRE_EQUAL(orders_for(url), 3u);
  // Again from byte 0, again short of 3000: the budget is spent, the URL
  // ends (a server that never resumes costs --retries downloads).
  self->send(sup, broken(2, 2500));
  next_attempt();
  CAF_CHECK_EQUAL(orders_for(url), 3u);
  CAF_REQUIRE_EQUAL(seen.results.size(), 1u);
  CAF_CHECK_EQUAL(seen.results[0].attempts, 3u);
}

CAF_TEST(a resume refused by the server is tried again from byte 0) {
  auto settings = caps(4, 4, 1);
  settings.retries = 1;
  settings.retry_delay = std::chrono::milliseconds(100);
  const std::string url = "http://a.test/x";
  auto sup = start({url}, settings);
  self->send(sup, broken(0, 1000));
  sched.run();
  sched.advance_time(std::chrono::milliseconds(100));
  sched.run();
  CAF_REQUIRE_EQUAL(orders_for(url), 2u);
  // The 206 started elsewhere: bad_response, which alone is never retried.
  auto refused = failure(1, error_kind::bad_response, 206);
  refused.report.resumed_from = 1000;
  self->send(sup, refused);
  sched.run();
  sched.advance_time(std::chrono::milliseconds(100));
  sched.run();
  CAF_REQUIRE_EQUAL(orders_for(url), 3u);
  CAF_CHECK_EQUAL(seen.orders[2].resume_of, no_transfer);
  self->send(sup, ok(2));
  sched.run();
  CAF_REQUIRE_EQUAL(seen.results.size(), 1u);
  CAF_CHECK(seen.results[0].report.error == error_kind::none);
  CAF_CHECK_EQUAL(seen.results[0].resumed_bytes, 0u);
}

CAF_TEST(a state kept by a hasher that died is not resumed) {
  auto settings = caps(4, 4, 1);
  settings.retries = 0;
  settings.retry_delay = std::chrono::milliseconds(100);
  const std::string url = "http://a.test/x";
  auto sup = start({url}, settings);
  self->send(sup, broken(0, 1000));
  sched.run();
  // While the URL waits for its retry, its hasher dies and is replaced.
  self->send_exit(hashers[0], caf::exit_reason::kill);
  sched.run();
  CAF_REQUIRE_EQUAL(hashers.size(), 2u);
  sched.advance_time(std::chrono::milliseconds(100));
  sched.run();
  CAF_REQUIRE_EQUAL(orders_for(url), 2u);
  CAF_CHECK_EQUAL(seen.orders[1].resume_of, no_transfer);
  CAF_CHECK_EQUAL(seen.orders[1].hasher, caf::actor_cast<caf::actor>(hashers[1]));
}

CAF_TEST_FIXTURE_SCOPE_END()
