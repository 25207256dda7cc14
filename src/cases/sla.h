// Service-level figures (SLA) over many cases: how long it took to the first attempt, to
// the first contact and to the door, and how often the plan's targets were met, per level
// and per station. Pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/time.h"

namespace quanzu::cases {

// One case's figures, as the store reads them.
struct SlaRow {
  std::string level;
  std::string station;  // "" when unrouted
  bool closed = false;
  Millis created_at = 0;
  std::optional<Millis> first_attempt_at, first_contact_at, visit_requested_at, door_arrival_at;
  Millis first_attempt_due = 0;  // 0: no target
  Millis door_due = 0;
  bool overdue = false;  // some target was missed
};

// Durations in seconds.
struct SlaFigure {
  std::int64_t count = 0;        // cases with this figure
  double median_s = 0;
  double p90_s = 0;
  std::int64_t with_target = 0;  // of those, cases that had a target
  std::int64_t met = 0;          // ... and met it
};

struct SlaGroup {
  std::int64_t cases = 0;
  SlaFigure first_attempt, first_contact, door_arrival;
  std::int64_t open_overdue = 0;  // not closed and a target missed
};

struct SlaSummary {
  SlaGroup all;
  std::map<std::string, SlaGroup> by_level;
  std::map<std::string, SlaGroup> by_station;
};

SlaSummary summarize_sla(const std::vector<SlaRow>& rows);

}  // namespace quanzu::cases
