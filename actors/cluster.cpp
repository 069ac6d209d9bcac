#include "actors/cluster.hpp"
#include "actors/exceptions.hpp"

#include <algorithm>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

namespace fetchsum {

namespace {

using self_pointer = cluster_actor::stateful_pointer<cluster_state>;
using link = cluster_state::link;

/// The operator's words for why a node cannot be used.
std::string describe(self_pointer self, const caf::error& err) {
  if (err == caf::sec::disconnect_during_handshake)
    return "refused during the handshake (certificate not accepted, TLS on "
           "one side only, or not a fetchsum node)";
  if (err == caf::sec::incompatible_application_ids)
    return "refused: another fetchsum version or another CAF program "
           "(middleman.app-identifiers differ)";
  if (err == caf::sec::request_timeout || err == caf::sec::connection_timeout)
    return "no answer within the handshake time (hung, or not a fetchsum "
           "node)";
  return self->system().render(err);
}

/// Tells the operator about a node, once per new problem.
void tell(self_pointer self, link& l, const std::string& problem) {
  if (problem == l.told)
    return;
  l.told = problem;
  self->state.hooks.log("node " + l.name + ": " + problem);
}

void retry_later(self_pointer self, uint64_t index) {
  auto& l = self->state.links[index];
  if (l.retry_scheduled)
    return;
  l.retry_scheduled = true;
  self->delayed_send(self, self->state.settings.retry_interval,
                     caf::connect_atom_v, index);
}

/// A node cannot be used now: say why (once) and try again later.
void tell_and_retry(self_pointer self, uint64_t index,
                    const std::string& problem) {
  auto seconds = self->state.settings.retry_interval.count() / 1000;
  tell(self, self->state.links[index],
       problem + "; retrying every " + std::to_string(seconds) + " s");
  retry_later(self, index);
}

/// Asks a connected node for a worker group and hands it to the supervisor.
void join(self_pointer self, uint64_t index) {
  auto& st = self->state;
  self
    ->request(st.links[index].node, st.settings.handshake_timeout,
              join_atom_v, st.workers,
              caf::actor_cast<result_sink_actor>(st.supervisor))
    .then(
      [=](worker_group& group) {
        auto& l = self->state.links[index];
        group.node = l.name;
        l.members.clear();
        for (auto& f : group.fetchers) {
          self->monitor(f);
          l.members.push_back(f.address());
        }
        for (auto& h : group.hashers) {
          self->monitor(h);
          l.members.push_back(h.address());
        }
        l.told = "joined";
        self->state.hooks.log("node " + l.name + ": joined (capacity "
                              + std::to_string(group.capacity) + ")");
        self->send(self->state.supervisor, join_atom_v, std::move(group));
      },
      [=](caf::error& err) {
        tell_and_retry(self, index, "refused the run: " + describe(self, err));
      });
}

void connect(self_pointer self, uint64_t index) {
  auto& st = self->state;
  auto& l = st.links[index];
  if (!l.members.empty())
    return; // joined meanwhile
  if (l.node) {
    join(self, index); // connected, but its group is gone: ask again
    return;
  }
  if (auto problem = st.hooks.probe(l.address); !problem.empty()) {
    tell_and_retry(self, index, "cannot connect: " + problem);
    return;
  }
  self
    ->request(st.hooks.connector, st.settings.handshake_timeout,
              caf::connect_atom_v, l.address.host, l.address.port)
    .then(
      [=](caf::node_id&, caf::strong_actor_ptr& ptr,
          std::set<std::string>&) {
        auto& l = self->state.links[index];
        if (!ptr) {
          tell_and_retry(self, index, "no fetchsum node listens there");
          return;
        }
        l.node = caf::actor_cast<node_actor>(std::move(ptr));
        self->monitor(l.node);
        join(self, index);
      },
      [=](caf::error& err) { tell_and_retry(self, index, describe(self, err)); });
}

void on_down(self_pointer self, const caf::down_msg& msg) {
  auto& st = self->state;
  for (uint64_t i = 0; i < st.links.size(); ++i) {
    auto& l = st.links[i];
    if (l.node && l.node.address() == msg.source) {
      l.node = nullptr;
      l.members.clear();
      auto why = msg.reason == caf::exit_reason::remote_link_unreachable
                   ? std::string{"link lost: killed, hung or cut off"}
                   : self->system().render(msg.reason);
      tell(self, l, "lost (" + why + "); its transfers run again elsewhere");
      retry_later(self, i);
      return;
    }
    if (std::find(l.members.begin(), l.members.end(), msg.source)
        != l.members.end()) {
      if (!msg.reason || msg.reason == caf::exit_reason::user_shutdown)
        return; // the run ended: the supervisor let them go
      l.members.clear();
      if (l.node) // only the group died: the node may give another one
        tell(self, l, "its workers died ("
                        + self->system().render(msg.reason)
                        + "); asking for new ones");
      retry_later(self, i);
      return;
    }
  }
}

} // namespace

cluster_actor::behavior_type
cluster(cluster_actor::stateful_pointer<cluster_state> self,
        cluster_settings settings, worker_settings workers,
        supervisor_actor supervisor, cluster_hooks hooks) {
  exit_on_exception(self);
  auto& st = self->state;
  st.settings = std::move(settings);
  st.workers = std::move(workers);
  st.supervisor = std::move(supervisor);
  st.hooks = std::move(hooks);
  for (auto& text : st.settings.nodes) {
    std::string problem;
    link l;
    // Validated by the configuration already.
    if (auto address = detail::parse_endpoint(text, "", false, problem))
      l.address = *address;
    l.name = text;
    st.links.push_back(std::move(l));
  }
  self->set_down_handler(
    [=](caf::down_msg& msg) { on_down(self, msg); });
  for (uint64_t i = 0; i < st.links.size(); ++i)
    self->send(self, caf::connect_atom_v, i);
  return {
    [=](caf::connect_atom, uint64_t index) {
      if (index >= self->state.links.size())
        return;
      self->state.links[index].retry_scheduled = false;
      connect(self, index);
    },
  };
}

} // namespace fetchsum
