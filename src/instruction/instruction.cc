#include "instruction/instruction.h"

#include <array>

namespace quanzu::instruction {
namespace {

// Wire names indexed by enumerator value; the order must follow the enum declarations.
constexpr std::array<std::string_view, 4> kLevelNames = {"low", "medium", "high", "extreme"};
constexpr std::array<std::string_view, 4> kLevelLabels = {"低危", "中危", "高危", "特危"};
constexpr std::array<std::string_view, 7> kSourceNames = {
    "national", "provincial", "municipal", "district", "bank", "carrier", "hotline"};
constexpr std::array<std::string_view, 7> kTriggerNames = {
    "fraud_url_visit",    "fraud_app_install",      "fraud_contact", "pending_transfer",
    "completed_transfer", "cash_withdrawal_booked", "other"};
constexpr std::array<std::string_view, 12> kScamTypeNames = {"click_farming_rebate",
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
constexpr std::array<std::string_view, 7> kIndicatorKindNames = {
    "url", "domain", "app", "phone", "account", "ip", "im_id"};
constexpr std::array<std::string_view, 3> kGenderNames = {"M", "F", "U"};
constexpr std::array<std::string_view, 2> kCrsNames = {"gcj02", "wgs84"};

static_assert(static_cast<size_t>(Level::kExtreme) + 1 == kLevelNames.size());
static_assert(static_cast<size_t>(Source::kHotline) + 1 == kSourceNames.size());
static_assert(static_cast<size_t>(Trigger::kOther) + 1 == kTriggerNames.size());
static_assert(static_cast<size_t>(ScamType::kUnknown) + 1 == kScamTypeNames.size());
static_assert(static_cast<size_t>(IndicatorKind::kImId) + 1 == kIndicatorKindNames.size());
static_assert(static_cast<size_t>(Gender::kUnknown) + 1 == kGenderNames.size());
static_assert(static_cast<size_t>(Crs::kWgs84) + 1 == kCrsNames.size());

template <typename E, size_t N>
std::string_view lookup(const std::array<std::string_view, N>& names, E v) {
  const auto i = static_cast<size_t>(v);
  return i < N ? names[i] : std::string_view();
}

template <typename E, size_t N>
std::optional<E> find(const std::array<std::string_view, N>& names, std::string_view s) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == s) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view name(Level v) { return lookup(kLevelNames, v); }
std::string_view name(Source v) { return lookup(kSourceNames, v); }
std::string_view name(Trigger v) { return lookup(kTriggerNames, v); }
std::string_view name(ScamType v) { return lookup(kScamTypeNames, v); }
std::string_view name(IndicatorKind v) { return lookup(kIndicatorKindNames, v); }
std::string_view name(Gender v) { return lookup(kGenderNames, v); }
std::string_view name(Crs v) { return lookup(kCrsNames, v); }

std::optional<Level> parse_level(std::string_view s) { return find<Level>(kLevelNames, s); }
std::optional<Source> parse_source(std::string_view s) { return find<Source>(kSourceNames, s); }
std::optional<Trigger> parse_trigger(std::string_view s) { return find<Trigger>(kTriggerNames, s); }
std::optional<ScamType> parse_scam_type(std::string_view s) {
  return find<ScamType>(kScamTypeNames, s);
}
std::optional<IndicatorKind> parse_indicator_kind(std::string_view s) {
  return find<IndicatorKind>(kIndicatorKindNames, s);
}
std::optional<Gender> parse_gender(std::string_view s) { return find<Gender>(kGenderNames, s); }
std::optional<Crs> parse_crs(std::string_view s) { return find<Crs>(kCrsNames, s); }

std::string_view label_zh(Level v) { return lookup(kLevelLabels, v); }

}  // namespace quanzu::instruction
