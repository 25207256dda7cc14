#include "cases/whatif.h"

#include "instruction/parser.h"

namespace quanzu::cases {

Result<WhatIfReport> what_if(store::CaseStore& store, const grading::RuleSet& draft,
                             const std::string& current_version, Millis since, Millis until,
                             size_t sample_size, int utc_offset_minutes) {
  WhatIfReport report;
  report.current_version = current_version;
  report.draft_version = draft.version;
  report.since = since;
  report.until = until;
  const bool history = draft.uses_history();
  std::optional<store::Cursor> cursor;
  for (;;) {
    auto page = store.cases_with_instructions(since, until, cursor, 1000);
    if (!page) return tl::unexpected(page.error());
    if (page->empty()) break;
    for (const auto& c : *page) {
      // Stored instructions were valid when they arrived; one that no longer parses
      // (a stricter parser since) keeps its level.
      auto in = instruction::parse_instruction(c.instruction_raw);
      if (!in) continue;
      grading::HistoryFacts facts;
      if (history) {
        auto last = store.last_warning_for_phone(c.phone, c.created_at);
        if (!last) return tl::unexpected(last.error());
        facts.previous_warning_at = *last;
      }
      const grading::Grade after = grading::grade(draft, *in, facts, utc_offset_minutes);
      ++report.cases;
      const std::string before_name(instruction::name(c.level));
      const std::string after_name(instruction::name(after.level));
      ++report.by_level_before[before_name];
      ++report.by_level_after[after_name];
      if (after.level == c.level) continue;
      ++report.changed;
      ++(after.level > c.level ? report.raised : report.lowered);
      ++report.transitions[before_name + "->" + after_name];
      const std::string station = c.station ? c.station->code : "";
      auto& impact = report.by_station[station];
      ++impact.before[before_name];
      ++impact.after[after_name];
      if (report.sample.size() < sample_size) {
        report.sample.push_back({c.id, c.instruction_id, station, c.level, after.level, c.reasons,
                                 after.reasons});
      }
    }
    cursor = store::Cursor{page->back().created_at, page->back().id};
  }
  return report;
}

}  // namespace quanzu::cases
