// fetchsum: sha512sum for URLs, at scale. main only wires: parse, validate,
// spawn, wait, exit code.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <algorithm>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <curl/curl.h>

#include "config/command_line.hpp"
#include "config/fetchsum_config.hpp"
#include "detail/checksum_line.hpp"
#include "detail/digest.hpp"
#include "detail/journal.hpp"
#include "detail/line_reader.hpp"
#include "detail/output_file.hpp"
#include "main/demo.hpp"
#include "main/inputs.hpp"
#include "main/node.hpp"
#include "main/run.hpp"

using namespace fetchsum;

namespace {

int usage_error(const std::string& message) {
  std::cerr << "fetchsum: " << message << "\n";
  return 2;
}

/// --diff compares digests: it needs one both runs compute.
std::string check_common_digest(const std::vector<std::string>& earlier,
                                const std::vector<std::string>& now) {
  if (earlier.empty())
    return {}; // no OK record: every URL is new
  for (auto& name : earlier)
    if (std::find(now.begin(), now.end(), name) != now.end())
      return {};
  auto join = [](const std::vector<std::string>& names) {
    std::string out;
    for (auto& name : names)
      out += (out.empty() ? "" : ",") + name;
    return out;
  };
  return "--diff: the earlier run has " + join(earlier) + ", this run computes "
         + join(now) + ": no digest in common to compare (use --algo "
         + earlier.front() + ")";
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
  if (demo && cli.inputs.size() > 1)
    return usage_error("demo takes no URL list");
  bool node_command = !cli.positional.empty()
                      && cli.positional.front() == "node";
  if (node_command) {
    if (cli.inputs.size() > 1)
      return usage_error("node takes no URL list: coordinators send the URLs");
    if (!cfg.cluster.nodes.empty())
      return usage_error("a node takes no --nodes");
    if (auto problem = cfg.validate_node(); !problem.empty())
      return usage_error(problem);
    block_stop_signals();
    cfg.load<caf::io::middleman>();
    if (cfg.node.tls)
      cfg.load<caf::openssl::manager>();
    caf::actor_system sys{cfg};
    auto status = run_node(sys, cfg);
    // Leave without the actor system's teardown: with remote peers it can
    // wait forever for actors the middleman still references (seen with
    // CAF 0.17.6), and a stopping node has nothing left to write. Its
    // coordinators see the link drop and run its transfers elsewhere.
    std::cerr.flush();
    std::_Exit(status);
  }
  if (!cfg.listen.empty() || cfg.cluster_plaintext)
    return usage_error(std::string{cfg.listen.empty() ? "--cluster-plaintext"
                                                      : "--listen"}
                       + " is an option of 'fetchsum node'");
  if (cfg.cluster.tls && cfg.cluster.nodes.empty())
    return usage_error("the --cluster-* TLS options need --nodes (or 'fetchsum node')");
  if (demo && !cfg.cluster.nodes.empty())
    return usage_error("demo runs in one process: --nodes is for URL lists");
  // The INI file's lists come first, then the command line's in order.
  std::vector<input_argument> arguments;
  for (auto& path : cfg.input_files)
    arguments.push_back({path, true});
  arguments.insert(arguments.end(), cli.inputs.begin(), cli.inputs.end());
  std::vector<source_input> inputs;
  if (!demo)
    if (auto problem = prepare_inputs(cfg, arguments, inputs);
        !problem.empty())
      return usage_error(problem);
  if (cfg.check && !demo) {
    cfg.hasher.algorithms.clear();
    for (auto& name : algorithms_to_check(inputs))
      if (detail::is_known_digest(name))
        cfg.hasher.algorithms.push_back(name);
    if (cfg.hasher.algorithms.empty())
      return usage_error("no checksum line names a digest OpenSSL knows");
  }
  // --journal: re-emit what a previous run finished OK, append the rest.
  std::shared_ptr<detail::journaled_records> journaled;
  detail::output_file journal;
  if (!cfg.journal.empty() && !demo) {
    journaled = std::make_shared<detail::journaled_records>();
    if (auto problem = detail::resume_journal(cfg.journal,
                                              cfg.hasher.algorithms,
                                              *journaled);
        !problem.empty())
      return usage_error(problem);
    std::string problem;
    journal = detail::output_file::open(cfg.journal, true, problem);
    if (!journal)
      return usage_error(problem);
  }
  if (!cfg.diff.empty()) {
    std::vector<std::string> earlier_algorithms;
    std::shared_ptr<conditional_requests> conditional;
    if (!cfg.no_conditional)
      conditional = std::make_shared<conditional_requests>();
    if (auto problem = detail::load_previous_run(
          cfg.diff, cfg.aggregator.previous_run, earlier_algorithms,
          conditional.get(), cfg.hasher.algorithms);
        !problem.empty())
      return usage_error(problem);
    cfg.source.conditional = std::move(conditional);
    cfg.aggregator.algorithms = cfg.hasher.algorithms;
    if (auto problem = check_common_digest(earlier_algorithms,
                                           cfg.hasher.algorithms);
        !problem.empty())
      return usage_error(problem);
    cfg.aggregator.diff = true;
  }
  // Records go through output_file, which checks every write. -o opens
  // before anything is fetched, but after every input check, so a refused
  // run leaves an existing FILE as it was; a directory is refused, a device
  // or FIFO is written as it is.
  auto out = detail::output_file::from_descriptor(STDOUT_FILENO,
                                                  "standard output");
  if (!cfg.output.empty()) {
    std::string problem;
    out = detail::output_file::open(cfg.output, false, problem);
    if (!out)
      return usage_error(problem);
  }
  std::ios::sync_with_stdio(false);
  block_stop_signals();
  // The middleman only for --nodes: a run on this machine alone needs no
  // network layer, its thread, or its teardown (whose broker LeakSanitizer
  // once caught outliving a plain run's actor system).
  if (!cfg.cluster.nodes.empty()) {
    cfg.load<caf::io::middleman>();
    if (cfg.cluster.tls)
      cfg.load<caf::openssl::manager>();
  }
  caf::actor_system sys{cfg};
  int status = 0;
  if (demo) {
    status = run_demo(sys, cfg);
  } else {
    run_outcome outcome;
    try {
      outcome = run(sys, cfg, std::move(inputs), out, std::cerr, journal,
                    journaled);
    } catch (std::exception& e) {
      // Only the set-up can throw (the signal thread without descriptors,
      // say), before any URL is admitted: nothing is lost, nothing to flush.
      std::cerr << "fetchsum: cannot start: " << e.what() << "\n";
      std::_Exit(2);
    }
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
      std::cerr << summary_line(outcome, cfg.check) << "\n";
    status = exit_status(outcome, cfg.strict);
    if (outcome.signal != 0) {
      // The source may still block on stdin; everything is written and
      // flushed, so leave without waiting for it.
      std::cerr.flush();
      std::_Exit(status);
    }
  }
  if (!cfg.cluster.nodes.empty()) {
    // Every record is written and closed. The actor system's teardown can
    // wait forever for actors the middleman still references after a run
    // with remote nodes (seen with CAF 0.17.6): leave without it.
    std::cout.flush();
    std::cerr.flush();
    std::_Exit(status);
  }
  return status;
}
