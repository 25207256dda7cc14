#include "dispatch/neighbours.h"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <set>
#include <tuple>

#include "dispatch/travel.h"

namespace quanzu::dispatch {
namespace {

GeoPoint building(const geo::StationInfo& s) { return {s.position.lat, s.position.lon}; }

// The directory's stations with each code once, first occurrence kept.
std::vector<const geo::StationInfo*> distinct_stations(const geo::StationDirectory& directory) {
  std::vector<const geo::StationInfo*> out;
  std::set<std::string_view> seen;
  for (const geo::StationInfo& s : directory.stations()) {
    if (seen.insert(s.station.code).second) out.push_back(&s);
  }
  return out;
}

struct Ranked {
  double distance;
  const std::string* code;
  bool operator<(const Ranked& o) const {
    return std::tie(distance, *code) < std::tie(o.distance, *o.code);
  }
};

// The other stations, ranked from `from`, the nearest `n` of them sorted first.
std::vector<Ranked> rank_from(const geo::StationInfo& from,
                              const std::vector<const geo::StationInfo*>& stations, size_t n) {
  std::vector<Ranked> ranked;
  ranked.reserve(stations.size());
  for (const geo::StationInfo* s : stations) {
    if (s->station.code == from.station.code) continue;
    // A station without a usable position sorts after every real one, still by code.
    double d = is_valid(building(from)) && is_valid(building(*s))
                   ? distance_m(building(from), building(*s))
                   : std::numeric_limits<double>::infinity();
    ranked.push_back({d, &s->station.code});
  }
  n = std::min(n, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(n), ranked.end());
  ranked.resize(n);
  return ranked;
}

}  // namespace

std::vector<std::string> neighbour_stations(const geo::StationDirectory& directory,
                                            std::string_view code, size_t n) {
  const geo::StationInfo* from = directory.station(code);
  if (from == nullptr) return {};
  std::vector<std::string> out;
  for (const Ranked& r : rank_from(*from, distinct_stations(directory), n)) {
    out.push_back(*r.code);
  }
  return out;
}

Neighbourhood::Neighbourhood(const geo::StationDirectory& directory) {
  std::vector<const geo::StationInfo*> stations = distinct_stations(directory);
  order_.reserve(stations.size());
  for (const geo::StationInfo* s : stations) {
    index_.emplace(s->station.code, order_.size());
    std::vector<std::string>& codes = order_.emplace_back();
    for (const Ranked& r : rank_from(*s, stations, stations.size())) codes.push_back(*r.code);
  }
}

std::span<const std::string> Neighbourhood::nearest(std::string_view code, size_t n) const {
  auto it = index_.find(code);
  if (it == index_.end()) return {};
  const std::vector<std::string>& codes = order_[it->second];
  return std::span<const std::string>(codes).first(std::min(n, codes.size()));
}

}  // namespace quanzu::dispatch
