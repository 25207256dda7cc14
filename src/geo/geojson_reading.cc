#include "geo/geojson_reading.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

namespace quanzu::geo::geojson {

namespace json = boost::json;

tl::unexpected<Problem> problem(std::string field, std::string what) {
  return tl::unexpected<Problem>(Problem{std::move(field), std::move(what)});
}

tl::unexpected<Error> invalid(const std::string& message, std::string field) {
  return tl::unexpected<Error>(
      Error{Code::kInvalid, message, {FieldError{std::move(field), message}}});
}

std::string kind_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

std::optional<double> number(const json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return std::nullopt;
}

std::string index_path(const std::string& base, size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

Checked<Point> parse_position(const json::value& v, const std::string& path) {
  const json::array* a = v.if_array();
  if (a == nullptr || a->size() < 2) {
    return problem(path, "is " + kind_of(v) +
                             (a ? " of " + std::to_string(a->size()) + " values" : "") +
                             ", not a [lon, lat] pair");
  }
  std::optional<double> lon = number((*a)[0]);
  std::optional<double> lat = number((*a)[1]);
  if (!lon || !lat) return problem(path, "has a non-numeric coordinate");
  if (!std::isfinite(*lon) || !std::isfinite(*lat) || *lon < -180 || *lon > 180 || *lat < -90 ||
      *lat > 90) {
    return problem(path, "is outside lon [-180, 180] / lat [-90, 90]");
  }
  return Point{*lon, *lat};
}

Checked<std::vector<Point>> parse_ring(const json::value& v, const std::string& path) {
  const json::array* a = v.if_array();
  if (a == nullptr) return problem(path, "is " + kind_of(v) + ", not a ring (array of positions)");
  if (a->size() < 4) {
    return problem(path, "has " + std::to_string(a->size()) + " points; a ring needs at least 4");
  }
  std::vector<Point> ring;
  ring.reserve(a->size());
  for (size_t i = 0; i < a->size(); ++i) {
    Checked<Point> p = parse_position((*a)[i], index_path(path, i));
    if (!p) return tl::unexpected<Problem>(std::move(p.error()));
    ring.push_back(*p);
  }
  if (ring.front().lon != ring.back().lon || ring.front().lat != ring.back().lat) {
    return problem(path, "is not closed: its first and last points differ");
  }
  return ring;
}

Checked<Polygon> parse_polygon(const json::value& v, const std::string& path) {
  const json::array* a = v.if_array();
  if (a == nullptr) return problem(path, "is " + kind_of(v) + ", not a polygon (array of rings)");
  if (a->empty()) return problem(path, "is a polygon without rings");
  Polygon polygon;
  for (size_t i = 0; i < a->size(); ++i) {
    Checked<std::vector<Point>> ring = parse_ring((*a)[i], index_path(path, i));
    if (!ring) return tl::unexpected<Problem>(std::move(ring.error()));
    polygon.rings.push_back(std::move(*ring));
  }
  return polygon;
}

Checked<std::vector<Polygon>> parse_geometry(const json::object& feature) {
  const json::value* g = feature.if_contains("geometry");
  if (g == nullptr || g->is_null()) return problem("geometry", "is missing");
  const json::object* geometry = g->if_object();
  if (geometry == nullptr) return problem("geometry", "is " + kind_of(*g) + ", not an object");
  const json::value* type = geometry->if_contains("type");
  if (type == nullptr || !type->is_string()) return problem("geometry.type", "is missing");
  const std::string_view type_name = type->get_string();
  if (type_name != "Polygon" && type_name != "MultiPolygon") {
    return problem("geometry.type", "is \"" + std::string(type_name) +
                                        "\"; expected \"Polygon\" or \"MultiPolygon\"");
  }
  const json::value* coordinates = geometry->if_contains("coordinates");
  if (coordinates == nullptr) return problem("geometry.coordinates", "is missing");
  std::vector<Polygon> polygons;
  if (type_name == "Polygon") {
    Checked<Polygon> polygon = parse_polygon(*coordinates, "geometry.coordinates");
    if (!polygon) return tl::unexpected<Problem>(std::move(polygon.error()));
    polygons.push_back(std::move(*polygon));
    return polygons;
  }
  const json::array* parts = coordinates->if_array();
  if (parts == nullptr) {
    return problem("geometry.coordinates", "is " + kind_of(*coordinates) + ", not an array");
  }
  if (parts->empty()) return problem("geometry.coordinates", "is a MultiPolygon without polygons");
  for (size_t i = 0; i < parts->size(); ++i) {
    Checked<Polygon> polygon = parse_polygon((*parts)[i], index_path("geometry.coordinates", i));
    if (!polygon) return tl::unexpected<Problem>(std::move(polygon.error()));
    polygons.push_back(std::move(*polygon));
  }
  return polygons;
}

Checked<std::string> parse_adcode(const json::object& properties, std::string_view key) {
  const std::string field = "properties." + std::string(key);
  const json::value* v = properties.if_contains(key);
  if (v == nullptr || v->is_null()) return problem(field, "is missing");
  if (v->is_int64() || v->is_uint64()) {
    // Boost.JSON keeps a non-negative integer as int64 when it fits, so uint64 is too big.
    std::int64_t code = v->is_int64() ? v->get_int64() : -1;
    if (code < 100000 || code > 999999) {
      return problem(field, "is " + json::serialize(*v) + ", not a 6-digit code");
    }
    return std::to_string(code);
  }
  if (v->is_string()) {
    std::string_view s = v->get_string();
    bool six_digits = s.size() == 6 &&
                      std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!six_digits || s[0] == '0') {
      return problem(field, "is \"" + std::string(s) + "\", not a 6-digit code");
    }
    return std::string(s);
  }
  return problem(field, "is " + kind_of(*v) + "; expected a 6-digit integer or string");
}

double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

std::optional<Point> sample_inside(const Polygon& polygon, const Box& box, std::mt19937_64& rng,
                                   double grid_per_degree) {
  auto snap = [grid_per_degree](double v) {
    return grid_per_degree > 0 ? std::round(v * grid_per_degree) / grid_per_degree : v;
  };
  constexpr int kTries = 10000;
  for (int i = 0; i < kTries; ++i) {
    // Braces evaluate left to right: the longitude draw comes first, which fixes the sequence.
    Point p{snap(box.min_lon + unit(rng) * (box.max_lon - box.min_lon)),
            snap(box.min_lat + unit(rng) * (box.max_lat - box.min_lat))};
    if (contains(polygon, p)) return p;
  }
  return std::nullopt;
}

}  // namespace quanzu::geo::geojson
