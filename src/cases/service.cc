#include "cases/service.h"

#include <boost/json.hpp>

#include <unordered_map>

#include "base/ids.h"
#include "grading/grader.h"

namespace quanzu::cases {

CaseService::CaseService(store::CaseStore& store, const geo::StationDirectory& stations,
                         const grading::ActiveRules& rules, const Clock& clock,
                         int utc_offset_minutes)
    : store_(store),
      stations_(stations),
      rules_(rules),
      clock_(clock),
      utc_offset_minutes_(utc_offset_minutes) {}

store::NewCase CaseService::make_case(const instruction::Instruction& in,
                                      const grading::RuleSet& rules,
                                      const grading::HistoryFacts& history, Millis now) const {
  const grading::Grade grade = grading::grade(rules, in, history, utc_offset_minutes_);
  store::NewCase out;
  Case& c = out.kase;
  c.id = new_case_id(now);
  c.instruction_id = in.id;
  c.level = grade.level;
  c.reasons = grade.reasons;
  c.rules_version = grade.rules_version;
  c.created_at = now;
  c.updated_at = now;
  c.issued_at = in.issued_at;
  c.trigger = in.trigger;
  c.scam_type = in.scam_type;
  c.phone = in.subject.phone;
  c.subject_name = in.subject.name.value_or("");
  c.age = in.subject.age;
  c.at_risk = in.funds.at_risk.value_or(0);

  // Until spatial routing lands, the adcode's default station owns the case.
  boost::json::object data;
  std::string routing_note;
  const geo::StationInfo* station = nullptr;
  if (in.location.adcode) {
    station = stations_.default_station(*in.location.adcode);
    if (!station) routing_note = "adcode " + *in.location.adcode + " is not a district of ours";
  } else {
    routing_note = "no adcode in the instruction";
  }
  if (station) {
    c.station = station->station;
    c.routing_method = "adcode";
    c.status = Status::kOpen;
  } else {
    c.routing_method = "none";
    c.status = Status::kUnrouted;
    data["routing_note"] = routing_note;
  }

  data["level"] = instruction::name(c.level);
  boost::json::array reasons;
  for (const auto& r : c.reasons) reasons.emplace_back(r);
  data["reasons"] = std::move(reasons);
  data["rules_version"] = c.rules_version;
  if (history.previous_warning_at) {
    data["previous_warning_issued_at"] = format_rfc3339(*history.previous_warning_at, utc_offset_minutes_);
  }
  data["status"] = name(c.status);
  data["routing_method"] = c.routing_method;
  if (c.station) data["station"] = c.station->code;

  TimelineEvent created;
  created.seq = 1;
  created.at = now;
  created.kind = "created";
  created.actor = "system";
  created.data = boost::json::serialize(data);
  c.timeline.push_back(std::move(created));
  out.instruction_raw = in.raw;
  return out;
}

void CaseService::ingest(std::vector<instruction::Instruction> batch,
                         store::Done<std::vector<store::IngestOutcome>> done) {
  const Millis now = clock_.now();
  const auto rules = rules_.current();
  const bool history = rules->uses_history();
  // Earlier instructions of this batch count as history for later ones.
  std::unordered_map<std::string_view, Millis> batch_phones;
  std::vector<store::NewCase> cases;
  cases.reserve(batch.size());
  for (const auto& in : batch) {
    grading::HistoryFacts facts;
    if (history) {
      if (auto last = store_.last_warning_for_phone(in.subject.phone); last && *last) {
        facts.previous_warning_at = *last;
      }
      if (auto it = batch_phones.find(in.subject.phone); it != batch_phones.end()) {
        facts.previous_warning_at = std::max(facts.previous_warning_at.value_or(it->second), it->second);
      }
      auto& seen = batch_phones[in.subject.phone];
      seen = std::max(seen, in.issued_at);
    }
    cases.push_back(make_case(in, *rules, facts, now));
  }
  store_.ingest(std::move(cases), std::move(done));
}

void CaseService::record(std::string case_id, EventRequest request, std::string actor,
                         store::Done<Case> done) {
  const Millis now = clock_.now();
  store_.update(
      std::move(case_id),
      [request = std::move(request), actor = std::move(actor), now](const Case& current) {
        return apply(current, request, actor, now);
      },
      std::move(done));
}

}  // namespace quanzu::cases
