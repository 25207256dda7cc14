// Action plans (处置预案) as data: per level, the first actions, the reactions to attempt
// results, deadlines and SLA targets; plus the dispatch and stop-payment settings. Read from
// a TOML file (config/plans.toml holds the defaults of SPEC.md) and validated whole: every
// problem is reported as file:line. Pure.
#pragma once

#include <array>
#include <climits>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "cases/case.h"

namespace quanzu::cases {

enum class Action { kSms, kRobocall, kCallTask, kVisit, kCloseWarned, kProposeStopPayment };
std::string_view name(Action a);
std::optional<Action> parse_action(std::string_view s);

// One row of a plan: when an attempt on one of `channels` reports one of `results`, this
// row counts a match; on its from-th to to-th match it takes `action` (after `after`).
struct Reaction {
  std::string id;
  std::vector<Channel> channels;
  std::vector<std::string> results;
  int from = 1;
  int to = INT_MAX;
  Action action = Action::kCallTask;
  Millis after = 0;
  int line = 0;  // where it was defined, for messages
};

struct LevelPlan {
  std::vector<Action> first;  // among kSms, kRobocall, kCallTask
  Millis task_due = 10 * 60'000;
  Millis first_attempt_target = 0;  // 0: none
  Millis door_arrival_target = 0;   // 0: none
  std::vector<Reaction> on;
};

struct DispatchSettings {
  double speed_kmh = 30;
  double detour_factor = 1.3;
  Millis ack_timeout = 60'000;
  Millis position_max_age = 15 * 60'000;
  int neighbour_stations = 3;
  Millis retry_after = 60'000;
};

struct StopPaymentSettings {
  Millis duration = 48 * 3'600'000LL;
  Millis extension = 48 * 3'600'000LL;
  int max_extensions = 2;
  Millis warn_before = 6 * 3'600'000LL;
};

struct Plans {
  std::array<LevelPlan, 4> levels;  // indexed by instruction::Level
  DispatchSettings dispatch;
  StopPaymentSettings stop_payment;
  const LevelPlan& of(instruction::Level level) const {
    return levels[static_cast<size_t>(level)];
  }
};

// Parses and validates a plans file; `name` is used in messages ("plans.toml:12: ...").
// Unknown keys, unknown channels/results/actions, bad durations, from > to, a delay on an
// action that cannot wait, and repeated row ids are errors. A level left out has no actions.
Result<Plans> load_plans(std::string_view text, const std::string& name);

}  // namespace quanzu::cases
