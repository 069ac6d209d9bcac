// fetchsum's configuration: every option, its flag, INI key and default.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>

#include "config/settings.hpp"

namespace fetchsum {

/// All options live here as member fields bound to CAF's option set (group
/// "global"), so `--concurrency=64`, `-j 64` and `concurrency=64` in the INI
/// file all set the same field. validate() turns them into the settings
/// structs the actors take.
class fetchsum_config : public caf::actor_system_config {
public:
  fetchsum_config();

  // -- raw options, as typed by the user ------------------------------------

  int64_t concurrency = 256;
  int64_t per_host = 6;
  int64_t fetchers = 0; // 0: automatic
  int64_t hashers = 0;  // 0: one per core
  std::string algorithms = "sha512";
  std::string format = "sum";
  std::string output;
  std::string journal;
  std::string diff;
  /// --no-conditional: --diff sends no If-None-Match/If-Modified-Since.
  bool no_conditional = false;
  bool keep_order = false;
  int64_t order_window = 10000;
  bool ignore_missing = false;
  int64_t max_redirs = 10;
  double connect_timeout = 10;
  double max_time = 300;
  double stall_time = 30;
  int64_t max_size = 0;
  bool insecure = false;
  std::string user_agent = "fetchsum/0.1";
  std::vector<std::string> headers;
  std::string cacert;
  bool allow_downgrade = false;
  int64_t chunk_size = 256 * 1024;
  int64_t window = 1024 * 1024;
  double grace = 2;
  int64_t retries = 3;
  double retry_delay = 1;
  double retry_max_delay = 60;
  int64_t max_throttled = 10;
  double rate = 0;
  int64_t burst = 1;
  bool quiet = false;
  bool check = false;
  bool status = false;
  bool strict = false;
  bool warn = false;
  bool verbose = false;
  std::string progress = "auto";
  /// Whether to draw the progress line, from `progress`, `quiet` and
  /// whether stderr is a terminal; set by validate().
  bool show_progress = false;
  int64_t demo_documents = 3000;
  std::vector<std::string> nodes;
  double node_wait = 30;
  std::string listen;
  std::string cluster_cert;
  std::string cluster_key;
  std::string cluster_ca;
  bool cluster_plaintext = false;
  std::string test_crash_marker;
  /// INI `input-file = [...]`: lists read before the command line's
  /// (-i/--input-file on the command line is taken in argument order).
  std::vector<std::string> input_files;
  /// -c: the URL relative names of local checksum files resolve against.
  std::string base;
  // Credentials, proxies, name pinning: curl's names and meanings.
  std::string user;
  bool netrc = false;
  std::string netrc_file;
  std::string proxy;
  std::string noproxy;
  std::string cert;
  std::string key;
  std::vector<std::string> resolve;
  std::vector<std::string> connect_to;
  bool ipv4 = false;
  bool ipv6 = false;
  std::string limit_rate = "0";

  // -- validated settings, filled by validate() -----------------------------

  source_settings source;
  hasher_settings hasher;
  fetcher_settings fetcher;
  supervisor_settings supervisor;
  aggregator_settings aggregator;
  /// --nodes; empty nodes: a one-process run.
  cluster_settings cluster;
  /// `fetchsum node`: set by validate_node().
  node_settings node;

  /// The checks of the cluster options, part of validate().
  std::string validate_cluster();

  /// The checks of the credential, proxy and name-pinning options, part of
  /// validate(): fills their fields of `fetcher`.
  std::string validate_access();

  /// The checks of `fetchsum node`, after validate(): --listen, TLS files,
  /// plaintext only on loopback. Empty on success, else one line.
  std::string validate_node();

  /// Checks every option and fills the settings structs. Returns an empty
  /// string on success, otherwise one line saying what is wrong.
  std::string validate();

  /// The checks of validate() for CAF's own options (scheduler.*), which CAF
  /// itself takes as given.
  std::string validate_caf_options() const;

  /// The option set, for the command-line parser and --help.
  const caf::config_option_set& options() const {
    return custom_options_;
  }
};

} // namespace fetchsum
