// Which station owns a case (按辖区推送). In order: the coordinates (converted to GCJ-02)
// in a station's area, else in a district (its default station); the cell id through the
// cell-site table; the adcode's default station; else the centre's unrouted queue. A
// location known to be outside the deployment is handed off (hand-off target: the district
// or province from the adcode when known). Pure; safe from several threads.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "cases/case.h"
#include "geo/jurisdictions.h"
#include "instruction/instruction.h"

namespace quanzu::geo {

struct Route {
  std::optional<cases::Station> station;
  // "point" (coordinates in a station's area), "point_district" (in a district, no station
  // area: its default station), "cell_id", "adcode", "none" (unrouted), "out_of_area".
  std::string method;
  std::string note;        // how it was decided, for the timeline
  std::string handoff_to;  // out_of_area: adcode or province code, "" when unknown
  std::optional<Point> point;  // the GCJ-02 point used, when one was
};

// Point lookups the router needs; implemented over a spatial index or by brute force.
struct Lookups {
  // The station whose area holds the point (GCJ-02), if station areas are loaded.
  std::function<const StationInfo*(Point)> station_at;
  // The district holding the point.
  std::function<const District*(Point)> district_at;
  // A cell site's position in GCJ-02, if the cell id is in the table.
  std::function<std::optional<Point>(std::string_view)> cell_at;
};

class Router {
 public:
  // `directory` must outlive the router.
  Router(const StationDirectory& directory, Lookups lookups);

  Route route(const instruction::Location& location) const;
  // A station picked by hand (re-route); nullopt when the code is unknown.
  std::optional<cases::Station> station(std::string_view code) const;

 private:
  Route route_point(Point gcj02, const std::string& how) const;

  const StationDirectory& directory_;
  Lookups lookups_;
};

// Lookups by brute force over the directory's districts (no station areas, no cells);
// for tests and small deployments.
Lookups brute_force_lookups(const StationDirectory& directory);

}  // namespace quanzu::geo
