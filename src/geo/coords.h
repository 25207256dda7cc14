// Conversion between WGS84 (GPS) and GCJ-02 (the offset datum Chinese maps and phones
// report, "火星坐标"), with the published GCJ-02 approximation formulas. Pure.
//
// Outside China's rough bounding box (lon 72.004..137.8347, lat 0.8293..55.8271) GCJ-02 is
// defined as WGS84 itself, so both conversions are the identity there. The box is a
// rectangle, as in the published algorithm: it includes some neighbouring countries and
// excludes nothing of Chongqing.
#pragma once

#include "geo/jurisdictions.h"

namespace quanzu::geo {

// True when the GCJ-02 offset applies to p (WGS84 or GCJ-02 lon/lat).
bool in_gcj02_area(Point p);

// The GCJ-02 position of a WGS84 point. Exact to the formula (no iteration); the offset is a
// few hundred metres inside China.
Point wgs84_to_gcj02(Point wgs84);

// The WGS84 point whose GCJ-02 position is `gcj02`, found by fixed-point iteration on the
// forward formula; the round trip error is below 1e-9° (~0.1 mm) for points inside the box
// and the result is exact (the identity) outside it. Near the box's edges, where the inverse
// would have to jump across it, the last iterate is returned.
Point gcj02_to_wgs84(Point gcj02);

}  // namespace quanzu::geo
