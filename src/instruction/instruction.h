// The upstream warning instruction (预警指令) as received: see SPEC.md "Instruction format".
// Immutable once parsed. The original JSON text is kept verbatim in `raw`, so fields this
// version does not know survive storage untouched.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"

namespace quanzu::instruction {

enum class Level { kLow, kMedium, kHigh, kExtreme };
enum class Source { kNational, kProvincial, kMunicipal, kDistrict, kBank, kCarrier, kHotline };
enum class Trigger {
  kFraudUrlVisit,
  kFraudAppInstall,
  kFraudContact,
  kPendingTransfer,
  kCompletedTransfer,
  kCashWithdrawalBooked,
  kOther,
};
enum class ScamType {
  kClickFarmingRebate,
  kFakeInvestment,
  kFakeCustomerService,
  kFakeLoan,
  kFakeCreditRecord,
  kImpersonateAcquaintance,
  kImpersonatePoliceGov,
  kRomance,
  kFakeGameTrade,
  kPrize,
  kOther,
  kUnknown,
};
enum class IndicatorKind { kUrl, kDomain, kApp, kPhone, kAccount, kIp, kImId };
enum class Gender { kMale, kFemale, kUnknown };
enum class Crs { kGcj02, kWgs84 };

// Wire names ("extreme", "completed_transfer", ...). The parse_* functions return nullopt
// for a name that is not one of the enum's.
std::string_view name(Level v);
std::string_view name(Source v);
std::string_view name(Trigger v);
std::string_view name(ScamType v);
std::string_view name(IndicatorKind v);
std::string_view name(Gender v);  // "M", "F", "U"
std::string_view name(Crs v);
std::optional<Level> parse_level(std::string_view s);
std::optional<Source> parse_source(std::string_view s);
std::optional<Trigger> parse_trigger(std::string_view s);
std::optional<ScamType> parse_scam_type(std::string_view s);
std::optional<IndicatorKind> parse_indicator_kind(std::string_view s);
std::optional<Gender> parse_gender(std::string_view s);
std::optional<Crs> parse_crs(std::string_view s);
// Chinese label of a level: 低危 中危 高危 特危.
std::string_view label_zh(Level v);

// Money is held in fen (1/100 CNY) so sums are exact.
using Fen = std::int64_t;

struct Indicator {
  IndicatorKind kind = IndicatorKind::kUrl;
  std::string value;
  std::optional<std::int64_t> contact_count;
  std::optional<std::int64_t> call_seconds;
};

struct Subject {
  std::string phone;
  std::optional<std::string> name;
  std::optional<std::string> id_number;
  std::optional<int> age;
  std::optional<Gender> gender;
};

struct Location {
  std::optional<double> lat;
  std::optional<double> lon;
  Crs crs = Crs::kGcj02;
  std::optional<std::string> adcode;  // six digits
  std::optional<std::string> cell_id;
  std::optional<std::string> address;
};

struct Funds {
  std::optional<Fen> at_risk;
  std::optional<Fen> transferred;
  std::optional<std::string> victim_bank;
  std::optional<std::string> victim_account;
};

struct Instruction {
  std::string id;  // upstream id, 1-128 printable characters; the idempotency key
  Millis issued_at = 0;
  std::optional<Source> source;
  Trigger trigger = Trigger::kOther;
  ScamType scam_type = ScamType::kUnknown;
  std::vector<Indicator> indicators;
  Subject subject;
  Location location;
  Funds funds;
  std::optional<Level> upstream_level;
  std::string raw;  // the object exactly as received (bytes of the input)
};

}  // namespace quanzu::instruction
