#include "geo/coords.h"

#include <cmath>
#include <numbers>

namespace quanzu::geo {
namespace {

// The Krasovsky 1940 ellipsoid the GCJ-02 formulas are stated on.
constexpr double kSemiMajorAxis = 6378245.0;
constexpr double kEccentricitySquared = 0.00669342162296594323;

constexpr double kPi = std::numbers::pi;

// The published offset polynomials, in metres-like units before scaling, of a position
// relative to (105°E, 35°N).
double lat_offset(double x, double y) {
  double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * std::sqrt(std::abs(x));
  r += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
  r += (20.0 * std::sin(y * kPi) + 40.0 * std::sin(y / 3.0 * kPi)) * 2.0 / 3.0;
  r += (160.0 * std::sin(y / 12.0 * kPi) + 320.0 * std::sin(y / 30.0 * kPi)) * 2.0 / 3.0;
  return r;
}

double lon_offset(double x, double y) {
  double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * std::sqrt(std::abs(x));
  r += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
  r += (20.0 * std::sin(x * kPi) + 40.0 * std::sin(x / 3.0 * kPi)) * 2.0 / 3.0;
  r += (150.0 * std::sin(x / 12.0 * kPi) + 300.0 * std::sin(x / 30.0 * kPi)) * 2.0 / 3.0;
  return r;
}

// GCJ-02 minus WGS84 at a WGS84 point, in degrees.
Point offset_at(Point wgs84) {
  double x = wgs84.lon - 105.0;
  double y = wgs84.lat - 35.0;
  double rad_lat = wgs84.lat / 180.0 * kPi;
  double s = std::sin(rad_lat);
  double w = 1.0 - kEccentricitySquared * s * s;
  double sqrt_w = std::sqrt(w);
  // Degrees per unit of the polynomials: 180 / (radius of curvature * pi).
  double meridian = kSemiMajorAxis * (1.0 - kEccentricitySquared) / (w * sqrt_w);
  double prime_vertical = kSemiMajorAxis / sqrt_w * std::cos(rad_lat);
  return Point{lon_offset(x, y) * 180.0 / (prime_vertical * kPi),
               lat_offset(x, y) * 180.0 / (meridian * kPi)};
}

}  // namespace

bool in_gcj02_area(Point p) {
  return p.lon >= 72.004 && p.lon <= 137.8347 && p.lat >= 0.8293 && p.lat <= 55.8271;
}

Point wgs84_to_gcj02(Point wgs84) {
  if (!in_gcj02_area(wgs84)) return wgs84;
  Point d = offset_at(wgs84);
  return Point{wgs84.lon + d.lon, wgs84.lat + d.lat};
}

Point gcj02_to_wgs84(Point gcj02) {
  if (!in_gcj02_area(gcj02)) return gcj02;
  // The offset changes by less than 1e-4 of itself per degree, so the fixed-point iteration
  // w <- w + (target - forward(w)) gains about four digits a step.
  constexpr int kMaxSteps = 10;
  constexpr double kTolerance = 1e-12;
  Point w{gcj02.lon, gcj02.lat};
  for (int i = 0; i < kMaxSteps; ++i) {
    Point g = wgs84_to_gcj02(w);
    double dlon = gcj02.lon - g.lon;
    double dlat = gcj02.lat - g.lat;
    w.lon += dlon;
    w.lat += dlat;
    if (std::abs(dlon) < kTolerance && std::abs(dlat) < kTolerance) break;
  }
  return w;
}

}  // namespace quanzu::geo
