// Districts (区县) and their police stations (派出所), loaded from GeoJSON. Pure data and
// lookups; no I/O beyond load_*().
//
// Until the real spatial routing lands, a station is found from the instruction's adcode:
// every district has a default station (its first).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cases/case.h"

namespace quanzu::geo {

struct Point {
  double lon = 0;
  double lat = 0;
};

// Outer ring first, then holes; rings are closed (first point == last point).
struct Polygon {
  std::vector<std::vector<Point>> rings;
};

// An axis-aligned box in lon/lat degrees.
struct Box {
  double min_lon = 0;
  double min_lat = 0;
  double max_lon = 0;
  double max_lat = 0;
  bool contains(Point p) const {
    return p.lon >= min_lon && p.lon <= max_lon && p.lat >= min_lat && p.lat <= max_lat;
  }
};

struct District {
  std::string adcode;  // "500105"
  std::string name;    // "江北区"
  Point center;
  std::vector<Polygon> polygons;  // a MultiPolygon's parts
};

struct StationInfo {
  cases::Station station;  // code, name, district_adcode
  Point position;          // where the station building is (GCJ-02)
};

// Reads a GeoJSON FeatureCollection of districts (properties: adcode, name, center).
// `adcode` is a 6-digit integer or string; geometry is a Polygon or MultiPolygon whose rings
// have at least 4 points and are closed. Ring orientation is not checked (the Chongqing file
// has clockwise outer rings, against RFC 7946): containment is even-odd, so it does not
// matter. Without `center`, the centroid of the outer ring of the largest polygon is used.
// Fails with Code::kInvalid when the text is not such a collection, when a feature is
// malformed or when two features share an adcode; the message names the feature ("feature 4
// (江北区): ...") and Error::fields holds the path ("features[4].properties.adcode").
Result<std::vector<District>> load_districts(std::string_view geojson_text);

// True when p lies inside the polygon (even-odd rule over all its rings).
bool contains(const Polygon& polygon, Point p);
bool contains(const District& district, Point p);

// The smallest box holding every point of the polygon / of every part of the district.
// All zero for an empty shape.
Box bounds(const Polygon& polygon);
Box bounds(const District& district);

// The district's part with the largest area (by its outer ring), or nullptr when it has none.
const Polygon* largest_polygon(const District& district);

// The stations of the deployment, by district.
class StationDirectory {
 public:
  StationDirectory() = default;
  // Stations are regrouped by district in the order of `districts` (stable, so each
  // district's first station stays first and becomes its default); stations of an unknown
  // district go last and are found only by code. Station codes should be unique: on a
  // repeat, lookup by code finds the first.
  StationDirectory(std::vector<District> districts, std::vector<StationInfo> stations);

  // `per_district` synthetic stations inside each district, named after the district
  // ("江北区第1派出所", code "500105-01"), placed deterministically inside its polygon.
  // The "-01" station (the default) stands at the district's center when that lies inside
  // its largest part; the others are spread over that part by fixed-seed sampling, so the
  // same districts always give the same stations.
  static StationDirectory synthetic(std::vector<District> districts, int per_district);

  const std::vector<District>& districts() const { return districts_; }
  const std::vector<StationInfo>& stations() const { return stations_; }
  const District* district(std::string_view adcode) const;
  const StationInfo* station(std::string_view code) const;
  // The district's default station, or nullptr when the adcode is not one of ours (or the
  // district has no station). Lookups are O(log n).
  const StationInfo* default_station(std::string_view adcode) const;

 private:
  static constexpr size_t kNone = static_cast<size_t>(-1);

  std::vector<District> districts_;
  std::vector<StationInfo> stations_;                          // grouped by district, default first
  std::map<std::string, size_t, std::less<>> district_index_;  // adcode -> districts_ index
  std::map<std::string, size_t, std::less<>> station_index_;   // code -> stations_ index
  std::vector<size_t> default_station_;  // per districts_ index: stations_ index, or kNone
};

}  // namespace quanzu::geo
