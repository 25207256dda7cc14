#include "dispatch/travel.h"

#include <cassert>
#include <cmath>
#include <limits>
#include <numbers>

namespace quanzu::dispatch {
namespace {

constexpr double kRadiansPerDegree = std::numbers::pi / 180;

bool speed_ok(double speed_kmh) { return std::isfinite(speed_kmh) && speed_kmh > 0; }
bool detour_ok(double detour) { return std::isfinite(detour) && detour >= 1; }

}  // namespace

double distance_m(GeoPoint a, GeoPoint b) {
  double phi1 = a.lat * kRadiansPerDegree;
  double phi2 = b.lat * kRadiansPerDegree;
  double half_dphi = (phi2 - phi1) / 2;
  double half_dlambda = (b.lon - a.lon) * kRadiansPerDegree / 2;
  double h = std::sin(half_dphi) * std::sin(half_dphi) +
             std::cos(phi1) * std::cos(phi2) * std::sin(half_dlambda) * std::sin(half_dlambda);
  // Rounding can push h a hair above 1 for antipodal points, where asin would give NaN. Not
  // std::min: it would turn a NaN h (a coordinate not finite) into a distance.
  if (h > 1) h = 1;
  return 2 * kEarthRadiusM * std::asin(std::sqrt(h));
}

bool is_valid(GeoPoint p) {
  return std::isfinite(p.lat) && std::isfinite(p.lon) && p.lat >= -90 && p.lat <= 90 &&
         p.lon >= -180 && p.lon <= 180;
}

StraightLineTravel::StraightLineTravel(double speed_kmh, double detour)
    : speed_kmh_(speed_kmh), detour_(detour) {
  assert(speed_ok(speed_kmh) && detour_ok(detour));  // make() checks values from outside
}

Result<StraightLineTravel> StraightLineTravel::make(double speed_kmh, double detour) {
  std::vector<FieldError> errors;
  if (!speed_ok(speed_kmh)) errors.push_back({"speed_kmh", "must be a number above 0"});
  if (!detour_ok(detour)) errors.push_back({"detour", "must be a number of at least 1"});
  if (!errors.empty()) return fail_fields(std::move(errors));
  return StraightLineTravel(speed_kmh, detour);
}

Millis StraightLineTravel::estimate(GeoPoint from, GeoPoint to) const {
  if (!is_valid(from) || !is_valid(to)) return std::numeric_limits<Millis>::max();
  double metres = distance_m(from, to) * detour_;
  double ms = metres / (speed_kmh_ / 3.6) * 1000;
  // Only an absurdly slow configured speed gets near the end of the range.
  constexpr double kLimit = static_cast<double>(std::numeric_limits<Millis>::max()) / 2;
  return ms < kLimit ? static_cast<Millis>(std::ceil(ms)) : std::numeric_limits<Millis>::max();
}

}  // namespace quanzu::dispatch
