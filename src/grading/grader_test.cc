#include "grading/grader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "grading/rules.h"
#include "instruction/parser.h"

namespace quanzu::grading {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

constexpr std::string_view kDefaultIssuedAt = "2023-11-29T10:26:00+08:00";
constexpr std::string_view kDefaultPhone = "13800138000";
constexpr std::string_view kDefaultAdcode = "500105";
constexpr double kDayMs = 86400000.0;
// SPEC "Default grading and actions" asks for at least this many data cases.
constexpr size_t kMinDataCases = 40;

// ctest sets QUANZU_SOURCE_DIR; run by hand from the source tree otherwise.
fs::path source_dir() {
  const char* dir = std::getenv("QUANZU_SOURCE_DIR");
  return dir != nullptr ? fs::path(dir) : fs::current_path();
}

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string join(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& item : items) out += (out.size() > 1 ? ", " : "") + item;
  return out + "]";
}

std::string describe(const Grade& g) {
  return std::string(instruction::name(g.level)) + " " + join(g.reasons);
}

json::object& member_object(json::object& o, std::string_view key) {
  json::value& v = o[key];
  if (!v.is_object()) v = json::object();
  return v.as_object();
}

// Completes a case's instruction with what grading ignores (id, issued_at, subject.phone,
// a location) and parses it as the feed would, so every case is a real, valid instruction.
Result<instruction::Instruction> complete_and_parse(json::object o, std::string_view id) {
  if (!o.contains("id")) o["id"] = id;
  if (!o.contains("issued_at")) o["issued_at"] = kDefaultIssuedAt;
  json::object& subject = member_object(o, "subject");
  if (!subject.contains("phone")) subject["phone"] = kDefaultPhone;
  json::object& location = member_object(o, "location");
  if (!location.contains("adcode") && !location.contains("cell_id") && !location.contains("lat")) {
    location["adcode"] = kDefaultAdcode;
  }
  return instruction::parse_instruction(json::serialize(o));
}

// The same for a JSON text, for the hand-written tests below.
instruction::Instruction make(std::string_view fields_json) {
  json::value v = json::parse(fields_json);
  auto parsed = complete_and_parse(v.as_object(), "G-1");
  EXPECT_TRUE(parsed.has_value()) << fields_json << ": " << parsed.error().message;
  return parsed ? *parsed : instruction::Instruction{};
}

RuleSet rules_from(std::string_view text) {
  auto loaded = load_rules(text, "test.toml");
  EXPECT_TRUE(loaded.has_value()) << loaded.error().message;
  return loaded ? *loaded : RuleSet{};
}

std::optional<double> number_of(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

// ---- Data-driven cases: testdata/*.json -------------------------------------------------
//
// Each file: {"rules": "<rules file, relative to the source tree>", "cases": [case...]},
// each case: {"name", "instruction": {...}, "history": {"previous_warning_days_ago": N,
// "cluster_people": N} (optional), "level", "reasons": [rule ids in order]}.

struct FileOutcome {
  size_t cases = 0;
};

// Runs one file's cases; every problem becomes a test failure naming the file and case.
FileOutcome run_case_file(const fs::path& path) {
  FileOutcome outcome;
  const std::string file = path.filename().string();
  auto text = read_text(path);
  if (!text) {
    ADD_FAILURE() << "cannot read " << path;
    return outcome;
  }
  json::error_code ec;
  json::value doc = json::parse(*text, ec);
  if (ec || !doc.is_object()) {
    ADD_FAILURE() << file << ": not a JSON object: " << ec.message();
    return outcome;
  }
  const json::object& root = doc.as_object();
  for (const auto& [key, value] : root) {
    if (key != "comment" && key != "rules" && key != "cases") {
      ADD_FAILURE() << file << ": unknown key \"" << std::string_view(key) << "\"";
    }
  }
  const json::value* rules_name = root.if_contains("rules");
  const json::value* cases = root.if_contains("cases");
  if (rules_name == nullptr || !rules_name->is_string() || cases == nullptr || !cases->is_array()) {
    ADD_FAILURE() << file << ": needs \"rules\" (a path) and \"cases\" (an array)";
    return outcome;
  }
  const fs::path rules_path = source_dir() / std::string(rules_name->as_string());
  auto rules_text = read_text(rules_path);
  if (!rules_text) {
    ADD_FAILURE() << file << ": cannot read rules file " << rules_path;
    return outcome;
  }
  auto rules = load_rules(*rules_text, rules_path.filename().string());
  if (!rules) {
    ADD_FAILURE() << file << ": rules file " << rules_path << " is refused:\n"
                  << rules.error().message;
    return outcome;
  }

  std::set<std::string> names;
  std::set<std::string> fired;  // rule ids some case expects, to prove every rule is covered
  for (const json::value& item : cases->as_array()) {
    ++outcome.cases;
    const std::string where = file + " case #" + std::to_string(outcome.cases);
    if (!item.is_object()) {
      ADD_FAILURE() << where << ": not an object";
      continue;
    }
    const json::object& c = item.as_object();
    for (const auto& [key, value] : c) {
      if (key != "name" && key != "comment" && key != "instruction" && key != "history" &&
          key != "level" && key != "reasons") {
        ADD_FAILURE() << where << ": unknown key \"" << std::string_view(key) << "\"";
      }
    }
    const json::value* name = c.if_contains("name");
    const json::value* in = c.if_contains("instruction");
    const json::value* level = c.if_contains("level");
    const json::value* reasons = c.if_contains("reasons");
    if (name == nullptr || !name->is_string() || in == nullptr || !in->is_object() ||
        level == nullptr || !level->is_string() || reasons == nullptr || !reasons->is_array()) {
      ADD_FAILURE() << where << ": needs name, instruction (object), level, reasons (array)";
      continue;
    }
    const std::string case_name(name->as_string());
    if (!names.insert(case_name).second) ADD_FAILURE() << file << ": duplicate case " << case_name;
    std::string label = file;
    label += " \"" + case_name + "\"";

    auto expected_level = instruction::parse_level(std::string_view(level->as_string()));
    if (!expected_level) {
      ADD_FAILURE() << label << ": unknown level \"" << std::string_view(level->as_string())
                    << "\"";
      continue;
    }
    std::vector<std::string> expected_reasons;
    for (const json::value& r : reasons->as_array()) {
      if (!r.is_string()) {
        ADD_FAILURE() << label << ": reasons must be strings";
        continue;
      }
      expected_reasons.emplace_back(r.as_string());
      fired.insert(expected_reasons.back());
    }

    auto parsed = complete_and_parse(in->as_object(), "T-" + std::to_string(outcome.cases));
    if (!parsed) {
      ADD_FAILURE() << label << ": the instruction is not valid: " << parsed.error().message;
      continue;
    }
    HistoryFacts history;
    if (const json::value* h = c.if_contains("history")) {
      if (!h->is_object()) {
        ADD_FAILURE() << label << ": history must be an object";
        continue;
      }
      for (const auto& [key, value] : h->as_object()) {
        auto n = number_of(value);
        if (key == "previous_warning_days_ago" && n) {
          history.previous_warning_at =
              parsed->issued_at - static_cast<Millis>(std::llround(*n * kDayMs));
        } else if (key == "cluster_people" && n) {
          history.cluster_people = static_cast<int>(*n);
        } else {
          ADD_FAILURE() << label << ": history." << std::string_view(key)
                        << " is unknown or not a number";
        }
      }
    }

    const Grade actual = grade(*rules, *parsed, history);
    if (actual.level != *expected_level || actual.reasons != expected_reasons) {
      ADD_FAILURE() << label << ":\n  expected " << instruction::name(*expected_level) << " "
                    << join(expected_reasons) << "\n  actual   " << describe(actual);
    }
  }
  for (const Rule& rule : rules->rules) {
    EXPECT_TRUE(fired.count(rule.id) > 0)
        << file << ": no case expects rule \"" << rule.id << "\" to fire";
  }
  for (const std::string& id : fired) {
    const bool known = std::any_of(rules->rules.begin(), rules->rules.end(),
                                   [&](const Rule& r) { return r.id == id; });
    EXPECT_TRUE(known) << file << ": reasons name \"" << id << "\", which is no rule's id";
  }
  return outcome;
}

TEST(GradingData, EveryCaseOfEveryTestdataFile) {
  const fs::path dir = source_dir() / "src" / "grading" / "testdata";
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  ASSERT_FALSE(ec) << dir << ": " << ec.message() << " (is QUANZU_SOURCE_DIR set?)";
  ASSERT_FALSE(files.empty()) << "no *.json in " << dir;
  std::sort(files.begin(), files.end());
  size_t default_cases = 0;
  for (const fs::path& path : files) {
    const FileOutcome outcome = run_case_file(path);
    EXPECT_GT(outcome.cases, 0u) << path;
    if (path.filename() == "default_rules.json") default_cases = outcome.cases;
  }
  EXPECT_GE(default_cases, kMinDataCases) << "default_rules.json must cover the default rules";
}

// ---- Hand-written semantics -------------------------------------------------------------

RuleSet shipped_rules() {
  auto text = read_text(source_dir() / "config" / "rules.toml");
  EXPECT_TRUE(text.has_value()) << "cannot read config/rules.toml";
  return text ? rules_from(*text) : RuleSet{};
}

TEST(Grader, GradeCarriesTheRulesVersion) {
  const RuleSet shipped = shipped_rules();
  EXPECT_EQ(grade(shipped, make(R"({"trigger":"other"})")).rules_version, "default-2026.11");

  const std::string text = "[[rules]]\nid = \"a\"\nset = \"high\"\n";
  const Grade g = grade(rules_from(text), make(R"({"trigger":"other"})"));
  EXPECT_EQ(g.rules_version, content_version(text));
  EXPECT_EQ(g.rules_version.rfind("sha-", 0), 0u) << g.rules_version;
}

TEST(Grader, DefaultLevelWhenNoRuleFires) {
  const RuleSet medium = rules_from(
      "default_level = \"medium\"\n"
      "[[rules]]\nid = \"done\"\nwhen.trigger = [\"completed_transfer\"]\nset = \"extreme\"\n");
  Grade g = grade(medium, make(R"({"trigger":"fraud_url_visit"})"));
  EXPECT_EQ(g.level, Level::kMedium);
  EXPECT_TRUE(g.reasons.empty());
  g = grade(medium, make(R"({"trigger":"completed_transfer"})"));
  EXPECT_EQ(g.level, Level::kExtreme);
  EXPECT_EQ(g.reasons, std::vector<std::string>{"done"});

  // Without default_level, low.
  const RuleSet plain =
      rules_from("[[rules]]\nid = \"x\"\nwhen.trigger = [\"other\"]\nset = \"high\"\n");
  EXPECT_EQ(plain.default_level, Level::kLow);
  EXPECT_EQ(grade(plain, make(R"({"trigger":"fraud_contact"})")).level, Level::kLow);
}

TEST(Grader, SetReplacesTheLevelEvenDownward) {
  const RuleSet rules = rules_from(
      "default_level = \"extreme\"\n"
      "[[rules]]\nid = \"up\"\nset = \"high\"\n"
      "[[rules]]\nid = \"down\"\nwhen.trigger = [\"other\"]\nset = \"low\"\n");
  Grade g = grade(rules, make(R"({"trigger":"other"})"));
  EXPECT_EQ(g.level, Level::kLow);
  EXPECT_EQ(g.reasons, (std::vector<std::string>{"up", "down"}));
  g = grade(rules, make(R"({"trigger":"fraud_contact"})"));
  EXPECT_EQ(g.level, Level::kHigh);
  EXPECT_EQ(g.reasons, std::vector<std::string>{"up"});
}

TEST(Grader, RaiseGoesUpAndStopsAtExtreme) {
  const RuleSet rules = rules_from(
      "[[rules]]\nid = \"two\"\nraise = 2\n"
      "[[rules]]\nid = \"three\"\nwhen.trigger = [\"other\"]\nraise = 3\n");
  Grade g = grade(rules, make(R"({"trigger":"fraud_contact"})"));
  EXPECT_EQ(g.level, Level::kHigh);
  EXPECT_EQ(g.reasons, std::vector<std::string>{"two"});
  g = grade(rules, make(R"({"trigger":"other"})"));
  EXPECT_EQ(g.level, Level::kExtreme);
  EXPECT_EQ(g.reasons, (std::vector<std::string>{"two", "three"}));
}

TEST(Grader, FloorOnlyRaisesAndIsListedWhenItMatches) {
  const RuleSet rules = rules_from(
      "[[rules]]\nid = \"base\"\nwhen.trigger = [\"completed_transfer\"]\nset = \"extreme\"\n"
      "[[rules]]\nid = \"at_least_high\"\nfloor = \"high\"\n");
  Grade g = grade(rules, make(R"({"trigger":"fraud_url_visit"})"));
  EXPECT_EQ(g.level, Level::kHigh);
  EXPECT_EQ(g.reasons, std::vector<std::string>{"at_least_high"});
  g = grade(rules, make(R"({"trigger":"completed_transfer"})"));
  EXPECT_EQ(g.level, Level::kExtreme);
  EXPECT_EQ(g.reasons, (std::vector<std::string>{"base", "at_least_high"}));
}

TEST(Grader, CapOnlyLowers) {
  const RuleSet rules = rules_from(
      "[[rules]]\nid = \"base\"\nwhen.trigger = [\"completed_transfer\"]\nset = \"extreme\"\n"
      "[[rules]]\nid = \"at_most_medium\"\ncap = \"medium\"\n");
  Grade g = grade(rules, make(R"({"trigger":"completed_transfer"})"));
  EXPECT_EQ(g.level, Level::kMedium);
  EXPECT_EQ(g.reasons, (std::vector<std::string>{"base", "at_most_medium"}));
  g = grade(rules, make(R"({"trigger":"other"})"));
  EXPECT_EQ(g.level, Level::kLow);
  EXPECT_EQ(g.reasons, std::vector<std::string>{"at_most_medium"});
}

TEST(Grader, FloorUpstreamNeedsAnUpstreamLevel) {
  const RuleSet rules = rules_from("[[rules]]\nid = \"upstream\"\nfloor = \"upstream\"\n");
  Grade g = grade(rules, make(R"({"trigger":"other"})"));
  EXPECT_EQ(g.level, Level::kLow);
  EXPECT_TRUE(g.reasons.empty()) << "no upstream_level: the rule does not fire";
  g = grade(rules, make(R"({"trigger":"other","upstream_level":"high"})"));
  EXPECT_EQ(g.level, Level::kHigh);
  EXPECT_EQ(g.reasons, std::vector<std::string>{"upstream"});
}

TEST(Grader, LocalHourUsesTheUtcOffset) {
  const RuleSet rules = rules_from(
      "[[rules]]\nid = \"night\"\nwhen.local_hour = { gte = 22 }\nset = \"high\"\n"
      "[[rules]]\nid = \"small_hours\"\nwhen.local_hour = { lt = 6 }\nset = \"extreme\"\n");
  // 23:30 in Chongqing is 15:30 UTC.
  const auto late = make(R"({"trigger":"other","issued_at":"2023-11-29T23:30:00+08:00"})");
  EXPECT_EQ(grade(rules, late, {}, 480).reasons, std::vector<std::string>{"night"});
  EXPECT_TRUE(grade(rules, late, {}, 0).reasons.empty());
  // The same instant written in UTC is graded the same: the offset is ours, not the text's.
  const auto late_utc = make(R"({"trigger":"other","issued_at":"2023-11-29T15:30:00Z"})");
  EXPECT_EQ(grade(rules, late_utc, {}, 480).reasons, std::vector<std::string>{"night"});

  // 01:00 in Chongqing is 17:00 UTC the day before and 12:00 in UTC-5.
  const auto early = make(R"({"trigger":"other","issued_at":"2023-11-29T01:00:00+08:00"})");
  Grade g = grade(rules, early, {}, 480);
  EXPECT_EQ(g.level, Level::kExtreme);
  EXPECT_EQ(g.reasons, std::vector<std::string>{"small_hours"});
  EXPECT_TRUE(grade(rules, early, {}, 0).reasons.empty());
  EXPECT_TRUE(grade(rules, early, {}, -300).reasons.empty());
  // Before 1970 in local time the hour still counts from midnight.
  const auto old = make(R"({"trigger":"other","issued_at":"1969-12-31T23:00:00Z"})");
  EXPECT_EQ(grade(rules, old, {}, 0).reasons, std::vector<std::string>{"night"});
  EXPECT_EQ(grade(rules, old, {}, 240).reasons, std::vector<std::string>{"small_hours"});

  // Whole hours: 21:59:59 is hour 21, 22:00:00 is hour 22.
  const auto before = make(R"({"trigger":"other","issued_at":"2023-11-29T21:59:59+08:00"})");
  const auto at = make(R"({"trigger":"other","issued_at":"2023-11-29T22:00:00+08:00"})");
  EXPECT_TRUE(grade(rules, before).reasons.empty());
  EXPECT_EQ(grade(rules, at).reasons, std::vector<std::string>{"night"});
}

TEST(Grader, ClusterMinPeopleComesFromHistory) {
  const RuleSet rules = rules_from(
      "cluster_window_days = 14\n"
      "[[rules]]\nid = \"cluster\"\nwhen.cluster_min_people = 3\nfloor = \"high\"\n");
  EXPECT_TRUE(rules.uses_history());
  EXPECT_EQ(rules.cluster_window_days, 14);
  const auto in = make(R"({"trigger":"fraud_url_visit"})");
  HistoryFacts history;
  EXPECT_TRUE(grade(rules, in, history).reasons.empty());
  history.cluster_people = 2;
  EXPECT_EQ(grade(rules, in, history).level, Level::kLow);
  history.cluster_people = 3;
  history.cluster_case_ids = {"C-1", "C-2"};
  const Grade g = grade(rules, in, history);
  EXPECT_EQ(g.level, Level::kHigh);
  EXPECT_EQ(g.reasons, std::vector<std::string>{"cluster"});
}

TEST(Grader, RepeatWindowIsCountedFromIssuedAt) {
  const RuleSet rules =
      rules_from("[[rules]]\nid = \"repeat\"\nwhen.repeat_within_days = 7\nraise = 1\n");
  EXPECT_TRUE(rules.uses_history());
  const auto in = make(R"({"trigger":"other","issued_at":"2023-11-29T10:26:00+08:00"})");
  HistoryFacts history;
  EXPECT_EQ(grade(rules, in, history).level, Level::kLow);
  history.previous_warning_at = in.issued_at - 7 * 86400000LL;
  EXPECT_EQ(grade(rules, in, history).level, Level::kMedium);
  history.previous_warning_at = in.issued_at - 7 * 86400000LL - 1;
  EXPECT_EQ(grade(rules, in, history).level, Level::kLow);
}

TEST(Grader, AMissingValueSatisfiesNoComparison) {
  const RuleSet rules = rules_from(
      "[[rules]]\nid = \"minor\"\nwhen.age = { lt = 18 }\nset = \"high\"\n"
      "[[rules]]\nid = \"nothing_at_risk\"\nwhen.at_risk_cny = { lte = 0 }\ncap = \"medium\"\n"
      "[[rules]]\nid = \"no_calls\"\nwhen.call_seconds = { lt = 1 }\nraise = 1\n"
      "[[rules]]\nid = \"few_contacts\"\nwhen.contact_count = { lt = 1 }\nraise = 1\n"
      "[[rules]]\nid = \"nothing_sent\"\nwhen.transferred_cny = { lt = 1 }\nraise = 1\n");
  Grade g = grade(rules, make(R"({"trigger":"other"})"));
  EXPECT_EQ(g.level, Level::kLow);
  EXPECT_TRUE(g.reasons.empty()) << describe(g);

  g = grade(rules, make(R"({"trigger":"other","subject":{"age":17},
      "funds":{"at_risk_cny":0,"transferred_cny":0},
      "indicators":[{"kind":"phone","value":"110","contact_count":0,"call_seconds":0}]})"));
  EXPECT_EQ(g.reasons, (std::vector<std::string>{"minor", "nothing_at_risk", "no_calls",
                                                 "few_contacts", "nothing_sent"}));
  EXPECT_EQ(g.level, Level::kExtreme);
}

TEST(Grader, EnumConditionsMatchAnyListedValue) {
  const RuleSet rules = rules_from(
      "[[rules]]\nid = \"bank\"\nwhen.source = [\"bank\", \"carrier\"]\nraise = 1\n"
      "[[rules]]\nid = \"woman\"\nwhen.gender = \"F\"\nraise = 1\n"
      "[[rules]]\nid = \"account\"\nwhen.indicator_kind = [\"account\"]\nraise = 1\n"
      "[[rules]]\nid = \"said_high\"\nwhen.upstream_level = [\"high\", \"extreme\"]\nraise = 1\n");
  Grade g = grade(rules, make(R"({"trigger":"other"})"));
  EXPECT_TRUE(g.reasons.empty()) << "absent source, gender, indicators, upstream: " << describe(g);
  g = grade(rules, make(R"({"trigger":"other","source":"national","subject":{"gender":"M"},
      "indicators":[{"kind":"url","value":"x"}],"upstream_level":"medium"})"));
  EXPECT_TRUE(g.reasons.empty()) << describe(g);
  g = grade(rules, make(R"({"trigger":"other","source":"carrier","subject":{"gender":"F"},
      "indicators":[{"kind":"url","value":"x"},{"kind":"account","value":"6222"}],
      "upstream_level":"high"})"));
  EXPECT_EQ(g.reasons, (std::vector<std::string>{"bank", "woman", "account", "said_high"}));
  EXPECT_EQ(g.level, Level::kExtreme);
}

// Indicators may each carry up to INT64_MAX call seconds (the parser's bound); their sum
// must still count as long calls, not wrap around to a negative number.
TEST(Grader, CallSecondsSumDoesNotOverflow) {
  const RuleSet shipped = shipped_rules();
  const Grade g = grade(shipped, make(R"({"trigger":"fraud_contact","indicators":[
      {"kind":"phone","value":"110","call_seconds":9223372036854775807},
      {"kind":"phone","value":"120","call_seconds":9223372036854775807}]})"));
  EXPECT_EQ(g.level, Level::kHigh) << describe(g);
  EXPECT_EQ(g.reasons, (std::vector<std::string>{"contact", "contact.long_calls"}));
}

}  // namespace
}  // namespace quanzu::grading
