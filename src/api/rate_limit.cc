#include "api/rate_limit.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace quanzu::api {
namespace {

// Whole milliseconds for a wait computed in floating point, not one more for a rounding
// error (0.999 tokens at 1/s must wait 1 ms, not 2).
std::int64_t ceil_ms(double ms) { return static_cast<std::int64_t>(std::ceil(ms - 1e-6)); }

}  // namespace

void TokenBucket::refill(const RateLimit& limit, Millis now) {
  if (now <= updated_) return;
  tokens_ = std::min(limit.burst,
                     tokens_ + static_cast<double>(now - updated_) * limit.per_second / 1000.0);
  updated_ = now;
}

std::int64_t TokenBucket::take(const RateLimit& limit, Millis now) {
  refill(limit, now);
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return 0;
  }
  return std::max<std::int64_t>(1, ceil_ms((1 - tokens_) * 1000.0 / limit.per_second));
}

Millis TokenBucket::full_at(const RateLimit& limit) const {
  if (tokens_ >= limit.burst) return updated_;
  return updated_ + ceil_ms((limit.burst - tokens_) * 1000.0 / limit.per_second);
}

AddressRateLimiter::AddressRateLimiter(const Clock& clock, RateLimit limit, size_t max_addresses)
    : clock_(clock), limit_(limit), max_addresses_(std::max<size_t>(1, max_addresses)) {}

RateDecision AddressRateLimiter::take(const std::string& address) {
  if (!enabled()) return {};
  const Millis now = clock_.now();
  std::lock_guard lock(mu_);
  // Sweep now and then so that idle clients do not pile up even below the cap.
  if (++takes_ % 65536 == 0 || buckets_.size() >= max_addresses_) evict(now);
  auto it = buckets_.find(address);
  if (it == buckets_.end()) it = buckets_.emplace(address, TokenBucket(limit_, now)).first;
  const std::int64_t wait = it->second.take(limit_, now);
  return wait == 0 ? RateDecision{} : RateDecision{false, wait};
}

size_t AddressRateLimiter::tracked() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

void AddressRateLimiter::evict(Millis now) {
  std::erase_if(buckets_, [&](const auto& entry) { return entry.second.full_at(limit_) <= now; });
  if (buckets_.size() < max_addresses_) return;
  // Every address is active: drop the least recently seen tenth, so that the next sweeps
  // are rare again.
  std::vector<Millis> seen;
  seen.reserve(buckets_.size());
  for (const auto& [address, bucket] : buckets_) seen.push_back(bucket.updated());
  const size_t drop = std::max<size_t>(1, buckets_.size() / 10);
  std::nth_element(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(drop - 1), seen.end());
  const Millis cutoff = seen[drop - 1];
  size_t dropped = 0;
  for (auto it = buckets_.begin(); it != buckets_.end() && dropped < drop;) {
    if (it->second.updated() <= cutoff) {
      it = buckets_.erase(it);
      ++dropped;
    } else {
      ++it;
    }
  }
}

}  // namespace quanzu::api
