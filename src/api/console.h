// The web console's files (web/ in the source tree): GET/HEAD only, content types by
// extension, no way out of its folders. Public, like /healthz: the files hold no data; the
// console asks the API for everything, logged in.
//
//   /, /index.html            DIR/app/index.html
//   /<path>                   DIR/app/<path>
//   /vendor/leaflet/<path>    DIR/node_modules/leaflet/dist/<path>   (npm ci in DIR)
//   /vendor/echarts/<path>    DIR/node_modules/echarts/dist/<path>
//   /geo/jurisdictions.json   the districts and station areas the server loaded, simplified
//                             for drawing (GeoJSON), built once at start
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_server.h"
#include "geo/jurisdictions.h"
#include "geo/station_areas.h"

namespace quanzu::api {

class Console {
 public:
  // `dir` holds app/ and node_modules/; `jurisdictions` is the GeoJSON text served at
  // /geo/jurisdictions.json.
  Console(std::filesystem::path dir, std::string jurisdictions);

  // True when the request is the console's (then it has been answered): GET or HEAD of a
  // path outside /api/, /healthz and /metrics that names a console file. False leaves it
  // to the API (which answers 404 or 405 for what nobody serves).
  bool handle(const Request& request, Exchange& exchange) const;

  // The file a request path names, or nothing: no "..", no hidden names, no backslashes or
  // NULs, no percent-escapes (no file of ours needs one), and the resolved file must lie inside its folder (symbolic links included).
  std::optional<std::filesystem::path> resolve(std::string_view path) const;

 private:
  std::filesystem::path dir_;
  std::string jurisdictions_;
};

// "text/javascript; charset=utf-8" for "x.js", ...; application/octet-stream when unknown.
std::string content_type_of(const std::filesystem::path& file);

// A GeoJSON FeatureCollection of the districts (properties kind "district", adcode, name)
// and station areas (kind "station", code, name, district_adcode, and the station's point
// as [lon, lat]), GCJ-02, rings simplified to `tolerance` degrees and coordinates rounded to
// 4 decimals (~10 m).
std::string jurisdictions_geojson(const std::vector<geo::District>& districts,
                                  const std::vector<geo::StationArea>& stations, double tolerance);

}  // namespace quanzu::api
