// A source actor for tests that drive a supervisor: hands out a fixed list.
#pragma once

#include <string>
#include <vector>

#include "messages/interfaces.hpp"

namespace fetchsum::test {

struct fake_source_state {
  std::vector<std::string> urls;
  size_t next = 0;
  static inline const char* name = "fake_source";
};

/// Hands out `urls` in batches of at most n, as the real source does.
inline source_actor::behavior_type
fake_source(source_actor::stateful_pointer<fake_source_state> self,
            std::vector<std::string> urls) {
  self->state.urls = std::move(urls);
  return {
    [=](pull_atom, uint32_t n) {
      auto& st = self->state;
      url_batch batch;
      while (batch.jobs.size() < n && st.next < st.urls.size()) {
        batch.jobs.push_back(url_job{st.next, st.urls[st.next], {}});
        ++st.next;
      }
      batch.last = st.next == st.urls.size();
      return batch;
    },
  };
}

/// One URL on each of `n` hosts (127.0.0.1, 127.0.0.2, ...).
inline std::vector<std::string> distinct_hosts(size_t n) {
  std::vector<std::string> urls;
  for (size_t i = 0; i < n; ++i)
    urls.push_back("http://127.0.0." + std::to_string(i + 1) + ":8080/x");
  return urls;
}

} // namespace fetchsum::test
