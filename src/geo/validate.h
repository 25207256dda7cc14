// Checks on a set of jurisdiction areas, run when they are loaded: are the rings sound, and
// do the areas overlap? Pure.
//
// Errors make the data unfit to route on; warnings are reported and the data is used.
//
//   ring with fewer than 4 points, ring not closed            error
//   coordinate that is NaN or infinite                          error (not_finite)
//   ring without area (fewer than 3 distinct points)           error
//   ring crossing or touching itself, or turning back on itself error (self_intersection)
//   rings of one polygon crossing each other or sharing edges   error (rings_cross)
//   hole not inside its shell, hole inside another hole         error (hole_outside_shell,
//                                                                      nested_holes)
//   parts of a MultiPolygon crossing or one inside another      error (parts_overlap)
//   parts of a MultiPolygon sharing an edge                     warning (parts_touch)
//   repeated consecutive point                                   warning (repeated_point)
//   ring orientation (see Options::orientation)                  warning (orientation)
//   empty or repeated code, area without polygons               error
//   two areas overlapping by at least Options::
//     overlap_error_km2 (estimated)                              error (overlap)
//   two areas overlapping less, or whose borders cross          warning (overlap)
//
// Orientation is only a warning because locating is even-odd and ignores it: the
// Chongqing districts have clockwise shells (against RFC 7946) and load as they are.
//
// Overlaps between areas are found two ways: borders that properly cross (exact, any
// width), and the overlap area estimated on the spatial index's grid (a cell covered whole by
// two areas counts whole; a cell that borders cross is sampled on a lattice of
// samples_per_cell² points). Real boundary data digitised district by district does not
// match exactly along shared borders: the slivers where neighbours overlap are reported as
// warnings with their estimated area and location (on the shipped Chongqing districts: 83
// pairs, the largest ~0.75 km², 万州区/云阳县, spread along ~100 km of border); overlaps of
// 2 km² or more are errors. An overlap smaller than the sampling lattice (~60 m on the
// districts' grid) whose borders do not properly cross is not seen. Gaps between neighbours
// are not reported (points there route by the fallbacks).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "geo/jurisdictions.h"
#include "geo/spatial_index.h"

namespace quanzu::geo {

enum class Severity { kError, kWarning };

struct Finding {
  Severity severity = Severity::kError;
  std::string check;  // "unclosed_ring", "self_intersection", "overlap", ... (see above)
  size_t area = 0;    // index of the area (feature) at fault
  std::optional<size_t> other_area;  // for overlap: the other area
  // Names the feature: "feature 4 (500105 江北区): polygon 0 ring 0 is not closed: ...".
  std::string message;
  std::optional<Point> where;  // a point at or near the problem
  double overlap_km2 = 0;      // for overlap: the estimated area
};

struct Validation {
  std::vector<Finding> errors;
  std::vector<Finding> warnings;
  bool ok() const { return errors.empty(); }
};

enum class RingOrientation {
  kConsistent,        // shells all one way (the majority's), holes the other way
  kCounterClockwise,  // RFC 7946: shells counter-clockwise, holes clockwise
  kClockwise,         // shells clockwise, holes counter-clockwise
};

struct ValidationOptions {
  RingOrientation orientation = RingOrientation::kConsistent;
  // Estimated overlap between two areas from which it is an error, not a warning.
  double overlap_error_km2 = 2.0;
  // Lattice per side sampled in each grid cell that a border crosses.
  int samples_per_cell = 8;
  // At most this many findings of one check per area (the rest are counted in the last).
  size_t max_findings_per_check = 5;
};

// Validates the index's areas (its grid is used to estimate overlaps). Findings come in
// area order (an overlap under its first area), then in the order of the checks above.
Validation validate_areas(const SpatialIndex& index, const ValidationOptions& options = {});

// The same, building an index first.
Validation validate_areas(std::vector<Area> areas, const ValidationOptions& options = {});

// "feature 4 (500105 江北区)": how messages name an area.
std::string describe_area(const std::vector<Area>& areas, size_t index);

}  // namespace quanzu::geo
