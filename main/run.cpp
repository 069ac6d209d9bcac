#include "main/run.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <poll.h>
#include <pthread.h>
#include <stdexcept>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <thread>
#include <unistd.h>

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/aggregator.hpp"
#include "actors/cluster.hpp"
#include "actors/fetcher.hpp"
#include "actors/hasher.hpp"
#include "actors/progress.hpp"
#include "actors/source.hpp"
#include "actors/supervisor.hpp"
#include "detail/tls_files.hpp"

namespace fetchsum {

namespace {

/// The signals run()'s signal thread takes: SIGUSR1 asks for a status line
/// (as dd does); every other one interrupts the run like SIGINT: records
/// flushed, exit 128 + the signal. Besides SIGINT, SIGTERM and SIGHUP these
/// are the signals whose default action ends a process without a core dump:
/// left to that default, anyone sending one would lose the records still
/// buffered (up to 200 ms of them).
sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM,
                  SIGVTALRM, SIGPROF, SIGIO})
    sigaddset(&set, sig);
  for (int sig = SIGRTMIN; sig <= SIGRTMAX; ++sig)
    sigaddset(&set, sig);
  return set;
}

/// SIGUSR1: one line on stderr with the counts so far. Written with one
/// write(2), so it never lands inside another line.
void print_status(caf::actor_system& sys, const supervisor_actor& supervisor,
                  const aggregator_actor& aggregator,
                  std::chrono::steady_clock::time_point started,
                  bool erase_progress) {
  caf::scoped_actor self{sys};
  admission_counts admitted;
  record_counts records;
  bool answered = true;
  auto failed = [&](const caf::error&) { answered = false; };
  self->request(supervisor, std::chrono::seconds(1), caf::get_atom_v)
    .receive([&](admission_counts& x) { admitted = x; }, failed);
  self->request(aggregator, std::chrono::seconds(1), caf::get_atom_v)
    .receive([&](record_counts& x) { records = x; }, failed);
  if (!answered) // the run is ending
    return;
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                            - started)
                .count();
  char buf[256];
  auto n = std::snprintf(
    buf, sizeof(buf),
    "%sfetchsum: %llu URLs read%s, %llu running, %llu done (%llu ok, %llu "
    "failed), %.1f MB in %.2f s\n",
    erase_progress ? "\r\x1b[K" : "",
    static_cast<unsigned long long>(admitted.admitted),
    admitted.input_done ? " (all)" : "",
    static_cast<unsigned long long>(admitted.in_flight),
    static_cast<unsigned long long>(records.ok + records.failed),
    static_cast<unsigned long long>(records.ok),
    static_cast<unsigned long long>(records.failed), records.bytes / 1e6, secs);
  if (n > 0) {
    auto ignored = ::write(STDERR_FILENO, buf,
                           std::min<size_t>(static_cast<size_t>(n),
                                            sizeof(buf) - 1));
    static_cast<void>(ignored); // stderr failing cannot be reported anywhere
  }
}

/// Waits for the handled signals and turns SIGINT/SIGTERM/SIGHUP into
/// interrupt messages (the first one starts the grace period, the second
/// ends it) and SIGUSR1 into a status line. It ends when told through an
/// eventfd, never by a signal: a signal anyone can send must not stop it and
/// leave Ctrl-C ignored for the rest of the run.
class signal_thread {
public:
  signal_thread(caf::actor_system& sys, supervisor_actor supervisor,
                aggregator_actor aggregator,
                std::chrono::steady_clock::time_point started,
                bool erase_progress) {
    auto set = handled_signals();
    signals_ = signalfd(-1, &set, SFD_CLOEXEC);
    stop_ = eventfd(0, EFD_CLOEXEC);
    if (signals_ < 0 || stop_ < 0)
      throw std::runtime_error(std::string{"signal thread: "}
                               + std::strerror(errno));
    thread_ = std::thread{[=, &sys] {
      loop(sys, supervisor, aggregator, started, erase_progress);
    }};
  }

  ~signal_thread() {
    uint64_t one = 1;
    auto ignored = ::write(stop_, &one, sizeof(one));
    static_cast<void>(ignored); // an eventfd write of 1 cannot fail here
    thread_.join();
    ::close(signals_);
    ::close(stop_);
  }

  int received() const {
    return received_;
  }

private:
  void loop(caf::actor_system& sys, supervisor_actor supervisor,
            aggregator_actor aggregator,
            std::chrono::steady_clock::time_point started,
            bool erase_progress) {
    pollfd fds[2] = {{signals_, POLLIN, 0}, {stop_, POLLIN, 0}};
    for (;;) {
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR)
          continue;
        return;
      }
      if (fds[1].revents != 0)
        return;
      signalfd_siginfo info;
      if (::read(signals_, &info, sizeof(info)) != sizeof(info))
        continue;
      auto sig = static_cast<int>(info.ssi_signo);
      if (sig == SIGUSR1) {
        print_status(sys, supervisor, aggregator, started, erase_progress);
        continue;
      }
      int none = 0;
      received_.compare_exchange_strong(none, sig);
      caf::anon_send(supervisor, interrupt_atom_v);
    }
  }

  int signals_ = -1;
  int stop_ = -1;
  std::atomic<int> received_{0};
  std::thread thread_;
};

} // namespace

void block_stop_signals() {
  auto set = handled_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

run_outcome run(caf::actor_system& sys, const fetchsum_config& cfg,
                std::vector<source_input> inputs, detail::output_file out,
                std::ostream& err, detail::output_file journal,
                std::shared_ptr<detail::journaled_records> journaled) {
  auto started = std::chrono::steady_clock::now();
  auto aggregator_handle = sys.spawn(aggregator, cfg.aggregator,
                                     std::move(out), &err, std::move(journal));
  // Detached: reading stdin may block, and must not block a scheduler thread.
  auto source_handle = sys.spawn<caf::detached>(source, std::move(inputs),
                                                std::move(journaled),
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
  // --nodes: the cluster actor brings the nodes' worker groups. Detached:
  // its TCP probe of a node blocks (briefly).
  cluster_actor cluster_handle;
  if (!cfg.cluster.nodes.empty()) {
    cluster_hooks hooks;
    hooks.probe = [timeout = cfg.cluster.probe_timeout, tls = cfg.cluster.tls,
                   files = detail::tls_files{cfg.cluster_cert, cfg.cluster_key,
                                             cfg.cluster_ca}](
                    const detail::endpoint& address) {
      return tls ? detail::probe_tls(address, files, timeout)
                 : detail::probe_tcp(address, timeout);
    };
    hooks.connector = cfg.cluster.tls ? sys.openssl_manager().actor_handle()
                                      : sys.middleman().actor_handle();
    hooks.log = [erase = cfg.show_progress](const std::string& text) {
      // One write(2) per line, so it never lands inside another line.
      auto line = (erase ? "\r\x1b[K" : "") + std::string{"fetchsum: "}
                  + text + "\n";
      auto ignored = ::write(STDERR_FILENO, line.data(), line.size());
      static_cast<void>(ignored); // nowhere to report a failing stderr
    };
    cluster_handle = sys.spawn<caf::detached>(
      cluster, cfg.cluster, worker_settings{cfg.fetcher, cfg.hasher},
      supervisor_handle, std::move(hooks));
  }
  progress_actor progress_handle;
  if (cfg.show_progress)
    progress_handle = sys.spawn(progress, supervisor_handle, aggregator_handle,
                                &err, caf::timespan{std::chrono::milliseconds(100)});
  run_outcome outcome;
  {
    signal_thread signals{sys, supervisor_handle, aggregator_handle, started,
                          cfg.show_progress};
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
  if (cluster_handle)
    caf::anon_send_exit(cluster_handle, caf::exit_reason::user_shutdown);
  outcome.seconds = std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  return outcome;
}

int exit_status(const run_outcome& outcome, bool strict) {
  if (outcome.signal != 0 || outcome.summary.interrupted)
    return 128 + (outcome.signal != 0 ? outcome.signal : SIGINT);
  if (!outcome.summary.read_error.empty()
      || !outcome.summary.write_errors.empty())
    return 2;
  auto& s = outcome.summary;
  // A lost node is a fault the operator must see, even when every URL it
  // held ran again elsewhere.
  if (s.failed > 0 || s.duplicates > 0 || s.mismatched > 0 || s.nodes.lost > 0
      || (strict && s.malformed > 0) || !s.unformatted_lists.empty())
    return 1;
  // -c --ignore-missing with every URL missing: nothing was verified.
  if (s.missing > 0 && s.verified == 0 && s.unreadable == 0)
    return 1;
  return 0;
}

namespace {

/// --nodes: ", 1 node lost, 20 re-run after node loss, 3 late results
/// dropped", each part only when it happened.
std::string node_text(const node_counts& nodes) {
  std::string text;
  if (nodes.lost > 0)
    text += ", " + std::to_string(nodes.lost) + " node"
            + (nodes.lost == 1 ? "" : "s") + " lost";
  if (nodes.reruns > 0)
    text += ", " + std::to_string(nodes.reruns) + " re-run after node loss";
  if (nodes.late_results > 0)
    text += ", " + std::to_string(nodes.late_results)
            + " late results dropped";
  return text;
}

} // namespace

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
              + std::to_string(s.marks[2]) + " unchanged"
              + (s.not_modified > 0
                   ? " (" + std::to_string(s.not_modified) + " not modified, 304)"
                   : std::string{})
              + ", "
              + std::to_string(s.marks[3]) + " gone";
  if (s.from_journal > 0)
    failed += ", " + std::to_string(s.from_journal) + " from the journal";
  auto nodes = node_text(s.nodes);
  failed += nodes;
  // What a re-run would still have to do.
  std::string interrupted;
  if (s.interrupted) {
    interrupted = ", interrupted";
    if (s.never_started > 0)
      interrupted += ", " + std::to_string(s.never_started) + " URL"
                     + (s.never_started == 1 ? "" : "s") + " never started";
    if (s.list_unread)
      interrupted += ", rest of the list not read";
  }
  char rates[160];
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
    std::snprintf(rates, sizeof(rates), ", %.1f MB in %.2f s", s.bytes / 1e6,
                  outcome.seconds);
    return "fetchsum: " + verdicts + nodes + rates + interrupted;
  }
  // Rates of what this run fetched: re-emitted journal records cost nothing.
  std::snprintf(rates, sizeof(rates),
                ", %.1f MB in %.2f s (%.0f URL/s, %.1f MB/s)", s.bytes / 1e6,
                outcome.seconds, (urls - s.from_journal) / secs,
                s.bytes / 1e6 / secs);
  return "fetchsum: " + std::to_string(urls) + " URLs, " + std::to_string(s.ok)
         + " ok, " + failed + rates + interrupted;
}

} // namespace fetchsum
