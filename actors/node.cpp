#include "actors/node.hpp"
#include "actors/exceptions.hpp"

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>

namespace fetchsum {

namespace {

using self_pointer = node_actor::stateful_pointer<node_state>;

void stop_run(self_pointer self, node_state::run& r) {
  for (auto& f : r.group.fetchers)
    self->send_exit(f, caf::exit_reason::user_shutdown);
  for (auto& h : r.group.hashers)
    self->send_exit(h, caf::exit_reason::user_shutdown);
}

} // namespace

node_actor::behavior_type node(node_actor::stateful_pointer<node_state> self,
                               node_settings settings, node_children children,
                               std::function<void(const std::string&)> log) {
  exit_on_exception(self);
  auto& st = self->state;
  st.settings = settings;
  st.children = std::move(children);
  st.log = std::move(log);
  // A coordinator that goes away (run over, crash, broken link) takes its
  // group with it.
  self->set_down_handler([=](caf::down_msg& msg) {
    auto& runs = self->state.runs;
    for (auto i = runs.begin(); i != runs.end(); ++i)
      if (i->sink.address() == msg.source) {
        stop_run(self, *i);
        self->state.log("coordinator " + i->name + " left ("
                        + (!msg.reason ? std::string{"run ended"}
                           : msg.reason
                                 == caf::exit_reason::remote_link_unreachable
                             ? std::string{"link lost"}
                             : self->system().render(msg.reason))
                        + ")");
        runs.erase(i);
        return;
      }
  });
  self->set_exit_handler([=](caf::exit_msg& msg) {
    for (auto& r : self->state.runs)
      stop_run(self, r);
    self->state.runs.clear();
    self->quit(msg.reason);
  });
  return {
    [=](join_atom, worker_settings& workers,
        result_sink_actor& sink) -> caf::result<worker_group> {
      auto& st = self->state;
      if (!sink)
        return caf::make_error(caf::sec::invalid_argument,
                               "join without a result sink");
      node_state::run r;
      r.sink = sink;
      r.name = "#" + std::to_string(++st.joined) + " ("
               + caf::to_string(sink.node()) + ")";
      for (uint32_t i = 0; i < std::max(1u, st.settings.fetchers); ++i)
        r.group.fetchers.push_back(
          st.children.spawn_fetcher(self->system(), workers.fetcher));
      for (uint32_t i = 0; i < std::max(1u, st.settings.hashers); ++i)
        r.group.hashers.push_back(
          st.children.spawn_hasher(self->system(), workers.hasher, sink));
      r.group.capacity = std::max(1u, st.settings.capacity);
      self->monitor(sink);
      st.log("coordinator " + r.name + " joined ("
             + std::to_string(r.group.fetchers.size()) + " fetchers, "
             + std::to_string(r.group.hashers.size()) + " hashers, capacity "
             + std::to_string(r.group.capacity) + ")");
      auto group = r.group;
      st.runs.push_back(std::move(r));
      return group;
    },
  };
}

} // namespace fetchsum
