#include "grading/rules.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "grading/active_rules.h"

namespace quanzu::grading {
namespace {

namespace fs = std::filesystem;

constexpr const char* kName = "r.toml";

// A rules text from numbered lines: element i is line i + 1, so tests can name lines.
std::string lines(std::initializer_list<std::string_view> items) {
  std::string out;
  for (std::string_view line : items) {
    out.append(line);
    out += '\n';
  }
  return out;
}

std::vector<std::string> message_lines(const Error& error) {
  std::vector<std::string> out;
  std::istringstream in(error.message);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string all_problems(const Result<RuleSet>& r) {
  if (r) return "(loaded without problems)";
  return r.error().message;
}

// The file was refused with a problem at `line` whose message contains `part`: one line of
// the error message reads "r.toml:LINE: ...part...", and a FieldError "r.toml:LINE" says it.
testing::AssertionResult has_problem(const Result<RuleSet>& r, int line, std::string_view part) {
  if (r) return testing::AssertionFailure() << "loaded, wanted a problem at line " << line;
  if (r.error().code != Code::kInvalid) {
    return testing::AssertionFailure() << "code " << code_name(r.error().code);
  }
  const std::string prefix = std::string(kName) + ":" + std::to_string(line) + ": ";
  bool in_message = false;
  for (const std::string& m : message_lines(r.error())) {
    if (m.rfind(prefix, 0) == 0 && m.find(part) != std::string::npos) in_message = true;
  }
  bool in_fields = false;
  for (const FieldError& f : r.error().fields) {
    if (f.field == std::string(kName) + ":" + std::to_string(line) &&
        f.message.find(part) != std::string::npos) {
      in_fields = true;
    }
  }
  if (in_message && in_fields) return testing::AssertionSuccess();
  return testing::AssertionFailure()
         << "wanted \"" << prefix << "..." << part << "...\" (in the message: " << in_message
         << ", as a FieldError: " << in_fields << "); got:\n"
         << all_problems(r);
}

size_t problem_count(const Result<RuleSet>& r) { return r ? 0 : message_lines(r.error()).size(); }

Result<RuleSet> load(const std::string& text) { return load_rules(text, kName); }

std::string shipped_text() {
  const char* dir = std::getenv("QUANZU_SOURCE_DIR");
  const fs::path path = fs::path(dir != nullptr ? dir : ".") / "config" / "rules.toml";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path << " (is QUANZU_SOURCE_DIR set?)";
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// ---- Good files -------------------------------------------------------------------------

TEST(Rules, ShippedRulesLoadWithoutProblems) {
  auto r = load_rules(shipped_text(), "rules.toml");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->version, "default-2026.11");
  EXPECT_EQ(r->default_level, Level::kLow);
  EXPECT_EQ(r->cluster_window_days, 7);
  EXPECT_TRUE(r->uses_history());
  std::vector<std::string> ids;
  for (const Rule& rule : r->rules) ids.push_back(rule.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"url_visit", "url_visit.high_loss_scam", "app_install",
                                           "contact", "contact.long_calls", "contact.repeated",
                                           "transfer.pending", "transfer.pending.large_amount",
                                           "transfer.pending.elderly", "transfer.completed",
                                           "other", "upstream_level", "repeat_phone_30d",
                                           "cluster_3_people"}));
  for (const Rule& rule : r->rules) {
    EXPECT_GT(rule.line, 0) << rule.id;
    EXPECT_FALSE(rule.description.empty()) << rule.id;
  }
  const Rule& large = r->rules[7];
  ASSERT_TRUE(large.when.at_risk_cny.has_value());
  EXPECT_EQ(large.when.at_risk_cny->gte, 50000.0);
  EXPECT_EQ(large.effect.kind, Effect::Kind::kFloor);
  EXPECT_EQ(large.effect.level, Level::kExtreme);
  EXPECT_EQ(r->rules[11].effect.kind, Effect::Kind::kFloorUpstream);
  EXPECT_EQ(r->rules[12].effect.kind, Effect::Kind::kRaise);
  EXPECT_EQ(r->rules[12].effect.steps, 1);
  EXPECT_EQ(r->rules[12].when.repeat_within_days, 30);
}

TEST(Rules, ReadsEveryConditionAndEffect) {
  const std::string text = lines({
      "version = \"t-1\"",                                                  // 1
      "default_level = \"medium\"",                                         // 2
      "cluster_window_days = 30",                                           // 3
      "",                                                                   // 4
      "[[rules]]",                                                          // 5
      "id = \"everything\"",                                                // 6
      "description = \"all conditions\"",                                   // 7
      "when.trigger = [\"pending_transfer\", \"cash_withdrawal_booked\"]",  // 8
      "when.scam_type = \"romance\"",                                       // 9
      "when.source = [\"bank\"]",                                           // 10
      "when.gender = [\"F\", \"U\"]",                                       // 11
      "when.upstream_level = [\"high\"]",                                   // 12
      "when.indicator_kind = [\"account\", \"im_id\"]",                     // 13
      "when.at_risk_cny = { gt = 100, lte = 5000.5 }",                      // 14
      "when.transferred_cny = { gte = 0 }",                                 // 15
      "when.age = { gte = 60, lt = 130 }",                                  // 16
      "when.contact_count = { gte = 2 }",                                   // 17
      "when.call_seconds = { lt = 60 }",                                    // 18
      "when.local_hour = { gte = 0, lt = 6 }",                              // 19
      "when.repeat_within_days = 14",                                       // 20
      "when.cluster_min_people = 5",                                        // 21
      "raise = 2",                                                          // 22
      "",                                                                   // 23
      "[[rules]]",                                                          // 24
      "id = \"cap-0\"",                                                     // 25
      "cap = \"high\"",                                                     // 26
  });
  auto r = load(text);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->version, "t-1");
  EXPECT_EQ(r->default_level, Level::kMedium);
  EXPECT_EQ(r->cluster_window_days, 30);
  ASSERT_EQ(r->rules.size(), 2u);
  const Rule& a = r->rules[0];
  EXPECT_EQ(a.id, "everything");
  EXPECT_EQ(a.description, "all conditions");
  EXPECT_EQ(a.line, 5);
  using instruction::Trigger;
  auto bit = [](auto v) { return EnumMask{1} << static_cast<int>(v); };
  EXPECT_EQ(a.when.trigger, bit(Trigger::kPendingTransfer) | bit(Trigger::kCashWithdrawalBooked));
  EXPECT_EQ(a.when.scam_type, bit(instruction::ScamType::kRomance));
  EXPECT_EQ(a.when.source, bit(instruction::Source::kBank));
  EXPECT_EQ(a.when.gender, bit(instruction::Gender::kFemale) | bit(instruction::Gender::kUnknown));
  EXPECT_EQ(a.when.upstream_level, bit(Level::kHigh));
  EXPECT_EQ(a.when.indicator_kind,
            bit(instruction::IndicatorKind::kAccount) | bit(instruction::IndicatorKind::kImId));
  ASSERT_TRUE(a.when.at_risk_cny && a.when.age && a.when.local_hour);
  EXPECT_EQ(a.when.at_risk_cny->gt, 100.0);
  EXPECT_EQ(a.when.at_risk_cny->lte, 5000.5);
  EXPECT_FALSE(a.when.at_risk_cny->gte.has_value());
  EXPECT_TRUE(a.when.at_risk_cny->contains(5000.5));
  EXPECT_FALSE(a.when.at_risk_cny->contains(100));
  EXPECT_EQ(a.when.transferred_cny->gte, 0.0);
  EXPECT_EQ(a.when.age->lt, 130.0);
  EXPECT_EQ(a.when.contact_count->gte, 2.0);
  EXPECT_EQ(a.when.call_seconds->lt, 60.0);
  EXPECT_EQ(a.when.local_hour->lt, 6.0);
  EXPECT_EQ(a.when.repeat_within_days, 14);
  EXPECT_EQ(a.when.cluster_min_people, 5);
  EXPECT_EQ(a.effect.kind, Effect::Kind::kRaise);
  EXPECT_EQ(a.effect.steps, 2);
  EXPECT_EQ(r->rules[1].line, 24);
  EXPECT_EQ(r->rules[1].effect.kind, Effect::Kind::kCap);
  EXPECT_EQ(r->rules[1].effect.level, Level::kHigh);
}

TEST(Rules, InlineTableRulesLoadToo) {
  auto r =
      load("rules = [ { id = \"a\", set = \"high\" }, { id = \"b\", floor = \"upstream\" } ]\n");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->rules.size(), 2u);
  EXPECT_EQ(r->rules[1].effect.kind, Effect::Kind::kFloorUpstream);
}

TEST(Rules, VersionIsTheFilesOrDerivedFromTheContent) {
  const std::string a = lines({"[[rules]]", "id = \"a\"", "set = \"high\""});
  const std::string b = lines({"[[rules]]", "id = \"a\"", "set = \"extreme\""});
  auto ra = load(a);
  auto rb = load(b);
  ASSERT_TRUE(ra && rb);
  EXPECT_EQ(ra->version, content_version(a));
  EXPECT_EQ(rb->version, content_version(b));
  EXPECT_NE(ra->version, rb->version);
  EXPECT_EQ(content_version(a), content_version(a));
  EXPECT_EQ(ra->version.size(), 16u) << ra->version;  // "sha-" + 12 hex digits
  EXPECT_EQ(ra->version.rfind("sha-", 0), 0u);
  EXPECT_EQ(ra->version.find_first_not_of("0123456789abcdef", 4), std::string::npos);

  auto declared = load("version = \"2026-11\"\n" + a);
  ASSERT_TRUE(declared.has_value());
  EXPECT_EQ(declared->version, "2026-11");
}

// ---- Each kind of problem, with its line --------------------------------------------------

TEST(Rules, TomlSyntaxError) {
  auto r = load(lines({
      "[[rules]]",     // 1
      "id = \"a\"",    // 2
      "set = \"high",  // 3: unterminated string
      "",              // 4
  }));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kInvalid);
  EXPECT_EQ(r.error().message.rfind("r.toml:3: ", 0), 0u) << r.error().message;
}

// rules.h: "one FieldError each with field name:line" holds for syntax errors too, so an
// API that lists FieldErrors shows where the file is broken.
TEST(Rules, TomlSyntaxErrorIsAlsoAFieldError) {
  auto r = load(lines({"[[rules]]", "id = \"a\"", "set = = \"high\""}));
  EXPECT_TRUE(has_problem(r, 3, ""));
}

TEST(Rules, UnknownTopLevelKey) {
  auto r = load(lines({
      "version = \"v\"",   // 1
      "colour = \"red\"",  // 2
      "[[rules]]",         // 3
      "id = \"a\"",        // 4
      "set = \"high\"",    // 5
  }));
  EXPECT_TRUE(has_problem(r, 2, "unknown key \"colour\""));
  EXPECT_EQ(problem_count(r), 1u) << all_problems(r);
}

TEST(Rules, UnknownTopLevelTable) {
  auto r = load(lines({
      "[[rules]]",           // 1
      "id = \"a\"",          // 2
      "set = \"high\"",      // 3
      "[meta]",              // 4
      "owner = \"centre\"",  // 5
  }));
  EXPECT_TRUE(has_problem(r, 4, "unknown key \"meta\""));
}

TEST(Rules, UnknownRuleKey) {
  auto r = load(lines({
      "[[rules]]",       // 1
      "id = \"a\"",      // 2
      "set = \"high\"",  // 3
      "priority = 3",    // 4
  }));
  EXPECT_TRUE(has_problem(r, 4, "unknown key \"priority\" in a rule"));
  EXPECT_EQ(problem_count(r), 1u) << all_problems(r);
}

TEST(Rules, UnknownCondition) {
  auto r = load(lines({
      "[[rules]]",                   // 1
      "id = \"a\"",                  // 2
      "when.trigger = [\"other\"]",  // 3
      "when.weather = \"rain\"",     // 4
      "set = \"high\"",              // 5
  }));
  EXPECT_TRUE(has_problem(r, 4, "unknown condition when.weather"));
  EXPECT_EQ(problem_count(r), 1u) << all_problems(r);
}

TEST(Rules, WhenMustBeATable) {
  auto r = load(lines({"[[rules]]", "id = \"a\"", "when = \"always\"", "set = \"high\""}));
  EXPECT_TRUE(has_problem(r, 3, "when must be a table"));
}

TEST(Rules, SetMustBeALevelName) {
  auto r = load(lines({"[[rules]]", "id = \"a\"", "set = 3"}));
  EXPECT_TRUE(has_problem(r, 3, "set must be one of low, medium, high, extreme"));
  EXPECT_EQ(problem_count(r), 1u) << all_problems(r);
}

TEST(Rules, RaiseMustBeAnInteger) {
  auto r = load(lines({"[[rules]]", "id = \"a\"", "when.trigger = \"other\"", "raise = \"one\""}));
  EXPECT_TRUE(has_problem(r, 4, "raise must be an integer from 1 to 3"));
  EXPECT_EQ(problem_count(r), 1u) << all_problems(r);

  EXPECT_TRUE(has_problem(load(lines({"[[rules]]", "id = \"a\"", "raise = 1.0"})), 3, "raise"));
  EXPECT_TRUE(has_problem(load(lines({"[[rules]]", "id = \"a\"", "raise = 0"})), 3, "raise"));
  EXPECT_TRUE(has_problem(load(lines({"[[rules]]", "id = \"a\"", "raise = 4"})), 3, "raise"));
}

TEST(Rules, TriggerMustListNames) {
  auto r = load(lines({"[[rules]]", "id = \"a\"", "when.trigger = 5", "set = \"high\""}));
  EXPECT_TRUE(has_problem(r, 3, "when.trigger must list names as strings"));
  EXPECT_EQ(problem_count(r), 1u) << all_problems(r);
}

TEST(Rules, AgeMustBeARangeTable) {
  auto r = load(lines({"[[rules]]", "id = \"a\"", "when.age = 30", "set = \"high\""}));
  EXPECT_TRUE(has_problem(r, 3, "when.age must be a table like { gte = 50000 }"));
  EXPECT_EQ(problem_count(r), 1u) << all_problems(r);
}

TEST(Rules, RangeBoundsMustBeNumbersWithKnownNames) {
  auto r = load(lines({
      "[[rules]]",                                 // 1
      "id = \"a\"",                                // 2
      "when.age = { gte = \"sixty\" }",            // 3
      "when.at_risk_cny = { above = 5 }",          // 4
      "when.call_seconds = {}",                    // 5
      "when.contact_count = { gt = 1, gte = 2 }",  // 6
      "set = \"high\"",                            // 7
  }));
  EXPECT_TRUE(has_problem(r, 3, "when.age.gte must be a finite number"));
  EXPECT_TRUE(has_problem(r, 4, "unknown comparison \"above\""));
  EXPECT_TRUE(has_problem(r, 5, "when.call_seconds has no comparison"));
  EXPECT_TRUE(has_problem(r, 6, "two lower or two upper bounds"));
}

TEST(Rules, UnknownTriggerName) {
  auto r =
      load(lines({"[[rules]]", "id = \"a\"", "when.trigger = [\"teleport\"]", "set = \"high\""}));
  EXPECT_TRUE(has_problem(r, 3, "when.trigger: unknown value \"teleport\""));
  EXPECT_EQ(problem_count(r), 1u) << all_problems(r);
}

TEST(Rules, UnknownValueInAMultiLineListNamesItsOwnLine) {
  auto r = load(lines({
      "[[rules]]",           // 1
      "id = \"a\"",          // 2
      "when.scam_type = [",  // 3
      "  \"romance\",",      // 4
      "  \"catfishing\",",   // 5
      "]",                   // 6
      "set = \"high\"",      // 7
  }));
  EXPECT_TRUE(has_problem(r, 5, "when.scam_type: unknown value \"catfishing\""));
}

TEST(Rules, UnknownLevelName) {
  auto r = load(lines({"[[rules]]", "id = \"a\"", "set = \"critical\""}));
  EXPECT_TRUE(has_problem(r, 3, "set must be one of low, medium, high, extreme"));
  EXPECT_EQ(problem_count(r), 1u) << all_problems(r);
  // "upstream" is a floor, not a level.
  EXPECT_TRUE(has_problem(load(lines({"[[rules]]", "id = \"a\"", "set = \"upstream\""})), 3,
                          "set must be one of"));
  EXPECT_TRUE(has_problem(load(lines({"[[rules]]", "id = \"a\"", "floor = \"higher\""})), 3,
                          "floor must be one of low, medium, high, extreme or \"upstream\""));
  EXPECT_TRUE(has_problem(load(lines({"[[rules]]", "id = \"a\"",
                                      "when.upstream_level = [\"severe\"]", "set = \"high\""})),
                          3, "unknown value \"severe\""));
}

TEST(Rules, BadTopLevelValues) {
  const std::string rule = lines({"[[rules]]", "id = \"a\"", "set = \"high\""});
  EXPECT_TRUE(
      has_problem(load("version = \"\"\n" + rule), 1, "version must be a non-empty string"));
  EXPECT_TRUE(has_problem(load("version = 3\n" + rule), 1, "version must be a non-empty string"));
  EXPECT_TRUE(has_problem(load("default_level = \"severe\"\n" + rule), 1, "default_level must be"));
  EXPECT_TRUE(has_problem(load("cluster_window_days = 0\n" + rule), 1, "cluster_window_days"));
  EXPECT_TRUE(has_problem(load("cluster_window_days = 366\n" + rule), 1, "cluster_window_days"));
}

TEST(Rules, HistoryConditionsAreBoundedIntegers) {
  auto r = load(lines({
      "[[rules]]",                          // 1
      "id = \"a\"",                         // 2
      "when.repeat_within_days = 0",        // 3
      "when.cluster_min_people = 1",        // 4
      "raise = 1",                          // 5
      "[[rules]]",                          // 6
      "id = \"b\"",                         // 7
      "when.repeat_within_days = \"30d\"",  // 8
      "raise = 1",                          // 9
  }));
  EXPECT_TRUE(has_problem(r, 3, "when.repeat_within_days must be an integer from 1 to 3650"));
  EXPECT_TRUE(has_problem(r, 4, "when.cluster_min_people must be an integer from 2 to 1000"));
  EXPECT_TRUE(has_problem(r, 8, "when.repeat_within_days must be an integer"));
}

TEST(Rules, LocalHourOutsideTheDay) {
  auto r =
      load(lines({"[[rules]]", "id = \"a\"", "when.local_hour = { gte = 25 }", "set = \"high\""}));
  EXPECT_TRUE(has_problem(r, 3, "when.local_hour compares hours 0-23"));
  // { lt = 24 } is the whole evening, not a mistake.
  EXPECT_TRUE(load(lines({"[[rules]]", "id = \"a\"", "when.local_hour = { gte = 20, lt = 24 }",
                          "set = \"high\""}))
                  .has_value());
}

TEST(Rules, EmptyListCouldNeverFire) {
  auto r = load(lines({"[[rules]]", "id = \"a\"", "when.trigger = []", "set = \"high\""}));
  EXPECT_TRUE(has_problem(r, 3, "when.trigger is an empty list"));
  EXPECT_EQ(problem_count(r), 1u) << all_problems(r);
}

TEST(Rules, ImpossibleRanges) {
  auto r = load(lines({
      "[[rules]]",                               // 1
      "id = \"a\"",                              // 2
      "when.age = { gte = 10, lt = 5 }",         // 3
      "set = \"high\"",                          // 4
      "[[rules]]",                               // 5
      "id = \"b\"",                              // 6
      "when.at_risk_cny = { gt = 5, lte = 5 }",  // 7
      "floor = \"high\"",                        // 8
  }));
  EXPECT_TRUE(has_problem(r, 3, "when.age is impossible"));
  EXPECT_TRUE(has_problem(r, 7, "when.at_risk_cny is impossible"));
  EXPECT_EQ(problem_count(r), 2u) << all_problems(r);

  // A single point is possible.
  EXPECT_TRUE(
      load(lines({"[[rules]]", "id = \"a\"", "when.age = { gte = 5, lte = 5 }", "set = \"high\""}))
          .has_value());
}

// A bound that no number compares true with makes the rule as impossible as gte 10, lt 5.
TEST(Rules, NanBoundIsImpossible) {
  auto r = load(lines({"[[rules]]", "id = \"a\"", "when.age = { gte = nan }", "set = \"high\""}));
  EXPECT_TRUE(has_problem(r, 3, "when.age"));
}

TEST(Rules, NoEffect) {
  auto r = load(lines({
      "[[rules]]",                   // 1
      "id = \"ok\"",                 // 2
      "set = \"high\"",              // 3
      "",                            // 4
      "[[rules]]",                   // 5
      "id = \"idle\"",               // 6
      "when.trigger = [\"other\"]",  // 7
  }));
  EXPECT_TRUE(has_problem(r, 5, "rule \"idle\" has no effect"));
  EXPECT_EQ(problem_count(r), 1u) << all_problems(r);
}

TEST(Rules, TwoEffects) {
  auto r = load(lines({
      "[[rules]]",       // 1
      "id = \"both\"",   // 2
      "set = \"high\"",  // 3
      "raise = 1",       // 4
  }));
  EXPECT_TRUE(has_problem(r, 1, "rule \"both\" has several effects"));
  EXPECT_EQ(problem_count(r), 1u) << all_problems(r);
}

TEST(Rules, DuplicateId) {
  auto r = load(lines({
      "[[rules]]",                   // 1
      "id = \"same\"",               // 2
      "when.trigger = [\"other\"]",  // 3
      "set = \"high\"",              // 4
      "[[rules]]",                   // 5
      "id = \"same\"",               // 6
      "raise = 1",                   // 7
  }));
  EXPECT_TRUE(has_problem(r, 5, "id \"same\" is already used by the rule at line 1"));
  EXPECT_EQ(problem_count(r), 1u) << all_problems(r);
}

TEST(Rules, BadIdCharacters) {
  for (const char* id : {"Transfer", "has space", "中危", "a/b"}) {
    auto r = load(lines({"[[rules]]", "set = \"high\"", std::string("id = \"") + id + "\""}));
    EXPECT_TRUE(has_problem(r, 3, "id must be 1-64 characters of a-z, 0-9")) << id;
  }
  EXPECT_TRUE(
      has_problem(load(lines({"[[rules]]", "id = \"\"", "set = \"high\""})), 2, "id must be"));
  EXPECT_TRUE(has_problem(load(lines({"[[rules]]", "id = 7", "set = \"high\""})), 2, "id must be"));
  EXPECT_TRUE(has_problem(
      load(lines({"[[rules]]", "id = \"" + std::string(65, 'a') + "\"", "set = \"high\""})), 2,
      "id must be"));
  EXPECT_TRUE(load(lines({"[[rules]]", "id = \"" + std::string(64, 'a') + "\"", "set = \"high\""}))
                  .has_value());
  EXPECT_TRUE(load(lines({"[[rules]]", "id = \"a-b_c.9\"", "set = \"high\""})).has_value());
}

TEST(Rules, MissingId) {
  auto r = load(lines({
      "[[rules]]",                   // 1
      "id = \"a\"",                  // 2
      "set = \"high\"",              // 3
      "[[rules]]",                   // 4
      "description = \"nameless\"",  // 5
      "raise = 1",                   // 6
  }));
  EXPECT_TRUE(has_problem(r, 4, "a rule needs an id"));
  EXPECT_EQ(problem_count(r), 1u) << all_problems(r);
}

TEST(Rules, NoRules) {
  EXPECT_TRUE(has_problem(load("version = \"v\"\n"), 1, "no [[rules]]"));
  EXPECT_TRUE(has_problem(load(""), 1, "no [[rules]]"));
  EXPECT_TRUE(has_problem(load(lines({"version = \"v\"", "[rules]", "id = \"a\""})), 2,
                          "rules must be an array of tables"));
}

// The message for "no [[rules]]" says a file needs at least one rule; an empty array is
// no more of a rules file than no array.
TEST(Rules, EmptyRulesArray) {
  auto r = load(lines({"version = \"v\"", "rules = []"}));
  EXPECT_FALSE(r.has_value()) << "a file with no rules was accepted";
}

TEST(Rules, RulesMustBeTables) {
  auto r = load(lines({"rules = [", "  \"a\",", "]"}));
  EXPECT_TRUE(has_problem(r, 2, "each entry of rules must be a table"));
}

TEST(Rules, NarrowerSetRuleBeforeAWiderSetRuleIsShadowed) {
  auto r = load(lines({
      "[[rules]]",                                                // 1
      "id = \"url.romance\"",                                     // 2
      "when.trigger = [\"fraud_url_visit\"]",                     // 3
      "when.scam_type = [\"romance\"]",                           // 4
      "set = \"medium\"",                                         // 5
      "[[rules]]",                                                // 6
      "id = \"url\"",                                             // 7
      "when.trigger = [\"fraud_url_visit\", \"fraud_contact\"]",  // 8
      "set = \"low\"",                                            // 9
  }));
  EXPECT_TRUE(has_problem(r, 1, "rule \"url.romance\" is shadowed by rule \"url\" (line 6)"));
  EXPECT_EQ(problem_count(r), 1u) << all_problems(r);
}

TEST(Rules, WiderSetRuleBeforeANarrowerSetRuleIsFine) {
  auto r = load(lines({
      "[[rules]]",
      "id = \"url\"",
      "when.trigger = [\"fraud_url_visit\", \"fraud_contact\"]",
      "set = \"low\"",
      "[[rules]]",
      "id = \"url.romance\"",
      "when.trigger = [\"fraud_url_visit\"]",
      "when.scam_type = [\"romance\"]",
      "set = \"medium\"",
  }));
  EXPECT_TRUE(r.has_value()) << r.error().message;
}

TEST(Rules, ShadowingByRangesAndHistory) {
  // gte 100000 lies inside gte 50000: the first set is always overwritten.
  auto r = load(lines({
      "[[rules]]",                            // 1
      "id = \"huge\"",                        // 2
      "when.at_risk_cny = { gte = 100000 }",  // 3
      "set = \"extreme\"",                    // 4
      "[[rules]]",                            // 5
      "id = \"large\"",                       // 6
      "when.at_risk_cny = { gte = 50000 }",   // 7
      "set = \"high\"",                       // 8
      "[[rules]]",                            // 9
      "id = \"week\"",                        // 10
      "when.repeat_within_days = 7",          // 11
      "set = \"high\"",                       // 12
      "[[rules]]",                            // 13
      "id = \"month\"",                       // 14
      "when.repeat_within_days = 30",         // 15
      "set = \"medium\"",                     // 16
  }));
  EXPECT_TRUE(has_problem(r, 1, "rule \"huge\" is shadowed by rule \"large\" (line 5)"));
  EXPECT_TRUE(has_problem(r, 9, "rule \"week\" is shadowed by rule \"month\" (line 13)"));
  EXPECT_EQ(problem_count(r), 2u) << all_problems(r);

  // gte 50000 is not inside gt 50000 (50000 itself is not): no shadow.
  EXPECT_TRUE(load(lines({"[[rules]]", "id = \"a\"", "when.at_risk_cny = { gte = 50000 }",
                          "set = \"extreme\"", "[[rules]]", "id = \"b\"",
                          "when.at_risk_cny = { gt = 50000 }", "set = \"high\""}))
                  .has_value());
  // An unconditional set after any set shadows it.
  EXPECT_TRUE(
      has_problem(load(lines({"[[rules]]", "id = \"a\"", "when.trigger = \"other\"",
                              "set = \"high\"", "[[rules]]", "id = \"b\"", "set = \"low\""})),
                  1, "shadowed by rule \"b\""));
}

TEST(Rules, OnlyLaterSetRulesShadow) {
  // A floor, cap or raise after a narrower set changes its level but does not erase it.
  auto r = load(lines({
      "[[rules]]",
      "id = \"a\"",
      "when.trigger = [\"other\"]",
      "set = \"high\"",
      "[[rules]]",
      "id = \"b\"",
      "floor = \"medium\"",
      "[[rules]]",
      "id = \"c\"",
      "cap = \"extreme\"",
      "[[rules]]",
      "id = \"d\"",
      "raise = 1",
  }));
  EXPECT_TRUE(r.has_value()) << r.error().message;
}

// A rule whose effect is refused has no effect at all; the shadow check must not treat it as
// `set` and blame the rule before it as well.
TEST(Rules, RefusedEffectDoesNotShadow) {
  auto r = load(lines({
      "[[rules]]",                   // 1
      "id = \"a\"",                  // 2
      "when.trigger = [\"other\"]",  // 3
      "set = \"high\"",              // 4
      "[[rules]]",                   // 5
      "id = \"b\"",                  // 6
      "raise = \"one\"",             // 7
  }));
  EXPECT_TRUE(has_problem(r, 7, "raise must be an integer"));
  EXPECT_EQ(problem_count(r), 1u) << all_problems(r);
}

TEST(Rules, SeveralProblemsReportedAtOnce) {
  auto r = load(lines({
      "default_level = \"severe\"",       // 1
      "[[rules]]",                        // 2
      "id = \"a\"",                       // 3
      "when.trigger = [\"teleport\"]",    // 4
      "floor = \"high\"",                 // 5
      "[[rules]]",                        // 6
      "id = \"b\"",                       // 7
      "when.age = { gte = 10, lt = 5 }",  // 8
      "raise = 1",                        // 9
      "[[rules]]",                        // 10
      "id = \"c\"",                       // 11
      "colour = \"red\"",                 // 12
      "cap = \"low\"",                    // 13
  }));
  EXPECT_TRUE(has_problem(r, 1, "default_level must be"));
  EXPECT_TRUE(has_problem(r, 4, "unknown value \"teleport\""));
  EXPECT_TRUE(has_problem(r, 8, "when.age is impossible"));
  EXPECT_TRUE(has_problem(r, 12, "unknown key \"colour\""));
  EXPECT_EQ(problem_count(r), 4u) << all_problems(r);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().fields.size(), 4u);
}

TEST(Rules, FileNamePrefixesEveryProblem) {
  auto r = load_rules(lines({"[[rules]]", "id = \"a\"", "set = \"critical\""}),
                      "/etc/quanzu/rules.toml");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message.rfind("/etc/quanzu/rules.toml:3: ", 0), 0u) << r.error().message;
  ASSERT_EQ(r.error().fields.size(), 1u);
  EXPECT_EQ(r.error().fields[0].field, "/etc/quanzu/rules.toml:3");
}

// ---- Range and Conditions helpers --------------------------------------------------------

TEST(Rules, RangeWithinAndEmpty) {
  Range gte5;
  gte5.gte = 5;
  Range gt5;
  gt5.gt = 5;
  Range between;
  between.gte = 6;
  between.lt = 10;
  EXPECT_TRUE(gt5.within(gte5));
  EXPECT_FALSE(gte5.within(gt5));
  EXPECT_TRUE(between.within(gte5));
  EXPECT_FALSE(gte5.within(between));
  EXPECT_TRUE(gte5.within(gte5));
  Range point;
  point.gte = 5;
  point.lte = 5;
  EXPECT_FALSE(point.empty_set());
  point.lt = 5;
  point.lte.reset();
  EXPECT_TRUE(point.empty_set());
  EXPECT_FALSE(Range{}.empty_set());
}

// ---- ActiveRules --------------------------------------------------------------------------

TEST(ActiveRules, BadTextKeepsTheCurrentSet) {
  const std::string good =
      lines({"version = \"one\"", "[[rules]]", "id = \"a\"", "set = \"high\""});
  auto first = load_rules(good, "one.toml");
  ASSERT_TRUE(first.has_value());
  ActiveRules active(std::move(*first), good, "one.toml");
  const std::shared_ptr<const RuleSet> before = active.current();

  auto refused = active.replace(
      lines({"version = \"two\"", "[[rules]]", "id = \"a\"", "set = \"critical\""}), "two.toml");
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("two.toml:4: "), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(active.current(), before);
  EXPECT_EQ(active.current()->version, "one");
  EXPECT_EQ(active.source_text(), good);
  EXPECT_EQ(active.source_name(), "one.toml");

  EXPECT_FALSE(active.replace("not = [toml", "three.toml").has_value());
  EXPECT_EQ(active.current()->version, "one");
}

TEST(ActiveRules, GoodTextBecomesCurrentAndOldHoldersKeepTheirs) {
  const std::string one = lines({"version = \"one\"", "[[rules]]", "id = \"a\"", "set = \"high\""});
  const std::string two = lines({"version = \"two\"", "[[rules]]", "id = \"b\"", "set = \"low\""});
  ActiveRules active(*load_rules(one, "one.toml"), one, "one.toml");
  const std::shared_ptr<const RuleSet> held = active.current();

  auto replaced = active.replace(two, "two.toml");
  ASSERT_TRUE(replaced.has_value()) << replaced.error().message;
  EXPECT_EQ((*replaced)->version, "two");
  EXPECT_EQ(active.current(), *replaced);
  EXPECT_EQ(active.source_text(), two);
  EXPECT_EQ(active.source_name(), "two.toml");
  EXPECT_EQ(held->version, "one");
  EXPECT_EQ(held->rules.at(0).id, "a");
}

TEST(ActiveRules, ShippedRulesCanReplaceThemselves) {
  const std::string text = shipped_text();
  auto loaded = load_rules(text, "rules.toml");
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  ActiveRules active(std::move(*loaded), text, "rules.toml");
  auto again = active.replace(text, "rules.toml");
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ((*again)->version, "default-2026.11");
  EXPECT_EQ((*again)->rules.size(), 14u);
}

}  // namespace
}  // namespace quanzu::grading
