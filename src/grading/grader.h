// Applies a RuleSet to one instruction. Pure and fast: no I/O, no allocation beyond the
// reasons; safe from several threads on the same RuleSet.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "grading/rules.h"
#include "instruction/instruction.h"

namespace quanzu::grading {

// What history says about an instruction, looked up before grading (the store knows).
struct HistoryFacts {
  std::optional<Millis> previous_warning_at;  // latest earlier warning for the same phone
  int cluster_people = 0;  // distinct phones sharing an account/URL with this one, in the window
  std::string cluster_key;                    // the shared key with the most people
  std::vector<std::string> cluster_case_ids;  // the other cases naming it, for linking
};

struct Grade {
  Level level = Level::kMedium;
  std::vector<std::string> reasons;  // ids of the rules that fired, in order
  std::string rules_version;
};

// The level after `effect`; kFloorUpstream needs the upstream level (no change without).
Level apply_effect(Level level, const Effect& effect, std::optional<Level> upstream);

Grade grade(const RuleSet& rules, const instruction::Instruction& instruction,
            const HistoryFacts& history = {}, int utc_offset_minutes = 480);

}  // namespace quanzu::grading
