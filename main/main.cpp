// fetchsum: sha512sum for URLs, at scale. main only wires: parse, validate,
// spawn, wait, exit code.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <curl/curl.h>

#include "config/command_line.hpp"
#include "config/fetchsum_config.hpp"
#include "detail/checksum_line.hpp"
#include "detail/digest.hpp"
#include "detail/journal.hpp"
#include "detail/output_file.hpp"
#include "main/demo.hpp"
#include "main/run.hpp"

using namespace fetchsum;

namespace {

int usage_error(const std::string& message) {
  std::cerr << "fetchsum: " << message << "\n";
  return 2;
}

/// -c/--check: the digests the checksum lists name, so the hashers compute
/// them all. Standard input cannot be read twice: then every digest a
/// checksum line can name by its length.
std::vector<std::string> algorithms_to_check(const std::vector<std::string>& lists) {
  std::set<std::string> names;
  bool from_stdin = lists.empty();
  for (auto& path : lists) {
    if (path == "-") {
      from_stdin = true;
      continue;
    }
    std::ifstream in{path};
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r')
        line.pop_back();
      if (auto parsed = detail::parse_checksum_line(line))
        names.insert(parsed->digest.algo);
    }
  }
  if (from_stdin)
    names.insert({"md5", "sha1", "sha224", "sha256", "sha384", "sha512"});
  if (names.empty())
    names.insert("sha512");
  return {names.begin(), names.end()};
}

/// Lists must be readable before anything is fetched.
std::string check_lists(const std::vector<std::string>& lists) {
  for (auto& path : lists) {
    if (path == "-")
      continue;
    std::ifstream in{path};
    if (!in)
      return path + ": " + std::strerror(errno);
  }
  return {};
}

} // namespace

int main(int argc, char** argv) {
  fetchsum_config cfg;
  command_line cli;
  if (auto problem = parse_command_line(cfg, argc, argv, cli); !problem.empty())
    return usage_error(problem);
  if (cli.caf_printed)
    return 0;
  if (cli.help) {
    std::cout << help_text(cfg);
    return 0;
  }
  if (cli.version) {
    std::cout << "fetchsum 0.1.0 (CAF 0.17.6, " << curl_version() << ")\n";
    return 0;
  }
  if (auto problem = cfg.validate(); !problem.empty())
    return usage_error(problem);
  bool demo = !cli.positional.empty() && cli.positional.front() == "demo";
  if (demo && cli.positional.size() > 1)
    return usage_error("demo takes no URL list");
  if (auto problem = check_lists(cli.positional); !demo && !problem.empty())
    return usage_error(problem);
  // Records go through output_file, which checks every write. -o opens
  // before anything is fetched; a directory is refused, a device or FIFO is
  // written as it is.
  auto out = detail::output_file::from_descriptor(STDOUT_FILENO,
                                                  "standard output");
  if (!cfg.output.empty()) {
    std::string problem;
    out = detail::output_file::open(cfg.output, false, problem);
    if (!out)
      return usage_error(problem);
  }
  // --journal: keep what a previous run finished OK, append the rest.
  std::shared_ptr<const std::unordered_set<std::string>> journaled;
  detail::output_file journal;
  if (!cfg.journal.empty() && !demo) {
    std::string problem;
    auto done = detail::resume_journal(cfg.journal, problem);
    if (!problem.empty())
      return usage_error(problem);
    journaled = std::make_shared<const std::unordered_set<std::string>>(
      std::move(done));
    journal = detail::output_file::open(cfg.journal, true, problem);
    if (!journal)
      return usage_error(problem);
  }
  if (!cfg.diff.empty()) {
    std::string problem;
    cfg.aggregator.previous_run = detail::load_previous_run(cfg.diff, problem);
    if (!problem.empty())
      return usage_error(problem);
    cfg.aggregator.diff = true;
  }
  if (cfg.check) {
    cfg.hasher.algorithms.clear();
    for (auto& name : algorithms_to_check(cli.positional))
      if (detail::is_known_digest(name))
        cfg.hasher.algorithms.push_back(name);
    if (cfg.hasher.algorithms.empty())
      return usage_error("no checksum line names a digest OpenSSL knows");
  }
  std::ios::sync_with_stdio(false);
  block_stop_signals();
  cfg.load<caf::io::middleman>();
  caf::actor_system sys{cfg};
  int status = 0;
  if (demo) {
    status = run_demo(sys, cfg);
  } else {
    auto outcome = run(sys, cfg, cli.positional, out, std::cerr, journal,
                       journaled);
    // A failed close loses records too (NFS reports write errors there).
    auto& write_errors = outcome.summary.write_errors;
    for (auto* file : {&out, &journal})
      if (!file->close()
          && std::count(write_errors.begin(), write_errors.end(),
                        file->error()) == 0)
        write_errors.push_back(file->error());
    for (auto& problem : write_errors)
      std::cerr << "fetchsum: write error: " << problem << "\n";
    if (!outcome.summary.read_error.empty())
      std::cerr << "fetchsum: " << outcome.summary.read_error << "\n";
    if (outcome.summary.duplicates > 0)
      std::cerr << "fetchsum: internal error: " << outcome.summary.duplicates
                << " duplicate records dropped\n";
    if (!cfg.quiet && !(cfg.check && cfg.status))
      std::cerr << summary_line(outcome) << "\n";
    status = exit_status(outcome, cfg.strict);
    if (outcome.signal != 0) {
      // The source may still block on stdin; everything is written and
      // flushed, so leave without waiting for it.
      std::cerr.flush();
      std::_Exit(status);
    }
  }
  return status;
}
