#include "actors/source.hpp"
#include "actors/exceptions.hpp"

#include <cerrno>
#include <cstring>
#include <iostream>

#include "detail/checksum_line.hpp"

namespace fetchsum {

namespace {

void trim(std::string& line) {
  auto last = line.find_last_not_of(" \t\r");
  if (last == std::string::npos) {
    line.clear();
    return;
  }
  line.erase(last + 1);
  auto first = line.find_first_not_of(" \t");
  line.erase(0, first);
}

/// Opens the next list. Returns false when there is none; sets `error` when
/// it cannot be opened.
bool open_next(source_state& st, std::string& error) {
  if (st.next_path >= st.paths.size())
    return false;
  st.current_path = st.paths[st.next_path++];
  st.line_number = 0;
  if (st.current_path == "-") {
    st.file.reset();
    st.in = &std::cin;
    return true;
  }
  st.file = std::make_unique<std::ifstream>(st.current_path);
  if (!*st.file) {
    error = st.current_path + ": " + std::strerror(errno);
    return false;
  }
  st.in = st.file.get();
  return true;
}

url_batch next_batch(source_state& st, uint32_t n) {
  url_batch batch;
  while (!st.done && batch.jobs.size() < n) {
    if (st.in == nullptr && !open_next(st, batch.read_error)) {
      st.done = true;
      break;
    }
    if (!std::getline(*st.in, st.line)) {
      if (st.in->bad())
        batch.read_error = st.current_path + ": read error";
      st.in = nullptr;
      st.file.reset();
      if (!batch.read_error.empty())
        st.done = true;
      continue;
    }
    st.line_number += 1;
    trim(st.line);
    if (st.line.empty() || st.line[0] == '#')
      continue;
    if (st.settings.check) {
      auto parsed = detail::parse_checksum_line(st.line);
      if (!parsed) {
        batch.malformed += 1;
        if (st.settings.warn) // a diagnostic, as sha256sum --warn prints it
          std::cerr << "fetchsum: " << st.current_path << ": "
                    << st.line_number << ": improperly formatted checksum line\n";
        continue;
      }
      if (st.skip && st.skip->count(parsed->url) > 0) {
        batch.skipped += 1;
        continue;
      }
      batch.jobs.push_back(
        url_job{st.next_seq++, std::move(parsed->url), {std::move(parsed->digest)}});
      continue;
    }
    if (st.skip && st.skip->count(st.line) > 0) {
      batch.skipped += 1;
      continue;
    }
    batch.jobs.push_back(url_job{st.next_seq++, st.line});
  }
  batch.last = st.done;
  return batch;
}

} // namespace

source_actor::behavior_type
source(source_actor::stateful_pointer<source_state> self,
       std::vector<std::string> paths,
       std::shared_ptr<const std::unordered_set<std::string>> skip,
       source_settings settings) {
  self->state.skip = std::move(skip);
  self->state.settings = settings;
  exit_on_exception(self);
  if (paths.empty())
    paths.push_back("-");
  self->state.paths = std::move(paths);
  return {
    [=](pull_atom, uint32_t n) { return next_batch(self->state, n); },
  };
}

} // namespace fetchsum
