#include "actors/progress.hpp"

#include <cstdio>

#include "actors/exceptions.hpp"

namespace fetchsum {

namespace {

/// 1234567 -> "1,234,567"
std::string grouped(uint64_t n) {
  auto digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return out;
}

std::string clock_time(double seconds) {
  auto s = static_cast<uint64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof(buf), "%llu:%02llu:%02llu",
                  static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s / 60 % 60),
                  static_cast<unsigned long long>(s % 60));
  else
    std::snprintf(buf, sizeof(buf), "%llu:%02llu",
                  static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  return buf;
}

} // namespace

std::string progress_line(const admission_counts& admitted,
                          const record_counts& records, double seconds) {
  auto done = records.ok + records.failed;
  auto rate = seconds > 0 ? done / seconds : 0.0;
  std::string line = grouped(done) + "/";
  if (admitted.input_done) {
    line += grouped(admitted.admitted);
    if (admitted.admitted > 0)
      line += " " + std::to_string(done * 100 / admitted.admitted) + "%";
  } else {
    line += "?";
  }
  char buf[96];
  std::snprintf(buf, sizeof(buf), " | %s URL/s %.1f MB/s | ",
                grouped(static_cast<uint64_t>(rate)).c_str(),
                seconds > 0 ? records.bytes / 1e6 / seconds : 0.0);
  line += buf;
  line += grouped(admitted.in_flight) + " in flight | "
          + grouped(records.failed) + " failed";
  if (admitted.input_done && rate > 0 && admitted.admitted >= done)
    line += " | ETA " + clock_time((admitted.admitted - done) / rate);
  return line;
}

progress_actor::behavior_type
progress(progress_actor::stateful_pointer<progress_state> self,
         supervisor_actor supervisor, aggregator_actor aggregator,
         std::ostream* out, caf::timespan interval) {
  exit_on_exception(self);
  auto& st = self->state;
  st.supervisor = std::move(supervisor);
  st.aggregator = std::move(aggregator);
  st.out = out;
  st.interval = interval;
  st.started = self->clock().now();
  self->delayed_send(self, interval, caf::tick_atom_v);
  auto redraw = [=] {
    auto& st = self->state;
    std::chrono::duration<double> elapsed = self->clock().now() - st.started;
    // "\r" to the line's start, ESC [K erases what a longer line left.
    *st.out << '\r' << progress_line(st.admitted, st.records, elapsed.count())
            << "\x1b[K" << std::flush;
  };
  return {
    [=](caf::tick_atom) {
      auto& st = self->state;
      // The counts arrive asynchronously; the line shows the newest ones at
      // the next tick. A finished supervisor simply stops answering.
      self->request(st.supervisor, st.interval, caf::get_atom_v)
        .then([=](admission_counts& x) { self->state.admitted = x; },
              [](caf::error&) {});
      self->request(st.aggregator, st.interval, caf::get_atom_v)
        .then([=](record_counts& x) { self->state.records = x; },
              [](caf::error&) {});
      redraw();
      self->delayed_send(self, st.interval, caf::tick_atom_v);
    },
  };
}

} // namespace fetchsum
