#include "grading/rules.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include <toml++/toml.h>

#include "base/problems.h"

namespace quanzu::grading {
namespace {

// Collects problems with their lines; the file is refused if there is any.
using Problems = LineProblems;

template <typename E>
EnumMask bit(E v) {
  return EnumMask{1} << static_cast<int>(v);
}

template <typename E>
std::optional<E> parse_enum(std::string_view key, std::string_view s);

template <>
std::optional<instruction::Trigger> parse_enum(std::string_view, std::string_view s) {
  return instruction::parse_trigger(s);
}
template <>
std::optional<instruction::ScamType> parse_enum(std::string_view, std::string_view s) {
  return instruction::parse_scam_type(s);
}
template <>
std::optional<instruction::Source> parse_enum(std::string_view, std::string_view s) {
  return instruction::parse_source(s);
}
template <>
std::optional<instruction::Gender> parse_enum(std::string_view, std::string_view s) {
  return instruction::parse_gender(s);
}
template <>
std::optional<Level> parse_enum(std::string_view, std::string_view s) {
  return instruction::parse_level(s);
}
template <>
std::optional<instruction::IndicatorKind> parse_enum(std::string_view, std::string_view s) {
  return instruction::parse_indicator_kind(s);
}

// A list of enum names (or one name) -> mask.
template <typename E>
EnumMask read_mask(const toml::node& node, const std::string& key, Problems& problems) {
  EnumMask mask = 0;
  auto one = [&](const toml::node& item) {
    auto s = item.value<std::string>();
    if (!item.is_string() || !s) {
      problems.add(item, "when." + key + " must list names as strings");
      return;
    }
    auto v = parse_enum<E>(key, *s);
    if (!v) {
      problems.add(item, "when." + key + ": unknown value \"" + *s + "\"");
      return;
    }
    mask |= bit(*v);
  };
  if (const auto* array = node.as_array()) {
    if (array->empty()) problems.add(node, "when." + key + " is an empty list: the rule could never fire");
    for (const auto& item : *array) one(item);
  } else {
    one(node);
  }
  return mask;
}

std::optional<Range> read_range(const toml::node& node, const std::string& key, Problems& problems) {
  const auto* table = node.as_table();
  if (!table) {
    problems.add(node, "when." + key + " must be a table like { gte = 50000 } (keys gt, gte, lt, lte)");
    return std::nullopt;
  }
  Range r;
  for (const auto& [k, v] : *table) {
    std::string name(k.str());
    std::optional<double> value;
    if (v.is_integer()) value = static_cast<double>(*v.value<std::int64_t>());
    else if (v.is_floating_point()) value = *v.value<double>();
    if (!value || !std::isfinite(*value)) {
      problems.add(v, "when." + key + "." + name + " must be a finite number");
      continue;
    }
    if (name == "gt") r.gt = value;
    else if (name == "gte") r.gte = value;
    else if (name == "lt") r.lt = value;
    else if (name == "lte") r.lte = value;
    else problems.add(v, "when." + key + ": unknown comparison \"" + name + "\"; use gt, gte, lt, lte");
  }
  if (!r.gt && !r.gte && !r.lt && !r.lte) {
    problems.add(node, "when." + key + " has no comparison");
    return std::nullopt;
  }
  if ((r.gt && r.gte) || (r.lt && r.lte)) {
    problems.add(node, "when." + key + " has two lower or two upper bounds");
  }
  if (r.empty_set()) problems.add(node, "when." + key + " is impossible: no value satisfies it");
  return r;
}

struct Bound {
  double value;
  bool strict;
};

std::optional<Bound> lower(const Range& r) {
  if (r.gt && r.gte) return *r.gt >= *r.gte ? Bound{*r.gt, true} : Bound{*r.gte, false};
  if (r.gt) return Bound{*r.gt, true};
  if (r.gte) return Bound{*r.gte, false};
  return std::nullopt;
}

std::optional<Bound> upper(const Range& r) {
  if (r.lt && r.lte) return *r.lt <= *r.lte ? Bound{*r.lt, true} : Bound{*r.lte, false};
  if (r.lt) return Bound{*r.lt, true};
  if (r.lte) return Bound{*r.lte, false};
  return std::nullopt;
}

bool mask_implies(EnumMask narrow, EnumMask wide) {
  if (wide == 0) return true;
  return narrow != 0 && (narrow & ~wide) == 0;
}

bool range_implies(const std::optional<Range>& narrow, const std::optional<Range>& wide) {
  if (!wide) return true;
  return narrow && narrow->within(*wide);
}

std::string hex12(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return std::string(buf).substr(0, 12);
}

}  // namespace

bool Range::empty_set() const {
  auto lo = lower(*this);
  auto hi = upper(*this);
  if (!lo || !hi) return false;
  if (lo->value > hi->value) return true;
  return lo->value == hi->value && (lo->strict || hi->strict);
}

bool Range::within(const Range& wider) const {
  auto wl = lower(wider), wu = upper(wider), l = lower(*this), u = upper(*this);
  if (wl) {
    if (!l) return false;
    if (l->value < wl->value) return false;
    if (l->value == wl->value && wl->strict && !l->strict) return false;
  }
  if (wu) {
    if (!u) return false;
    if (u->value > wu->value) return false;
    if (u->value == wu->value && wu->strict && !u->strict) return false;
  }
  return true;
}

bool Conditions::implies(const Conditions& o) const {
  return mask_implies(trigger, o.trigger) && mask_implies(scam_type, o.scam_type) &&
         mask_implies(source, o.source) && mask_implies(gender, o.gender) &&
         mask_implies(upstream_level, o.upstream_level) &&
         mask_implies(indicator_kind, o.indicator_kind) &&
         range_implies(at_risk_cny, o.at_risk_cny) &&
         range_implies(transferred_cny, o.transferred_cny) && range_implies(age, o.age) &&
         range_implies(contact_count, o.contact_count) &&
         range_implies(call_seconds, o.call_seconds) && range_implies(local_hour, o.local_hour) &&
         (!o.repeat_within_days ||
          (repeat_within_days && *repeat_within_days <= *o.repeat_within_days)) &&
         (!o.cluster_min_people ||
          (cluster_min_people && *cluster_min_people >= *o.cluster_min_people));
}

bool RuleSet::uses_history() const {
  return std::any_of(rules.begin(), rules.end(), [](const Rule& r) {
    return r.when.repeat_within_days || r.when.cluster_min_people;
  });
}

bool RuleSet::uses_clusters() const {
  return std::any_of(rules.begin(), rules.end(),
                     [](const Rule& r) { return r.when.cluster_min_people.has_value(); });
}

std::string content_version(std::string_view text) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a: a name for the content, not security
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return "sha-" + hex12(h);
}

Result<RuleSet> load_rules(std::string_view text, const std::string& name) {
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& err) {
    Problems syntax(name);
    syntax.add(static_cast<int>(err.source().begin.line), std::string(err.description()));
    return tl::unexpected(syntax.error());
  }
  Problems problems(name);
  RuleSet set;
  set.version = content_version(text);
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    if (k == "version") {
      if (auto v = node.value<std::string>(); node.is_string() && v && !v->empty()) set.version = *v;
      else problems.add(node, "version must be a non-empty string");
    } else if (k == "default_level") {
      auto v = node.value<std::string>();
      auto level = v ? instruction::parse_level(*v) : std::nullopt;
      if (!node.is_string() || !level) problems.add(node, "default_level must be one of low, medium, high, extreme");
      else set.default_level = *level;
    } else if (k == "cluster_window_days") {
      auto v = node.value<std::int64_t>();
      if (!node.is_integer() || !v || *v < 1 || *v > 365) problems.add(node, "cluster_window_days must be an integer from 1 to 365");
      else set.cluster_window_days = static_cast<int>(*v);
    } else if (k != "rules") {
      problems.add(node, "unknown key \"" + k + "\"; known: version, default_level, cluster_window_days, rules");
    }
  }
  const toml::array* rules = root["rules"].as_array();
  if (!rules) {
    if (root.contains("rules")) problems.add(*root.get("rules"), "rules must be an array of tables ([[rules]])");
    else problems.add(1, "no [[rules]]: a rules file needs at least one rule");
    return tl::unexpected(problems.error());
  }
  if (rules->empty()) problems.add(*root.get("rules"), "rules is empty: a rules file needs at least one rule");
  std::map<std::string, int> ids;
  // Rules with a problem of their own are left out of the shadow check: a refused effect or
  // condition would make it report nonsense.
  std::vector<bool> sound;
  for (const auto& node : *rules) {
    const size_t problems_before = problems.count();
    const auto* table = node.as_table();
    const int line = static_cast<int>(node.source().begin.line);
    if (!table) {
      problems.add(node, "each entry of rules must be a table");
      continue;
    }
    Rule rule;
    rule.line = line;
    int effects = 0;
    for (const auto& [key, value] : *table) {
      const std::string k(key.str());
      if (k == "id") {
        auto v = value.value<std::string>();
        bool ok = value.is_string() && v && !v->empty() && v->size() <= 64 &&
                  std::all_of(v->begin(), v->end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
                  });
        if (!ok) problems.add(value, "id must be 1-64 characters of a-z, 0-9, '_', '.', '-'");
        else rule.id = *v;
      } else if (k == "description") {
        if (auto v = value.value<std::string>(); value.is_string() && v) rule.description = *v;
        else problems.add(value, "description must be a string");
      } else if (k == "when") {
        const auto* when = value.as_table();
        if (!when) {
          problems.add(value, "when must be a table of conditions");
          continue;
        }
        for (const auto& [ck, cv] : *when) {
          const std::string c(ck.str());
          Conditions& w = rule.when;
          if (c == "trigger") w.trigger = read_mask<instruction::Trigger>(cv, c, problems);
          else if (c == "scam_type") w.scam_type = read_mask<instruction::ScamType>(cv, c, problems);
          else if (c == "source") w.source = read_mask<instruction::Source>(cv, c, problems);
          else if (c == "gender") w.gender = read_mask<instruction::Gender>(cv, c, problems);
          else if (c == "upstream_level") w.upstream_level = read_mask<Level>(cv, c, problems);
          else if (c == "indicator_kind") w.indicator_kind = read_mask<instruction::IndicatorKind>(cv, c, problems);
          else if (c == "at_risk_cny") w.at_risk_cny = read_range(cv, c, problems);
          else if (c == "transferred_cny") w.transferred_cny = read_range(cv, c, problems);
          else if (c == "age") w.age = read_range(cv, c, problems);
          else if (c == "contact_count") w.contact_count = read_range(cv, c, problems);
          else if (c == "call_seconds") w.call_seconds = read_range(cv, c, problems);
          else if (c == "local_hour") {
            w.local_hour = read_range(cv, c, problems);
            const auto& h = w.local_hour;
            auto out = [](const std::optional<double>& b) { return b && (*b < 0 || *b > 24); };
            if (h && (out(h->gt) || out(h->gte) || out(h->lt) || out(h->lte))) {
              problems.add(cv, "when.local_hour compares hours 0-23");
            }
          } else if (c == "repeat_within_days" || c == "cluster_min_people") {
            auto v = cv.value<std::int64_t>();
            const bool repeat = c == "repeat_within_days";
            const std::int64_t lo = repeat ? 1 : 2, hi = repeat ? 3650 : 1000;
            if (!cv.is_integer() || !v || *v < lo || *v > hi) {
              problems.add(cv, "when." + c + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
            } else if (repeat) {
              w.repeat_within_days = static_cast<int>(*v);
            } else {
              w.cluster_min_people = static_cast<int>(*v);
            }
          } else {
            problems.add(cv, "unknown condition when." + c +
                                 "; known: trigger, scam_type, source, gender, upstream_level, "
                                 "indicator_kind, at_risk_cny, transferred_cny, age, contact_count, "
                                 "call_seconds, local_hour, repeat_within_days, cluster_min_people");
          }
        }
      } else if (k == "set" || k == "floor" || k == "cap") {
        ++effects;
        auto v = value.value<std::string>();
        if (k == "floor" && v && *v == "upstream") {
          rule.effect.kind = Effect::Kind::kFloorUpstream;
          continue;
        }
        auto level = v ? instruction::parse_level(*v) : std::nullopt;
        if (!value.is_string() || !level) {
          problems.add(value, k + " must be one of low, medium, high, extreme" +
                                  (k == "floor" ? std::string(" or \"upstream\"") : std::string()));
          continue;
        }
        rule.effect.kind = k == "set" ? Effect::Kind::kSet : k == "floor" ? Effect::Kind::kFloor : Effect::Kind::kCap;
        rule.effect.level = *level;
      } else if (k == "raise") {
        ++effects;
        auto v = value.value<std::int64_t>();
        if (!value.is_integer() || !v || *v < 1 || *v > 3) {
          problems.add(value, "raise must be an integer from 1 to 3 (levels)");
          continue;
        }
        rule.effect.kind = Effect::Kind::kRaise;
        rule.effect.steps = static_cast<int>(*v);
      } else {
        problems.add(value, "unknown key \"" + k + "\" in a rule; known: id, description, when, set, raise, floor, cap");
      }
    }
    if (rule.id.empty() && !table->contains("id")) problems.add(line, "a rule needs an id");
    if (!rule.id.empty()) {
      if (auto [it, fresh] = ids.emplace(rule.id, line); !fresh) {
        problems.add(line, "id \"" + rule.id + "\" is already used by the rule at line " + std::to_string(it->second));
      }
    }
    if (effects == 0) problems.add(line, "rule \"" + rule.id + "\" has no effect; give one of set, raise, floor, cap");
    if (effects > 1) problems.add(line, "rule \"" + rule.id + "\" has several effects; give exactly one of set, raise, floor, cap");
    set.rules.push_back(std::move(rule));
    sound.push_back(problems.count() == problems_before);
  }
  // A `set` rule is shadowed when a later `set` rule fires whenever it does: its level
  // would always be overwritten.
  for (size_t i = 0; i < set.rules.size(); ++i) {
    const Rule& a = set.rules[i];
    if (a.effect.kind != Effect::Kind::kSet || !sound[i]) continue;
    for (size_t j = i + 1; j < set.rules.size(); ++j) {
      const Rule& b = set.rules[j];
      if (sound[j] && b.effect.kind == Effect::Kind::kSet && a.when.implies(b.when)) {
        problems.add(a.line, "rule \"" + a.id + "\" is shadowed by rule \"" + b.id + "\" (line " +
                                 std::to_string(b.line) + "), which fires whenever it does and sets the level after it; "
                                 "move the narrower rule after the wider one");
        break;
      }
    }
  }
  if (!problems.empty()) return tl::unexpected(problems.error());
  return set;
}

}  // namespace quanzu::grading
