#include "api/console.h"

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include <boost/json.hpp>

#include "api/http_util.h"
#include "geo/simplify.h"

namespace quanzu::api {
namespace fs = std::filesystem;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

// The console's content: strict enough that an injected script cannot run (no inline
// scripts or handlers, no eval); styles may be inline (Leaflet and ECharts set them).
constexpr const char* kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'";

bool inside(const fs::path& file, const fs::path& root) {
  auto f = file.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++f) {
    if (r->empty()) continue;  // a trailing separator
    if (f == file.end() || *f != *r) return false;
  }
  return true;
}

std::optional<std::string> read_whole(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

json::array ring_json(const std::vector<geo::Point>& ring) {
  json::array a;
  a.reserve(ring.size());
  for (const auto& p : ring) {
    a.push_back(json::array{std::round(p.lon * 1e4) / 1e4, std::round(p.lat * 1e4) / 1e4});
  }
  return a;
}

json::object multipolygon_json(const std::vector<geo::Polygon>& polygons) {
  json::array parts;
  for (const auto& polygon : polygons) {
    json::array rings;
    for (const auto& ring : polygon.rings) rings.push_back(ring_json(ring));
    parts.push_back(std::move(rings));
  }
  return json::object{{"type", "MultiPolygon"}, {"coordinates", std::move(parts)}};
}

}  // namespace

std::string content_type_of(const fs::path& file) {
  static const std::map<std::string, std::string> kTypes{
      {".html", "text/html; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},           {".map", "application/json"},
      {".svg", "image/svg+xml"},               {".png", "image/png"},
      {".ico", "image/x-icon"},                {".webmanifest", "application/manifest+json"},
      {".txt", "text/plain; charset=utf-8"}};
  auto it = kTypes.find(file.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

Console::Console(fs::path dir, std::string jurisdictions)
    : dir_(std::move(dir)), jurisdictions_(std::move(jurisdictions)) {}

std::optional<fs::path> Console::resolve(std::string_view path) const {
  if (path.empty() || path.front() != '/') return std::nullopt;
  if (path == "/") path = "/index.html";
  fs::path root = dir_ / "app";
  std::string_view rest = path.substr(1);
  static constexpr std::pair<std::string_view, std::string_view> kVendors[] = {
      {"vendor/leaflet/", "node_modules/leaflet/dist"}, {"vendor/echarts/", "node_modules/echarts/dist"}};
  for (const auto& [prefix, folder] : kVendors) {
    if (rest.starts_with(prefix)) {
      root = dir_ / folder;
      rest.remove_prefix(prefix.size());
      break;
    }
  }
  if (rest.empty()) return std::nullopt;
  // Segment by segment: nothing that climbs out, hides, or means something else elsewhere.
  fs::path relative;
  size_t start = 0;
  while (start <= rest.size()) {
    size_t slash = rest.find('/', start);
    std::string_view segment = rest.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty() || segment.front() == '.' || segment.find_first_of(std::string_view("\\:%\0", 4)) != std::string_view::npos) {
      return std::nullopt;
    }
    relative /= std::string(segment);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::error_code ec;
  const fs::path real_root = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  const fs::path file = fs::canonical(root / relative, ec);
  if (ec || !inside(file, real_root) || !fs::is_regular_file(file, ec)) return std::nullopt;
  return file;
}

bool Console::handle(const Request& request, Exchange& exchange) const {
  const auto method = request.method();
  if (method != http::verb::get && method != http::verb::head) return false;
  const Target target = split_target(request.target());
  const std::string& path = target.path;
  if (path.starts_with("/api/") || path == "/api" || path == "/healthz" || path == "/metrics") return false;
  Response r;
  r.headers.emplace_back("Content-Security-Policy", kCsp);
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  if (path == "/geo/jurisdictions.json") {
    r.content_type = "application/json";
    r.body = jurisdictions_;
  } else {
    auto file = resolve(path);
    if (!file) return false;
    auto body = read_whole(*file);
    if (!body) return false;
    r.content_type = content_type_of(*file);
    r.body = std::move(*body);
  }
  // The libraries do not change under a running server; the console's own files may (a
  // developer editing them), so those are revalidated every time (no-store, the default).
  if (path.starts_with("/vendor/") || path.starts_with("/geo/")) {
    r.headers.emplace_back("Cache-Control", "max-age=3600");
  }
  if (method == http::verb::head) r.body.clear();
  exchange.respond(std::move(r));
  return true;
}

std::string jurisdictions_geojson(const std::vector<geo::District>& districts,
                                  const std::vector<geo::StationArea>& stations, double tolerance) {
  json::array features;
  for (const auto& d : districts) {
    auto polygons = geo::simplify_polygons(d.polygons, tolerance);
    if (polygons.empty()) continue;
    features.push_back(json::object{
        {"type", "Feature"},
        {"properties", json::object{{"kind", "district"}, {"adcode", d.adcode}, {"name", d.name}}},
        {"geometry", multipolygon_json(polygons)}});
  }
  for (const auto& s : stations) {
    auto polygons = geo::simplify_polygons(s.polygons, tolerance);
    json::object properties{{"kind", "station"},
                            {"code", s.code},
                            {"name", s.name},
                            {"district_adcode", s.district_adcode},
                            {"point", json::array{std::round(s.station_point.lon * 1e4) / 1e4,
                                                  std::round(s.station_point.lat * 1e4) / 1e4}}};
    features.push_back(json::object{
        {"type", "Feature"},
        {"properties", std::move(properties)},
        {"geometry", polygons.empty() ? json::value(nullptr) : json::value(multipolygon_json(polygons))}});
  }
  return json::serialize(json::object{{"type", "FeatureCollection"}, {"features", std::move(features)}});
}

}  // namespace quanzu::api
