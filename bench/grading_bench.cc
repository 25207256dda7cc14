// grading_bench: the CPU cost of grade() with the shipped rules (config/rules.toml) over a
// pool of 1000 pre-parsed, varied instructions: every trigger and scam type, amounts on both
// sides of 50,000 CNY, ages on both sides of 65, zero to three indicators, with and without
// an upstream level. The target (issue "grading") is at least 1M instructions/s per core.
//
// History facts are inputs of grade(): BM_GradeWithRepeatHistory passes a previous warning
// 3 days back so the repeat rule fires. Looking those facts up in the store is not measured
// here; it is I/O and belongs to the store's benchmarks.
//
// The rules file: $QUANZU_RULES_FILE, else QUANZU_BENCH_RULES_FILE (set by CMake), else
// config/rules.toml in the working directory.

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "grading/grader.h"
#include "grading/rules.h"
#include "instruction/parser.h"

namespace quanzu::grading {
namespace {

constexpr std::size_t kPoolSize = 1000;
constexpr Millis kDayMs = 86400000;

std::string rules_path() {
  if (const char* env = std::getenv("QUANZU_RULES_FILE")) return env;
#ifdef QUANZU_BENCH_RULES_FILE
  return QUANZU_BENCH_RULES_FILE;
#else
  return "config/rules.toml";
#endif
}

const RuleSet& default_rules() {
  static const RuleSet rules = [] {
    const std::string path = rules_path();
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read rules file " + path);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    auto loaded = load_rules(text, path);
    if (!loaded) throw std::runtime_error(loaded.error().message);
    return *loaded;
  }();
  return rules;
}

// The n-th instruction of the pool as JSON: the fields vary independently of one another.
std::string instruction_json(std::size_t n) {
  static constexpr std::array<const char*, 7> kTriggers = {
      "fraud_url_visit",    "fraud_app_install",      "fraud_contact", "pending_transfer",
      "completed_transfer", "cash_withdrawal_booked", "other"};
  static constexpr std::array<const char*, 12> kScams = {"click_farming_rebate",
                                                         "fake_investment",
                                                         "fake_customer_service",
                                                         "fake_loan",
                                                         "fake_credit_record",
                                                         "impersonate_acquaintance",
                                                         "impersonate_police_gov",
                                                         "romance",
                                                         "fake_game_trade",
                                                         "prize",
                                                         "other",
                                                         "unknown"};
  // Half the instructions carry no upstream level.
  static constexpr std::array<const char*, 8> kUpstream = {"",    "",       "",     "",
                                                           "low", "medium", "high", "extreme"};

  const std::uint64_t h = (n + 1) * 0x9E3779B97F4A7C15ULL;
  std::string j = "{\"id\":\"BENCH-" + std::to_string(n) + "\"";
  char issued_at[40];
  std::snprintf(issued_at, sizeof issued_at, "2023-11-%02zuT%02zu:26:00+08:00", 1 + n % 28, n % 24);
  j += ",\"issued_at\":\"" + std::string(issued_at) + "\"";
  j += ",\"source\":\"national\"";
  j += std::string(",\"trigger\":\"") + kTriggers[n % kTriggers.size()] + "\"";
  j += std::string(",\"scam_type\":\"") + kScams[(n / 7) % kScams.size()] + "\"";

  const std::size_t indicators = (h >> 8) % 4;
  j += ",\"indicators\":[";
  for (std::size_t i = 0; i < indicators; ++i) {
    if (i > 0) j += ",";
    j += "{\"kind\":\"phone\",\"value\":\"+8521234" + std::to_string(1000 + i) + "\"";
    j += ",\"contact_count\":" + std::to_string((h >> (12 + i)) % 5);
    j += ",\"call_seconds\":" + std::to_string(((h >> (16 + i)) % 9) * 150);
    j += "}";
  }
  j += "]";

  j += ",\"subject\":{\"phone\":\"138" + std::to_string(10000000 + n) + "\"";
  if (n % 11 != 0) j += ",\"age\":" + std::to_string(18 + (h >> 24) % 70);  // 18-87
  j += "}";
  j += ",\"location\":{\"adcode\":\"500105\",\"lat\":29.575,\"lon\":106.531}";
  if (n % 5 != 0) {
    // 0-99,999.99 CNY: half below the 50,000 boundary, some exactly on it.
    const std::uint64_t fen = n % 50 == 1 ? 5000000 : (h >> 32) % 10000000;
    j += ",\"funds\":{\"at_risk_cny\":" + std::to_string(fen / 100) + "." +
         std::to_string(fen % 100 / 10) + std::to_string(fen % 10) + "}";
  }
  const char* upstream = kUpstream[(h >> 40) % kUpstream.size()];
  if (*upstream != '\0') j += std::string(",\"upstream_level\":\"") + upstream + "\"";
  j += "}";
  return j;
}

const std::vector<instruction::Instruction>& pool() {
  static const std::vector<instruction::Instruction> instructions = [] {
    std::vector<instruction::Instruction> out;
    out.reserve(kPoolSize);
    for (std::size_t n = 0; n < kPoolSize; ++n) {
      const std::string text = instruction_json(n);
      auto parsed = instruction::parse_instruction(text);
      if (!parsed) throw std::runtime_error(text + ": " + parsed.error().message);
      out.push_back(std::move(*parsed));
    }
    return out;
  }();
  return instructions;
}

// Shares of the pool per level, so a report shows the mix that was graded.
void report_mix(benchmark::State& state, const std::vector<HistoryFacts>& history) {
  std::array<int, 4> counts{};
  for (std::size_t i = 0; i < pool().size(); ++i) {
    ++counts[static_cast<int>(grade(default_rules(), pool()[i], history[i]).level)];
  }
  const double total = static_cast<double>(pool().size());
  state.counters["low"] = counts[0] / total;
  state.counters["medium"] = counts[1] / total;
  state.counters["high"] = counts[2] / total;
  state.counters["extreme"] = counts[3] / total;
}

void run(benchmark::State& state, const std::vector<HistoryFacts>& history) {
  const RuleSet& rules = default_rules();
  const auto& instructions = pool();
  std::size_t i = 0;
  for (auto _ : state) {
    Grade g = grade(rules, instructions[i], history[i]);
    benchmark::DoNotOptimize(g);
    if (++i == instructions.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  report_mix(state, history);
}

void BM_GradeDefaultRules(benchmark::State& state) {
  const std::vector<HistoryFacts> none(pool().size());
  run(state, none);
}
BENCHMARK(BM_GradeDefaultRules);

void BM_GradeWithRepeatHistory(benchmark::State& state) {
  std::vector<HistoryFacts> history(pool().size());
  for (std::size_t i = 0; i < history.size(); ++i) {
    history[i].previous_warning_at = pool()[i].issued_at - 3 * kDayMs;
  }
  run(state, history);
}
BENCHMARK(BM_GradeWithRepeatHistory);

}  // namespace
}  // namespace quanzu::grading

BENCHMARK_MAIN();
