// Request rate limits per client address: one token bucket per address, refilled at
// `per_second` tokens a second up to `burst`, each request taking one token. Time comes from
// the Clock port, so tests move it by hand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "base/time.h"

namespace quanzu::api {

struct RateLimit {
  double per_second = 200;  // tokens added a second; 0 disables the limit
  double burst = 400;       // the most tokens a bucket holds (requests in one go)
};

// One client's bucket. Pure: the caller passes the time.
class TokenBucket {
 public:
  // A full bucket at `now`.
  TokenBucket(const RateLimit& limit, Millis now) : tokens_(limit.burst), updated_(now) {}

  // Takes one token and returns 0, or returns how many milliseconds until one is there
  // (at least 1) and takes nothing. A clock that went back adds nothing.
  std::int64_t take(const RateLimit& limit, Millis now);
  // When the bucket will be full again; a bucket full by then is the same as a new one.
  Millis full_at(const RateLimit& limit) const;
  Millis updated() const { return updated_; }

 private:
  void refill(const RateLimit& limit, Millis now);

  double tokens_;
  Millis updated_;
};

struct RateDecision {
  bool allowed = true;
  std::int64_t retry_after_ms = 0;  // when refused: the wait until a token is there
};

// The buckets of every client address seen lately. Memory is bounded: buckets that have
// refilled (idle clients) are dropped as the table grows, and when `max_addresses` are
// still all active the least recently seen tenth goes (they restart with a full bucket).
// Safe from several threads.
class AddressRateLimiter {
 public:
  AddressRateLimiter(const Clock& clock, RateLimit limit, size_t max_addresses = 100000);

  // One request from `address`. Always allowed when the limit is disabled.
  RateDecision take(const std::string& address);
  bool enabled() const { return limit_.per_second > 0; }
  size_t tracked() const;

 private:
  void evict(Millis now);  // requires mu_

  const Clock& clock_;
  RateLimit limit_;
  size_t max_addresses_;
  mutable std::mutex mu_;  // guards buckets_, takes_
  std::unordered_map<std::string, TokenBucket> buckets_;
  std::uint64_t takes_ = 0;
};

}  // namespace quanzu::api
