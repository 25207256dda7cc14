// How cases, statistics and case events look on the wire (SPEC.md "Shapes that clients
// rely on"). Lists and the live stream carry masked personal data; only the detail of one
// case carries it whole.
#pragma once

#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "base/result.h"
#include "cases/lifecycle.h"
#include "cases/whatif.h"
#include "geo/jurisdictions.h"
#include "store/store.h"

namespace quanzu::api {

boost::json::object case_summary(const cases::Case& c, int utc_offset_minutes);
// With `full`, the person's phone, name, ID and account numbers as stored; without, masked as
// in lists (for callers whose role does not need them).
boost::json::object case_detail(const cases::Case& c, int utc_offset_minutes, bool full = true);
// One timeline event: seq, at, kind, actor, and the fields of its data.
boost::json::object event_json(const cases::TimelineEvent& e, int utc_offset_minutes);
boost::json::object stats_json(const store::Stats& stats, const geo::StationDirectory& stations);
// SLA figures: overall, "by_level" and "by_station" (with names), durations in seconds.
boost::json::object sla_json(const cases::SlaSummary& sla, const geo::StationDirectory& stations);

// One SSE message: "id: <seq>\nevent: case\ndata: {...}\n\n".
std::string sse_message(const store::Change& change, int utc_offset_minutes);

// Reads a POST /cases/{id}/events body. Errors name the field.
Result<cases::EventRequest> parse_event_request(std::string_view body);

boost::json::object whatif_json(const cases::WhatIfReport& report, int utc_offset_minutes);

// Whole yuan as integers ("300"), otherwise decimals.
boost::json::value cny(std::int64_t fen);

}  // namespace quanzu::api
