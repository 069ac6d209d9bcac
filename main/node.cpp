#include "main/node.hpp"

#include <csignal>
#include <string>
#include <unistd.h>

#include <caf/io/middleman.hpp>
#include <caf/openssl/publish.hpp>

#include "actors/fetcher.hpp"
#include "actors/hasher.hpp"
#include "actors/node.hpp"
#include "detail/endpoint.hpp"

namespace fetchsum {

namespace {

/// One line on stderr with one write(2): lines of several actors never mix.
void log_line(const std::string& text) {
  auto line = "fetchsum node: " + text + "\n";
  auto ignored = ::write(STDERR_FILENO, line.data(), line.size());
  static_cast<void>(ignored); // nowhere to report a failing stderr
}

} // namespace

int run_node(caf::actor_system& sys, const fetchsum_config& cfg) {
  node_children children{
    [](caf::actor_system& sys, const fetcher_settings& settings) {
      return caf::actor_cast<fetcher_actor>(sys.spawn<fetcher>(settings));
    },
    [](caf::actor_system& sys, const hasher_settings& settings,
       result_sink_actor sink) {
      return sys.spawn(hasher, settings, std::move(sink));
    }};
  auto handle = sys.spawn(node, cfg.node, children, log_line);
  detail::endpoint wanted{cfg.node.host, cfg.node.port};
  // SO_REUSEADDR, as servers do: a node restarted after a crash must not
  // wait out the TIME_WAIT of its old connections. A port another process
  // listens on is still refused.
  auto port = cfg.node.tls
                ? caf::openssl::publish(handle, cfg.node.port,
                                        cfg.node.host.c_str(), true)
                : sys.middleman().publish(handle, cfg.node.port,
                                          cfg.node.host.c_str(), true);
  if (!port) {
    log_line("cannot listen on " + detail::to_string(wanted) + ": "
             + (port.error() == caf::sec::cannot_open_port
                  ? std::string{"the port is in use, or the address is not "
                                "one of this machine"}
                  : sys.render(port.error())));
    caf::anon_send_exit(handle, caf::exit_reason::user_shutdown);
    return 2;
  }
  log_line("listening on "
           + detail::to_string(detail::endpoint{cfg.node.host, *port})
           + (cfg.node.tls ? " (TLS)" : ""));
  // The stop signals are blocked in every thread; wait for one here.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGHUP);
  int sig = 0;
  while (sigwait(&stop, &sig) != 0)
    ; // only EINVAL, impossible with this set
  log_line(std::string{"stopping ("} + strsignal(sig) + ")");
  // Stops every group: their work runs again on other nodes.
  caf::anon_send_exit(handle, caf::exit_reason::user_shutdown);
  return 0;
}

} // namespace fetchsum
