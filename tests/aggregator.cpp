#define CAF_SUITE aggregator
#include "tests/fixture.hpp"

#include <sstream>

#include "actors/aggregator.hpp"
#include "detail/digest.hpp"
#include "detail/record_format.hpp"

using namespace fetchsum;
using namespace std::chrono_literals;

namespace {

url_result ok(uint64_t url_seq) {
  url_result r;
  r.url_seq = url_seq;
  r.url = "http://h/" + std::to_string(url_seq);
  r.digests.push_back(digest_value{"sha512", {0xab, static_cast<uint8_t>(url_seq)}});
  r.report.bytes = 10;
  r.attempts = 1;
  return r;
}

url_result failed(uint64_t url_seq) {
  url_result r;
  r.url_seq = url_seq;
  r.url = "http://h/" + std::to_string(url_seq);
  r.report.error = error_kind::connect;
  r.report.message = "refused";
  r.attempts = 1;
  return r;
}

/// A record's digests as --diff loads them from an earlier run.
earlier_digests hex_digests(const url_result& r) {
  earlier_digests result;
  for (auto& d : r.digests)
    result.emplace_back(d.algo, detail::to_hex(d.bytes));
  return result;
}

std::string line(uint64_t url_seq) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "ab%02x", static_cast<unsigned>(url_seq));
  return std::string{buf} + "  http://h/" + std::to_string(url_seq) + "\n";
}

struct fixture : test::fixture {
  std::ostringstream out;
  std::ostringstream err;
  std::ostringstream journal;
  bool journal_enabled = false;

  aggregator_actor spawn_aggregator(bool keep_order = false,
                                    output_format format = output_format::sum) {
    aggregator_settings settings;
    settings.keep_order = keep_order;
    settings.format = format;
    settings.flush_interval = 200ms;
    auto agg = sys.spawn(aggregator, settings, &out, &err,
                         journal_enabled ? &journal : nullptr);
    sched.run();
    return agg;
  }

  /// --diff against an earlier run that had h/0 (the same digests), h/1
  /// (other digests) and h/9 (not listed now); this run records h/0, h/1
  /// and h/2 and ends.
  aggregator_actor run_diff_of_three(output_format format) {
    aggregator_settings settings;
    settings.format = format;
    settings.diff = true;
    settings.previous_run = {{"http://h/0", hex_digests(ok(0))},
                             {"http://h/1", {{"sha512", "00"}}},
                             {"http://h/9", hex_digests(ok(9))}};
    auto agg = sys.spawn(aggregator, settings, &out, &err, nullptr);
    sched.run();
    for (uint64_t i = 0; i < 3; ++i)
      self->send(agg, ok(i));
    self->send(agg, input_end{3, {}, false});
    deliver();
    return agg;
  }

  /// Delivers messages without firing timers (fixture.run() would).
  void deliver() {
    sched.run();
  }

  /// Asks for the summary; empty if the aggregator has not answered.
  caf::optional<run_summary> summary(const aggregator_actor& agg) {
    self->send(agg, await_atom_v);
    deliver();
    caf::optional<run_summary> result;
    self->receive([&](run_summary& x) { result = x; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(aggregator_tests, fixture)

CAF_TEST(each id is recorded once and a duplicate is counted) {
  auto agg = spawn_aggregator();
  self->send(agg, ok(0));
  self->send(agg, failed(1));
  self->send(agg, ok(0)); // a bug upstream: must not be written twice
  self->send(agg, input_end{2, {}, false});
  deliver();
  CAF_CHECK_EQUAL(out.str(), line(0));
  CAF_CHECK_EQUAL(err.str(), "fetchsum: http://h/1: refused\n");
  auto s = summary(agg);
  CAF_REQUIRE(s);
  CAF_CHECK_EQUAL(s->ok, 1u);
  CAF_CHECK_EQUAL(s->failed, 1u);
  CAF_CHECK_EQUAL(s->bytes, 10u);
  CAF_CHECK_EQUAL(s->duplicates, 1u);
  // Failures are counted by kind.
  auto connect = static_cast<size_t>(error_kind::connect);
  CAF_REQUIRE_GREATER(s->failed_by_kind.size(), connect);
  CAF_CHECK_EQUAL(s->failed_by_kind[connect], 1u);
}

CAF_TEST(the run is complete only after input_end) {
  auto agg = spawn_aggregator();
  self->send(agg, ok(0));
  deliver();
  // An await before the end is answered at the end.
  self->send(agg, await_atom_v);
  deliver();
  bool early = false;
  self->receive([&](run_summary&) { early = true; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(!early);
  self->send(agg, input_end{1, "list.txt: read error", true});
  deliver();
  run_summary s;
  bool got = false;
  self->receive([&](run_summary& x) { s = x; got = true; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_REQUIRE(got);
  CAF_CHECK_EQUAL(s.ok, 1u);
  CAF_CHECK_EQUAL(s.read_error, "list.txt: read error");
  CAF_CHECK(s.interrupted);
}

CAF_TEST(keep-order writes in input order) {
  auto agg = spawn_aggregator(true);
  self->send(agg, ok(2));
  deliver();
  sched.trigger_timeouts();
  deliver();
  CAF_CHECK_EQUAL(out.str(), ""); // 2 waits for 0 and 1
  self->send(agg, ok(0));
  deliver();
  sched.trigger_timeouts();
  deliver();
  CAF_CHECK_EQUAL(out.str(), line(0));
  self->send(agg, ok(1));
  deliver();
  sched.trigger_timeouts();
  deliver();
  CAF_CHECK_EQUAL(out.str(), line(0) + line(1) + line(2));
}

CAF_TEST(keep-order writes held records at the end despite gaps) {
  auto agg = spawn_aggregator(true);
  self->send(agg, ok(3));
  self->send(agg, ok(1));
  self->send(agg, input_end{2, {}, true});
  deliver();
  CAF_CHECK_EQUAL(out.str(), line(1) + line(3));
}

CAF_TEST(output is flushed by the timer and not per record) {
  auto agg = spawn_aggregator();
  self->send(agg, ok(0));
  self->send(agg, ok(1));
  deliver();
  CAF_CHECK_EQUAL(out.str(), "");
  // Exactly one timer is armed, however many records wait.
  CAF_CHECK_EQUAL(sched.advance_time(199ms), 0u);
  deliver();
  CAF_CHECK_EQUAL(out.str(), "");
  CAF_CHECK_EQUAL(sched.advance_time(1ms), 1u);
  deliver();
  CAF_CHECK_EQUAL(out.str(), line(0) + line(1));
  // Idle: no timer keeps running.
  CAF_CHECK_EQUAL(sched.advance_time(10s), 0u);
}

CAF_TEST(the journal gets every record at once as JSON) {
  journal_enabled = true;
  auto agg = spawn_aggregator(true); // keep-order must not delay the journal
  self->send(agg, ok(1));
  self->send(agg, failed(2));
  deliver();
  CAF_CHECK_EQUAL(out.str(), ""); // held back for url_seq 0
  auto text = journal.str();
  CAF_CHECK_EQUAL(std::count(text.begin(), text.end(), '\n'), 2);
  CAF_CHECK(text.find("{\"url\":\"http://h/1\",\"seq\":1,\"ok\":true") == 0);
  CAF_CHECK(text.find("\"error\":\"connect\"") != std::string::npos);
}

CAF_TEST(diff marks each URL against the earlier run) {
  auto agg = run_diff_of_three(output_format::json);
  auto text = out.str();
  CAF_CHECK(text.find("\"url\":\"http://h/0\"") < text.find("\"mark\":\"unchanged\""));
  CAF_CHECK(text.find("\"mark\":\"changed\"") != std::string::npos);
  CAF_CHECK(text.find("\"mark\":\"new\"") != std::string::npos);
  CAF_CHECK(text.find("{\"url\":\"http://h/9\",\"mark\":\"gone\"}\n") != std::string::npos);
  auto s = summary(agg);
  CAF_REQUIRE(s);
  CAF_CHECK_EQUAL(s->marks, (std::vector<uint64_t>{1, 1, 1, 1}));
}

CAF_TEST(diff compares on the digests both runs have) {
  aggregator_settings settings;
  settings.format = output_format::json;
  settings.diff = true;
  auto both = ok(0);
  both.digests.push_back(digest_value{"sha256", {0x01}});
  // h/0: the earlier run had sha256 only, equal: unchanged. h/1: it had
  // sha256 and a different sha512: changed. h/2: it had md5 only: nothing to
  // compare, so new.
  settings.previous_run = {
    {"http://h/0", {{"sha256", "01"}}},
    {"http://h/1", {{"sha256", "01"}, {"sha512", "ffff"}}},
    {"http://h/2", {{"md5", "00"}}}};
  auto agg = sys.spawn(aggregator, settings, &out, &err, nullptr);
  sched.run();
  for (uint64_t i = 0; i < 3; ++i) {
    auto r = ok(i);
    r.digests.push_back(digest_value{"sha256", {0x01}});
    self->send(agg, r);
  }
  self->send(agg, input_end{3, {}, false});
  deliver();
  auto s = summary(agg);
  CAF_REQUIRE(s);
  CAF_CHECK_EQUAL(s->marks, (std::vector<uint64_t>{1, 1, 1, 0}));
}

CAF_TEST(a 304 record carries the digests of the earlier run and is unchanged) {
  aggregator_settings settings;
  settings.format = output_format::json;
  settings.diff = true;
  settings.algorithms = {"sha256", "sha512"};
  settings.previous_run = {
    {"http://h/0", {{"sha512", "ab00"}, {"md5", "99"}, {"sha256", "0102"}}},
    {"http://h/1", {{"sha512", "ab01"}}}};
  auto agg = sys.spawn(aggregator, settings, &out, &err, nullptr);
  sched.run();
  auto not_modified = [](uint64_t url_seq) {
    auto r = ok(url_seq);
    r.digests.clear(); // the hasher hashes no 304 body
    r.report.http_status = 304;
    r.report.bytes = 0;
    r.report.not_modified = true;
    return r;
  };
  self->send(agg, not_modified(0));
  // h/1's earlier record lacks sha256: a 304 cannot be turned into a whole
  // record (the source never asks then); a fault, never a record without it.
  self->send(agg, not_modified(1));
  self->send(agg, input_end{2, {}, false});
  deliver();
  auto text = out.str();
  auto first = text.substr(0, text.find('\n'));
  CAF_CHECK(first.find("\"digests\":{\"sha256\":\"0102\",\"sha512\":\"ab00\"}")
            != std::string::npos);
  CAF_CHECK(first.find("\"http_status\":304") != std::string::npos);
  CAF_CHECK(first.find("\"mark\":\"unchanged\"") != std::string::npos);
  CAF_CHECK(first.find("\"not_modified\":true") != std::string::npos);
  auto second = text.substr(text.find('\n') + 1);
  CAF_CHECK(second.find("\"error\":\"internal\"") != std::string::npos);
  CAF_CHECK(second.find("no sha256 digest") != std::string::npos);
  CAF_CHECK(second.find("\"not_modified\":false") != std::string::npos);
  auto s = summary(agg);
  CAF_REQUIRE(s);
  CAF_CHECK_EQUAL(s->ok, 1u);
  CAF_CHECK_EQUAL(s->failed, 1u);
  CAF_CHECK_EQUAL(s->not_modified, 1u);
  CAF_CHECK_EQUAL(s->marks, (std::vector<uint64_t>{0, 0, 1, 0}));
}

CAF_TEST(a URL listed twice is compared twice and its 304 still finds the digests) {
  aggregator_settings settings;
  settings.format = output_format::json;
  settings.diff = true;
  settings.algorithms = {"sha512"};
  settings.previous_run = {{"http://h/0", hex_digests(ok(0))}};
  auto agg = sys.spawn(aggregator, settings, &out, &err, nullptr);
  sched.run();
  // The second listing (a full fetch) ends first; the first listing's 304
  // comes after it.
  auto fetched = ok(0);
  fetched.url_seq = 1;
  self->send(agg, fetched);
  auto not_modified = ok(0);
  not_modified.digests.clear();
  not_modified.report.http_status = 304;
  not_modified.report.not_modified = true;
  self->send(agg, not_modified);
  self->send(agg, input_end{2, {}, false});
  deliver();
  auto s = summary(agg);
  CAF_REQUIRE(s);
  CAF_CHECK_EQUAL(s->ok, 2u);
  CAF_CHECK_EQUAL(s->failed, 0u);
  CAF_CHECK_EQUAL(s->not_modified, 1u);
  CAF_CHECK_EQUAL(s->marks, (std::vector<uint64_t>{0, 0, 2, 0}));
}

CAF_TEST(sum lines stay as sha512sum writes them and the marks go to stderr) {
  auto agg = run_diff_of_three(output_format::sum);
  CAF_CHECK_EQUAL(out.str(), line(0) + line(1) + line(2));
  CAF_CHECK_EQUAL(err.str(), "fetchsum: http://h/1: changed\n"
                             "fetchsum: http://h/2: new\n"
                             "fetchsum: http://h/9: gone\n");
}

CAF_TEST(records from the journal are written out but not journaled again) {
  journal_enabled = true;
  auto agg = spawn_aggregator();
  auto earlier = ok(0);
  earlier.journaled = true;
  self->send(agg, earlier);
  self->send(agg, ok(1));
  self->send(agg, input_end{2, {}, false, 1});
  deliver();
  CAF_CHECK_EQUAL(out.str(), line(0) + line(1));
  CAF_CHECK(journal.str().find("http://h/0") == std::string::npos);
  CAF_CHECK(journal.str().find("http://h/1") != std::string::npos);
  auto s = summary(agg);
  CAF_REQUIRE(s);
  CAF_CHECK_EQUAL(s->ok, 2u);
  CAF_CHECK_EQUAL(s->from_journal, 1u);
  CAF_CHECK_EQUAL(s->bytes, 10u); // downloaded now: the journal record's bytes are not
}

CAF_TEST(check verdicts need every named digest and escape names) {
  aggregator_settings settings;
  settings.check = true;
  settings.keep_order = true;
  auto agg = sys.spawn(aggregator, settings, &out, &err, nullptr);
  sched.run();
  auto expecting = [](url_result r, std::vector<digest_value> expected) {
    r.expected = std::move(expected);
    return r;
  };
  auto matching = ok(0).digests;
  auto half = matching;
  half.push_back(digest_value{"sha256", {0x99}});
  auto tricky = ok(3);
  tricky.url = "http://h/a\nhttp://h/b";
  self->send(agg, expecting(ok(1), half));                        // one of two differs
  self->send(agg, expecting(ok(0), matching));                    // OK
  self->send(agg, expecting(ok(2), {digest_value{"md5", {1}}})); // nothing computed to compare
  self->send(agg, expecting(tricky, ok(3).digests));
  self->send(agg, input_end{4, {}, false});
  deliver();
  // In input order, whatever the order of completion.
  CAF_CHECK_EQUAL(out.str(), "http://h/0: OK\n"
                             "http://h/1: FAILED\n"
                             "http://h/2: FAILED\n"
                             "\\http://h/a\\nhttp://h/b: OK\n");
  auto s = summary(agg);
  CAF_REQUIRE(s);
  CAF_CHECK_EQUAL(s->verified, 2u);
  CAF_CHECK_EQUAL(s->mismatched, 2u);
}

CAF_TEST(check with ignore missing drops 404 and 410 verdicts) {
  aggregator_settings settings;
  settings.check = true;
  settings.ignore_missing = true;
  settings.keep_order = true;
  auto agg = sys.spawn(aggregator, settings, &out, &err, nullptr);
  sched.run();
  auto missing = [](uint64_t url_seq, uint32_t status) {
    auto r = failed(url_seq);
    r.report.error = error_kind::http_status;
    r.report.http_status = status;
    r.report.message = "HTTP " + std::to_string(status);
    return r;
  };
  self->send(agg, missing(0, 404));
  self->send(agg, missing(1, 410));
  self->send(agg, missing(2, 403));
  self->send(agg, input_end{3, {}, false});
  deliver();
  CAF_CHECK_EQUAL(out.str(), "http://h/2: FAILED open or read\n");
  auto s = summary(agg);
  CAF_REQUIRE(s);
  CAF_CHECK_EQUAL(s->missing, 2u);
  CAF_CHECK_EQUAL(s->failed, 1u);
  CAF_CHECK_EQUAL(s->unreadable, 1u);
}

CAF_TEST(json puts failures on stdout) {
  auto agg = spawn_aggregator(false, output_format::json);
  self->send(agg, failed(0));
  self->send(agg, input_end{1, {}, false});
  deliver();
  CAF_CHECK_EQUAL(err.str(), "");
  CAF_CHECK(out.str().find("\"error\":\"connect\"") != std::string::npos);
}

CAF_TEST(a missing record is reported at the end) {
  auto agg = spawn_aggregator();
  self->send(agg, ok(0));
  self->send(agg, input_end{2, {}, false});
  deliver();
  CAF_CHECK(err.str().find("1 records went missing") != std::string::npos);
  auto s = summary(agg);
  CAF_REQUIRE(s);
  CAF_CHECK_EQUAL(s->failed, 1u);
}

CAF_TEST(a failed write is reported and the records are still counted) {
  auto agg = spawn_aggregator();
  self->send(agg, ok(0));
  deliver();
  sched.trigger_timeouts();
  deliver();
  CAF_CHECK_EQUAL(out.str(), line(0));
  out.setstate(std::ios::badbit); // the disk is full, say
  self->send(agg, ok(1));
  deliver();
  sched.trigger_timeouts();
  deliver();
  out.clear(); // room again: still nothing more goes to a failed output
  self->send(agg, ok(2));
  self->send(agg, input_end{3, {}, false});
  deliver();
  CAF_CHECK_EQUAL(out.str(), line(0));
  auto s = summary(agg);
  CAF_REQUIRE(s);
  CAF_CHECK_EQUAL(s->ok, 3u);
  CAF_CHECK_EQUAL(s->write_errors,
                  std::vector<std::string>{"output stream: Input/output error"});
}

CAF_TEST(a failed journal write is reported and output goes on) {
  journal_enabled = true;
  auto agg = spawn_aggregator();
  journal.setstate(std::ios::badbit);
  self->send(agg, ok(0));
  self->send(agg, ok(1));
  self->send(agg, input_end{2, {}, false});
  deliver();
  CAF_CHECK_EQUAL(out.str(), line(0) + line(1));
  auto s = summary(agg);
  CAF_REQUIRE(s);
  CAF_CHECK_EQUAL(s->write_errors.size(), 1u); // once, not once per record
}

CAF_TEST(the summary says how many URLs an interrupt left unstarted) {
  auto agg = spawn_aggregator();
  input_end end;
  end.interrupted = true;
  end.never_started = 7;
  end.list_unread = true;
  self->send(agg, end);
  deliver();
  auto s = summary(agg);
  CAF_REQUIRE(s);
  CAF_CHECK_EQUAL(s->never_started, 7u);
  CAF_CHECK(s->list_unread);
}

CAF_TEST_FIXTURE_SCOPE_END()
