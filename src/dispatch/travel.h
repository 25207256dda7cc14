// How far a responder is from a door and how long the ride takes. Pure.
//
// Positions are cases::GeoPoint in GCJ-02 degrees. GCJ-02 shifts WGS84 by a smooth offset of
// a few hundred metres, so distances between two GCJ-02 points are as good as between the
// true points for choosing a responder.
#pragma once

#include "base/result.h"
#include "base/time.h"
#include "cases/handling.h"

namespace quanzu::dispatch {

using cases::GeoPoint;

// The mean Earth radius (IUGG), metres.
inline constexpr double kEarthRadiusM = 6371008.8;

// Great-circle distance in metres on a sphere of kEarthRadiusM (haversine). Within 0.5% of
// the ellipsoidal distance, far below what a straight line misses of a road anyway. NaN when
// a coordinate is not finite.
double distance_m(GeoPoint a, GeoPoint b);

// True when the point has finite coordinates with lat in [-90, 90] and lon in [-180, 180].
bool is_valid(GeoPoint p);

// Estimated time to ride from one point to another: the port where a road network (a
// routing engine over OpenStreetMap or a city's own map, with live traffic) can plug in
// later in place of StraightLineTravel. Implementations must be safe to call from several
// threads at once, return a non-negative time, and answer fast: the chooser calls estimate()
// once per available responder of the stations it asks.
class TravelTime {
 public:
  virtual ~TravelTime() = default;
  virtual Millis estimate(GeoPoint from, GeoPoint to) const = 0;
};

// The straight line stretched by a detour factor (roads are not straight; ~1.3 in a city,
// more in Chongqing's hills and across its rivers), ridden at a constant speed. Rounds up
// to the next millisecond. Immutable, so safe to share between threads.
class StraightLineTravel final : public TravelTime {
 public:
  static constexpr double kDefaultSpeedKmh = 30;  // a motorcycle in city traffic
  static constexpr double kDefaultDetour = 1.3;

  // Requires speed_kmh > 0 and detour >= 1 (both finite); use make() for values read from
  // configuration.
  explicit StraightLineTravel(double speed_kmh = kDefaultSpeedKmh, double detour = kDefaultDetour);

  // Fails with Code::kInvalid, naming "speed_kmh" or "detour", when a value is out of range.
  static Result<StraightLineTravel> make(double speed_kmh, double detour);

  // The largest Millis when a point is not valid (is_valid), so such a responder sorts last.
  Millis estimate(GeoPoint from, GeoPoint to) const override;

  double speed_kmh() const { return speed_kmh_; }
  double detour() const { return detour_; }

 private:
  double speed_kmh_;
  double detour_;
};

}  // namespace quanzu::dispatch
