#include "config/fetchsum_config.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

#include <caf/config_option_adder.hpp>

#include "detail/digest.hpp"
#include "detail/endpoint.hpp"
#include "detail/option_values.hpp"
#include "detail/tls_files.hpp"
#include "detail/strings.hpp"
#include "messages/type_ids.hpp"

namespace fetchsum {

fetchsum_config::fetchsum_config() {
  add_message_types<caf::id_block::fetchsum>();
  opt_group{custom_options_, "global"}
    .add(concurrency, "concurrency,j", "transfers in flight at most")
    .add(per_host, "per-host", "transfers in flight per host (scheme://host:port) at most")
    .add(rate, "rate", "requests per second per host at most (0: no limit)")
    .add(burst, "burst", "requests a host may get at once before --rate applies")
    .add(algorithms, "algo,a", "digest(s), comma-separated OpenSSL names: sha512, sha256, sha3-512, blake2b512, md5, ...")
    .add(format, "format", "output format: sum, tag, json or sri")
    .add(output, "output,o", "write records to this file instead of stdout")
    .add(keep_order, "keep-order,k", "write records in input order, not completion order")
    .add(order_window, "order-window", "with -k or -c: records held back at most to keep input order; admission waits when full")
    .add(diff, "diff", "compare with an earlier --format json run: marks each URL new, changed or unchanged, and counts the gone ones; asks servers with the old ETag/Last-Modified, a 304 keeps the old digests")
    .add(no_conditional, "no-conditional", "with --diff: fetch every body again instead of asking If-None-Match/If-Modified-Since")
    .add(journal, "journal", "append every record to this JSON Lines file as it completes; a rerun skips URLs it has OK")
    .add(max_redirs, "max-redirs", "redirects followed at most")
    .add(connect_timeout, "connect-timeout", "seconds allowed to connect")
    .add(max_time, "max-time,m", "seconds allowed per attempt (0: no limit; a body cut off after some bytes resumes)")
    .add(stall_time, "stall-time", "fail a transfer that receives nothing for this many seconds (0: never)")
    .add(max_size, "max-size", "fail bodies larger than this many bytes (0: no limit)")
    .add(insecure, "insecure", "do not verify TLS certificates")
    .add(user_agent, "user-agent,A", "User-Agent header")
    .add(headers, "header,H", "extra request header 'Name: value' (repeatable)")
    .add(cacert, "cacert", "CA bundle to verify TLS peers with")
    .add(allow_downgrade, "allow-downgrade", "follow redirects from https to plain http (otherwise such a URL fails as downgrade)")
    .add(fetchers, "fetchers", "fetcher threads, each driving many transfers (0: automatic)")
    .add(hashers, "hashers", "hasher actors (0: one per core)")
    .add(chunk_size, "chunk-size", "body bytes sent to a hasher per message")
    .add(window, "window", "body bytes per transfer on their way to its hasher before the transfer pauses")
    .add(grace, "grace", "seconds in-flight transfers may finish after SIGINT/SIGTERM")
    .add(retries, "retries", "further attempts after a transient failure (dns, connect, timeout, stall, truncated, HTTP 408/429/5xx)")
    .add(retry_delay, "retry-delay", "backoff base: before attempt n+1 wait a random time up to this * 2^(n-1)")
    .add(retry_max_delay, "retry-max-delay", "cap of every backoff and Retry-After pause")
    .add(max_throttled, "max-throttled", "429 answers per URL before it fails (they do not use up --retries)")
    .add(quiet, "quiet,q", "no summary line on stderr (with -c: no line for URLs that are OK)")
    .add(check, "check,c", "read checksum lists (sha*sum, --tag or SRI lines) and check each URL against them")
    .add(status, "status", "with -c: print nothing, the exit status tells")
    .add(strict, "strict", "with -c: improperly formatted lines make the exit status non-zero")
    .add(warn, "warn,w", "with -c: name every improperly formatted line on stderr")
    .add(ignore_missing, "ignore-missing", "with -c: no verdict and no failure for URLs answered 404 or 410")
    .add(verbose, "verbose,v", "one line of detail per URL on stderr (status, bytes, time, attempts)")
    .add(progress, "progress", "progress line on stderr: auto (when it is a terminal), always or never")
    .add(demo_documents, "demo-documents", "documents served by the built-in demo origin")
    .add(nodes, "nodes", "coordinate these fetchsum nodes (HOST:PORT, comma-separated or repeated) instead of fetching here")
    .add(node_wait, "node-wait", "with --nodes: seconds without any node before the URLs left fail as no_node")
    .add(listen, "listen", "fetchsum node: listen on [HOST:]PORT (HOST: 127.0.0.1, or 0.0.0.0 with TLS)")
    .add(cluster_cert, "cluster-cert", "cluster TLS: this node's or coordinator's certificate (PEM)")
    .add(cluster_key, "cluster-key", "cluster TLS: its private key (PEM)")
    .add(cluster_ca, "cluster-ca", "cluster TLS: accept only peers with a certificate from this CA (PEM)")
    .add(cluster_plaintext, "cluster-plaintext", "fetchsum node: allow listening on a non-loopback address without TLS")
    .add(test_crash_marker, "test-crash-marker", "for tests only: a hasher that sees this text in a body crashes")
    .add(input_files, "input-file,i", "read URLs from this list file (repeatable; '-': stdin), even if its name starts with http:")
    .add(base, "base", "with -c: resolve relative names of local checksum files against this URL")
    .add(user, "user,u", "HTTP Basic credentials, sent only to the host of each URL (never after a redirect to another host)")
    .add(netrc, "netrc", "take credentials for URLs without any from ~/.netrc (a missing file is no error)")
    .add(netrc_file, "netrc-file", "like --netrc, from this file")
    .add(proxy, "proxy,x", "use this proxy: [SCHEME://][USER:PASSWORD@]HOST[:PORT], SCHEME http (default), https, socks4, socks4a, socks5 or socks5h")
    .add(noproxy, "noproxy", "hosts to reach without a proxy, comma-separated ('*': all; overrides no_proxy)")
    .add(cert, "cert", "client certificate (PEM; may hold the key too)")
    .add(key, "key", "private key of --cert (PEM, no passphrase)")
    .add(resolve, "resolve", "connect to these numeric addresses (ADDR[,ADDR...]) for HOST:PORT, asking no DNS (repeatable)")
    .add(connect_to, "connect-to", "connect to HOST2:PORT2 instead for requests to HOST:PORT; empty fields match any or keep the original (repeatable)")
    .add(ipv4, "ipv4,4", "resolve and connect over IPv4 only")
    .add(ipv6, "ipv6,6", "resolve and connect over IPv6 only")
    .add(limit_rate, "limit-rate", "body bytes per second per transfer at most, with an optional K, M or G (1024-based); 0: no limit");
  // CAF's work-stealing scheduler starts at least 4 workers that each wake
  // every 10 ms when idle; one per core, sleeping longer, keeps an idle run
  // near 0% CPU. Command line and INI file can still override both.
  auto cores = std::max(1u, std::thread::hardware_concurrency());
  set("scheduler.max-threads", static_cast<size_t>(cores));
  set("work-stealing.relaxed-sleep-duration", caf::timespan{std::chrono::milliseconds(100)});
  set("logger.verbosity", caf::atom("quiet"));
  // Cluster: a hung node (SIGSTOP) or a cut link is only noticed by
  // heartbeats; these find one within about 3 s. A peer of another version
  // (or another CAF program) is refused at the handshake.
  set("middleman.heartbeat-interval", caf::timespan{std::chrono::milliseconds(500)});
  set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(3)});
  set("middleman.app-identifiers",
      std::vector<std::string>{"fetchsum-0.1.0-cluster-1"});
}

namespace {

std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> result;
  std::stringstream in{text};
  std::string item;
  while (std::getline(in, item, ','))
    result.push_back(item);
  return result;
}

} // namespace

std::string fetchsum_config::validate_caf_options() const {
  // CAF takes its own options as given: 0 scheduler threads divide by zero
  // (SIGFPE), 100000 start that many threads.
  auto threads = caf::get_or(content, "scheduler.max-threads", size_t{1});
  if (threads < 1 || threads > 256)
    return "--scheduler.max-threads must be between 1 and 256, not "
           + std::to_string(threads);
  auto throughput = caf::get_or(content, "scheduler.max-throughput",
                                size_t{1});
  if (throughput < 1)
    return "--scheduler.max-throughput must be at least 1";
  return {};
}

std::string fetchsum_config::validate() {
  auto positive = [](const char* name, int64_t value, int64_t max)
    -> std::string {
    if (value < 1 || value > max)
      return std::string{"--"} + name + " must be between 1 and "
             + std::to_string(max) + ", not " + std::to_string(value);
    return {};
  };
  auto seconds = [](const char* name, double value) -> std::string {
    if (!(value >= 0) || value > 1e7)
      return std::string{"--"} + name + " must be a number of seconds >= 0";
    return {};
  };
  for (auto& problem :
       {positive("concurrency", concurrency, 100000),
        positive("per-host", per_host, 100000),
        positive("chunk-size", chunk_size, 64 << 20),
        positive("window", window, int64_t{1} << 32),
        seconds("connect-timeout", connect_timeout),
        seconds("max-time", max_time), seconds("stall-time", stall_time),
        seconds("grace", grace), seconds("retry-delay", retry_delay),
        seconds("retry-max-delay", retry_max_delay)})
    if (!problem.empty())
      return problem;
  if (max_redirs < 0)
    return "--max-redirs must be >= 0";
  if (max_size < 0)
    return "--max-size must be >= 0";
  if (!(rate >= 0) || rate > 1e6)
    return "--rate must be a number of requests per second >= 0";
  if (burst < 1 || burst > 100000)
    return "--burst must be between 1 and 100000";
  if (retries < 0 || retries > 1000)
    return "--retries must be between 0 and 1000";
  if (max_throttled < 0 || max_throttled > 1000)
    return "--max-throttled must be between 0 and 1000";
  if (fetchers < 0 || fetchers > 256)
    return "--fetchers must be between 0 (automatic) and 256";
  if (hashers < 0 || hashers > 1024)
    return "--hashers must be between 0 (one per core) and 1024";
  if (chunk_size < 16 * 1024)
    return "--chunk-size must be at least 16384 (libcurl's largest piece)";
  if (window < chunk_size)
    return "--window must be at least --chunk-size";
  if (order_window < 1 || order_window > 10000000)
    return "--order-window must be between 1 and 10000000";
  if (auto problem = validate_caf_options(); !problem.empty())
    return problem;
  if (demo_documents < 1 || demo_documents > 1000000)
    return "--demo-documents must be between 1 and 1000000";
  for (auto& header : headers)
    if (header.find(':') == std::string::npos
        && header.find(';') == std::string::npos)
      return "--header '" + header + "' is not of the form 'Name: value'";

  hasher.algorithms.clear();
  for (auto& name : split_list(algorithms)) {
    auto lowered = detail::lower(name);
    // OpenSSL's "null" digest is empty whatever the bytes: no checksum.
    if (lowered == "null" || lowered == "md_null" || !detail::is_known_digest(name))
      return "unknown digest algorithm '" + name
             + "' (try sha512, sha256, sha3-512, blake2b512, md5)";
    for (auto& earlier : hasher.algorithms)
      if (detail::lower(earlier) == lowered)
        return "--algo names '" + name + "' twice";
    hasher.algorithms.push_back(name);
  }
  if (hasher.algorithms.empty())
    return "--algo needs at least one digest name";
  hasher.crash_marker = test_crash_marker;

  if (format == "sum")
    aggregator.format = output_format::sum;
  else if (format == "tag")
    aggregator.format = output_format::tag;
  else if (format == "json")
    aggregator.format = output_format::json;
  else if (format == "sri")
    aggregator.format = output_format::sri;
  else
    return "unknown --format '" + format + "' (sum, tag, json or sri)";
  aggregator.keep_order = keep_order || check;
  if (progress == "always")
    show_progress = true;
  else if (progress == "never")
    show_progress = false;
  else if (progress == "auto")
    show_progress = !quiet && isatty(STDERR_FILENO) == 1;
  else
    return "unknown --progress '" + progress + "' (auto, always or never)";
  aggregator.erase_progress_line = show_progress;
  aggregator.verbose = verbose;
  source.check = check;
  source.warn = warn;
  aggregator.check = check;
  aggregator.check_quiet = check && quiet;
  aggregator.check_status = check && status;
  aggregator.ignore_missing = check && ignore_missing;
  // sha256sum -c prints verdicts in the order of the checksum file.
  supervisor.order_window = keep_order || check
                              ? static_cast<uint32_t>(order_window)
                              : 0;

  fetcher.max_redirs = static_cast<long>(max_redirs);
  fetcher.connect_timeout = to_ms(connect_timeout);
  fetcher.max_time = to_ms(max_time);
  fetcher.stall_time = to_ms(stall_time);
  fetcher.insecure = insecure;
  fetcher.user_agent = user_agent;
  fetcher.headers = headers;
  fetcher.max_size = static_cast<uint64_t>(max_size);
  fetcher.chunk_size = static_cast<uint32_t>(chunk_size);
  fetcher.window = static_cast<uint32_t>(window);
  fetcher.cacert = cacert;
  fetcher.allow_downgrade = allow_downgrade;
  if (auto problem = validate_access(); !problem.empty())
    return problem;

  auto cores = std::max(1u, std::thread::hardware_concurrency());
  supervisor.concurrency = static_cast<uint32_t>(concurrency);
  supervisor.per_host = static_cast<uint32_t>(per_host);
  // One fetcher thread is a serial bottleneck (~25k small URL/s on
  // loopback); a second one was 10-20% faster on every corpus even on 2
  // cores (docs/benchmarks.md). Beyond that, a quarter of the cores.
  supervisor.fetchers = fetchers > 0 ? static_cast<uint32_t>(fetchers)
                                     : std::max(2u, cores / 4);
  supervisor.hashers = hashers > 0 ? static_cast<uint32_t>(hashers) : cores;
  supervisor.grace = to_ms(grace);
  supervisor.retries = static_cast<uint32_t>(retries);
  supervisor.retry_delay = to_ms(retry_delay);
  supervisor.retry_max_delay = to_ms(retry_max_delay);
  supervisor.max_throttled = static_cast<uint32_t>(max_throttled);
  supervisor.rate = rate;
  supervisor.burst = static_cast<uint32_t>(burst);

  if (auto problem = validate_cluster(); !problem.empty())
    return problem;
  return {};
}

namespace {

/// Empty if `path` can be opened for reading, else why not.
std::string unreadable(const std::string& option, const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return "--" + option + " " + path + ": " + std::strerror(errno);
  return {};
}

} // namespace

std::string fetchsum_config::validate_access() {
  fetcher.user_password = user;
  if (!user.empty())
    if (auto problem = detail::check_user_password(user); !problem.empty())
      return "--user " + problem;
  fetcher.netrc = netrc || !netrc_file.empty();
  fetcher.netrc_file = netrc_file;
  fetcher.proxy = proxy;
  if (!proxy.empty())
    if (auto problem = detail::check_proxy(proxy); !problem.empty())
      return "--proxy " + problem;
  fetcher.noproxy = noproxy;
  fetcher.client_cert = cert;
  fetcher.client_key = key;
  if (!key.empty() && cert.empty())
    return "--key needs --cert";
  for (auto& entry : resolve)
    if (auto problem = detail::check_resolve_entry(entry); !problem.empty())
      return "--resolve '" + entry + "' " + problem;
  fetcher.resolve = resolve;
  for (auto& entry : connect_to)
    if (auto problem = detail::check_connect_to_entry(entry); !problem.empty())
      return "--connect-to '" + entry + "' " + problem;
  fetcher.connect_to = connect_to;
  if (ipv4 && ipv6)
    return "-4/--ipv4 and -6/--ipv6 exclude each other";
  fetcher.ip_version = ipv4 ? 4 : ipv6 ? 6 : 0;
  auto rate = detail::parse_byte_rate(limit_rate);
  if (!rate)
    return "--limit-rate '" + limit_rate
           + "' is not a whole number of bytes per second with an optional "
             "K, M or G";
  fetcher.max_recv_speed = *rate;
  // With --nodes these files are read on the nodes, where the fetchers run;
  // the coordinator need not have them.
  if (nodes.empty())
    for (auto& [option, path] :
         {std::pair{"netrc-file", netrc_file}, std::pair{"cert", cert},
          std::pair{"key", key}})
      if (!path.empty())
        if (auto problem = unreadable(option, path); !problem.empty())
          return problem;
  return {};
}

std::string fetchsum_config::validate_cluster() {
  cluster = cluster_settings{};
  for (auto& entry : nodes)
    for (auto& text : split_list(entry)) {
      std::string problem;
      auto address = detail::parse_endpoint(text, "", false, problem);
      if (!address)
        return "--nodes: " + problem;
      cluster.nodes.push_back(detail::to_string(*address));
    }
  if (!nodes.empty() && cluster.nodes.empty())
    return "--nodes names no node";
  if (!(node_wait >= 0.1) || node_wait > 1e6)
    return "--node-wait must be a number of seconds >= 0.1";
  supervisor.node_wait = to_ms(node_wait);
  supervisor.remote_workers = !cluster.nodes.empty();
  int tls_files = !cluster_cert.empty() + !cluster_key.empty()
                  + !cluster_ca.empty();
  if (tls_files != 0 && tls_files != 3)
    return "cluster TLS needs all three of --cluster-cert, --cluster-key and "
           "--cluster-ca";
  cluster.tls = tls_files == 3;
  if (cluster.tls) {
    for (auto& problem : {unreadable("cluster-cert", cluster_cert),
                          unreadable("cluster-key", cluster_key),
                          unreadable("cluster-ca", cluster_ca)})
      if (!problem.empty())
        return problem;
    // CAF's openssl module throws (abort) on files it cannot load.
    if (auto problem = detail::check_tls_files(cluster_cert, cluster_key,
                                               cluster_ca);
        !problem.empty())
      return problem;
    // Both sides then require a certificate chaining to this CA: mutual TLS.
    set("openssl.certificate", cluster_cert);
    set("openssl.key", cluster_key);
    set("openssl.cafile", cluster_ca);
  }
  return {};
}

std::string fetchsum_config::validate_node() {
  if (listen.empty())
    return "node needs --listen [HOST:]PORT";
  std::string problem;
  auto address = detail::parse_endpoint(listen, cluster.tls ? "0.0.0.0"
                                                            : "127.0.0.1",
                                        true, problem);
  if (!address)
    return "--listen: " + problem;
  if (!cluster.tls && !cluster_plaintext && !detail::is_loopback(address->host))
    return "--listen " + listen
           + ": a node listens on a non-loopback address only with TLS "
             "(--cluster-cert/--cluster-key/--cluster-ca) or "
             "--cluster-plaintext";
  node.host = address->host;
  node.port = address->port;
  node.tls = cluster.tls;
  node.fetchers = supervisor.fetchers;
  node.hashers = supervisor.hashers;
  node.capacity = supervisor.concurrency;
  return {};
}

} // namespace fetchsum
