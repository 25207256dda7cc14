// The core use cases: turn accepted instructions into graded, routed cases, and record what
// people and channels report about a case. Everything durable goes through the store port.
// Safe to call from several threads at once; `done` callbacks run on a store thread.
#pragma once

#include <string>
#include <vector>

#include "base/clock.h"
#include "cases/lifecycle.h"
#include "geo/jurisdictions.h"
#include "instruction/instruction.h"
#include "store/store.h"

namespace quanzu::cases {

class CaseService {
 public:
  // All three must outlive the service.
  CaseService(store::CaseStore& store, const geo::StationDirectory& stations,
              const Clock& clock);

  // Grades and routes each instruction and stores it as a new case, unless its id is
  // already stored. Outcomes in input order, after they are durable.
  void ingest(std::vector<instruction::Instruction> batch,
              store::Done<std::vector<store::IngestOutcome>> done);

  // Applies one event through the state machine (lifecycle.h) and stores it.
  void record(std::string case_id, EventRequest request, std::string actor,
              store::Done<Case> done);

  // The case a new instruction becomes (exposed for tests and the what-if of later days).
  store::NewCase make_case(const instruction::Instruction& instruction, Millis now) const;

 private:
  store::CaseStore& store_;
  const geo::StationDirectory& stations_;
  const Clock& clock_;
};

}  // namespace quanzu::cases
