#include "main/run.hpp"

#include <algorithm>
#include <csignal>
#include <pthread.h>
#include <thread>

#include <caf/scoped_actor.hpp>

#include "actors/aggregator.hpp"
#include "actors/fetcher.hpp"
#include "actors/hasher.hpp"
#include "actors/progress.hpp"
#include "actors/source.hpp"
#include "actors/supervisor.hpp"

namespace fetchsum {

namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1); // run() uses it to end the signal thread
  return set;
}

/// Waits for SIGINT/SIGTERM and turns each into an interrupt message; the
/// first one starts the grace period, the second ends it.
class signal_thread {
public:
  signal_thread(supervisor_actor supervisor)
    : thread_([this, supervisor] { loop(supervisor); }) {
    // nop
  }

  ~signal_thread() {
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
  }

  int received() const {
    return received_;
  }

private:
  void loop(supervisor_actor supervisor) {
    auto set = stop_signals();
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0 || sig == SIGUSR1)
        return;
      if (received_ == 0)
        received_ = sig;
      caf::anon_send(supervisor, interrupt_atom_v);
    }
  }

  std::atomic<int> received_{0};
  std::thread thread_;
};

} // namespace

void block_stop_signals() {
  auto set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

run_outcome run(caf::actor_system& sys, const fetchsum_config& cfg,
                const std::vector<std::string>& lists, std::ostream& out,
                std::ostream& err, std::ostream* journal,
                std::shared_ptr<detail::journaled_records> journaled) {
  auto started = std::chrono::steady_clock::now();
  auto aggregator_handle = sys.spawn(aggregator, cfg.aggregator, &out, &err,
                                     journal);
  // Detached: reading stdin may block, and must not block a scheduler thread.
  auto source_handle = sys.spawn<caf::detached>(source, lists, std::move(journaled),
                                                cfg.source);
  supervisor_children children{
    [settings = cfg.fetcher](caf::actor_system& sys) {
      return caf::actor_cast<fetcher_actor>(sys.spawn<fetcher>(settings));
    },
    [settings = cfg.hasher](caf::actor_system& sys, result_sink_actor sink) {
      return sys.spawn(hasher, settings, std::move(sink));
    }};
  auto supervisor_handle = sys.spawn(supervisor, cfg.supervisor, children,
                                     source_handle, aggregator_handle);
  progress_actor progress_handle;
  if (cfg.show_progress)
    progress_handle = sys.spawn(progress, supervisor_handle, aggregator_handle,
                                &err, caf::timespan{std::chrono::milliseconds(100)});
  run_outcome outcome;
  {
    signal_thread signals{supervisor_handle};
    caf::scoped_actor self{sys};
    caf::anon_send(supervisor_handle, start_atom_v);
    self->request(aggregator_handle, caf::infinite, await_atom_v)
      .receive([&](run_summary& summary) { outcome.summary = summary; },
               [&](caf::error& e) {
                 outcome.summary.read_error = "internal error: "
                                              + sys.render(e);
               });
    outcome.signal = signals.received();
    if (progress_handle) {
      // Stop the redraws for good, then erase the line for the summary.
      self->send_exit(progress_handle, caf::exit_reason::user_shutdown);
      self->wait_for(progress_handle);
      err << "\r\x1b[K" << std::flush;
    }
  }
  caf::anon_send_exit(aggregator_handle, caf::exit_reason::user_shutdown);
  outcome.seconds = std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  return outcome;
}

int exit_status(const run_outcome& outcome, bool strict) {
  if (outcome.signal != 0 || outcome.summary.interrupted)
    return 128 + (outcome.signal != 0 ? outcome.signal : SIGINT);
  if (!outcome.summary.read_error.empty())
    return 2;
  auto& s = outcome.summary;
  if (s.failed > 0 || s.duplicates > 0 || s.mismatched > 0
      || (strict && s.malformed > 0) || !s.unformatted_lists.empty())
    return 1;
  // -c --ignore-missing with every URL missing: nothing was verified.
  if (s.missing > 0 && s.verified == 0 && s.unreadable == 0)
    return 1;
  return 0;
}

std::string summary_line(const run_outcome& outcome, bool check) {
  auto& s = outcome.summary;
  auto urls = s.ok + s.failed + s.missing;
  auto secs = std::max(outcome.seconds, 1e-6);
  // "3 failed (2 http_status, 1 dns)": the kinds, most frequent first.
  std::string failed = std::to_string(s.failed) + " failed";
  std::vector<std::pair<uint64_t, size_t>> kinds;
  for (size_t kind = 0; kind < s.failed_by_kind.size(); ++kind)
    if (s.failed_by_kind[kind] > 0)
      kinds.emplace_back(s.failed_by_kind[kind], kind);
  std::stable_sort(kinds.begin(), kinds.end(),
                   [](auto& x, auto& y) { return x.first > y.first; });
  for (size_t i = 0; i < kinds.size(); ++i)
    failed += (i == 0 ? " (" : ", ") + std::to_string(kinds[i].first) + " "
              + to_string(static_cast<error_kind>(kinds[i].second))
              + (i + 1 == kinds.size() ? ")" : "");
  if (s.marks.size() == 4)
    failed += ", diff: " + std::to_string(s.marks[0]) + " new, "
              + std::to_string(s.marks[1]) + " changed, "
              + std::to_string(s.marks[2]) + " unchanged, "
              + std::to_string(s.marks[3]) + " gone";
  if (s.from_journal > 0)
    failed += ", " + std::to_string(s.from_journal) + " from the journal";
  if (check) {
    // sha256sum -c's terms: verdicts, not transfers. "ok" would count a
    // fetched body whose digest did NOT match.
    auto lines = s.verified + s.mismatched + s.unreadable + s.missing
                 + s.malformed;
    std::string verdicts = std::to_string(lines) + " checksum lines: "
                           + std::to_string(s.verified) + " OK, "
                           + std::to_string(s.mismatched) + " FAILED, "
                           + std::to_string(s.unreadable) + " unreadable, "
                           + std::to_string(s.malformed)
                           + " improperly formatted";
    if (s.missing > 0)
      verdicts += ", " + std::to_string(s.missing) + " missing (ignored)";
    if (s.from_journal > 0)
      verdicts += ", " + std::to_string(s.from_journal) + " from the journal";
    char buf[400];
    std::snprintf(buf, sizeof(buf), "fetchsum: %s, %.1f MB in %.2f s%s",
                  verdicts.c_str(), s.bytes / 1e6, outcome.seconds,
                  s.interrupted ? ", interrupted" : "");
    return buf;
  }
  char buf[320];
  std::snprintf(buf, sizeof(buf),
                "fetchsum: %llu URLs, %llu ok, %s, %.1f MB in %.2f s "
                "(%.0f URL/s, %.1f MB/s)%s",
                static_cast<unsigned long long>(urls),
                static_cast<unsigned long long>(s.ok), failed.c_str(),
                s.bytes / 1e6, outcome.seconds, (urls - s.from_journal) / secs,
                s.bytes / 1e6 / secs, s.interrupted ? ", interrupted" : "");
  return buf;
}

} // namespace fetchsum
