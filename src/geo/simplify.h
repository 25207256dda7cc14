// Fewer points for drawing: Douglas-Peucker simplification of jurisdiction rings, for maps
// in the console (routing always uses the full polygons). Pure.
#pragma once

#include <vector>

#include "geo/jurisdictions.h"

namespace quanzu::geo {

// The ring with the points that lie within `tolerance` degrees of the line kept between
// their neighbours removed. A closed ring stays closed; a ring that would keep fewer than 4
// points (first == last) is returned empty, so callers can drop slivers.
std::vector<Point> simplify_ring(const std::vector<Point>& ring, double tolerance);

// Every ring of every part simplified; parts whose outer ring vanished are dropped (with
// their holes), holes that vanished are dropped.
std::vector<Polygon> simplify_polygons(const std::vector<Polygon>& polygons, double tolerance);

}  // namespace quanzu::geo
