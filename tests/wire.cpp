// Every message that crosses nodes survives serialization: as a struct, and
// as a whole caf::message, which is what BASP sends. The second form also
// fails when a type is missing from the type-ID block (CAF would then drop
// the message at run time and kill the sender).
#define CAF_SUITE wire
#include "tests/fixture.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/exit_reason.hpp>

using namespace fetchsum;

// Actors below that need no argument still take an int: CAF 0.17.6 binds a
// null argument tuple for a function without any, which UBSan reports.

namespace {

struct fixture : test::fixture {
  /// Serializing a handle registers its actor with the system for good:
  /// every actor a test spawns is told to exit at the end, or the system's
  /// shutdown would wait for it forever.
  std::vector<caf::actor> spawned;

  ~fixture() {
    for (auto& x : spawned)
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
    sched.run();
  }

  template <class Handle>
  Handle keep(Handle x) {
    spawned.push_back(caf::actor_cast<caf::actor>(x));
    return x;
  }

  template <class T>
  T round_trip(T value) {
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    if (auto err = sink(value))
      CAF_FAIL("cannot serialize: " << sys.render(err));
    T result;
    caf::binary_deserializer source{sys, buf};
    if (auto err = source(result))
      CAF_FAIL("cannot deserialize: " << sys.render(err));
    return result;
  }

  template <class... Ts>
  caf::message message_round_trip(Ts... xs) {
    auto msg = caf::make_message(std::move(xs)...);
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    if (auto err = sink(msg))
      CAF_FAIL("cannot serialize the message: " << sys.render(err));
    caf::message result;
    caf::binary_deserializer source{sys, buf};
    if (auto err = source(result))
      CAF_FAIL("cannot deserialize the message: " << sys.render(err));
    return result;
  }

  static transfer_report some_report() {
    transfer_report report;
    report.error = error_kind::http_status;
    report.message = "HTTP 503 Service Unavailable";
    report.http_status = 503;
    report.bytes = 1234567890123ull;
    report.final_url = "https://example.invalid/after?redirect=1";
    report.elapsed_ms = 42;
    report.retry_after_ms = 120000;
    report.etag = "W/\"abc\"";
    report.last_modified = "Wed, 21 Oct 2015 07:28:00 GMT";
    report.content_type = "application/x-tar";
    report.content_length = 1234567890123ll;
    report.http_version = "1.1";
    report.remote_ip = "2001:db8::1";
    report.remote_port = 8080;
    report.redirects = {"https://example.invalid/one", "https://example.invalid/two"};
    report.timings = transfer_timings{11, 22, 33, 44, 55};
    // Every field away from its default, so dropping one from inspect()
    // fails the round trips below.
    report.not_modified = true;
    report.if_range = "\"abc\"";
    report.body_size = 9876543210ull;
    report.resumable = true;
    report.resumed_from = 123456789ull;
    return report;
  }

  static worker_settings some_settings() {
    worker_settings ws;
    ws.fetcher.max_redirs = 3;
    ws.fetcher.connect_timeout = std::chrono::milliseconds(1500);
    ws.fetcher.max_time = std::chrono::milliseconds(0);
    ws.fetcher.stall_time = std::chrono::milliseconds(7000);
    ws.fetcher.insecure = true;
    ws.fetcher.user_agent = "fetchsum-test/9";
    ws.fetcher.headers = {"Authorization: Bearer x", "X-A: b"};
    ws.fetcher.max_size = uint64_t{1} << 40;
    ws.fetcher.chunk_size = 65536;
    ws.fetcher.window = 1 << 20;
    ws.fetcher.cacert = "/etc/ssl/ca.pem";
    ws.fetcher.allow_downgrade = true;
    ws.fetcher.user_password = "user:secret";
    ws.fetcher.netrc = true;
    ws.fetcher.netrc_file = "/home/u/.netrc";
    ws.fetcher.proxy = "http://127.0.0.1:3128";
    ws.fetcher.noproxy = "localhost,.test";
    ws.fetcher.client_cert = "/etc/client.pem";
    ws.fetcher.client_key = "/etc/client.key";
    ws.fetcher.resolve = {"a.test:443:127.0.0.1", "b.test:80:::1"};
    ws.fetcher.connect_to = {"a.test:443:127.0.0.2:8443"};
    ws.fetcher.ip_version = 6;
    ws.fetcher.max_recv_speed = 102400;
    ws.hasher.algorithms = {"sha256", "blake2b512"};
    ws.hasher.crash_marker = "BOOM";
    return ws;
  }
};

hasher_actor::behavior_type idle_hasher(int) {
  return {
    [](const body_chunk&) {},
    [](const transfer_done&) {},
    [](cancel_atom, uint64_t) {},
  };
}

fetcher_actor::behavior_type idle_fetcher(int) {
  return {
    [](const fetch_order&) {},
    [](const chunk_ack&) {},
    [](cancel_atom, uint64_t) {},
  };
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(wire_tests, fixture)

CAF_TEST(worker settings travel whole) {
  auto ws = some_settings();
  CAF_CHECK_EQUAL(round_trip(ws), ws);
  auto msg = message_round_trip(join_atom_v, ws);
  CAF_REQUIRE(msg.match_elements<join_atom, worker_settings>());
  CAF_CHECK_EQUAL(msg.get_as<worker_settings>(1), ws);
}

CAF_TEST(the join request carries a typed handle) {
  auto h = keep(caf::actor_cast<result_sink_actor>(
    sys.spawn(
      [](int) -> result_sink_actor::behavior_type {
        return {[](hash_result&) {}};
      },
      0)));
  auto msg = message_round_trip(join_atom_v, some_settings(), h);
  CAF_REQUIRE(
    (msg.match_elements<join_atom, worker_settings, result_sink_actor>()));
  CAF_CHECK_EQUAL(msg.get_as<result_sink_actor>(2), h);
}

CAF_TEST(a worker group keeps its handles) {
  worker_group group;
  group.fetchers = {keep(sys.spawn(idle_fetcher, 0)),
                    keep(sys.spawn(idle_fetcher, 0))};
  group.hashers = {keep(sys.spawn(idle_hasher, 0))};
  group.capacity = 77;
  group.node = "[::1]:7000";
  CAF_CHECK_EQUAL(round_trip(group), group);
  auto msg = message_round_trip(group);
  CAF_REQUIRE(msg.match_elements<worker_group>());
  CAF_CHECK_EQUAL(msg.get_as<worker_group>(0), group);
}

CAF_TEST(fetch orders name their hasher) {
  fetch_order order{(uint64_t{1} << 63) + 5, "http://h:1/a b?c=\xff",
                    keep(caf::actor_cast<caf::actor>(sys.spawn(idle_hasher, 0)))};
  order.conditional = conditional_request{"\"e\"", "Wed, 21 Oct 2015 07:28:00 GMT"};
  order.resume_of = 41;
  order.resume_offset = 1u << 20;
  order.if_range = "\"e\"";
  order.resume_total = 1u << 30;
  CAF_CHECK_EQUAL(round_trip(order), order);
  auto msg = message_round_trip(order);
  CAF_REQUIRE(msg.match_elements<fetch_order>());
  CAF_CHECK_EQUAL(msg.get_as<fetch_order>(0), order);
}

CAF_TEST(hash results keep digests and report) {
  hash_result result;
  result.transfer_id = 99;
  result.digests = {digest_value{"sha512", std::vector<uint8_t>(64, 0xab)},
                    digest_value{"md5", {}}};
  result.report = some_report();
  result.resumable_offset = 4242;
  CAF_CHECK_EQUAL(round_trip(result), result);
  auto msg = message_round_trip(result);
  CAF_REQUIRE(msg.match_elements<hash_result>());
  CAF_CHECK_EQUAL(msg.get_as<hash_result>(0), result);
}

CAF_TEST(cancels and node counts) {
  auto msg = message_round_trip(cancel_atom_v, uint64_t{12345});
  CAF_REQUIRE((msg.match_elements<cancel_atom, uint64_t>()));
  CAF_CHECK_EQUAL(msg.get_as<uint64_t>(1), 12345u);
  node_counts counts{3, 1000, 7};
  CAF_CHECK_EQUAL(round_trip(counts), counts);
}

CAF_TEST(every error kind keeps its value) {
  for (auto kind = uint8_t{0}; kind <= static_cast<uint8_t>(error_kind::no_node);
       ++kind) {
    transfer_report report;
    report.error = static_cast<error_kind>(kind);
    CAF_CHECK_EQUAL(round_trip(report).error, report.error);
  }
  CAF_CHECK_EQUAL(std::string{to_string(error_kind::no_node)}, "no_node");
}

CAF_TEST_FIXTURE_SCOPE_END()
