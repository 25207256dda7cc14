#include "dispatch/chooser.h"

#include <algorithm>
#include <span>
#include <tuple>

namespace quanzu::dispatch {
namespace {

// Strictly better: less travel, then less distance, then the smaller id.
bool better(const Choice& a, const Choice& b) {
  return std::tie(a.travel, a.distance_m, a.responder.id) <
         std::tie(b.travel, b.distance_m, b.responder.id);
}

}  // namespace

std::vector<std::string> stations_to_ask(std::string_view owning_station,
                                         const Neighbourhood& neighbourhood,
                                         const DispatchOptions& options) {
  std::vector<std::string> out{std::string(owning_station)};
  for (const std::string& code :
       neighbourhood.nearest(owning_station, options.neighbour_stations)) {
    out.push_back(code);
  }
  return out;
}

bool available(const cases::Responder& responder, const std::vector<std::string>& excluded_ids,
               Millis now, const DispatchOptions& options) {
  if (!responder.on_duty || !responder.visit_id.empty()) return false;
  if (!responder.position || !is_valid(*responder.position)) return false;
  if (now - responder.position_at > options.position_max_age) return false;
  return std::find(excluded_ids.begin(), excluded_ids.end(), responder.id) == excluded_ids.end();
}

std::optional<Choice> choose(GeoPoint target, std::string_view owning_station,
                             const std::vector<cases::Responder>& responders,
                             const std::vector<std::string>& excluded_ids,
                             const Neighbourhood& neighbourhood, const TravelTime& travel,
                             Millis now, const DispatchOptions& options) {
  if (owning_station.empty() || !is_valid(target)) return std::nullopt;
  std::span<const std::string> neighbours =
      neighbourhood.nearest(owning_station, options.neighbour_stations);

  std::optional<Choice> own, neighbour;
  for (const cases::Responder& r : responders) {
    bool is_own = r.station_code == owning_station;
    if (!is_own &&
        std::find(neighbours.begin(), neighbours.end(), r.station_code) == neighbours.end()) {
      continue;
    }
    // Own-station candidates always win, so neighbours need not be measured once one exists.
    if (!is_own && own) continue;
    if (!available(r, excluded_ids, now, options)) continue;
    Choice c{r, distance_m(*r.position, target), travel.estimate(*r.position, target), is_own};
    std::optional<Choice>& best = is_own ? own : neighbour;
    if (!best || better(c, *best)) best = std::move(c);
  }
  return own ? own : neighbour;
}

}  // namespace quanzu::dispatch
