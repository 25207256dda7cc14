#include "geo/router.h"

#include "geo/coords.h"

namespace quanzu::geo {
namespace {

// Province-level codes of China's adcodes, for hand-off notes ("510000" = Sichuan).
std::string province_of(const std::string& adcode) { return adcode.substr(0, 2) + "0000"; }

}  // namespace

Router::Router(const StationDirectory& directory, Lookups lookups)
    : directory_(directory), lookups_(std::move(lookups)) {}

std::optional<cases::Station> Router::station(std::string_view code) const {
  const StationInfo* s = directory_.station(code);
  if (!s) return std::nullopt;
  return s->station;
}

Route Router::route_point(Point p, const std::string& how) const {
  Route r;
  r.point = p;
  if (lookups_.station_at) {
    if (const StationInfo* s = lookups_.station_at(p)) {
      r.station = s->station;
      r.method = how == "cell_id" ? "cell_id" : "point";
      r.note = how + " in the area of " + s->station.code;
      return r;
    }
  }
  if (const District* d = lookups_.district_at ? lookups_.district_at(p) : nullptr) {
    if (const StationInfo* s = directory_.default_station(d->adcode)) {
      r.station = s->station;
      r.method = how == "cell_id" ? "cell_id" : "point_district";
      r.note = how + " in district " + d->adcode + " " + d->name + ", its default station";
      return r;
    }
  }
  r.method = "out_of_area";
  r.note = how + " outside every jurisdiction of the deployment";
  return r;
}

Route Router::route(const instruction::Location& loc) const {
  if (loc.lat && loc.lon) {
    Point p{*loc.lon, *loc.lat};
    if (loc.crs == instruction::Crs::kWgs84) p = wgs84_to_gcj02(p);
    Route r = route_point(p, "coordinates");
    if (r.station) return r;
    // Outside: where is the person? The adcode says so when it is not one of ours.
    if (loc.adcode && !directory_.district(*loc.adcode)) {
      r.handoff_to = *loc.adcode;
    } else if (loc.adcode) {
      // Coordinates outside, adcode inside: trust neither blindly; the adcode's station
      // takes the case and the timeline says why.
      if (const StationInfo* s = directory_.default_station(*loc.adcode)) {
        r.station = s->station;
        r.method = "adcode";
        r.note = "coordinates outside every jurisdiction but adcode " + *loc.adcode +
                 " is ours: its default station";
        return r;
      }
    }
    return r;
  }
  if (loc.cell_id && lookups_.cell_at) {
    if (auto p = lookups_.cell_at(*loc.cell_id)) {
      Route r = route_point(*p, "cell site " + *loc.cell_id);
      if (r.station) {
        r.method = "cell_id";
        return r;
      }
    }
  }
  if (loc.adcode) {
    if (const StationInfo* s = directory_.default_station(*loc.adcode)) {
      Route r;
      r.station = s->station;
      r.method = "adcode";
      r.note = "adcode " + *loc.adcode + ": the district's default station";
      if (loc.cell_id) r.note = "cell " + *loc.cell_id + " not in the cell-site table; " + r.note;
      return r;
    }
    Route r;
    r.method = "out_of_area";
    r.handoff_to = *loc.adcode;
    r.note = "adcode " + *loc.adcode + " is outside the deployment (province " +
             province_of(*loc.adcode) + ")";
    return r;
  }
  Route r;
  r.method = "none";
  r.note = loc.cell_id ? "cell " + *loc.cell_id + " not in the cell-site table and no adcode"
                       : "no usable location";
  return r;
}

Lookups brute_force_lookups(const StationDirectory& directory) {
  Lookups l;
  l.district_at = [&directory](Point p) -> const District* {
    for (const auto& d : directory.districts()) {
      if (contains(d, p)) return &d;
    }
    return nullptr;
  };
  return l;
}

}  // namespace quanzu::geo
