// Who goes to the door (上门劝阻): the nearest available responder of the station that owns
// the case, by estimated travel time, or, when it has nobody available, of its nearest
// neighbouring stations. Pure: the caller reads the responders and writes the visit.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "cases/handling.h"
#include "cases/responder.h"
#include "dispatch/neighbours.h"
#include "dispatch/travel.h"

namespace quanzu::dispatch {

struct DispatchOptions {
  Millis ack_timeout = 60000;        // a chosen responder must acknowledge within this
  Millis position_max_age = 900000;  // 15 min; an older last position is not trusted
  size_t neighbour_stations = 3;     // how many nearest other stations may help
};

struct Choice {
  cases::Responder responder;
  double distance_m = 0;     // straight line from the responder's last position to the target
  Millis travel = 0;         // TravelTime::estimate from there to the target
  bool own_station = false;  // of the owning station, not a neighbour
};

// The stations whose responders choose() may pick, owning station first, then its
// options.neighbour_stations nearest neighbours, nearest first: the caller reads the
// responders of these stations (reading more does no harm; choose() ignores the others).
// Just the owning station when the neighbourhood does not know it.
std::vector<std::string> stations_to_ask(std::string_view owning_station,
                                         const Neighbourhood& neighbourhood,
                                         const DispatchOptions& options);

// True when the responder may be chosen at `now`: on duty, free (no visit_id), not one of
// `excluded_ids`, and with a valid position (is_valid) reported no more than
// options.position_max_age before `now` (a position time after `now`, from a clock running
// ahead, counts as fresh).
bool available(const cases::Responder& responder, const std::vector<std::string>& excluded_ids,
               Millis now, const DispatchOptions& options);

// The responder to send to `target`, or nullopt when nobody is available.
//
// Among the available() responders of the owning station, the one with the smallest
// travel.estimate() from its position to the target; ties go to the smaller distance_m, then
// to the smaller id. Only when the owning station has nobody available, the same choice
// among the available responders of its options.neighbour_stations nearest stations taken
// together (a nearer neighbour station is not preferred as such; travel time decides).
// Responders of any other station are ignored. `excluded_ids` are the responders that
// already declined or timed out on this case (see excluded_responders() in visit.h). An
// empty owning station, or a target that is not is_valid(), gives nullopt.
//
// The answer depends only on the arguments, never on the order of `responders`. The choice
// is a proposal: the caller claims the responder (cases::ResponderClaim) in the same
// transaction as the visit, and chooses again if the claim fails because the responder
// was taken meanwhile.
std::optional<Choice> choose(GeoPoint target, std::string_view owning_station,
                             const std::vector<cases::Responder>& responders,
                             const std::vector<std::string>& excluded_ids,
                             const Neighbourhood& neighbourhood, const TravelTime& travel,
                             Millis now, const DispatchOptions& options);

}  // namespace quanzu::dispatch
