// The cluster protocol with fake nodes, deterministic: the supervisor with
// worker groups (assignment, politeness across groups, node loss, late
// results, --node-wait), the node actor and the coordinator's cluster actor.
#define CAF_SUITE cluster
#include "tests/fixture.hpp"
#include "tests/fake_source.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <caf/exit_reason.hpp>

#include "actors/cluster.hpp"
#include "actors/node.hpp"
#include "actors/supervisor.hpp"

using namespace fetchsum;

// Actors below that need no argument still take an int: CAF 0.17.6 binds a
// null argument tuple for a function without any, which UBSan reports.

namespace {

// -- fake members of worker groups ---------------------------------------------

/// What the fakes saw; owned by the fixture.
struct seen_by_fakes {
  /// Every fetch_order, with the fetcher that received it.
  std::vector<std::pair<caf::actor_addr, fetch_order>> orders;
  std::vector<url_result> results;
  std::vector<input_end> ends;
  /// Members that were told to exit, and why.
  std::vector<std::pair<caf::actor_addr, caf::error>> exits;
};

/// Records an exit message before dying of it, so tests see who stopped whom.
template <class Self>
void record_exits(Self* self, seen_by_fakes* seen) {
  self->set_exit_handler([=](caf::exit_msg& msg) {
    seen->exits.emplace_back(self->address(), msg.reason);
    self->quit(msg.reason);
  });
}

fetcher_actor::behavior_type member_fetcher(fetcher_actor::pointer self,
                                            seen_by_fakes* seen) {
  record_exits(self, seen);
  return {
    [=](fetch_order& order) {
      seen->orders.emplace_back(self->address(), std::move(order));
    },
    [](const chunk_ack&) {},
    [](cancel_atom, uint64_t) {},
  };
}

hasher_actor::behavior_type member_hasher(hasher_actor::pointer self,
                                          seen_by_fakes* seen) {
  record_exits(self, seen);
  return {
    [](const body_chunk&) {},
    [](const transfer_done&) {},
    [](cancel_atom, uint64_t) {},
  };
}

aggregator_actor::behavior_type recording_aggregator(aggregator_actor::pointer,
                                                     seen_by_fakes* seen) {
  return {
    [=](url_result& result) { seen->results.push_back(std::move(result)); },
    [=](input_end& end) { seen->ends.push_back(end); },
    [](caf::flush_atom) {},
    [](await_atom) { return run_summary{}; },
    [](caf::get_atom) { return record_counts{}; },
  };
}

struct fixture : test::fixture {
  seen_by_fakes seen;
  supervisor_actor sup;

  // The base's teardown still fires timers: a --node-wait left on the clock
  // would abandon the run and record into `seen` after it is gone.
  ~fixture() {
    if (sup)
      caf::anon_send_exit(sup, caf::exit_reason::kill);
    sched.run();
  }

  /// A coordinator's supervisor without local workers.
  void start_coordinator(std::vector<std::string> urls, uint32_t per_host,
                         std::chrono::milliseconds node_wait
                         = std::chrono::seconds(30)) {
    supervisor_settings settings;
    settings.per_host = per_host;
    settings.retries = 0;
    settings.random_seed = 7;
    settings.remote_workers = true;
    settings.node_wait = node_wait;
    supervisor_children unused; // no local group
    auto src = sys.spawn(test::fake_source, std::move(urls));
    auto agg = sys.spawn(recording_aggregator, &seen);
    sup = sys.spawn(supervisor, settings, unused, src, agg);
    sched.run();
    self->send(sup, start_atom_v);
    sched.run();
  }

  /// A node's group: one fetcher, one hasher.
  worker_group make_group(const std::string& node, uint32_t capacity) {
    worker_group group;
    group.fetchers.push_back(sys.spawn(member_fetcher, &seen));
    group.hashers.push_back(sys.spawn(member_hasher, &seen));
    group.capacity = capacity;
    group.node = node;
    return group;
  }

  worker_group join(const std::string& node, uint32_t capacity) {
    auto group = make_group(node, capacity);
    self->send(sup, join_atom_v, group);
    sched.run();
    return group;
  }

  /// The transfer ids ordered from one group's fetcher so far.
  std::vector<uint64_t> orders_of(const worker_group& group) {
    std::vector<uint64_t> ids;
    for (auto& [fetcher, order] : seen.orders)
      if (fetcher == group.fetchers[0].address())
        ids.push_back(order.transfer_id);
    return ids;
  }

  void finish(uint64_t transfer_id) {
    hash_result result;
    result.transfer_id = transfer_id;
    result.digests.push_back(digest_value{"sha512", {1, 2, 3}});
    result.report.http_status = 200;
    self->send(sup, result);
    sched.run();
  }

  /// The node of `group` is lost as CAF reports it: its proxies go down.
  void lose(const worker_group& group) {
    for (auto& f : group.fetchers)
      caf::anon_send_exit(f, caf::exit_reason::remote_link_unreachable);
    for (auto& h : group.hashers)
      caf::anon_send_exit(h, caf::exit_reason::remote_link_unreachable);
    sched.run();
  }

  static std::vector<std::string> urls_of_host(const std::string& host,
                                               size_t n) {
    std::vector<std::string> urls;
    for (size_t i = 0; i < n; ++i)
      urls.push_back("http://" + host + ":8080/doc/" + std::to_string(i));
    return urls;
  }

  /// Every URL has exactly one record.
  void check_one_record_each(size_t urls) {
    std::set<uint64_t> seqs;
    for (auto& r : seen.results)
      seqs.insert(r.url_seq);
    CAF_CHECK_EQUAL(seen.results.size(), urls);
    CAF_CHECK_EQUAL(seqs.size(), urls);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_tests, fixture)

CAF_TEST(nothing is fetched before a node joins) {
  start_coordinator(urls_of_host("127.0.0.1", 3), 2);
  CAF_CHECK(seen.orders.empty());
  CAF_CHECK(seen.results.empty());
}

CAF_TEST(per host cap holds across groups and bodies stay in their group) {
  // Ten URLs of one host, two nodes with room for 8 each: the host still
  // gets at most --per-host transfers at once, whichever nodes run them.
  start_coordinator(urls_of_host("127.0.0.1", 10), 3);
  auto a = join("a:1", 8);
  auto b = join("b:1", 8);
  CAF_CHECK_EQUAL(seen.orders.size(), 3u);
  // a joined first and took what the host allowed.
  CAF_CHECK_EQUAL(orders_of(a).size(), 3u);
  for (auto& [fetcher, order] : seen.orders) {
    auto& group = fetcher == a.fetchers[0].address() ? a : b;
    CAF_CHECK_EQUAL(order.hasher,
                    caf::actor_cast<caf::actor>(group.hashers[0]));
  }
  for (size_t i = 0; i < 10; ++i) {
    auto id = seen.orders[i].second.transfer_id;
    finish(id);
    auto running = seen.orders.size() - (i + 1);
    CAF_CHECK_LESS_OR_EQUAL(running, 3u);
  }
  check_one_record_each(10);
  // Freed slots went to the emptier group: both carried part of the host.
  CAF_CHECK_GREATER(orders_of(b).size(), 0u);
  CAF_REQUIRE_EQUAL(seen.ends.size(), 1u);
  CAF_CHECK_EQUAL(seen.ends[0].nodes, node_counts{});
}

CAF_TEST(equally full groups keep a host where it ran) {
  std::vector<std::string> urls = urls_of_host("127.0.0.1", 4);
  start_coordinator(urls, 1);
  auto a = join("a:1", 4);
  auto b = join("b:1", 4);
  // One transfer at a time (per-host 1): each time both groups are empty,
  // and the host stays with a, whose connection is open.
  for (int i = 0; i < 4; ++i)
    finish(seen.orders.back().second.transfer_id);
  CAF_CHECK_EQUAL(orders_of(a).size(), 4u);
  CAF_CHECK_EQUAL(orders_of(b).size(), 0u);
}

CAF_TEST(hosts spread over groups by free room) {
  start_coordinator(test::distinct_hosts(4), 1);
  auto a = join("a:1", 2);
  auto b = join("b:1", 2);
  // a took what it could when it joined alone; b gets the rest.
  CAF_CHECK_EQUAL(orders_of(a).size(), 2u);
  CAF_CHECK_EQUAL(orders_of(b).size(), 2u);
}

CAF_TEST(transfers of a lost node run again elsewhere and late results drop) {
  start_coordinator(test::distinct_hosts(4), 1);
  auto a = join("a:1", 2);
  auto b = join("b:1", 2);
  auto lost_ids = orders_of(a);
  CAF_REQUIRE_EQUAL(lost_ids.size(), 2u);
  lose(a);
  // b is full: nothing new yet; the lost URLs wait for room.
  CAF_CHECK_EQUAL(seen.orders.size(), 4u);
  for (auto id : orders_of(b))
    finish(id);
  auto rerun = orders_of(b);
  CAF_REQUIRE_EQUAL(rerun.size(), 4u);
  // A node that comes back after a partition may still deliver its result:
  // dropped, never a second record.
  finish(lost_ids[0]);
  CAF_CHECK_EQUAL(seen.results.size(), 2u);
  finish(rerun[2]);
  finish(rerun[3]);
  check_one_record_each(4);
  for (auto& r : seen.results)
    CAF_CHECK_EQUAL(r.attempts, 1u); // a node loss is no attempt
  CAF_REQUIRE_EQUAL(seen.ends.size(), 1u);
  CAF_CHECK_EQUAL(seen.ends[0].nodes.lost, 1u);
  CAF_CHECK_EQUAL(seen.ends[0].nodes.reruns, 2u);
  CAF_CHECK_EQUAL(seen.ends[0].nodes.late_results, 1u);
}

CAF_TEST(a stopped node is a lost node) {
  // SIGTERM on a node ends its workers normally: no crash, no attempt, and
  // no error context to look into (a normal exit has none).
  start_coordinator(urls_of_host("127.0.0.1", 2), 2);
  auto a = join("a:1", 2);
  for (auto& f : a.fetchers)
    caf::anon_send_exit(f, caf::exit_reason::normal);
  for (auto& h : a.hashers)
    caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  sched.run();
  auto b = join("b:1", 2);
  for (auto id : orders_of(b))
    finish(id);
  check_one_record_each(2);
  for (auto& r : seen.results)
    CAF_CHECK_EQUAL(r.attempts, 1u);
  CAF_REQUIRE_EQUAL(seen.ends.size(), 1u);
  CAF_CHECK_EQUAL(seen.ends[0].nodes.lost, 1u);
  CAF_CHECK_EQUAL(seen.ends[0].nodes.reruns, 2u);
}

CAF_TEST(a crashed worker on a live node counts as a crash) {
  start_coordinator(urls_of_host("127.0.0.1", 1), 1);
  auto a = join("a:1", 1);
  caf::anon_send_exit(a.hashers[0], caf::exit_reason::kill);
  sched.run();
  // The group is gone; its other member is told to stop.
  auto stopped = std::count_if(seen.exits.begin(), seen.exits.end(),
                               [&](auto& x) {
                                 return x.first == a.fetchers[0].address();
                               });
  CAF_CHECK_EQUAL(stopped, 1);
  auto b = join("a:1", 1);
  auto ids = orders_of(b);
  CAF_REQUIRE_EQUAL(ids.size(), 1u);
  finish(ids[0]);
  CAF_REQUIRE_EQUAL(seen.results.size(), 1u);
  CAF_CHECK_EQUAL(seen.results[0].attempts, 2u);
  CAF_CHECK_EQUAL(seen.results[0].earlier.size(), 1u);
  CAF_CHECK_EQUAL(seen.ends[0].nodes.lost, 0u);
}

CAF_TEST(no node within node wait ends every URL as no_node) {
  start_coordinator(urls_of_host("127.0.0.1", 3), 2, std::chrono::seconds(5));
  sched.advance_time(std::chrono::milliseconds(4999));
  sched.run();
  CAF_CHECK(seen.results.empty());
  sched.advance_time(std::chrono::milliseconds(1));
  sched.run();
  check_one_record_each(3);
  for (auto& r : seen.results)
    CAF_CHECK_EQUAL(r.report.error, error_kind::no_node);
  CAF_CHECK_EQUAL(seen.ends.size(), 1u);
}

CAF_TEST(a node joining within node wait saves the run) {
  start_coordinator(urls_of_host("127.0.0.1", 2), 2, std::chrono::seconds(5));
  auto a = join("a:1", 4);
  lose(a); // the wait starts again
  sched.advance_time(std::chrono::seconds(4));
  sched.run();
  auto b = join("b:1", 4);
  sched.advance_time(std::chrono::seconds(2)); // both waits are stale now
  sched.run();
  CAF_CHECK(seen.results.empty());
  for (auto id : orders_of(b))
    finish(id);
  check_one_record_each(2);
  for (auto& r : seen.results)
    CAF_CHECK_EQUAL(r.report.error, error_kind::none);
}

CAF_TEST(an abandoned run reads the rest of the list and ends) {
  // More than one pull's worth: URLs still in the list end as no_node too.
  start_coordinator(urls_of_host("127.0.0.1", 3000), 2,
                    std::chrono::seconds(1));
  sched.advance_time(std::chrono::seconds(1));
  sched.run();
  check_one_record_each(3000);
  CAF_CHECK_EQUAL(seen.ends.size(), 1u);
  CAF_CHECK(seen.orders.empty());
}

CAF_TEST(a resume runs where its digest state is or starts over elsewhere) {
  start_coordinator(test::distinct_hosts(2), 1);
  auto a = join("a:1", 2);
  auto b = join("b:1", 2);
  auto on_a = orders_of(a);
  CAF_REQUIRE_EQUAL(on_a.size(), 2u); // a joined alone first: both there
  // The first URL breaks after 1000 bytes; a's hasher keeps the state.
  auto broken = [](uint64_t id, uint64_t offset, uint64_t resumed_from) {
    hash_result result;
    result.transfer_id = id;
    result.report.error = error_kind::truncated;
    result.report.if_range = "\"v\"";
    result.report.resumable = true;
    result.report.resumed_from = resumed_from;
    result.resumable_offset = offset;
    return result;
  };
  self->send(sup, broken(on_a[0], 1000, 0));
  sched.run();
  sched.advance_time(std::chrono::seconds(1));
  sched.run();
  // b is emptier (0 of 2 against 1 of 2), yet the resume goes to a: the
  // digest state cannot leave a's hasher.
  CAF_REQUIRE_EQUAL(orders_of(a).size(), 3u);
  CAF_CHECK(orders_of(b).empty());
  auto resume = seen.orders.back().second;
  CAF_CHECK_EQUAL(resume.resume_of, on_a[0]);
  CAF_CHECK_EQUAL(resume.resume_offset, 1000u);
  CAF_CHECK_EQUAL(resume.hasher, caf::actor_cast<caf::actor>(a.hashers[0]));
  // It breaks again, and node a is lost while the URL waits: its next
  // attempt starts from byte 0 on b.
  self->send(sup, broken(resume.transfer_id, 2000, 1000));
  sched.run();
  lose(a);
  sched.advance_time(std::chrono::seconds(1));
  sched.run();
  auto& last = seen.orders.back();
  CAF_CHECK_EQUAL(last.first, b.fetchers[0].address());
  CAF_CHECK_EQUAL(last.second.url, resume.url);
  CAF_CHECK_EQUAL(last.second.resume_of, no_transfer);
  CAF_CHECK_EQUAL(last.second.hasher, caf::actor_cast<caf::actor>(b.hashers[0]));
}

CAF_TEST_FIXTURE_SCOPE_END()

// -- the node actor -------------------------------------------------------------

namespace {

struct node_fixture : test::fixture {
  seen_by_fakes seen;
  std::vector<std::string> log;
  std::vector<fetcher_actor> spawned_fetchers;
  std::vector<hasher_actor> spawned_hashers;
  std::vector<worker_settings> settings_seen;

  node_actor spawn_node(uint32_t fetchers, uint32_t hashers,
                        uint32_t capacity) {
    node_settings settings;
    settings.fetchers = fetchers;
    settings.hashers = hashers;
    settings.capacity = capacity;
    node_children children{
      [this](caf::actor_system& sys, const fetcher_settings& s) {
        settings_seen.push_back(worker_settings{s, {}});
        auto f = sys.spawn(member_fetcher, &seen);
        spawned_fetchers.push_back(f);
        return f;
      },
      [this](caf::actor_system& sys, const hasher_settings& s,
             result_sink_actor) {
        settings_seen.push_back(worker_settings{{}, s});
        auto h = sys.spawn(member_hasher, &seen);
        spawned_hashers.push_back(h);
        return h;
      }};
    auto n = sys.spawn(node, settings, children,
                       [this](const std::string& line) {
                         log.push_back(line);
                       });
    sched.run();
    return n;
  }

  worker_group join(node_actor n, worker_settings ws, result_sink_actor sink) {
    auto pending = self->request(n, caf::infinite, join_atom_v, std::move(ws),
                                 std::move(sink));
    sched.run();
    worker_group reply;
    pending.receive([&](worker_group& g) { reply = std::move(g); },
                    [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return reply;
  }
};

result_sink_actor::behavior_type silent_sink(int) {
  return {[](hash_result&) {}};
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(node_tests, node_fixture)

CAF_TEST(a join spawns a group with the coordinator settings) {
  auto n = spawn_node(2, 3, 40);
  auto sink = sys.spawn(silent_sink, 0);
  worker_settings run_settings;
  run_settings.fetcher.user_agent = "probe/1";
  run_settings.hasher.algorithms = {"sha256", "md5"};
  auto reply = join(n, run_settings, sink);
  CAF_CHECK_EQUAL(reply.fetchers.size(), 2u);
  CAF_CHECK_EQUAL(reply.hashers.size(), 3u);
  CAF_CHECK_EQUAL(reply.capacity, 40u);
  CAF_CHECK_EQUAL(reply.fetchers, spawned_fetchers);
  CAF_REQUIRE_EQUAL(settings_seen.size(), 5u);
  CAF_CHECK_EQUAL(settings_seen[0].fetcher.user_agent, "probe/1");
  CAF_CHECK_EQUAL(settings_seen[4].hasher.algorithms,
                  (std::vector<std::string>{"sha256", "md5"}));
  CAF_REQUIRE_EQUAL(log.size(), 1u);
  CAF_CHECK(log[0].find("joined") != std::string::npos);
}

CAF_TEST(a coordinator that goes takes its group along) {
  auto n = spawn_node(1, 1, 4);
  auto sink = sys.spawn(silent_sink, 0);
  join(n, worker_settings{}, sink);
  CAF_CHECK(seen.exits.empty());
  caf::anon_send_exit(sink, caf::exit_reason::remote_link_unreachable);
  sched.run();
  CAF_CHECK_EQUAL(seen.exits.size(), 2u);
  CAF_REQUIRE_EQUAL(log.size(), 2u);
  CAF_CHECK(log[1].find("left (link lost)") != std::string::npos);
}

CAF_TEST(a stopping node stops every group) {
  auto n = spawn_node(1, 1, 4);
  for (int i = 0; i < 2; ++i) {
    auto sink = sys.spawn(silent_sink, 0);
    join(n, worker_settings{}, sink);
  }
  caf::anon_send_exit(n, caf::exit_reason::user_shutdown);
  sched.run();
  CAF_CHECK_EQUAL(seen.exits.size(), 4u);
}

CAF_TEST_FIXTURE_SCOPE_END()

// -- the cluster actor ------------------------------------------------------------

namespace {

/// A fake node: answers joins with a group of fresh members.
struct fake_node_state {
  seen_by_fakes* seen = nullptr;
  uint32_t joins = 0;
  static inline const char* name = "fake_node";
};

node_actor::behavior_type
fake_node(node_actor::stateful_pointer<fake_node_state> self,
          seen_by_fakes* seen) {
  self->state.seen = seen;
  return {
    [=](join_atom, worker_settings&, result_sink_actor&) {
      self->state.joins += 1;
      worker_group group;
      group.fetchers.push_back(self->spawn(member_fetcher, seen));
      group.hashers.push_back(self->spawn(member_hasher, seen));
      group.capacity = 5;
      return group;
    },
  };
}

/// Stands in for CAF's middleman actor: "connects" to the fake node of a
/// port, or fails with the error the test put there.
struct fake_connector_state {
  std::map<uint16_t, node_actor> nodes;
  std::map<uint16_t, caf::error> refusals;
  static inline const char* name = "fake_connector";
};

caf::io::middleman_actor::behavior_type
fake_connector(caf::io::middleman_actor::stateful_pointer<fake_connector_state> self,
               int) {
  using result_t = caf::result<caf::node_id, caf::strong_actor_ptr,
                               std::set<std::string>>;
  auto unsupported = [] { return caf::make_error(caf::sec::invalid_argument); };
  return {
    [=](caf::publish_atom, uint16_t, caf::strong_actor_ptr&,
        std::set<std::string>&, std::string&,
        bool) -> caf::result<uint16_t> { return unsupported(); },
    [=](caf::open_atom, uint16_t, std::string&,
        bool) -> caf::result<uint16_t> { return unsupported(); },
    [=](caf::connect_atom, std::string&, uint16_t port) -> result_t {
      auto& st = self->state;
      if (auto i = st.refusals.find(port); i != st.refusals.end())
        return i->second;
      auto i = st.nodes.find(port);
      if (i == st.nodes.end())
        return caf::make_error(caf::sec::cannot_connect_to_node);
      return result_t{caf::node_id{},
                      caf::actor_cast<caf::strong_actor_ptr>(i->second),
                      std::set<std::string>{}};
    },
    [](caf::unpublish_atom, const caf::actor_addr&, uint16_t) {},
    [](caf::close_atom, uint16_t) {},
    [=](caf::spawn_atom, const caf::node_id&, std::string&,
        const caf::message&,
        std::set<std::string>&) -> caf::result<caf::strong_actor_ptr> {
      return unsupported();
    },
    [=](caf::get_atom, const caf::node_id&)
      -> caf::result<caf::node_id, std::string, uint16_t> {
      return unsupported();
    },
  };
}

/// Stands in for the coordinator's supervisor: keeps the groups it gets.
struct group_sink_state {
  std::vector<worker_group> groups;
  static inline const char* name = "group_sink";
};

supervisor_actor::behavior_type
group_sink(supervisor_actor::stateful_pointer<group_sink_state> self, int) {
  return {
    [](hash_result&) {},
    [=](join_atom, worker_group& g) {
      self->state.groups.push_back(std::move(g));
    },
    [](abandon_atom, uint64_t) {},
    [](start_atom) {},
    [](interrupt_atom) {},
    [](abort_atom) {},
    [](retry_atom, uint64_t) {},
    [](resume_atom, std::string&) {},
    [](caf::get_atom) { return admission_counts{}; },
  };
}

struct cluster_fixture : test::fixture {
  seen_by_fakes seen;
  std::vector<std::string> log;
  std::set<uint16_t> unreachable; // the probe fails for these ports
  caf::io::middleman_actor connector;
  supervisor_actor sink;

  cluster_actor under_test;

  cluster_fixture() {
    connector = sys.spawn(fake_connector, 0);
    sink = sys.spawn(group_sink, 0);
  }

  // A retry on the clock keeps the cluster actor alive: stop it, or the
  // system's shutdown waits for it forever.
  ~cluster_fixture() {
    if (under_test)
      caf::anon_send_exit(under_test, caf::exit_reason::user_shutdown);
    sched.run();
  }

  fake_connector_state& connector_state() {
    return deref<caf::io::middleman_actor::stateful_base<fake_connector_state>>(
             connector)
      .state;
  }

  std::vector<worker_group>& groups() {
    return deref<supervisor_actor::stateful_base<group_sink_state>>(sink)
      .state.groups;
  }

  cluster_actor start(std::vector<std::string> nodes) {
    cluster_settings settings;
    settings.nodes = std::move(nodes);
    settings.retry_interval = std::chrono::seconds(2);
    cluster_hooks hooks;
    hooks.probe = [this](const detail::endpoint& address) -> std::string {
      return unreachable.count(address.port) ? "Connection refused" : "";
    };
    hooks.connector = connector;
    hooks.log = [this](const std::string& line) { log.push_back(line); };
    under_test = sys.spawn(cluster, settings, worker_settings{}, sink, hooks);
    sched.run();
    return under_test;
  }

  bool logged(const std::string& text) {
    return std::any_of(log.begin(), log.end(), [&](auto& line) {
      return line.find(text) != std::string::npos;
    });
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_actor_tests, cluster_fixture)

CAF_TEST(every reachable node gives its group to the supervisor) {
  connector_state().nodes[7001] = sys.spawn(fake_node, &seen);
  connector_state().nodes[7002] = sys.spawn(fake_node, &seen);
  start({"10.0.0.1:7001", "10.0.0.2:7002"});
  CAF_REQUIRE_EQUAL(groups().size(), 2u);
  CAF_CHECK_EQUAL(groups()[0].node, "10.0.0.1:7001");
  CAF_CHECK_EQUAL(groups()[1].node, "10.0.0.2:7002");
  CAF_CHECK(logged("node 10.0.0.1:7001: joined (capacity 5)"));
}

CAF_TEST(a node down at the start is tried again until it answers) {
  unreachable.insert(7001);
  start({"10.0.0.1:7001"});
  CAF_CHECK(groups().empty());
  CAF_CHECK(logged("cannot connect: Connection refused; retrying every 2 s"));
  auto said = log.size();
  sched.advance_time(std::chrono::seconds(2));
  sched.run();
  CAF_CHECK_EQUAL(log.size(), said); // the same problem is said once
  unreachable.clear();
  connector_state().nodes[7001] = sys.spawn(fake_node, &seen);
  sched.advance_time(std::chrono::seconds(2));
  sched.run();
  CAF_CHECK_EQUAL(groups().size(), 1u);
}

CAF_TEST(a refused handshake is reported and retried) {
  connector_state().refusals[7001] = caf::make_error(
    caf::sec::incompatible_application_ids);
  start({"10.0.0.1:7001"});
  CAF_CHECK(groups().empty());
  CAF_CHECK(logged("another fetchsum version"));
}

CAF_TEST(a lost node is asked again when it comes back) {
  auto n = sys.spawn(fake_node, &seen);
  connector_state().nodes[7001] = n;
  start({"10.0.0.1:7001"});
  CAF_REQUIRE_EQUAL(groups().size(), 1u);
  caf::anon_send_exit(n, caf::exit_reason::remote_link_unreachable);
  sched.run();
  CAF_CHECK(logged("lost (link lost"));
  // It restarts: a new node actor behind the same address.
  connector_state().nodes[7001] = sys.spawn(fake_node, &seen);
  sched.advance_time(std::chrono::seconds(2));
  sched.run();
  CAF_CHECK_EQUAL(groups().size(), 2u);
}

CAF_TEST(a dead group on a live node is replaced) {
  auto n = sys.spawn(fake_node, &seen);
  connector_state().nodes[7001] = n;
  start({"10.0.0.1:7001"});
  CAF_REQUIRE_EQUAL(groups().size(), 1u);
  caf::anon_send_exit(groups()[0].hashers[0], caf::exit_reason::kill);
  sched.run();
  CAF_CHECK(logged("its workers died"));
  sched.advance_time(std::chrono::seconds(2));
  sched.run();
  CAF_CHECK_EQUAL(groups().size(), 2u);
}

CAF_TEST_FIXTURE_SCOPE_END()
