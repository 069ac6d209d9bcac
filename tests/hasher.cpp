#define CAF_SUITE hasher
#include "tests/fixture.hpp"

#include "actors/hasher.hpp"
#include "detail/digest.hpp"
#include "tests/vectors.hpp"

using namespace fetchsum;
using test::sha256_abc;
using test::sha512_abc;

namespace {

std::vector<char> bytes(const std::string& text) {
  return {text.begin(), text.end()};
}

transfer_report ok_report() {
  transfer_report report;
  report.http_status = 200;
  return report;
}

// The test's `self` plays both the fetcher (it receives the acks) and the
// supervisor (it receives the hash_results).
struct fixture : test::fixture {
  hasher_actor spawn_hasher(std::vector<std::string> algorithms = {"sha512"}) {
    hasher_settings settings;
    settings.algorithms = std::move(algorithms);
    auto h = sys.spawn(hasher, settings,
                       caf::actor_cast<result_sink_actor>(self));
    sched.run();
    return h;
  }

  /// Runs the hasher and takes every hash_result from self's mailbox,
  /// skipping the acks.
  std::map<uint64_t, hash_result> results() {
    sched.run();
    std::map<uint64_t, hash_result> found;
    bool more = true;
    while (more)
      self->receive([&](hash_result& x) { found[x.transfer_id] = std::move(x); },
                    [](chunk_ack&) {},
                    caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
    return found;
  }

  hash_result next_result() {
    auto found = results();
    CAF_REQUIRE_EQUAL(found.size(), 1u);
    return found.begin()->second;
  }

  static std::string hex(const hash_result& x, size_t i = 0) {
    return detail::to_hex(x.digests.at(i).bytes);
  }

  hasher_state& state_of(const hasher_actor& h) {
    return deref<caf::stateful_actor<hasher_state, hasher_actor::base>>(h)
      .state;
  }

  static std::string sha512_hex(const std::string& text) {
    detail::digest_algorithms sha512{{"sha512"}};
    auto digests = sha512.start();
    digests.update(text.data(), text.size());
    return detail::to_hex(digests.finish().at(0).bytes);
  }

  /// A transfer that broke after `bytes` of a 20-byte body with a
  /// validator: the fetcher marks it resumable.
  static transfer_report broken(uint64_t bytes) {
    transfer_report report;
    report.error = error_kind::truncated;
    report.message = "cut";
    report.http_status = 200;
    report.bytes = bytes;
    report.if_range = "\"v1\"";
    report.body_size = 20;
    report.resumable = true;
    return report;
  }

  /// A 206 that continued a body at `offset` to its end (`bytes` in all).
  static transfer_report continued(uint64_t offset, uint64_t bytes) {
    transfer_report report;
    report.http_status = 206;
    report.bytes = bytes;
    report.resumed_from = offset;
    return report;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(hasher_tests, fixture)

CAF_TEST(each chunk is acknowledged with its size) {
  auto h = spawn_hasher();
  self->send(h, body_chunk{5, bytes("ab")});
  expect((body_chunk), from(self).to(h).with(body_chunk{5, bytes("ab")}));
  expect((chunk_ack), from(h).to(self).with(chunk_ack{5, 2}));
  self->send(h, transfer_done{5, bytes("c"), ok_report()});
  expect((transfer_done), from(self).to(h));
  // No ack for the tail: the transfer is over.
  disallow((chunk_ack), from(h).to(self));
}

CAF_TEST(chunks and tail hash to the digest of the whole body) {
  auto h = spawn_hasher();
  self->send(h, body_chunk{1, bytes("a")});
  self->send(h, body_chunk{1, bytes("b")});
  self->send(h, transfer_done{1, bytes("c"), ok_report()});
  auto result = next_result();
  CAF_CHECK_EQUAL(result.transfer_id, 1u);
  CAF_REQUIRE_EQUAL(result.digests.size(), 1u);
  CAF_CHECK_EQUAL(result.digests[0].algo, "sha512");
  CAF_CHECK_EQUAL(hex(result, 0), sha512_abc);
  CAF_CHECK_EQUAL(result.report.http_status, 200u);
}

CAF_TEST(interleaved transfers keep separate digests) {
  auto h = spawn_hasher();
  // Transfer 1 is "abc", transfer 2 is "" then "abc" reversed: state must be
  // per transfer id, never per hasher.
  self->send(h, body_chunk{1, bytes("a")});
  self->send(h, body_chunk{2, bytes("c")});
  self->send(h, body_chunk{1, bytes("b")});
  self->send(h, body_chunk{2, bytes("b")});
  self->send(h, transfer_done{2, bytes("a"), ok_report()});
  self->send(h, transfer_done{1, bytes("c"), ok_report()});
  auto found = results();
  CAF_REQUIRE_EQUAL(found.size(), 2u);
  CAF_CHECK_EQUAL(hex(found[1]), sha512_abc);
  detail::digest_algorithms sha512{{"sha512"}};
  auto cba = sha512.start();
  cba.update("cba", 3);
  CAF_CHECK_EQUAL(hex(found[2]), detail::to_hex(cba.finish().at(0).bytes));
}

CAF_TEST(a tail-only transfer is hashed) {
  auto h = spawn_hasher();
  self->send(h, transfer_done{9, bytes("abc"), ok_report()});
  auto result = next_result();
  CAF_CHECK_EQUAL(hex(result), sha512_abc);
}

CAF_TEST(a failed transfer has no digests and its state is dropped) {
  auto h = spawn_hasher();
  self->send(h, body_chunk{4, bytes("xyz")});
  transfer_report failed;
  failed.error = error_kind::truncated;
  failed.message = "cut";
  self->send(h, transfer_done{4, {}, failed});
  auto result = next_result();
  CAF_CHECK(result.digests.empty());
  CAF_CHECK(result.report.error == error_kind::truncated);
  CAF_CHECK_EQUAL(result.report.message, "cut");
  // The same id later starts from scratch: "xyz" is gone.
  self->send(h, transfer_done{4, bytes("abc"), ok_report()});
  auto again = next_result();
  CAF_CHECK_EQUAL(hex(again), sha512_abc);
}

CAF_TEST(a 304 answer has no digests: a digest of nothing never stands in) {
  auto h = spawn_hasher();
  auto report = ok_report();
  report.http_status = 304;
  report.not_modified = true;
  self->send(h, transfer_done{5, {}, report});
  auto result = next_result();
  CAF_CHECK(result.digests.empty());
  CAF_CHECK(result.report.error == error_kind::none);
  CAF_CHECK(result.report.not_modified);
}

CAF_TEST(several algorithms at once) {
  auto h = spawn_hasher({"sha256", "sha512"});
  self->send(h, transfer_done{0, bytes("abc"), ok_report()});
  auto result = next_result();
  CAF_REQUIRE_EQUAL(result.digests.size(), 2u);
  CAF_CHECK_EQUAL(result.digests[0].algo, "sha256");
  CAF_CHECK_EQUAL(hex(result, 0), sha256_abc);
  CAF_CHECK_EQUAL(hex(result, 1), sha512_abc);
}

// -- Range resume ----------------------------------------------------------------

CAF_TEST(a continued body hashes to the digest of the body in one piece) {
  auto h = spawn_hasher();
  // "hello world, resumed" (20 bytes) breaks after 9 bytes: kept.
  self->send(h, body_chunk{1, bytes("hello ")});
  self->send(h, transfer_done{1, bytes("wor"), broken(9)});
  auto first = next_result();
  CAF_CHECK(first.digests.empty());
  CAF_CHECK(first.report.error == error_kind::truncated);
  CAF_CHECK_EQUAL(first.resumable_offset, 9u);
  CAF_CHECK_EQUAL(first.report.if_range, "\"v1\"");
  CAF_CHECK_EQUAL(state_of(h).kept.size(), 1u);
  // The resume's first message says it continues transfer 1.
  self->send(h, body_chunk{2, bytes("ld, re"), 1, true});
  self->send(h, transfer_done{2, bytes("sumed"), continued(9, 20)});
  auto second = next_result();
  CAF_CHECK(second.report.error == error_kind::none);
  CAF_CHECK_EQUAL(second.resumable_offset, 0u);
  CAF_REQUIRE_EQUAL(second.digests.size(), 1u);
  CAF_CHECK_EQUAL(hex(second), sha512_hex("hello world, resumed"));
  // Nothing is left behind.
  CAF_CHECK(state_of(h).kept.empty());
  CAF_CHECK(state_of(h).open.empty());
}

CAF_TEST(a body that breaks again keeps growing one state) {
  auto h = spawn_hasher();
  self->send(h, transfer_done{1, bytes("hello "), broken(6)});
  CAF_CHECK_EQUAL(next_result().resumable_offset, 6u);
  // The second attempt continues, adds 5 bytes and breaks too.
  auto again = broken(11);
  again.resumed_from = 6;
  self->send(h, body_chunk{2, bytes("wor"), 1, true});
  self->send(h, transfer_done{2, bytes("ld"), again});
  CAF_CHECK_EQUAL(next_result().resumable_offset, 11u);
  // A third attempt fails before any body byte (connection refused): the
  // state stays as it was, now under the third transfer's id.
  transfer_report refused;
  refused.error = error_kind::connect;
  refused.resumed_from = 11;
  refused.bytes = 11;
  refused.resumable = true;
  self->send(h, transfer_done{3, {}, refused, 2, true});
  CAF_CHECK_EQUAL(next_result().resumable_offset, 11u);
  CAF_CHECK_EQUAL(state_of(h).kept.size(), 1u);
  self->send(h, transfer_done{4, bytes(", resumed"), continued(11, 20), 3, true});
  auto done = next_result();
  CAF_CHECK(done.report.error == error_kind::none);
  CAF_CHECK_EQUAL(hex(done), sha512_hex("hello world, resumed"));
  CAF_CHECK(state_of(h).kept.empty());
}

CAF_TEST(a whole body instead of a 206 drops the kept state and starts at 0) {
  auto h = spawn_hasher();
  self->send(h, transfer_done{1, bytes("xyz"), broken(3)});
  CAF_CHECK_EQUAL(next_result().resumable_offset, 3u);
  self->send(h, body_chunk{2, bytes("ab"), 1, false});
  self->send(h, transfer_done{2, bytes("c"), ok_report()});
  auto result = next_result();
  CAF_CHECK_EQUAL(hex(result), sha512_abc);
  CAF_CHECK(state_of(h).kept.empty());
}

CAF_TEST(a resume whose kept state is gone never yields a digest) {
  auto h = spawn_hasher();
  // Transfer 9 was never kept here (another hasher, or forgotten): the
  // tail alone must not be reported as the body's digest.
  self->send(h, body_chunk{10, bytes("ab"), 9, true});
  self->send(h, transfer_done{10, bytes("c"), continued(5, 8)});
  auto result = next_result();
  CAF_CHECK(result.digests.empty());
  CAF_CHECK(result.report.error == error_kind::internal);
  CAF_CHECK_EQUAL(result.resumable_offset, 0u);
  CAF_CHECK(state_of(h).open.empty());
}

CAF_TEST(cancel forgets a kept state) {
  auto h = spawn_hasher();
  self->send(h, transfer_done{1, bytes("hello "), broken(6)});
  CAF_CHECK_EQUAL(next_result().resumable_offset, 6u);
  self->send(h, cancel_atom_v, uint64_t{1});
  sched.run();
  CAF_CHECK(state_of(h).kept.empty());
  self->send(h, transfer_done{2, bytes("world, resumed"), continued(6, 20), 1,
                              true});
  auto result = next_result();
  CAF_CHECK(result.digests.empty());
  CAF_CHECK(result.report.error == error_kind::internal);
}

CAF_TEST(a failure that is not resumable or has no bytes keeps nothing) {
  auto h = spawn_hasher();
  auto not_resumable = broken(3);
  not_resumable.resumable = false;
  self->send(h, transfer_done{1, bytes("xyz"), not_resumable});
  CAF_CHECK_EQUAL(next_result().resumable_offset, 0u);
  self->send(h, transfer_done{2, {}, broken(0)});
  CAF_CHECK_EQUAL(next_result().resumable_offset, 0u);
  CAF_CHECK(state_of(h).kept.empty());
  CAF_CHECK(state_of(h).open.empty());
}

CAF_TEST(a continued body whose byte count disagrees is refused) {
  auto h = spawn_hasher();
  self->send(h, transfer_done{1, bytes("hello "), broken(6)});
  CAF_CHECK_EQUAL(next_result().resumable_offset, 6u);
  // The fetcher says 20 bytes in all, the digest holds 6 + 9 = 15.
  self->send(h, transfer_done{2, bytes("world, re"), continued(6, 20), 1, true});
  auto result = next_result();
  CAF_CHECK(result.digests.empty());
  CAF_CHECK(result.report.error == error_kind::internal);
}

CAF_TEST_FIXTURE_SCOPE_END()
