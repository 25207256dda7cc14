// The core use cases: turn accepted instructions into graded, routed cases, and record what
// people and channels report about a case. Everything durable goes through the store port.
// Safe to call from several threads at once; `done` callbacks run on a store thread.
#pragma once

#include <string>
#include <vector>

#include "base/clock.h"
#include "cases/escalation.h"
#include "cases/lifecycle.h"
#include "cases/plan.h"
#include "geo/jurisdictions.h"
#include "geo/router.h"
#include "grading/active_rules.h"
#include "grading/grader.h"
#include "instruction/instruction.h"
#include "store/store.h"

namespace quanzu::cases {

// What ties an instruction to other people's: its counterparty accounts
// ("account:<digits>"), URLs ("url:<url>") and their hosts and domains ("domain:<host>"),
// normalised, without repeats.
std::vector<std::string> link_keys(const instruction::Instruction& instruction);

class CaseService {
 public:
  // All must outlive the service.
  CaseService(store::CaseStore& store, const geo::Router& router,
              const grading::ActiveRules& rules, const Plans& plans, const Clock& clock,
              int utc_offset_minutes = 480);

  // Grades and routes each instruction and stores it as a new case, unless its id is
  // already stored. Outcomes in input order, after they are durable.
  void ingest(std::vector<instruction::Instruction> batch,
              store::Done<std::vector<store::IngestOutcome>> done);

  // Applies one event through the state machine (lifecycle.h), lets the action plan react
  // (escalation.h) and stores it. A re-route is resolved first (station code or location ->
  // station, or hand-off).
  void record(std::string case_id, EventRequest request, std::string actor,
              store::Done<Case> done);

  const Plans& plans() const { return plans_; }

  // The case a new instruction becomes, graded with `rules` and what history says, with its
  // first actions started (escalation.h).
  store::NewCase make_case(const instruction::Instruction& instruction, const grading::RuleSet& rules,
                           const grading::HistoryFacts& history, Millis now) const;

 private:
  store::CaseStore& store_;
  const geo::Router& router_;
  const grading::ActiveRules& rules_;
  const Plans& plans_;
  const Clock& clock_;
  const int utc_offset_minutes_;
};

}  // namespace quanzu::cases
