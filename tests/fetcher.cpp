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
    /// resume_of and continues of every message, in order.
    std::vector<std::pair<uint64_t, bool>> resume_marks;
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
          result.resume_marks.emplace_back(chunk.resume_of, chunk.continues);
          self->send(f, chunk_ack{chunk.transfer_id, chunk.bytes.size()});
        },
        [&](transfer_done& end) {
          CAF_CHECK_EQUAL(end.transfer_id, transfer_id);
          result.body.append(end.tail.data(), end.tail.size());
          result.report = end.report;
          result.resume_marks.emplace_back(end.resume_of, end.continues);
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

  /// Orders the rest of a body that broke in transfer `broken_id`.
  void order_resume(const fetcher_actor& f, uint64_t transfer_id,
                    const std::string& path, uint64_t broken_id,
                    const delivery& broken) {
    fetch_order o;
    o.transfer_id = transfer_id;
    o.url = server.base_url() + path;
    o.hasher = caf::actor_cast<caf::actor>(self);
    o.resume_of = broken_id;
    o.resume_offset = broken.report.bytes;
    o.if_range = broken.report.if_range;
    o.resume_total = broken.report.body_size;
    self->send(f, std::move(o));
  }

  /// The first attempt at a /resume route: it breaks, resumably.
  delivery break_first(const fetcher_actor& f, uint64_t transfer_id,
                       const std::string& path) {
    order(f, transfer_id, path);
    auto got = receive_all(f, transfer_id);
    CAF_MESSAGE(path << ": " << to_string(got.report.error) << " after "
                     << got.report.bytes << " bytes");
    CAF_CHECK(got.report.error == error_kind::truncated);
    CAF_CHECK(got.report.resumable);
    CAF_CHECK(!got.report.if_range.empty());
    CAF_CHECK_GREATER(got.report.bytes, 0u);
    // Every byte received went to the hasher: the state it keeps.
    CAF_CHECK_EQUAL(got.body.size(), got.report.bytes);
    return got;
  }

  /// The whole body of a /resume route, as ?whole=1 serves it.
  std::string whole(const fetcher_actor& f, uint64_t transfer_id,
                    const std::string& path) {
    order(f, transfer_id, path + "?whole=1");
    auto got = receive_all(f, transfer_id);
    CAF_CHECK(got.report.error == error_kind::none);
    return got.body;
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

// -- Range resume ----------------------------------------------------------------

CAF_TEST(a broken body continues where it stopped on a 206) {
  auto f = spawn_fetcher();
  const std::string path = "/resume/etag/2000000/1/f";
  auto first = break_first(f, 1, path);
  CAF_CHECK_EQUAL(first.report.body_size, 2000000u);
  CAF_CHECK_EQUAL(first.report.if_range.front(), '"');
  order_resume(f, 2, path, 1, first);
  auto rest = receive_all(f, 2);
  CAF_CHECK(rest.report.error == error_kind::none);
  CAF_CHECK_EQUAL(rest.report.http_status, 206u);
  CAF_CHECK_EQUAL(rest.report.resumed_from, first.report.bytes);
  CAF_CHECK_EQUAL(rest.report.bytes, 2000000u); // the whole body counts
  // The first message says "continue transfer 1", no later one repeats it.
  CAF_REQUIRE(!rest.resume_marks.empty());
  CAF_CHECK_EQUAL(rest.resume_marks.front(), std::make_pair(uint64_t{1}, true));
  for (size_t i = 1; i < rest.resume_marks.size(); ++i)
    CAF_CHECK_EQUAL(rest.resume_marks[i].first, no_transfer);
  auto body = whole(f, 3, path);
  CAF_CHECK_EQUAL(body.size(), 2000000u);
  CAF_CHECK(first.body + rest.body == body);
  CAF_CHECK_EQUAL(sha512_hex(first.body + rest.body), sha512_hex(body));
  self->send_exit(f, caf::exit_reason::user_shutdown);
}

CAF_TEST(last modified older than date is a validator too) {
  auto f = spawn_fetcher();
  const std::string path = "/resume/lm/1000000/1/lm";
  auto first = break_first(f, 1, path);
  CAF_CHECK_EQUAL(first.report.if_range, "Sat, 01 Jan 2022 00:00:00 GMT");
  order_resume(f, 2, path, 1, first);
  auto rest = receive_all(f, 2);
  CAF_CHECK(rest.report.error == error_kind::none);
  CAF_CHECK_EQUAL(rest.report.resumed_from, first.report.bytes);
  CAF_CHECK(first.body + rest.body == whole(f, 3, path));
  self->send_exit(f, caf::exit_reason::user_shutdown);
}

CAF_TEST(a server that ignores the range sends the body again from byte 0) {
  auto f = spawn_fetcher();
  const std::string path = "/resume/norange/1000000/1/n";
  auto first = break_first(f, 1, path);
  order_resume(f, 2, path, 1, first);
  auto again = receive_all(f, 2);
  // libcurl 7.88 takes the 200 to a Range request as the whole body.
  CAF_CHECK(again.report.error == error_kind::none);
  CAF_CHECK_EQUAL(again.report.http_status, 200u);
  CAF_CHECK_EQUAL(again.report.resumed_from, 0u);
  CAF_CHECK_EQUAL(again.report.bytes, 1000000u);
  CAF_REQUIRE(!again.resume_marks.empty());
  CAF_CHECK_EQUAL(again.resume_marks.front(),
                  std::make_pair(uint64_t{1}, false));
  CAF_CHECK(again.body == whole(f, 3, path));
  self->send_exit(f, caf::exit_reason::user_shutdown);
}

CAF_TEST(a 206 that starts elsewhere is refused before a byte is hashed) {
  auto f = spawn_fetcher();
  const std::string path = "/resume/badrange/1000000/1/b";
  auto first = break_first(f, 1, path);
  order_resume(f, 2, path, 1, first);
  auto refused = receive_all(f, 2);
  CAF_MESSAGE(refused.report.message);
  CAF_CHECK(refused.report.error == error_kind::bad_response);
  CAF_CHECK(refused.report.message.find("does not continue at byte "
                                        + std::to_string(first.report.bytes))
            != std::string::npos);
  CAF_CHECK(refused.body.empty());
  CAF_CHECK_EQUAL(refused.chunks, 0u);
  CAF_CHECK(!refused.report.resumable);
  CAF_CHECK_EQUAL(refused.report.resumed_from, first.report.bytes);
  self->send_exit(f, caf::exit_reason::user_shutdown);
}

CAF_TEST(a changed body answers if range with the new body) {
  auto f = spawn_fetcher();
  const std::string path = "/resume/changing/1000000/1/c";
  auto first = break_first(f, 1, path);
  order_resume(f, 2, path, 1, first);
  auto again = receive_all(f, 2);
  CAF_CHECK(again.report.error == error_kind::none);
  CAF_CHECK_EQUAL(again.report.http_status, 200u);
  CAF_CHECK_EQUAL(again.resume_marks.front(),
                  std::make_pair(uint64_t{1}, false));
  CAF_CHECK(again.report.if_range != first.report.if_range);
  CAF_CHECK(again.body == whole(f, 3, path));
  self->send_exit(f, caf::exit_reason::user_shutdown);
}

CAF_TEST(a weak etag is no validator and the broken body is not kept) {
  auto f = spawn_fetcher();
  order(f, 1, "/resume/weak/1000000/1/w");
  auto got = receive_all(f, 1);
  CAF_CHECK(got.report.error == error_kind::truncated);
  CAF_CHECK(!got.report.resumable);
  CAF_CHECK(got.report.if_range.empty());
  self->send_exit(f, caf::exit_reason::user_shutdown);
}

CAF_TEST(max size holds for the whole body of a resume) {
  auto f = spawn_fetcher();
  const std::string path = "/resume/etag/2000000/2/m";
  auto first = break_first(f, 1, path);
  // The 206 carries less than 2,000,000 bytes, but the body is that long.
  fetcher_settings small;
  small.max_size = 1999999;
  auto g = spawn_fetcher(small);
  order_resume(g, 2, path, 1, first);
  auto refused = receive_all(g, 2);
  CAF_CHECK(refused.report.error == error_kind::too_large);
  CAF_CHECK(refused.body.empty());
  fetcher_settings exact;
  exact.max_size = 2000000;
  auto h = spawn_fetcher(exact);
  order_resume(h, 3, path, 1, first);
  auto rest = receive_all(h, 3);
  CAF_CHECK(rest.report.error == error_kind::none);
  CAF_CHECK_EQUAL(rest.report.bytes, 2000000u);
  for (auto* x : {&f, &g, &h})
    self->send_exit(*x, caf::exit_reason::user_shutdown);
}

CAF_TEST(range and if range go with a resume only and never with the next url) {
  auto f = spawn_fetcher();
  fetch_order o;
  o.transfer_id = 1;
  o.url = server.base_url() + "/headers";
  o.hasher = caf::actor_cast<caf::actor>(self);
  o.resume_of = 0;
  o.resume_offset = 5;
  o.if_range = "\"abc\"";
  self->send(f, o);
  auto asked = receive_all(f, 1);
  CAF_CHECK(asked.body.find("Range: bytes=5-\n") != std::string::npos);
  CAF_CHECK(asked.body.find("If-Range: \"abc\"\n") != std::string::npos);
  // /headers ignores ranges: a 200 from byte 0.
  CAF_CHECK_EQUAL(asked.report.resumed_from, 0u);
  // The easy handle is reused for the next URL: no Range, no If-Range.
  order(f, 2, "/headers");
  auto plain = receive_all(f, 2);
  CAF_CHECK(plain.body.find("Range") == std::string::npos);
  self->send_exit(f, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
