#include "app/rules_command.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/platform.h"
#include "base/clock.h"
#include "cases/whatif.h"
#include "grading/rules.h"

namespace quanzu::app {
namespace {

std::string effect_text(const grading::Effect& e) {
  using Kind = grading::Effect::Kind;
  switch (e.kind) {
    case Kind::kSet: return "set " + std::string(instruction::name(e.level));
    case Kind::kRaise: return "raise " + std::to_string(e.steps);
    case Kind::kFloor: return "floor " + std::string(instruction::name(e.level));
    case Kind::kCap: return "cap " + std::string(instruction::name(e.level));
    case Kind::kFloorUpstream: return "floor upstream";
  }
  return "?";
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "-" : out;
}

}  // namespace

int run_rules_check(const std::string& file) {
  auto text = read_file(file);
  if (!text) {
    std::cerr << "quanzu rules check: " << text.error().message << "\n";
    return 1;
  }
  auto rules = grading::load_rules(*text, file);
  if (!rules) {
    std::cerr << rules.error().message << "\n";
    std::cerr << file << ": refused (" << std::max<size_t>(rules.error().fields.size(), 1) << " problem"
              << (rules.error().fields.size() == 1 ? "" : "s") << ")\n";
    return 1;
  }
  std::cout << file << ": " << rules->rules.size() << " rules, version " << rules->version
            << ", default level " << instruction::name(rules->default_level) << "\n";
  for (const auto& r : rules->rules) {
    std::printf("  line %-4d %-32s %-16s %s\n", r.line, r.id.c_str(), effect_text(r.effect).c_str(),
                r.description.c_str());
  }
  std::cout << "OK\n";
  return 0;
}

int run_rules_whatif(const Config& config, const WhatIfOptions& options) {
  auto text = read_file(options.draft);
  if (!text) {
    std::cerr << "quanzu rules whatif: " << text.error().message << "\n";
    return 1;
  }
  auto draft = grading::load_rules(*text, options.draft);
  if (!draft) {
    std::cerr << draft.error().message << "\nquanzu rules whatif: the draft is refused\n";
    return 1;
  }
  SystemClock clock;
  const Millis now = clock.now();
  auto instant = [&](const std::string& s) -> std::optional<Millis> {
    if (auto t = parse_rfc3339(s)) return t;
    if (auto d = parse_duration(s)) return now - *d;
    return std::nullopt;
  };
  auto since = instant(options.since);
  auto until = options.until.empty() ? std::optional<Millis>(now + 1) : instant(options.until);
  if (!since || !until) {
    std::cerr << "quanzu rules whatif: --since/--until take an RFC 3339 time or a duration like 30d\n";
    return 1;
  }
  auto store = open_store(config);
  if (!store) {
    std::cerr << "quanzu rules whatif: " << store.error().message << "\n";
    return 1;
  }
  std::string current = "(none)";
  if (auto active = load_active_rules(config)) current = (*active)->current()->version;
  auto report = cases::what_if(**store, *draft, current, *since, *until, options.sample,
                               config.utc_offset_minutes);
  if (!report) {
    std::cerr << "quanzu rules whatif: " << report.error().message << "\n";
    return 1;
  }
  const auto& r = *report;
  std::cout << "What-if: draft " << r.draft_version << " against " << current << ", cases created "
            << format_rfc3339(r.since, config.utc_offset_minutes) << " .. "
            << format_rfc3339(r.until, config.utc_offset_minutes) << "\n";
  std::cout << r.cases << " cases re-graded, " << r.changed << " would change level (" << r.raised
            << " up, " << r.lowered << " down)\n\n";
  std::cout << "level      before    after   change\n";
  for (const char* level : {"low", "medium", "high", "extreme"}) {
    auto get = [&](const std::map<std::string, std::int64_t>& m) {
      auto it = m.find(level);
      return it == m.end() ? std::int64_t{0} : it->second;
    };
    std::printf("%-9s %7lld %8lld %+8lld\n", level, static_cast<long long>(get(r.by_level_before)),
                static_cast<long long>(get(r.by_level_after)),
                static_cast<long long>(get(r.by_level_after) - get(r.by_level_before)));
  }
  if (!r.transitions.empty()) {
    std::cout << "\ntransitions:\n";
    for (const auto& [t, n] : r.transitions) std::printf("  %-20s %lld\n", t.c_str(), static_cast<long long>(n));
  }
  if (!r.by_station.empty()) {
    std::cout << "\nworkload by station (change in cases per level):\n";
    for (const auto& [code, impact] : r.by_station) {
      std::string line;
      for (const char* level : {"low", "medium", "high", "extreme"}) {
        auto count = [&](const std::map<std::string, std::int64_t>& m) {
          auto it = m.find(level);
          return it == m.end() ? std::int64_t{0} : it->second;
        };
        const std::int64_t delta = count(impact.after) - count(impact.before);
        if (delta != 0) line += "  " + std::string(level) + (delta > 0 ? " +" : " ") + std::to_string(delta);
      }
      std::printf("  %-12s%s\n", code.empty() ? "unrouted" : code.c_str(), line.c_str());
    }
  }
  if (!r.sample.empty()) {
    std::cout << "\nsample of changed cases:\n";
    for (const auto& c : r.sample) {
      std::cout << "  " << c.case_id << " (" << c.instruction_id << ", " << (c.station.empty() ? "unrouted" : c.station)
                << "): " << instruction::name(c.from) << " -> " << instruction::name(c.to) << "\n"
                << "      now:   " << join(c.reasons_before) << "\n"
                << "      draft: " << join(c.reasons_after) << "\n";
    }
  }
  return 0;
}

}  // namespace quanzu::app
