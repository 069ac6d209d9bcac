#include "detail/host_scheduler.hpp"

#include <algorithm>

namespace fetchsum::detail {

void token_bucket::refill(steady_time now, const host_limits& limits) {
  if (tokens_ < 0) {
    tokens_ = limits.burst;
  } else {
    std::chrono::duration<double> elapsed = now - refilled_;
    tokens_ = std::min<double>(limits.burst,
                               tokens_ + elapsed.count() * limits.rate);
  }
  refilled_ = now;
}

bool token_bucket::take(steady_time now, const host_limits& limits) {
  if (limits.rate <= 0)
    return true;
  refill(now, limits);
  if (tokens_ < 1)
    return false;
  tokens_ -= 1;
  return true;
}

std::chrono::nanoseconds
token_bucket::time_to_next(const host_limits& limits) const {
  auto wait = std::chrono::duration<double>((1 - tokens_) / limits.rate);
  return std::chrono::ceil<std::chrono::microseconds>(wait);
}

bool token_bucket::full(steady_time now, const host_limits& limits) {
  if (limits.rate <= 0 || tokens_ < 0)
    return true;
  refill(now, limits);
  return tokens_ >= limits.burst;
}

} // namespace fetchsum::detail
