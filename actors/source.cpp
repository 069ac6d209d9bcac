#include "actors/source.hpp"
#include "actors/exceptions.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <unistd.h>

#include "detail/checksum_line.hpp"
#include "detail/checksum_name.hpp"
#include "detail/url_mask.hpp"

namespace fetchsum {

namespace {

void close_current(source_state& st) {
  st.reader.reset();
  if (st.fd > STDIN_FILENO)
    ::close(st.fd);
  st.fd = -1;
}

/// Opens `input` (a list file or a fetched checksum file). Returns false
/// and sets `error` when it cannot be opened.
bool open_input(source_state& st, source_input& input, std::string& error) {
  st.formatted = 0;
  st.current_name = input.name;
  st.current_base = input.base;
  if (input.kind == source_input::kind_type::fetched) {
    // The reader holds the bytes only while it reads them.
    st.reader.emplace(detail::line_reader::from_shared(std::move(input.text)));
    return true;
  }
  if (input.name == "-") {
    st.current_name = "standard input";
    st.fd = STDIN_FILENO;
  } else {
    st.fd = ::open(input.name.c_str(), O_RDONLY | O_CLOEXEC);
    if (st.fd < 0) {
      error = input.name + ": " + std::strerror(errno);
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
  url_job job{st.next_url_seq++, std::move(url), std::move(expected), {}};
  if (auto& conditional = st.settings.conditional) {
    // Taken out: a URL listed twice asks only once, and the map shrinks as
    // the list is read. Keyed like the journal: as records print URLs.
    if (auto node = conditional->extract(detail::mask_url_password(job.url)))
      job.conditional = std::move(node.mapped());
  }
  batch.jobs.push_back(std::move(job));
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
  // A name that cannot be resolved stays as written: a bad_url record.
  if (!st.current_base.empty())
    if (auto url = detail::resolve_checksum_name(st.current_base, parsed->url))
      parsed->url = std::move(*url);
  add(st, batch, std::move(parsed->url), {std::move(parsed->digest)});
}

url_batch next_batch(source_state& st, uint32_t n) {
  url_batch batch;
  while (!st.done && batch.jobs.size() + batch.journaled.size() < n) {
    if (!st.reader) {
      if (st.next_input >= st.inputs.size()) {
        st.done = true;
        break;
      }
      auto& input = st.inputs[st.next_input++];
      if (input.kind == source_input::kind_type::url) {
        add(st, batch, input.name, {});
        continue;
      }
      if (!open_input(st, input, batch.read_error)) {
        st.done = true;
        break;
      }
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
       std::vector<source_input> inputs,
       std::shared_ptr<detail::journaled_records> journaled,
       source_settings settings) {
  self->state.journaled = std::move(journaled);
  self->state.settings = settings;
  exit_on_exception(self);
  if (inputs.empty())
    inputs.push_back(source_input::list_file("-"));
  self->state.inputs = std::move(inputs);
  return {
    [=](pull_atom, uint32_t n) { return next_batch(self->state, n); },
  };
}

} // namespace fetchsum
