#include "actors/aggregator.hpp"
#include "actors/exceptions.hpp"

#include "detail/digest.hpp"
#include "detail/record_format.hpp"
#include "detail/record_json.hpp"

namespace fetchsum {

namespace {

using self_pointer = aggregator_actor::stateful_pointer<aggregator_state>;

/// Above this much buffered text we write at once instead of on the timer.
constexpr size_t write_threshold = 64 * 1024;

/// Writes `text` to `file`; the first failure of a file becomes one line of
/// the summary's write_errors, and later writes to it are dropped (and cost
/// nothing: output_file refuses them).
void write_checked(aggregator_state& st, detail::output_file& file,
                   std::string_view text) {
  if (file.failed() || file.write(text))
    return;
  st.summary.write_errors.push_back(file.error());
}

void write_pending(aggregator_state& st) {
  if (!st.pending_out.empty()) {
    write_checked(st, st.out, st.pending_out);
    st.pending_out.clear();
  }
  if (!st.pending_err.empty()) {
    if (st.settings.erase_progress_line)
      *st.err << "\r\x1b[K";
    st.err->write(st.pending_err.data(),
                  static_cast<std::streamsize>(st.pending_err.size()));
    st.err->flush();
    st.pending_err.clear();
  }
}

/// -c/--ignore-missing: a URL the server says is not there (404, 410), as
/// sha256sum -c --ignore-missing treats a file that does not exist.
bool is_missing(const aggregator_state& st, const url_result& record) {
  return st.settings.ignore_missing
         && record.report.error == error_kind::http_status
         && (record.report.http_status == 404
             || record.report.http_status == 410);
}

/// -c/--check: "URL: OK", "URL: FAILED" or "URL: FAILED open or read", as
/// sha256sum -c prints them, and the counts for its closing warnings. Every
/// digest the line names must match. A name with a backslash or a line end
/// is escaped and the line starts with a backslash, as coreutils does, so a
/// verdict line can never pass for another URL's.
void check_verdict(aggregator_state& st, const url_result& record) {
  if (is_missing(st, record))
    return;
  const char* verdict = "OK";
  if (record.report.error != error_kind::none) {
    verdict = "FAILED open or read";
    st.summary.unreadable += 1;
    if (!st.settings.check_status)
      st.pending_err += "fetchsum: " + detail::coreutils_name(record.url)
                        + ": " + detail::terminal_text(record.report.message)
                        + "\n";
  } else {
    size_t compared = 0, matched = 0;
    for (auto& want : record.expected)
      for (auto& got : record.digests)
        if (got.algo == want.algo) {
          compared += 1;
          matched += got.bytes == want.bytes ? 1 : 0;
        }
    if (compared == 0 || matched != compared) {
      verdict = "FAILED";
      st.summary.mismatched += 1;
    } else {
      st.summary.verified += 1;
    }
  }
  bool ok = verdict[0] == 'O';
  if (st.settings.check_status || (ok && st.settings.check_quiet))
    return;
  st.pending_out += detail::coreutils_name(record.url) + ": " + verdict + "\n";
}

void emit(self_pointer self, const url_result& record) {
  auto& st = self->state;
  if (st.settings.check)
    check_verdict(st, record);
  else
    detail::format_record(record, st.settings.format, st.pending_out,
                          st.pending_err);
  // sum, tag and sri lines have no room for a mark (they stay what
  // sha512sum -c reads): what changed is said on stderr, like failures.
  if (st.settings.diff && st.settings.format != output_format::json
      && (record.mark == "new" || record.mark == "changed"))
    st.pending_err += "fetchsum: " + record.url + ": " + record.mark + "\n";
  if (st.settings.verbose)
    detail::format_detail(record, st.pending_err);
  if (st.pending_out.size() + st.pending_err.size() >= write_threshold) {
    write_pending(st);
  } else if (!st.flush_armed) {
    // One timer while there is something to write, none while idle.
    st.flush_armed = true;
    self->delayed_send(self, st.settings.flush_interval, caf::flush_atom_v);
  }
}

/// Marks URL `url_seq` as recorded; false if it already was.
bool first_time(aggregator_state& st, uint64_t url_seq) {
  if (url_seq >= st.seen.size())
    st.seen.resize(std::max<size_t>(url_seq + 1, st.seen.size() * 2));
  if (st.seen[url_seq])
    return false;
  st.seen[url_seq] = true;
  return true;
}

void count(aggregator_state& st, const url_result& record) {
  st.distinct += 1;
  if (record.report.error == error_kind::none) {
    st.summary.ok += 1;
    if (!record.journaled) // bytes downloaded by this run
      st.summary.bytes += record.report.bytes;
  } else if (st.settings.check && is_missing(st, record)) {
    st.summary.missing += 1; // neither ok nor a failure
  } else {
    st.summary.failed += 1;
    auto kind = static_cast<size_t>(record.report.error);
    if (kind >= st.summary.failed_by_kind.size())
      st.summary.failed_by_kind.resize(kind + 1);
    st.summary.failed_by_kind[kind] += 1;
  }
}

/// --diff marks, in the order of run_summary::marks.
enum diff_mark : size_t { mark_new, mark_changed, mark_unchanged, mark_gone };

/// --diff: compares an OK record with the earlier run, on the digests both
/// runs have. One without a digest in common cannot be compared: new.
void mark(aggregator_state& st, url_result& record) {
  static const char* names[] = {"new", "changed", "unchanged"};
  auto i = st.previous.find(record.url);
  if (i != st.previous.end())
    i->second.listed = true; // whatever happened to it, it is not gone
  if (record.report.error != error_kind::none)
    return; // failed: neither changed nor unchanged
  diff_mark m = mark_new;
  if (i != st.previous.end()) {
    size_t compared = 0, equal = 0;
    for (auto& [algo, hex] : i->second.digests)
      for (auto& d : record.digests)
        if (d.algo == algo) {
          compared += 1;
          equal += detail::to_hex(d.bytes) == hex ? 1 : 0;
        }
    if (compared > 0)
      m = equal == compared ? mark_unchanged : mark_changed;
  }
  record.mark = names[m];
  st.summary.marks[m] += 1;
}

/// --diff: a 304 to our conditional request says the body is the one the
/// earlier run hashed; its digests become this record's. The source asked
/// only for URLs whose earlier record has all of them, so a missing one is a
/// fault, reported as such rather than a record without digests.
void reuse_earlier_digests(aggregator_state& st, url_result& record) {
  auto i = st.previous.find(record.url);
  for (auto& algo : st.settings.algorithms) {
    std::optional<std::vector<uint8_t>> bytes;
    if (i != st.previous.end())
      for (auto& [earlier_algo, hex] : i->second.digests)
        if (earlier_algo == algo)
          bytes = detail::from_hex(hex);
    if (!bytes) {
      record.digests.clear();
      record.report.not_modified = false;
      record.report.error = error_kind::internal;
      record.report.message = "304 Not Modified, but the earlier run has no "
                              + algo + " digest of this URL";
      return;
    }
    record.digests.push_back(digest_value{algo, std::move(*bytes)});
  }
  st.summary.not_modified += 1;
}

void on_result(self_pointer self, url_result& record) {
  auto& st = self->state;
  if (st.complete || !first_time(st, record.url_seq)) {
    st.summary.duplicates += 1;
    return;
  }
  if (record.report.not_modified && record.report.error == error_kind::none
      && !record.journaled)
    reuse_earlier_digests(st, record);
  count(st, record);
  if (st.settings.diff)
    mark(st, record);
  if (st.journal && !st.journal.failed() && !record.journaled) {
    // Appended as each record completes, before any ordering or buffering:
    // what kill -9 can lose is at most the line being written. Records
    // re-emitted from the journal are in it already.
    std::string line;
    detail::write_json_record(record, line);
    write_checked(st, st.journal, line);
  }
  if (!st.settings.keep_order) {
    emit(self, record);
    return;
  }
  st.held.emplace(record.url_seq, std::move(record));
  for (auto i = st.held.begin();
       i != st.held.end() && i->first == st.next_in_order;
       i = st.held.erase(i)) {
    emit(self, i->second);
    st.next_in_order += 1;
  }
}

void on_end(self_pointer self, input_end& end) {
  auto& st = self->state;
  // Interrupted runs leave gaps: write what is held, still in input order.
  for (auto& [url_seq, record] : st.held)
    emit(self, record);
  st.held.clear();
  if (st.settings.diff) {
    // In the earlier run, not in this list.
    for (auto& [url, earlier] : st.previous) {
      if (earlier.listed)
        continue;
      st.summary.marks[mark_gone] += 1;
      if (st.settings.format == output_format::json)
        detail::write_json_gone(url, st.pending_out);
      else
        st.pending_err += "fetchsum: " + url + ": gone\n";
    }
    st.previous.clear();
  }
  st.summary.malformed = end.malformed;
  st.summary.unformatted_lists = end.unformatted_lists;
  if (st.settings.check && !st.settings.check_status) {
    for (auto& list : end.unformatted_lists)
      st.pending_err += "fetchsum: " + list
                        + ": no properly formatted checksum lines found\n";
    // sha256sum -c's closing warnings, worded the same way.
    auto warn = [&](uint64_t n, const char* one, const char* many) {
      if (n > 0)
        st.pending_err += "fetchsum: WARNING: " + std::to_string(n) + " "
                          + (n == 1 ? one : many) + "\n";
    };
    // As sha256sum: a file of nothing but bad lines gets the error above,
    // not also this warning.
    if (st.summary.verified + st.summary.mismatched + st.summary.unreadable
          + st.summary.missing
        > 0)
      warn(end.malformed, "line is improperly formatted",
           "lines are improperly formatted");
    warn(st.summary.unreadable, "listed URL could not be read",
         "listed URLs could not be read");
    warn(st.summary.mismatched, "computed checksum did NOT match",
         "computed checksums did NOT match");
    if (st.settings.ignore_missing && st.summary.missing > 0
        && st.summary.verified + st.summary.mismatched + st.summary.unreadable
             == 0)
      st.pending_err += "fetchsum: no URL was verified\n";
  }
  if (end.results > st.distinct) {
    auto missing = end.results - st.distinct;
    st.pending_err += "fetchsum: internal error: " + std::to_string(missing)
                      + " records went missing\n";
    st.summary.failed += missing;
  }
  write_pending(st);
  st.summary.read_error = end.read_error;
  st.summary.interrupted = end.interrupted;
  st.summary.from_journal = end.from_journal;
  st.summary.never_started = end.never_started;
  st.summary.list_unread = end.list_unread;
  st.summary.nodes = end.nodes;
  st.complete = true;
  for (auto& promise : st.waiting)
    promise.deliver(st.summary);
  st.waiting.clear();
}

} // namespace

aggregator_actor::behavior_type
aggregator(aggregator_actor::stateful_pointer<aggregator_state> self,
           aggregator_settings settings, detail::output_file out,
           std::ostream* err, detail::output_file journal) {
  exit_on_exception(self);
  auto& st = self->state;
  st.settings = settings;
  st.out = std::move(out);
  st.err = err;
  st.journal = std::move(journal);
  if (settings.diff) {
    for (auto& [url, digests] : st.settings.previous_run)
      st.previous.emplace(url, aggregator_state::earlier_record{
                                 std::move(digests), false});
    st.settings.previous_run.clear();
    st.summary.marks.assign(4, 0);
  }
  return {
    [=](url_result& record) { on_result(self, record); },
    [=](input_end& end) { on_end(self, end); },
    [=](caf::flush_atom) {
      self->state.flush_armed = false;
      write_pending(self->state);
    },
    [=](caf::get_atom) {
      auto& s = self->state.summary;
      return record_counts{s.ok, s.failed, s.bytes};
    },
    [=](await_atom) -> caf::result<run_summary> {
      auto& st = self->state;
      if (st.complete)
        return st.summary;
      st.waiting.push_back(self->make_response_promise<run_summary>());
      return st.waiting.back();
    },
  };
}

} // namespace fetchsum
