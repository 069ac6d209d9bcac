#define CAF_SUITE supervisor
#include "tests/fixture.hpp"

#include <algorithm>

#include "actors/supervisor.hpp"

using namespace fetchsum;

namespace {

// -- fakes implementing the real interfaces ----------------------------------

struct fake_source_state {
  std::vector<std::string> urls;
  size_t next = 0;
  static inline const char* name = "fake_source";
};

/// Hands out `urls` in batches of at most n, as the real source does.
source_actor::behavior_type
fake_source(source_actor::stateful_pointer<fake_source_state> self,
            std::vector<std::string> urls) {
  self->state.urls = std::move(urls);
  return {
    [=](pull_atom, uint32_t n) {
      auto& st = self->state;
      url_batch batch;
      while (batch.jobs.size() < n && st.next < st.urls.size()) {
        batch.jobs.push_back(url_job{st.next, st.urls[st.next]});
        ++st.next;
      }
      batch.last = st.next == st.urls.size();
      return batch;
    },
  };
}

/// What the fakes saw; owned by the fixture.
struct observations {
  std::vector<fetch_order> orders;
  std::vector<std::pair<fetcher_actor, uint64_t>> cancels;
  std::vector<url_result> results;
  std::vector<input_end> ends;
};

fetcher_actor::behavior_type fake_fetcher(fetcher_actor::pointer self,
                                          observations* seen) {
  return {
    [=](fetch_order& order) { seen->orders.push_back(order); },
    [=](const chunk_ack&) {},
    [=](cancel_atom, uint64_t seq) {
      seen->cancels.emplace_back(caf::actor_cast<fetcher_actor>(self), seq);
    },
  };
}

hasher_actor::behavior_type fake_hasher() {
  return {
    [](const body_chunk&) {},
    [](const transfer_done&) {},
  };
}

aggregator_actor::behavior_type fake_aggregator(aggregator_actor::pointer,
                                                observations* seen) {
  return {
    [=](url_result& result) { seen->results.push_back(std::move(result)); },
    [=](input_end& end) { seen->ends.push_back(end); },
    [=](caf::flush_atom) {},
    [=](await_atom) { return run_summary{}; },
  };
}

struct fixture : test::fixture {
  observations seen;
  std::vector<fetcher_actor> fetchers;
  std::vector<hasher_actor> hashers;

  supervisor_actor start(std::vector<std::string> urls,
                         supervisor_settings settings) {
    supervisor_children children{
      [this](caf::actor_system& sys) {
        auto f = sys.spawn(fake_fetcher, &seen);
        fetchers.push_back(f);
        return f;
      },
      [this](caf::actor_system& sys, result_sink_actor) {
        auto h = sys.spawn(fake_hasher);
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
  static hash_result ok(uint64_t seq) {
    hash_result result;
    result.seq = seq;
    result.digests.push_back(digest_value{"sha512", {1, 2, 3}});
    result.report.http_status = 200;
    return result;
  }

  static std::vector<std::string> distinct_hosts(size_t n) {
    std::vector<std::string> urls;
    for (size_t i = 0; i < n; ++i)
      urls.push_back("http://127.0.0." + std::to_string(i + 1) + ":8080/x");
    return urls;
  }

  static supervisor_settings caps(uint32_t concurrency, uint32_t per_host,
                                  uint32_t hashers = 1) {
    supervisor_settings settings;
    settings.concurrency = concurrency;
    settings.per_host = per_host;
    settings.fetchers = 1;
    settings.hashers = hashers;
    return settings;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(supervisor_tests, fixture)

CAF_TEST(never more than the global cap in flight) {
  auto sup = start(distinct_hosts(5), caps(2, 6));
  CAF_CHECK_EQUAL(seen.orders.size(), 2u);
  // Each finished transfer admits exactly one more.
  self->send(sup, ok(seen.orders[0].seq));
  sched.run();
  CAF_CHECK_EQUAL(seen.orders.size(), 3u);
  CAF_CHECK_EQUAL(seen.results.size(), 1u);
  for (size_t i = 1; i < 5; ++i) {
    self->send(sup, ok(seen.orders[i].seq));
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

CAF_TEST(bad URLs get a record without being fetched) {
  auto sup = start({"not a url", "file:///etc/passwd", "http://ok.test/"},
                   caps(4, 4));
  CAF_REQUIRE_EQUAL(seen.orders.size(), 1u);
  CAF_CHECK_EQUAL(seen.orders[0].url, "http://ok.test/");
  CAF_REQUIRE_EQUAL(seen.results.size(), 2u);
  CAF_CHECK(seen.results[0].report.error == error_kind::bad_url);
  CAF_CHECK_EQUAL(seen.results[0].seq, 0u);
  CAF_CHECK(seen.results[1].report.error == error_kind::unsupported_scheme);
  CAF_CHECK_EQUAL(seen.results[1].url, "file:///etc/passwd");
  CAF_CHECK_EQUAL(seen.ends.size(), 0u);
  self->send(sup, ok(2));
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
                    caf::actor_cast<caf::actor>(hashers[order.seq % 3]));
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

CAF_TEST(a dead hasher fails its transfers once and is replaced) {
  auto sup = start(distinct_hosts(4), caps(4, 1, 2));
  CAF_REQUIRE_EQUAL(seen.orders.size(), 4u);
  // Hasher 1 serves seqs 1 and 3.
  self->send_exit(hashers[1], caf::exit_reason::kill);
  sched.run();
  CAF_CHECK_EQUAL(hashers.size(), 3u); // a replacement was spawned
  CAF_REQUIRE_EQUAL(seen.results.size(), 2u);
  for (auto& result : seen.results) {
    CAF_CHECK(result.report.error == error_kind::internal);
    CAF_CHECK(result.seq == 1 || result.seq == 3);
  }
  // The fetcher is told to stop feeding the dead hasher.
  CAF_CHECK_EQUAL(seen.cancels.size(), 2u);
  // Late reports for the failed transfers do not make second records.
  self->send(sup, ok(1));
  self->send(sup, ok(0));
  self->send(sup, ok(2));
  sched.run();
  CAF_CHECK_EQUAL(seen.results.size(), 4u);
  CAF_REQUIRE_EQUAL(seen.ends.size(), 1u);
  CAF_CHECK_EQUAL(seen.ends[0].results, 4u);
}

CAF_TEST(a dead fetcher fails its transfers and is replaced) {
  auto sup = start(distinct_hosts(3), caps(2, 1));
  CAF_REQUIRE_EQUAL(seen.orders.size(), 2u);
  self->send_exit(fetchers[0], caf::exit_reason::kill);
  sched.run();
  CAF_CHECK_EQUAL(fetchers.size(), 2u);
  // Both running transfers failed; the third URL went to the new fetcher.
  CAF_CHECK_EQUAL(seen.results.size(), 2u);
  CAF_CHECK_EQUAL(seen.orders.size(), 3u);
  self->send(sup, ok(2));
  sched.run();
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

CAF_TEST_FIXTURE_SCOPE_END()
