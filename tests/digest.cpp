#define CAF_SUITE digest
#include <caf/test/dsl.hpp>

#include <random>

#include "detail/digest.hpp"
#include "tests/vectors.hpp"

using namespace fetchsum::detail;
using namespace fetchsum::test;

namespace {

std::string hex_of(const std::vector<std::string>& algos,
                   const std::vector<std::string>& pieces, size_t which = 0) {
  digest_algorithms algorithms{algos};
  auto set = algorithms.start();
  for (auto& piece : pieces)
    set.update(piece.data(), piece.size());
  return to_hex(set.finish().at(which).bytes);
}

} // namespace

CAF_TEST(NIST vectors) {
  CAF_CHECK_EQUAL(hex_of({"sha512"}, {}), sha512_empty);
  CAF_CHECK_EQUAL(hex_of({"sha512"}, {"abc"}), sha512_abc);
  CAF_CHECK_EQUAL(hex_of({"sha512"}, {std::string(1000000, 'a')}),
                  sha512_million_a);
  CAF_CHECK_EQUAL(hex_of({"sha256"}, {"abc"}), sha256_abc);
}

CAF_TEST(every split of a body gives the same digest) {
  std::string body;
  for (int i = 0; i < 100; ++i)
    body += static_cast<char>('A' + i % 26);
  auto whole = hex_of({"sha512"}, {body});
  for (size_t a = 0; a <= body.size(); ++a)
    for (size_t b = a; b <= body.size(); b += 7)
      CAF_CHECK_EQUAL(hex_of({"sha512"}, {body.substr(0, a),
                                          body.substr(a, b - a),
                                          body.substr(b)}),
                      whole);
  // A larger body cut at random points, 16 KiB pieces and odd ones alike.
  std::mt19937 rng{42};
  std::string large(3 << 20, '\0');
  for (auto& c : large)
    c = static_cast<char>(rng());
  auto expected = hex_of({"sha512"}, {large});
  for (int round = 0; round < 5; ++round) {
    std::vector<std::string> pieces;
    for (size_t pos = 0; pos < large.size();) {
      auto n = std::min<size_t>(large.size() - pos, rng() % (300 * 1024));
      pieces.push_back(large.substr(pos, n));
      pos += n;
    }
    CAF_CHECK_EQUAL(hex_of({"sha512"}, pieces), expected);
  }
}

CAF_TEST(several algorithms in one pass equal each alone) {
  std::vector<std::string> algos{"sha256", "MD5", "sha512", "sha3-512",
                                 "blake2b512"};
  digest_algorithms algorithms{algos};
  auto set = algorithms.start();
  set.update("ab", 2);
  set.update("c", 1);
  auto all = set.finish();
  CAF_REQUIRE_EQUAL(all.size(), algos.size());
  CAF_CHECK_EQUAL(to_hex(all[0].bytes), sha256_abc);
  CAF_CHECK_EQUAL(all[1].algo, "md5"); // names are kept lower-case
  CAF_CHECK_EQUAL(to_hex(all[1].bytes), md5_abc);
  CAF_CHECK_EQUAL(to_hex(all[2].bytes), sha512_abc);
  for (size_t i = 0; i < algos.size(); ++i)
    CAF_CHECK_EQUAL(to_hex(all[i].bytes), hex_of({algos[i]}, {"abc"}));
  CAF_CHECK_EQUAL(all[3].bytes.size(), 64u);
}

CAF_TEST(unknown and variable-length digests are rejected) {
  CAF_CHECK(is_known_digest("sha512"));
  CAF_CHECK(is_known_digest("SHA-256"));
  CAF_CHECK(!is_known_digest("nosuchalgo"));
  CAF_CHECK(!is_known_digest(""));
  CAF_CHECK(!is_known_digest("shake256"));
  bool threw = false;
  try {
    digest_algorithms algorithms{{"sha512", "nosuchalgo"}};
  } catch (std::invalid_argument&) {
    threw = true;
  }
  CAF_CHECK(threw);
}

CAF_TEST(hex is lower-case and complete) {
  CAF_CHECK_EQUAL(to_hex({0x00, 0x0f, 0xa0, 0xff}), "000fa0ff");
  CAF_CHECK_EQUAL(to_hex({}), "");
}
