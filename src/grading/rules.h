// Grading rules as data (分级研判): an ordered list of rules, each with an id, conditions
// over the instruction (and facts from history), and one effect on the level. The centre
// edits them as a TOML file; load_rules() validates it whole and names file:line for each
// problem. A RuleSet is immutable once loaded: reloading makes a new one.
//
//   version = "2026-11"            # optional; otherwise derived from the file's content
//   default_level = "low"
//   [[rules]]
//   id = "pending_transfer.large_amount"
//   description = "待转账且涉案金额 ≥ 5 万元"
//   when.trigger = ["pending_transfer", "cash_withdrawal_booked"]
//   when.at_risk_cny = { gte = 50000 }
//   set = "extreme"                # or raise = 1 | floor = "high" | cap = "medium"
//                                  # or floor = "upstream" (the upstream level, if higher)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "instruction/instruction.h"

namespace quanzu::grading {

using instruction::Level;

// A closed-or-open numeric range; absent bounds do not constrain. A comparison on a value
// the instruction does not carry is false.
struct Range {
  std::optional<double> gt, gte, lt, lte;
  bool contains(double v) const {
    return (!gt || v > *gt) && (!gte || v >= *gte) && (!lt || v < *lt) && (!lte || v <= *lte);
  }
  bool empty_set() const;     // no value can satisfy it (e.g. gte 10, lt 5)
  bool within(const Range& wider) const;  // every value in this is in `wider`
};

// A set of enum values as bits; 0 = no condition.
using EnumMask = std::uint32_t;

struct Conditions {
  EnumMask trigger = 0, scam_type = 0, source = 0, gender = 0, upstream_level = 0;
  EnumMask indicator_kind = 0;  // any indicator of one of these kinds
  std::optional<Range> at_risk_cny, transferred_cny, age;
  std::optional<Range> contact_count;  // the largest contact_count of any indicator
  std::optional<Range> call_seconds;   // call_seconds summed over the indicators
  std::optional<Range> local_hour;     // hour of issued_at in local time, 0-23
  // History: the same phone was warned before, within this many days.
  std::optional<int> repeat_within_days;
  // History: at least this many different phones share one of this instruction's
  // counterparty accounts / URLs (or domains) within the window (a fraud cluster).
  std::optional<int> cluster_min_people;

  // True when every instruction matching `this` also matches `other` (this is narrower).
  bool implies(const Conditions& other) const;
};

struct Effect {
  enum class Kind { kSet, kRaise, kFloor, kCap, kFloorUpstream } kind = Kind::kSet;
  Level level = Level::kLow;  // kSet, kFloor, kCap
  int steps = 0;              // kRaise
};

struct Rule {
  std::string id;
  std::string description;
  Conditions when;
  Effect effect;
  int line = 0;  // where the rule starts in its file
};

struct RuleSet {
  std::string version;
  Level default_level = Level::kLow;
  std::vector<Rule> rules;
  int cluster_window_days = 7;
  bool uses_history() const;   // any rule looks at earlier warnings
  bool uses_clusters() const;  // any rule looks at fraud clusters
};

// Parses and validates a rules file. `name` prefixes every message ("rules.toml:12: ...").
// Every problem found is reported (one per line of the message, and one FieldError each
// with field "name:line").
Result<RuleSet> load_rules(std::string_view text, const std::string& name);

// The version id of a file's content when it does not declare one: "sha-" + 12 hex digits.
std::string content_version(std::string_view text);

}  // namespace quanzu::grading
