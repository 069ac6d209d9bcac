#include "detail/whole_fetch.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include "detail/curl_multi.hpp"

namespace fetchsum::detail {

namespace {

/// Collects one transfer's body, up to a cap.
class body_collector : public curl_multi::listener {
public:
  explicit body_collector(std::string& body) : body_(body) {
  }

  bool on_body(uint64_t, const char* data, size_t size) override {
    body_.append(data, size);
    return true;
  }

  void on_done(uint64_t, transfer_report report) override {
    report_ = std::move(report);
    done_ = true;
  }

  bool done() const noexcept {
    return done_;
  }

  transfer_report& report() noexcept {
    return report_;
  }

private:
  std::string& body_;
  transfer_report report_;
  bool done_ = false;
};

whole_file fetch_once(const fetcher_settings& settings, const std::string& url,
                      const whole_fetch_limits& limits) {
  whole_file result;
  body_collector events{result.body};
  // The cap is curl_multi's --max-size check (Content-Length, then the
  // bytes as they come), so a lying server cannot make us hold more.
  auto capped = settings;
  capped.max_size = limits.max_bytes;
  curl_multi transfers{capped, events};
  transfers.start(0, url);
  while (!events.done()) {
    transfers.perform();
    if (!events.done())
      transfers.wait(std::chrono::milliseconds(1000));
  }
  result.report = std::move(events.report());
  if (result.report.error == error_kind::too_large)
    result.report.message = "larger than "
                            + std::to_string(limits.max_bytes) + " bytes ("
                            + limits.max_bytes_origin + ")";
  if (result.report.error != error_kind::none)
    result.body.clear();
  return result;
}

} // namespace

whole_file fetch_whole(const fetcher_settings& settings, const std::string& url,
                       const whole_fetch_limits& limits) {
  std::minstd_rand random{std::random_device{}()};
  for (uint32_t attempt = 1;; ++attempt) {
    auto result = fetch_once(settings, url, limits);
    result.attempts = attempt;
    if (result.report.error == error_kind::none || attempt > limits.retries
        || !is_transient(result.report))
      return result;
    // Full jitter, as the supervisor backs off.
    auto cap = limits.retry_delay.count()
               * (int64_t{1} << std::min<uint32_t>(attempt - 1, 20));
    cap = std::min<int64_t>(cap, limits.retry_max_delay.count());
    std::uniform_int_distribution<int64_t> pick{0, std::max<int64_t>(cap, 0)};
    std::this_thread::sleep_for(std::chrono::milliseconds(pick(random)));
  }
}

} // namespace fetchsum::detail
