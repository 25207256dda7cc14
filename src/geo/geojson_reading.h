// Internal to geo/: the pieces the GeoJSON loaders (jurisdictions.cc for districts,
// station_areas.cc for station areas) share, so both check a feature the same way and say
// the same thing about the same mistake. Each parse_*() checks one part of a feature and
// reports what is wrong as a Problem whose field is a path inside the feature
// ("geometry.coordinates[0][2]"); the loader prefixes the feature ("feature 4 (江北区): ...",
// "features[4]") and turns it into an Error with invalid().
//
// Also the seeded sampling both station generators use (unit(), sample_inside()): the same
// seed gives the same points on every standard library, so generated station placement, and
// with it the shipped data/chongqing-stations.geojson, stays reproducible.
//
// Not part of geo's interface: only geo/*.cc include this header.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "geo/jurisdictions.h"

namespace quanzu::geo::geojson {

// What is wrong with one feature, before the feature's index and name are known to the
// caller: `field` is a path inside the feature ("geometry.coordinates[0][2]"), empty for the
// feature itself.
struct Problem {
  std::string field;
  std::string what;
};

template <typename T>
using Checked = tl::expected<T, Problem>;

tl::unexpected<Problem> problem(std::string field, std::string what);

// A Code::kInvalid error whose one FieldError carries `field` and the same message.
tl::unexpected<Error> invalid(const std::string& message, std::string field);

// "null", "a boolean", "a number", "a string", "an array" or "an object", for messages.
std::string kind_of(const boost::json::value& v);

// The value as a double when it is a JSON number of any kind.
std::optional<double> number(const boost::json::value& v);

// `base` + "[i]".
std::string index_path(const std::string& base, size_t i);

// A GeoJSON position: [lon, lat] or [lon, lat, altitude]; the altitude is ignored. Both must
// be finite numbers within lon [-180, 180] / lat [-90, 90].
Checked<Point> parse_position(const boost::json::value& v, const std::string& path);

// A closed ring of at least 4 positions (the last repeating the first).
Checked<std::vector<Point>> parse_ring(const boost::json::value& v, const std::string& path);

// An array of at least one ring: the outer ring, then holes.
Checked<Polygon> parse_polygon(const boost::json::value& v, const std::string& path);

// The feature's "geometry": a Polygon (one part) or a MultiPolygon of at least one part.
Checked<std::vector<Polygon>> parse_geometry(const boost::json::object& feature);

// properties[key] as a district code (行政区划代码): a 6-digit integer or string without a
// leading zero, returned as its 6 digits. Problems name the field "properties.<key>".
Checked<std::string> parse_adcode(const boost::json::object& properties, std::string_view key);

// Doubles in [0, 1) from the generator's bits, the same on every standard library (the
// std distributions are not specified bit for bit).
double unit(std::mt19937_64& rng);

// A point inside the polygon, drawn uniformly from `box` (its bounds): two unit() draws per
// try, longitude first. With `grid_per_degree` > 0 each coordinate is rounded to
// 1/grid_per_degree of a degree before the inside test, so the point is inside as written.
// nullopt when 10000 tries all miss (a polygon without an interior).
std::optional<Point> sample_inside(const Polygon& polygon, const Box& box, std::mt19937_64& rng,
                                   double grid_per_degree = 0);

}  // namespace quanzu::geo::geojson
