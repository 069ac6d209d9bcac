#define CAF_SUITE fetcher
#include "tests/fixture.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/fetcher.hpp"
#include "detail/digest.hpp"
#include "detail/curl_multi.hpp"
#include "origin/origin.hpp"
#include "origin/raw_server.hpp"

// The fetcher is a blocking actor that talks to the network, so these tests
// run a real actor system against the test origin on 127.0.0.1; the test's
// scoped actor plays the hasher and acknowledges chunks by hand.

using namespace fetchsum;
using namespace std::chrono_literals;

namespace {

struct fixture {
  test::config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  origin::server server{make_origin_options()};

  static origin::options make_origin_options() {
    origin::options opts;
    opts.documents = 20;
    return opts;
  }

  fetcher_actor spawn_fetcher(fetcher_settings settings = {}) {
    return caf::actor_cast<fetcher_actor>(sys.spawn<fetcher>(settings));
  }

  void order(const fetcher_actor& f, uint64_t transfer_id,
             const std::string& path) {
    self->send(f, fetch_order{transfer_id, server.base_url() + path,
                              caf::actor_cast<caf::actor>(self)});
  }

  /// Everything one transfer delivered, as a hasher sees it.
  struct delivery {
    std::string body;
    size_t chunks = 0;
    transfer_report report;
  };

  /// Receives one transfer to its end, acknowledging every chunk at once.
  delivery receive_all(const fetcher_actor& f, uint64_t transfer_id) {
    delivery result;
    bool done = false;
    while (!done)
      self->receive(
        [&](body_chunk& chunk) {
          CAF_CHECK_EQUAL(chunk.transfer_id, transfer_id);
          result.body.append(chunk.bytes.data(), chunk.bytes.size());
          result.chunks += 1;
          self->send(f, chunk_ack{chunk.transfer_id, chunk.bytes.size()});
        },
        [&](transfer_done& end) {
          CAF_CHECK_EQUAL(end.transfer_id, transfer_id);
          result.body.append(end.tail.data(), end.tail.size());
          result.report = end.report;
          done = true;
        },
        caf::after(20s) >> [&] {
          CAF_FAIL("no transfer_done within 20 s");
        });
    return result;
  }

  static std::string sha512_hex(const std::string& bytes) {
    detail::digest_algorithms sha512{{"sha512"}};
    auto digests = sha512.start();
    digests.update(bytes.data(), bytes.size());
    return detail::to_hex(digests.finish().at(0).bytes);
  }

  ~fixture() {
    self->send_exit(self, caf::exit_reason::user_shutdown);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(fetcher_tests, fixture)

CAF_TEST(bodies stream in order and hash to the digest of the origin) {
  auto f = spawn_fetcher();
  for (uint64_t i = 0; i < 5; ++i)
    order(f, i, server.documents()[i].path);
  // Transfers run concurrently; collect them by id.
  std::map<uint64_t, std::string> bodies;
  std::map<uint64_t, transfer_report> reports;
  while (reports.size() < 5)
    self->receive(
      [&](body_chunk& chunk) {
        bodies[chunk.transfer_id].append(chunk.bytes.data(), chunk.bytes.size());
        self->send(f, chunk_ack{chunk.transfer_id, chunk.bytes.size()});
      },
      [&](transfer_done& end) {
        bodies[end.transfer_id].append(end.tail.data(), end.tail.size());
        reports[end.transfer_id] = end.report;
      },
      caf::after(20s) >> [&] { CAF_FAIL("transfers did not end"); });
  for (uint64_t i = 0; i < 5; ++i) {
    auto& doc = server.documents()[i];
    CAF_CHECK(reports[i].error == error_kind::none);
    CAF_CHECK_EQUAL(reports[i].http_status, 200u);
    CAF_CHECK_EQUAL(reports[i].bytes, doc.size);
    CAF_CHECK_EQUAL(bodies[i].size(), doc.size);
    CAF_CHECK_EQUAL(sha512_hex(bodies[i]), doc.sha512_hex);
  }
  self->send_exit(f, caf::exit_reason::user_shutdown);
}

CAF_TEST(a full window pauses the transfer until the hasher acknowledges) {
  fetcher_settings settings;
  settings.chunk_size = 16 * 1024;
  settings.window = 64 * 1024;
  // Time spent paused by back-pressure must not count as a stall.
  settings.stall_time = 1s;
  auto f = spawn_fetcher(settings);
  order(f, 7, "/big/4");
  // Take chunks without acknowledging: the fetcher must stop at the window.
  std::string body;
  std::vector<uint64_t> unacked;
  bool quiet = false;
  while (!quiet)
    self->receive(
      [&](body_chunk& chunk) {
        body.append(chunk.bytes.data(), chunk.bytes.size());
        unacked.push_back(chunk.bytes.size());
      },
      [&](transfer_done&) { CAF_FAIL("finished without any ack"); },
      caf::after(500ms) >> [&] { quiet = true; });
  CAF_MESSAGE(body.size() << " bytes arrived before the fetcher paused");
  CAF_CHECK_GREATER(body.size(), 0u);
  CAF_CHECK_LESS_OR_EQUAL(body.size(), settings.window);
  std::this_thread::sleep_for(2s); // well past the stall time
  // Acknowledging reopens the window and the rest flows.
  for (auto size : unacked)
    self->send(f, chunk_ack{7, size});
  auto rest = receive_all(f, 7);
  body += rest.body;
  CAF_CHECK(rest.report.error == error_kind::none);
  CAF_CHECK_EQUAL(body.size(), 4u << 20);
  CAF_CHECK_EQUAL(rest.report.bytes, 4u << 20);
  self->send_exit(f, caf::exit_reason::user_shutdown);
}

CAF_TEST(failures are classified and carry no body) {
  fetcher_settings settings;
  settings.stall_time = 1s;
  settings.max_redirs = 3;
  auto f = spawn_fetcher(settings);
  struct expectation {
    std::string path;
    error_kind kind;
  };
  std::vector<expectation> cases{
    {"/status/404", error_kind::http_status},
    {"/status/500", error_kind::http_status},
    {"/truncated/100000", error_kind::truncated},
    {"/loop", error_kind::too_many_redirects},
    {"/redirect/2", error_kind::none},
    {"/stall", error_kind::stall},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    order(f, i, cases[i].path);
    auto got = receive_all(f, i);
    CAF_MESSAGE(cases[i].path << ": " << to_string(got.report.error) << " "
                              << got.report.message);
    CAF_CHECK(got.report.error == cases[i].kind);
    if (cases[i].kind != error_kind::none)
      CAF_CHECK(got.body.empty());
  }
  order(f, 100, "/status/404");
  auto not_found = receive_all(f, 100);
  CAF_CHECK_EQUAL(not_found.report.http_status, 404u);
  CAF_CHECK_EQUAL(not_found.report.message.substr(0, 8), "HTTP 404");
  order(f, 101, "/redirect/2");
  auto redirected = receive_all(f, 101);
  CAF_CHECK_EQUAL(redirected.report.final_url,
                  server.base_url() + server.documents()[0].path);
  self->send_exit(f, caf::exit_reason::user_shutdown);
}

CAF_TEST(a refused connection is a connect error) {
  auto f = spawn_fetcher();
  // Port 1 on loopback: nothing listens there in a test sandbox.
  self->send(f, fetch_order{1, "http://127.0.0.1:1/", caf::actor_cast<caf::actor>(self)});
  auto got = receive_all(f, 1);
  CAF_CHECK(got.report.error == error_kind::connect);
  self->send_exit(f, caf::exit_reason::user_shutdown);
}

CAF_TEST(hostile answers are refused before any body byte is hashed) {
  origin::raw_server raw{"127.0.0.1"};
  auto base = "http://127.0.0.1:" + std::to_string(raw.port());
  auto f = spawn_fetcher();
  struct expectation {
    std::string path;
    error_kind kind;
  };
  std::vector<expectation> cases{
    {"/garbage-status", error_kind::bad_response},
    {"/http09", error_kind::bad_response},
    {"/nul-header", error_kind::bad_response},
    {"/negative-length", error_kind::bad_response},
    {"/conflicting-length", error_kind::bad_response},
    {"/bad-chunked", error_kind::bad_response},
    {"/huge-headers", error_kind::bad_response},
    {"/huge-header-line", error_kind::bad_response},
    // 64 MiB of zeros behind ~64 KiB of gzip: libcurl would inflate them.
    {"/gzip-te", error_kind::unsupported_encoding},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    self->send(f, fetch_order{i, base + cases[i].path,
                              caf::actor_cast<caf::actor>(self)});
    auto got = receive_all(f, i);
    CAF_MESSAGE(cases[i].path << ": " << to_string(got.report.error) << " "
                              << got.report.message);
    CAF_CHECK(got.report.error == cases[i].kind);
    CAF_CHECK(got.body.empty());
    CAF_CHECK_EQUAL(got.report.bytes, 0u);
  }
  // Content-Length given twice with one value is valid HTTP.
  self->send(f, fetch_order{100, base + "/same-length-twice",
                            caf::actor_cast<caf::actor>(self)});
  auto twice = receive_all(f, 100);
  CAF_CHECK(twice.report.error == error_kind::none);
  CAF_CHECK_EQUAL(twice.body, "hello");
  self->send_exit(f, caf::exit_reason::user_shutdown);
}

CAF_TEST(libcurl results that share a code are told apart by message) {
  using detail::classify;
  CAF_CHECK(classify(CURLE_UNSUPPORTED_PROTOCOL,
                     "Received HTTP/0.9 when not allowed")
            == error_kind::bad_response);
  CAF_CHECK(classify(CURLE_UNSUPPORTED_PROTOCOL,
                     "Protocol \"file\" not supported or disabled in libcurl")
            == error_kind::unsupported_scheme);
  CAF_CHECK(classify(CURLE_OPERATION_TIMEDOUT,
                     "Failed to connect to 127.0.0.1 port 9 after 1000 ms: "
                     "Timeout was reached")
            == error_kind::connect);
  CAF_CHECK(classify(CURLE_OPERATION_TIMEDOUT,
                     "Operation timed out after 1000 milliseconds with 0 "
                     "bytes received")
            == error_kind::timeout);
  CAF_CHECK(classify(CURLE_RECV_ERROR,
                     "OpenSSL SSL_read: OpenSSL/3.0.19: error:0A00045C:SSL "
                     "routines::tlsv13 alert certificate required, errno 0")
            == error_kind::tls);
  CAF_CHECK(classify(CURLE_RECV_ERROR, "Connection reset by peer")
            == error_kind::truncated);
  CAF_CHECK(classify(CURLE_RECV_ERROR,
                     "Illegal or missing hexadecimal sequence in "
                     "chunked-encoding")
            == error_kind::bad_response);
  CAF_CHECK(classify(CURLE_WEIRD_SERVER_REPLY, "Nul byte in header")
            == error_kind::bad_response);
}

CAF_TEST(cancel ends a transfer as interrupted) {
  auto f = spawn_fetcher();
  order(f, 3, "/stall");
  std::this_thread::sleep_for(100ms);
  self->send(f, cancel_atom_v, uint64_t{3});
  auto got = receive_all(f, 3);
  CAF_CHECK(got.report.error == error_kind::interrupted);
  self->send_exit(f, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
