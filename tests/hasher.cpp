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

CAF_TEST_FIXTURE_SCOPE_END()
