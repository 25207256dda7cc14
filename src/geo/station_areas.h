// The areas of police stations (派出所辖区) inside districts: synthetic ones for the demo
// (make_station_areas), and their GeoJSON form (data/chongqing-stations.geojson). Pure: no I/O.
//
// A synthetic station's area is the Voronoi cell of its station point among the district's
// station points, clipped to the district: every point of the district lies in exactly one
// of its stations' areas (borders aside), and each station point lies in its own area.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "geo/jurisdictions.h"

namespace quanzu::geo {

struct StationArea {
  std::string code;             // "500105-01"; "-01" is the district's default station
  std::string name;             // "江北区第1派出所"
  std::string district_adcode;  // "500105"
  std::string contact;          // duty phone, "023-6xxxxxxx" (synthetic)
  Point station_point;          // where the station building is (GCJ-02)
  // The area: simple rings, outer rings counter-clockwise and holes clockwise, closed. One
  // station may own several parts (a district's exclaves, or a piece cut off by a bend).
  std::vector<Polygon> polygons;
};

// The number of synthetic stations for a district of this area: 3 for ~100 km² or less,
// rising with the logarithm of the area to 8 for ~5000 km² or more.
int station_count_for_area(double area_km2);

// The district's area in km² (outer rings minus holes, with longitudes scaled by the cosine
// of each part's latitude).
double area_km2(const District& district);

// The part of `region` (a MultiPolygon's parts; closed rings, holes allowed, any
// orientation) nearest to each site: the site's Voronoi cell clipped to the region, cut one
// bisector half-plane at a time. A cut through a bend gives separate pieces, never rings
// joined by zero-width bridges; a piece pinched to a point where the region touches a
// bisector is split there. Distances scale longitudes by `lon_scale` (the cosine of the
// latitude; 1 for plain planar distance). result[i] holds the polygons of sites[i], largest
// first, on the 1e-6° grid: closed rings, each simple (no crossing, no touching itself),
// outer rings counter-clockwise, holes clockwise; empty when no part of the region is
// nearest to the site. Together the cells cover the region, overlapping only along borders.
// Fails with Code::kInvalid when two sites coincide or a ring of the region crosses or
// touches itself, and with Code::kInternal if rounding near a vertex defeats a cut.
Result<std::vector<std::vector<Polygon>>> voronoi_cells(const std::vector<Polygon>& region,
                                                        const std::vector<Point>& sites,
                                                        double lon_scale);

// Synthetic stations with their areas for each district, in the order of `districts`, each
// district's stations numbered from 1. `per_district` > 0 gives every district that many;
// otherwise the count follows the district's area (station_count_for_area). Station points
// lie in the district's largest part: the first at the district's center when that is inside
// it, the others spread out by best-candidate sampling. Distances are measured with
// longitudes scaled by the cosine of the district's latitude, so cells are not stretched.
// Deterministic: the same districts and seed give the same stations, bit for bit, and a
// district's stations do not depend on the other districts. Coordinates are rounded to 1e-6°
// (about 0.1 m), as written to GeoJSON, so areas survive a round trip through the file
// unchanged. Fails with Code::kInvalid naming the district when a district has no area or
// its polygon is not simple enough to be cut (self-intersecting rings).
Result<std::vector<StationArea>> make_station_areas(const std::vector<District>& districts,
                                                    int per_district, std::uint64_t seed);

// A GeoJSON FeatureCollection with one feature per station: properties code, name,
// district_adcode, contact, kind ("station") and station_point ([lon, lat]), geometry a
// MultiPolygon. Coordinates are written with 6 decimals, never in exponent form; one feature
// per line.
std::string station_areas_geojson(const std::vector<StationArea>& areas);

// Reads what station_areas_geojson writes. Properties code, name and district_adcode (a
// 6-digit string or integer) are required, contact is optional, kind must be "station" when
// given, station_point is a [lon, lat] pair; geometry is a Polygon or MultiPolygon whose rings
// are closed and have at least 4 points. Rings are kept as given (orientation and simplicity
// are not checked). Fails with Code::kInvalid when the text is not such a collection, a
// feature is malformed or two features share a code; the message names the feature
// ("feature 4 (500105-02): geometry.type ...") and Error::fields holds the path
// ("features[4].geometry.type").
Result<std::vector<StationArea>> load_station_areas(std::string_view geojson_text);

}  // namespace quanzu::geo
