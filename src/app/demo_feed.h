// The simulated upstream feed of `quanzu demo`: realistic warning instructions as JSON text.
// Deterministic for a given seed. Not thread-safe; one feed per thread.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "base/time.h"
#include "geo/jurisdictions.h"

namespace quanzu::app {

class DemoFeed {
 public:
  // `directory` supplies districts (for adcodes and points inside them); must outlive this.
  DemoFeed(const geo::StationDirectory& directory, std::uint64_t seed);

  // One instruction object as JSON text, issued at `at`, valid per SPEC.md. Mix: triggers,
  // scam types, levels, ages, amounts and places weighted as a district centre sees them;
  // a few percent repeat an earlier phone; about 1 in 200 is malformed on purpose
  // (a wrong type, a missing field, an unknown enum) when `with_errors` is set.
  std::string next(Millis at, bool with_errors = false);

  // How many instructions to send in the next `seconds` seconds starting at `at`, for a
  // mean of `per_minute`: lower at night (01:00-07:00 local), higher in the evening, and
  // an occasional burst of several times the rate (Poisson draws around that curve).
  int arrivals(Millis at, double seconds, double per_minute);

 private:
  const geo::StationDirectory& directory_;
  std::mt19937_64 rng_;
  std::uint64_t counter_ = 0;
  std::vector<std::string> recent_phones_;
  Millis burst_until_ = 0;
};

}  // namespace quanzu::app
