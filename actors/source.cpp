#include "actors/source.hpp"
#include "actors/exceptions.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <unistd.h>

#include "detail/checksum_line.hpp"
#include "detail/url_mask.hpp"

namespace fetchsum {

namespace {

void close_current(source_state& st) {
  st.reader.reset();
  if (st.fd > STDIN_FILENO)
    ::close(st.fd);
  st.fd = -1;
}

/// Opens the next list. Returns false when there is none; sets `error` when
/// it cannot be opened.
bool open_next(source_state& st, std::string& error) {
  if (st.next_path >= st.paths.size())
    return false;
  auto& path = st.paths[st.next_path++];
  st.formatted = 0;
  if (path == "-") {
    st.current_name = "standard input";
    st.fd = STDIN_FILENO;
  } else {
    st.current_name = path;
    st.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (st.fd < 0) {
      error = path + ": " + std::strerror(errno);
      return false;
    }
  }
  st.reader.emplace(detail::line_reader::from_fd(st.fd));
  return true;
}

/// Hands out `url`: as the journal's record if it has one, else as a job.
void add(source_state& st, url_batch& batch, std::string url,
         std::vector<digest_value> expected) {
  if (st.journaled) {
    // The journal holds URLs as records print them: passwords masked.
    if (auto node = st.journaled->extract(detail::mask_url_password(url))) {
      auto& record = node.mapped();
      record.url_seq = st.next_url_seq++;
      record.expected = std::move(expected);
      record.journaled = true;
      batch.journaled.push_back(std::move(record));
      return;
    }
  }
  batch.jobs.push_back(url_job{st.next_url_seq++, std::move(url),
                               std::move(expected)});
}

/// One line of the current list.
void take_line(source_state& st, url_batch& batch) {
  auto text = detail::list_line_url(st.line);
  if (text.empty())
    return;
  if (!st.settings.check) {
    add(st, batch, std::string{text}, {});
    return;
  }
  auto parsed = detail::parse_checksum_line(std::string{text});
  if (!parsed) {
    batch.malformed += 1;
    if (st.settings.warn) // a diagnostic, as sha256sum --warn prints it
      std::cerr << "fetchsum: " << st.current_name << ": "
                << st.reader->line_number()
                << ": improperly formatted checksum line\n";
    return;
  }
  st.formatted += 1;
  add(st, batch, std::move(parsed->url), {std::move(parsed->digest)});
}

url_batch next_batch(source_state& st, uint32_t n) {
  url_batch batch;
  while (!st.done && batch.jobs.size() + batch.journaled.size() < n) {
    if (!st.reader && !open_next(st, batch.read_error)) {
      st.done = true;
      break;
    }
    switch (st.reader->next(st.line)) {
      case detail::line_reader::result::line:
        take_line(st, batch);
        continue;
      case detail::line_reader::result::end:
        // sha256sum -c: a list without one checksum line is an error.
        if (st.settings.check && st.formatted == 0)
          batch.unformatted_lists.push_back(st.current_name);
        close_current(st);
        continue;
      case detail::line_reader::result::too_long:
        batch.read_error = st.current_name + ": line "
                           + std::to_string(st.reader->line_number() + 1)
                           + " is longer than "
                           + std::to_string(detail::max_line_length)
                           + " bytes (not a "
                           + (st.settings.check ? "checksum" : "URL")
                           + " list?)";
        break;
      case detail::line_reader::result::error:
        batch.read_error = st.current_name + ": "
                           + std::strerror(st.reader->error_code());
        break;
    }
    close_current(st);
    st.done = true;
  }
  batch.last = st.done;
  return batch;
}

} // namespace

source_state::~source_state() {
  close_current(*this);
}

source_actor::behavior_type
source(source_actor::stateful_pointer<source_state> self,
       std::vector<std::string> paths,
       std::shared_ptr<detail::journaled_records> journaled,
       source_settings settings) {
  self->state.journaled = std::move(journaled);
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
