#include "cases/plan.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <utility>

#include <toml++/toml.h>

#include "base/enum_names.h"
#include "base/problems.h"
#include "cases/lifecycle.h"

namespace quanzu::cases {
namespace {

constexpr EnumNames<Action, 6> kActions{{
    {Action::kSms, "sms"},
    {Action::kRobocall, "robocall"},
    {Action::kCallTask, "call_task"},
    {Action::kVisit, "visit"},
    {Action::kCloseWarned, "close_warned"},
    {Action::kProposeStopPayment, "propose_stop_payment"},
}};

using Problems = LineProblems;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::optional<Millis> read_duration(const toml::node& node, std::string_view key,
                                    Problems& problems) {
  auto text = node.value<std::string>();
  if (!node.is_string() || !text) {
    problems.add(node, std::string(key) + " must be a duration string such as \"30s\", \"10m\", \"2h\"");
    return std::nullopt;
  }
  auto d = parse_duration(*text);
  if (!d || *d <= 0) {
    problems.add(node, std::string(key) + ": \"" + *text +
                           "\" is not a positive duration (use s, m, h or d, e.g. \"10m\")");
    return std::nullopt;
  }
  return d;
}

std::optional<std::int64_t> read_int(const toml::node& node, std::string_view key, std::int64_t lo,
                                     std::int64_t hi, Problems& problems) {
  auto v = node.value<std::int64_t>();
  if (!node.is_integer() || !v) {
    problems.add(node, std::string(key) + " must be an integer");
    return std::nullopt;
  }
  if (*v < lo || *v > hi) {
    problems.add(node, std::string(key) + " must be between " + std::to_string(lo) + " and " +
                           std::to_string(hi));
    return std::nullopt;
  }
  return v;
}

std::optional<double> read_number(const toml::node& node, std::string_view key, double lo, double hi,
                                  Problems& problems) {
  std::optional<double> v;
  if (node.is_floating_point()) v = node.value<double>();
  if (node.is_integer()) v = static_cast<double>(*node.value<std::int64_t>());
  if (!v) {
    problems.add(node, std::string(key) + " must be a number");
    return std::nullopt;
  }
  if (!(*v >= lo && *v <= hi)) {
    problems.add(node, std::string(key) + " must be between " + std::to_string(lo) + " and " +
                           std::to_string(hi));
    return std::nullopt;
  }
  return v;
}

// An array of strings, each checked by `accept` (which reports its own problems).
template <typename F>
void read_strings(const toml::node& node, std::string_view key, Problems& problems, F&& accept) {
  const toml::array* array = node.as_array();
  if (!array) {
    problems.add(node, std::string(key) + " must be an array of strings");
    return;
  }
  for (const auto& item : *array) {
    auto s = item.value<std::string>();
    if (!item.is_string() || !s) {
      problems.add(item, std::string(key) + " must hold strings only");
      continue;
    }
    accept(item, *s);
  }
}

Reaction read_reaction(const toml::table& t, const std::string& level, std::set<std::string>& ids,
                       Problems& problems) {
  Reaction r;
  r.line = static_cast<int>(t.source().begin.line);
  bool has_action = false;
  for (const auto& [key, node] : t) {
    const std::string k(key.str());
    if (k == "id") {
      auto v = node.value<std::string>();
      if (!node.is_string() || !v || v->empty()) problems.add(node, "id must be a non-empty string");
      else r.id = *v;
    } else if (k == "channel") {
      read_strings(node, k, problems, [&](const toml::node& item, const std::string& s) {
        if (auto c = parse_channel(s)) r.channels.push_back(*c);
        else problems.add(item, "unknown channel \"" + s + "\"; expected sms, robocall, manual_call, visit or family");
      });
    } else if (k == "result") {
      read_strings(node, k, problems, [&](const toml::node&, const std::string& s) { r.results.push_back(s); });
    } else if (k == "from") {
      if (auto v = read_int(node, k, 1, 1000, problems)) r.from = static_cast<int>(*v);
    } else if (k == "to") {
      if (auto v = read_int(node, k, 1, 1000, problems)) r.to = static_cast<int>(*v);
    } else if (k == "then") {
      auto v = node.value<std::string>();
      auto a = v ? parse_action(*v) : std::nullopt;
      if (!a) {
        problems.add(node, "then must be one of sms, robocall, call_task, visit, close_warned, propose_stop_payment");
      } else {
        r.action = *a;
        has_action = true;
      }
    } else if (k == "after") {
      if (auto d = read_duration(node, k, problems)) r.after = *d;
    } else {
      problems.add(node, "unknown key \"" + k + "\" in a reaction of [" + level +
                             "]; expected id, channel, result, from, to, then, after");
    }
  }
  if (r.id.empty()) problems.add(r.line, "a reaction needs an id");
  else if (!ids.insert(r.id).second) problems.add(r.line, "reaction id \"" + r.id + "\" is used twice");
  if (r.channels.empty()) problems.add(r.line, "reaction \"" + r.id + "\" needs a channel list");
  if (r.results.empty()) problems.add(r.line, "reaction \"" + r.id + "\" needs a result list");
  if (!has_action) problems.add(r.line, "reaction \"" + r.id + "\" needs then = an action");
  if (r.from > r.to) problems.add(r.line, "reaction \"" + r.id + "\": from is after to, so it never acts");
  if (r.after > 0 && r.action != Action::kSms && r.action != Action::kRobocall) {
    problems.add(r.line, "reaction \"" + r.id + "\": only sms and robocall can wait (after)");
  }
  // Every result must be one some watched channel can report.
  for (const auto& result : r.results) {
    bool known = false;
    std::vector<std::string> all;
    for (Channel c : r.channels) {
      const auto& allowed = results_of(c);
      known = known || std::find(allowed.begin(), allowed.end(), result) != allowed.end();
      for (const auto& a : allowed) {
        if (std::find(all.begin(), all.end(), a) == all.end()) all.push_back(a);
      }
    }
    if (!known && !r.channels.empty()) {
      problems.add(r.line, "reaction \"" + r.id + "\": no watched channel reports \"" + result +
                               "\"; they report " + join(all));
    }
  }
  return r;
}

void read_level(const toml::table& t, const std::string& level, LevelPlan& plan,
                std::set<std::string>& ids, Problems& problems) {
  for (const auto& [key, node] : t) {
    const std::string k(key.str());
    if (k == "first") {
      read_strings(node, k, problems, [&](const toml::node& item, const std::string& s) {
        auto a = parse_action(s);
        if (!a || (*a != Action::kSms && *a != Action::kRobocall && *a != Action::kCallTask)) {
          problems.add(item, "first actions are sms, robocall or call_task, not \"" + s + "\"");
        } else {
          plan.first.push_back(*a);
        }
      });
    } else if (k == "task_due") {
      if (auto d = read_duration(node, k, problems)) plan.task_due = *d;
    } else if (k == "first_attempt_target") {
      if (auto d = read_duration(node, k, problems)) plan.first_attempt_target = *d;
    } else if (k == "door_arrival_target") {
      if (auto d = read_duration(node, k, problems)) plan.door_arrival_target = *d;
    } else if (k == "on") {
      const toml::array* rows = node.as_array();
      if (!rows) {
        problems.add(node, "on must be an array of tables: [[" + level + ".on]]");
        continue;
      }
      for (const auto& row : *rows) {
        if (const toml::table* rt = row.as_table()) plan.on.push_back(read_reaction(*rt, level, ids, problems));
        else problems.add(row, "each [[" + level + ".on]] entry must be a table");
      }
    } else {
      problems.add(node, "unknown key \"" + k + "\" in [" + level +
                             "]; expected first, task_due, first_attempt_target, door_arrival_target, on");
    }
  }
}

}  // namespace

std::string_view name(Action a) { return enum_name(kActions, a); }
std::optional<Action> parse_action(std::string_view s) { return enum_value(kActions, s); }

Result<Plans> load_plans(std::string_view text, const std::string& name) {
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& err) {
    Problems syntax(name);
    syntax.add(static_cast<int>(err.source().begin.line), std::string(err.description()));
    return tl::unexpected(syntax.error());
  }
  Problems problems(name);
  Plans plans;
  std::set<std::string> ids;
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    const toml::table* t = node.as_table();
    if (!t) {
      problems.add(node, "\"" + k + "\" must be a table such as [high]");
      continue;
    }
    if (auto level = instruction::parse_level(k)) {
      read_level(*t, k, plans.levels[static_cast<size_t>(*level)], ids, problems);
    } else if (k == "dispatch") {
      auto& d = plans.dispatch;
      for (const auto& [dk, dn] : *t) {
        const std::string key2(dk.str());
        if (key2 == "speed_kmh") {
          if (auto v = read_number(dn, key2, 1, 200, problems)) d.speed_kmh = *v;
        } else if (key2 == "detour_factor") {
          if (auto v = read_number(dn, key2, 1, 5, problems)) d.detour_factor = *v;
        } else if (key2 == "ack_timeout") {
          if (auto v = read_duration(dn, key2, problems)) d.ack_timeout = *v;
        } else if (key2 == "position_max_age") {
          if (auto v = read_duration(dn, key2, problems)) d.position_max_age = *v;
        } else if (key2 == "neighbour_stations") {
          if (auto v = read_int(dn, key2, 0, 50, problems)) d.neighbour_stations = static_cast<int>(*v);
        } else if (key2 == "retry_after") {
          if (auto v = read_duration(dn, key2, problems)) d.retry_after = *v;
        } else {
          problems.add(dn, "unknown key \"" + key2 + "\" in [dispatch]; expected speed_kmh, detour_factor, "
                           "ack_timeout, position_max_age, neighbour_stations, retry_after");
        }
      }
    } else if (k == "stop_payment") {
      auto& s = plans.stop_payment;
      for (const auto& [sk, sn] : *t) {
        const std::string key2(sk.str());
        if (key2 == "duration") {
          if (auto v = read_duration(sn, key2, problems)) s.duration = *v;
        } else if (key2 == "extension") {
          if (auto v = read_duration(sn, key2, problems)) s.extension = *v;
        } else if (key2 == "max_extensions") {
          if (auto v = read_int(sn, key2, 0, 100, problems)) s.max_extensions = static_cast<int>(*v);
        } else if (key2 == "warn_before") {
          if (auto v = read_duration(sn, key2, problems)) s.warn_before = *v;
        } else {
          problems.add(sn, "unknown key \"" + key2 + "\" in [stop_payment]; expected duration, "
                           "extension, max_extensions, warn_before");
        }
      }
      if (s.warn_before >= s.duration) {
        problems.add(*t, "[stop_payment] warn_before must be shorter than duration");
      }
    } else {
      problems.add(node, "unknown section [" + k +
                             "]; expected low, medium, high, extreme, dispatch, stop_payment");
    }
  }
  if (!problems.empty()) return tl::unexpected(problems.error());
  return plans;
}

}  // namespace quanzu::cases
