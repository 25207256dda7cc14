// What-if (规则推演): re-grade stored instructions with a draft rule set and say what would
// change — how many cases change level, between which levels, and each station's workload —
// before the draft is deployed. Reads only; changes nothing.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "grading/grader.h"
#include "grading/rules.h"
#include "store/store.h"

namespace quanzu::cases {

struct WhatIfChange {
  std::string case_id;
  std::string instruction_id;
  std::string station;  // code, "" when unrouted
  instruction::Level from = instruction::Level::kLow, to = instruction::Level::kLow;
  std::vector<std::string> reasons_before, reasons_after;
};

struct StationImpact {
  std::map<std::string, std::int64_t> before, after;  // level -> cases
};

struct WhatIfReport {
  std::string current_version, draft_version;
  Millis since = 0, until = 0;
  std::int64_t cases = 0;    // re-graded
  std::int64_t changed = 0;  // level differs
  std::int64_t raised = 0, lowered = 0;
  std::map<std::string, std::int64_t> by_level_before, by_level_after;
  std::map<std::string, std::int64_t> transitions;  // "medium->high" -> n
  std::map<std::string, StationImpact> by_station;  // only stations with a change
  std::vector<WhatIfChange> sample;                 // the first `sample_size` changes
};

// Re-grades the cases created in [since, until). The repeat-phone history of each case is
// what the store held before that case was created (cases that arrived in the same request
// do not see each other here, while at ingest the earlier ones count).
Result<WhatIfReport> what_if(store::CaseStore& store, const grading::RuleSet& draft,
                             const std::string& current_version, Millis since, Millis until,
                             size_t sample_size = 20, int utc_offset_minutes = 480);

}  // namespace quanzu::cases
