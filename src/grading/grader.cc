#include "grading/grader.h"

#include <algorithm>
#include <cstdint>

namespace quanzu::grading {
namespace {

template <typename E>
EnumMask bit(E v) {
  return EnumMask{1} << static_cast<int>(v);
}

// The instruction's values that rules compare, computed once per grade.
struct Facts {
  EnumMask trigger, scam_type, source, gender, upstream, indicator_kinds;
  std::optional<double> at_risk, transferred, age, contact_count, call_seconds;
  double local_hour;
};

Facts facts_of(const instruction::Instruction& in, int offset) {
  Facts f{};
  f.trigger = bit(in.trigger);
  f.scam_type = bit(in.scam_type);
  f.source = in.source ? bit(*in.source) : 0;
  f.gender = in.subject.gender ? bit(*in.subject.gender) : 0;
  f.upstream = in.upstream_level ? bit(*in.upstream_level) : 0;
  std::int64_t max_contacts = -1, call_seconds = -1;
  for (const auto& ind : in.indicators) {
    f.indicator_kinds |= bit(ind.kind);
    if (ind.contact_count) max_contacts = std::max(max_contacts, *ind.contact_count);
    if (ind.call_seconds) {
      // Saturates: the feed allows any non-negative count, and a sum must not wrap.
      const std::int64_t so_far = std::max<std::int64_t>(call_seconds, 0);
      call_seconds = *ind.call_seconds > INT64_MAX - so_far ? INT64_MAX : so_far + *ind.call_seconds;
    }
  }
  if (max_contacts >= 0) f.contact_count = static_cast<double>(max_contacts);
  if (call_seconds >= 0) f.call_seconds = static_cast<double>(call_seconds);
  if (in.funds.at_risk) f.at_risk = static_cast<double>(*in.funds.at_risk) / 100.0;
  if (in.funds.transferred) f.transferred = static_cast<double>(*in.funds.transferred) / 100.0;
  if (in.subject.age) f.age = *in.subject.age;
  const std::int64_t local_ms = in.issued_at + static_cast<std::int64_t>(offset) * 60000;
  const std::int64_t day_ms = ((local_ms % 86400000) + 86400000) % 86400000;
  f.local_hour = static_cast<double>(day_ms / 3600000);
  return f;
}

bool mask_ok(EnumMask condition, EnumMask value) { return condition == 0 || (condition & value) != 0; }

bool range_ok(const std::optional<Range>& condition, const std::optional<double>& value) {
  return !condition || (value && condition->contains(*value));
}

bool matches(const Conditions& w, const Facts& f, const instruction::Instruction& in,
             const HistoryFacts& history) {
  if (!mask_ok(w.trigger, f.trigger) || !mask_ok(w.scam_type, f.scam_type) ||
      !mask_ok(w.source, f.source) || !mask_ok(w.gender, f.gender) ||
      !mask_ok(w.upstream_level, f.upstream) || !mask_ok(w.indicator_kind, f.indicator_kinds)) {
    return false;
  }
  if (!range_ok(w.at_risk_cny, f.at_risk) || !range_ok(w.transferred_cny, f.transferred) ||
      !range_ok(w.age, f.age) || !range_ok(w.contact_count, f.contact_count) ||
      !range_ok(w.call_seconds, f.call_seconds) || !range_ok(w.local_hour, f.local_hour)) {
    return false;
  }
  if (w.repeat_within_days) {
    if (!history.previous_warning_at) return false;
    const Millis window = static_cast<Millis>(*w.repeat_within_days) * 86400000;
    if (in.issued_at - *history.previous_warning_at > window) return false;
  }
  if (w.cluster_min_people && history.cluster_people < *w.cluster_min_people) return false;
  return true;
}

Level clamp(int v) {
  return static_cast<Level>(std::clamp(v, static_cast<int>(Level::kLow), static_cast<int>(Level::kExtreme)));
}

}  // namespace

Level apply_effect(Level level, const Effect& effect, std::optional<Level> upstream) {
  switch (effect.kind) {
    case Effect::Kind::kSet: return effect.level;
    case Effect::Kind::kRaise: return clamp(static_cast<int>(level) + effect.steps);
    case Effect::Kind::kFloor: return std::max(level, effect.level);
    case Effect::Kind::kCap: return std::min(level, effect.level);
    case Effect::Kind::kFloorUpstream: return upstream ? std::max(level, *upstream) : level;
  }
  return level;
}

Grade grade(const RuleSet& rules, const instruction::Instruction& in, const HistoryFacts& history,
            int utc_offset_minutes) {
  const Facts f = facts_of(in, utc_offset_minutes);
  Grade g;
  g.level = rules.default_level;
  g.rules_version = rules.version;
  for (const Rule& rule : rules.rules) {
    if (!matches(rule.when, f, in, history)) continue;
    // The upstream level can raise, never lower; without one the rule has nothing to say.
    if (rule.effect.kind == Effect::Kind::kFloorUpstream && !in.upstream_level) continue;
    g.level = apply_effect(g.level, rule.effect, in.upstream_level);
    g.reasons.push_back(rule.id);
  }
  return g;
}

}  // namespace quanzu::grading
