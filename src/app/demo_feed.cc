#include "app/demo_feed.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <optional>
#include <string_view>
#include <utility>

#include "instruction/instruction.h"

namespace quanzu::app {
namespace {

namespace json = boost::json;
using instruction::Gender;
using instruction::IndicatorKind;
using instruction::Level;
using instruction::ScamType;
using instruction::Source;
using instruction::Trigger;

// The std distributions are not specified bit for bit, so "same seed, same feed" would
// only hold per standard library; these small helpers hold everywhere.
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

bool chance(std::mt19937_64& rng, double p) { return unit(rng) < p; }

// Uniform in [lo, hi]; the modulo bias is far below anything a demo can show.
int between(std::mt19937_64& rng, int lo, int hi) {
  assert(lo <= hi);
  return lo + static_cast<int>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
}

double normal(std::mt19937_64& rng) {
  double u = 1.0 - unit(rng);  // (0, 1], so the log is finite
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * std::numbers::pi * unit(rng));
}

double log_normal(std::mt19937_64& rng, double median, double sigma) {
  return median * std::exp(sigma * normal(rng));
}

template <typename T>
const T& one_of(std::mt19937_64& rng, const std::vector<T>& items) {
  return items[rng() % items.size()];
}

template <typename T, size_t N>
const T& one_of(std::mt19937_64& rng, const std::array<T, N>& items) {
  return items[rng() % N];
}

// Index drawn with probability proportional to its weight; weights must not all be zero.
template <typename Weights>
size_t pick(std::mt19937_64& rng, const Weights& weights) {
  double total = 0;
  for (double w : weights) total += w;
  assert(total > 0);
  double x = unit(rng) * total;
  size_t last = 0;
  for (size_t i = 0; i < std::size(weights); ++i) {
    if (weights[i] <= 0) continue;
    last = i;
    if (x < weights[i]) return i;
    x -= weights[i];
  }
  return last;  // only reached through rounding at the very top
}

std::string digits(std::mt19937_64& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>('0' + rng() % 10);
  return s;
}

std::string zero_padded(std::uint64_t v, int width) {
  std::string s = std::to_string(v);
  if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<size_t>(width) - s.size(), '0');
  return s;
}

// FNV-1a, to derive a person's fixed traits from the phone number.
std::uint64_t hash(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// --- Tables: how a district centre's feed looks. Weights are relative. ---

constexpr size_t kTriggers = 6;  // Trigger::kOther is never generated
constexpr std::array<double, kTriggers> kTriggerWeights = {
    35,  // fraud_url_visit
    15,  // fraud_app_install
    25,  // fraud_contact
    15,  // pending_transfer
    6,   // completed_transfer
    4,   // cash_withdrawal_booked
};

constexpr size_t kScamTypes = static_cast<size_t>(ScamType::kUnknown) + 1;
constexpr std::array<double, kScamTypes> kScamTypeWeights = {
    24,  // click_farming_rebate 刷单返利: the commonest, as the article says
    18,  // fake_investment
    10,  // fake_customer_service
    9,   // fake_loan
    5,   // fake_credit_record
    6,   // impersonate_acquaintance
    7,   // impersonate_police_gov
    7,   // romance
    4,   // fake_game_trade
    4,   // prize
    2,   // other
    2,   // unknown
};

constexpr size_t kSources = static_cast<size_t>(Source::kHotline) + 1;
constexpr std::array<double, kSources> kSourceWeights = {
    45,  // national
    30,  // provincial
    6,   // municipal
    3,   // district
    4,   // bank
    6,   // carrier
    6,   // hotline
};

// Age bands: [lo, hi] and weight. Mostly 20-50; fewer elderly (less at ease with
// smartphones, the article notes), a few teenagers (game trades).
struct AgeBand {
  int lo;
  int hi;
  double weight;
};
constexpr std::array<AgeBand, 7> kAgeBands = {{
    {16, 19, 4},
    {20, 29, 26},
    {30, 39, 28},
    {40, 49, 20},
    {50, 59, 11},
    {60, 69, 7},
    {70, 86, 4},
}};

// Where the warnings come from: the central urban districts carry most people.
double district_weight(std::string_view adcode) {
  struct Entry {
    std::string_view adcode;
    double weight;
  };
  static constexpr Entry kWeights[] = {
      {"500112", 12},  // 渝北区
      {"500105", 10},  // 江北区
      {"500107", 10},  // 九龙坡区
      {"500103", 9},   // 渝中区
      {"500106", 9},   // 沙坪坝区
      {"500108", 9},   // 南岸区
      {"500113", 7},   // 巴南区
      {"500101", 5},   // 万州区
      {"500109", 4},   // 北碚区
      {"500102", 4},   // 涪陵区
      {"500116", 4},   // 江津区
      {"500104", 3},   // 大渡口区
      {"500117", 3},   // 合川区
      {"500118", 3},   // 永川区
  };
  for (const Entry& e : kWeights) {
    if (e.adcode == adcode) return e.weight;
  }
  return 1.5;
}

std::vector<double> district_weights(const std::vector<geo::District>& districts) {
  std::vector<double> weights;
  weights.reserve(districts.size());
  for (const geo::District& d : districts) weights.push_back(district_weight(d.adcode));
  return weights;
}

// Common surnames, commonest first; drawn with weights falling by rank.
constexpr std::array<std::string_view, 60> kSurnames = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "罗", "高", "林", "谢", "唐", "邓", "冉", "彭", "曾", "袁", "蒋", "向", "谭",
    "龚", "熊", "秦", "廖", "冯", "宋", "韩", "郑", "梁", "许", "田", "余", "杜", "程", "苏",
    "魏", "吕", "丁", "任", "沈", "姚", "卢", "钟", "陆", "汪", "范", "石", "付", "邹", "夏"};

// Mobile prefixes (13x/15x/17x/18x/19x) with the operator's MNC for cell ids:
// 00 China Mobile, 01 China Unicom, 11 China Telecom.
struct Prefix {
  std::string_view digits;
  std::string_view mnc;
};
constexpr std::array<Prefix, 36> kPrefixes = {{
    {"130", "01"}, {"131", "01"}, {"132", "01"}, {"133", "11"}, {"134", "00"}, {"135", "00"},
    {"136", "00"}, {"137", "00"}, {"138", "00"}, {"139", "00"}, {"150", "00"}, {"151", "00"},
    {"152", "00"}, {"153", "11"}, {"155", "01"}, {"156", "01"}, {"157", "00"}, {"158", "00"},
    {"159", "00"}, {"173", "11"}, {"175", "01"}, {"176", "01"}, {"177", "11"}, {"178", "00"},
    {"180", "11"}, {"181", "11"}, {"182", "00"}, {"183", "00"}, {"185", "01"}, {"186", "01"},
    {"187", "00"}, {"188", "00"}, {"189", "11"}, {"191", "11"}, {"198", "00"}, {"199", "11"},
}};

std::string_view mnc_of(std::string_view phone) {
  for (const Prefix& p : kPrefixes) {
    if (phone.substr(0, 3) == p.digits) return p.mnc;
  }
  return "00";
}

constexpr std::array<std::string_view, 28> kRoads = {
    "人民路", "解放路", "建设路",   "新华路", "中山路", "滨江路", "学府大道",
    "民生路", "光明路", "和平路",   "幸福路", "花园路", "长江路", "嘉陵路",
    "朝阳路", "文化路", "金山大道", "南山路", "北城路", "东环路", "西城大道",
    "新村路", "桂花街", "龙湖路",   "红旗路", "兴隆街", "青年路", "建新路"};

constexpr std::array<std::string_view, 9> kBanks = {
    "中国工商银行", "中国农业银行",     "中国银行",         "中国建设银行", "交通银行",
    "招商银行",     "中国邮政储蓄银行", "重庆农村商业银行", "重庆银行"};

// Words for the scam's fake site and app, by scam type (index = ScamType). Hosts are under
// the reserved .example / .test TLDs and written "hxxp" so that nothing here is a live link.
struct ScamLook {
  std::array<std::string_view, 3> host_words;
  std::array<std::string_view, 3> apps;  // "名称|package"
};
const std::array<ScamLook, kScamTypes>& scam_looks() {
  static const std::array<ScamLook, kScamTypes> looks = {{
      {{"task", "rebate", "dianzan"},
       {"悦赚|com.example.yuezhuan", "点赞宝|com.example.dianzanbao",
        "任务通|com.example.renwutong"}},
      {{"invest", "gold-fund", "stock-vip"},
       {"鑫盈国际|com.example.xinying", "汇金通|com.example.huijintong",
        "聚财宝Pro|com.example.jucaibao"}},
      {{"refund", "kefu", "express-claim"},
       {"理赔助手|com.example.lipei", "云客服|com.example.yunkefu", "快递理赔|com.example.kuaidi"}},
      {{"loan", "daikuan", "quick-credit"},
       {"速贷通|com.example.sudai", "易借花|com.example.yijie", "闪电贷|com.example.shandian"}},
      {{"zhengxin", "campus-loan", "credit-fix"},
       {"征信修复|com.example.zhengxin", "校园贷注销|com.example.zhuxiao",
        "信用中心|com.example.xinyong"}},
      {{"meeting", "boss-chat", "contacts"},
       {"会议通|com.example.huiyi", "同事圈|com.example.tongshi", "企业群|com.example.qiye"}},
      {{"gov-case", "anjian", "safe-account"},
       {"安全防护|com.example.anquan", "案件查询|com.example.anjian",
        "清查助手|com.example.qingcha"}},
      {{"date", "love", "chat-vip"},
       {"心动交友|com.example.xindong", "缘来|com.example.yuanlai", "知音|com.example.zhiyin"}},
      {{"game-trade", "skin", "zhanghao"},
       {"游戏交易|com.example.youxi", "皮肤商城|com.example.pifu", "号易|com.example.haoyi"}},
      {{"prize", "lucky", "award"},
       {"幸运大转盘|com.example.xingyun", "领奖中心|com.example.lingjiang",
        "福利社|com.example.fuli"}},
      {{"app", "web", "portal"},
       {"便民助手|com.example.bianmin", "掌上通|com.example.zhangshang",
        "生活圈|com.example.shenghuo"}},
      {{"app", "web", "portal"},
       {"未知应用|com.example.weizhi", "安全中心|com.example.anquanzx",
        "工具箱|com.example.gongjuxiang"}},
  }};
  return looks;
}

// A person's fixed traits, derived from the phone number so that a repeat warning for the
// same phone names the same person.
struct Person {
  std::string name;  // "何某" / "龚某某"
  Gender gender = Gender::kUnknown;
  int age = 0;
  int birth_month = 1;
  int birth_day = 1;
  std::string home_adcode;  // where the identity card was issued
  int sequence = 0;         // the id number's 3-digit order code; odd for men
};

struct Date {
  int year = 1970;
  int month = 1;
  int day = 1;
};

Date local_date(Millis at) {
  std::string day = day_of(at);  // "2023-11-29"
  Date d;
  std::sscanf(day.c_str(), "%d-%d-%d", &d.year, &d.month, &d.day);
  return d;
}

// 18 digits: adcode, birth date, order code, check digit (GB 11643). Order codes whose check
// would be 'X' are skipped so that the number is all digits.
std::string id_number(const Person& person, Millis at) {
  const Date today = local_date(at);
  bool birthday_to_come = person.birth_month > today.month ||
                          (person.birth_month == today.month && person.birth_day > today.day);
  int birth_year = today.year - person.age - (birthday_to_come ? 1 : 0);
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[] = "10X98765432";
  for (int sequence = person.sequence;; sequence = (sequence + 2) % 1000) {
    const std::string body = person.home_adcode.substr(0, 6) +
                             zero_padded(static_cast<std::uint64_t>(birth_year), 4) +
                             zero_padded(static_cast<std::uint64_t>(person.birth_month), 2) +
                             zero_padded(static_cast<std::uint64_t>(person.birth_day), 2) +
                             zero_padded(static_cast<std::uint64_t>(sequence), 3);
    assert(body.size() == 17);  // adcodes are 6 digits, years 4, the rest padded
    int sum = 0;
    for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
    char check = kCheck[sum % 11];
    if (check != 'X') return body + check;
  }
}

Person person_for(std::string_view phone, const std::vector<geo::District>& districts) {
  std::mt19937_64 rng(hash(phone));
  Person p;
  std::array<double, kSurnames.size()> surname_weights;
  for (size_t i = 0; i < surname_weights.size(); ++i) {
    surname_weights[i] = 1.0 / std::pow(static_cast<double>(i) + 3, 0.9);
  }
  p.name = std::string(kSurnames[pick(rng, surname_weights)]) + (chance(rng, 0.55) ? "某" : "某某");
  p.gender = chance(rng, 0.52) ? Gender::kFemale : Gender::kMale;
  std::array<double, kAgeBands.size()> band_weights;
  for (size_t i = 0; i < kAgeBands.size(); ++i) band_weights[i] = kAgeBands[i].weight;
  const AgeBand& band = kAgeBands[pick(rng, band_weights)];
  p.age = between(rng, band.lo, band.hi);
  p.birth_month = between(rng, 1, 12);
  p.birth_day = between(rng, 1, 28);  // every month has these
  p.home_adcode =
      districts.empty() ? "500000" : districts[pick(rng, district_weights(districts))].adcode;
  p.sequence = between(rng, 0, 499) * 2 + (p.gender == Gender::kMale ? 1 : 0);
  return p;
}

Trigger pick_trigger(std::mt19937_64& rng, const Person& person) {
  std::array<double, kTriggers> w = kTriggerWeights;
  // Booked cash withdrawals at the counter are mostly older people (fake police, "safe
  // accounts", investment); the young show up through apps and links.
  if (person.age >= 60) w[static_cast<size_t>(Trigger::kCashWithdrawalBooked)] *= 3;
  return static_cast<Trigger>(pick(rng, w));
}

ScamType pick_scam_type(std::mt19937_64& rng, Trigger trigger, int age) {
  std::array<double, kScamTypes> w = kScamTypeWeights;
  auto scale = [&w](ScamType t, double by) { w[static_cast<size_t>(t)] *= by; };
  if (age < 25) {
    scale(ScamType::kFakeGameTrade, 3);
    scale(ScamType::kFakeCreditRecord, 2.5);
    scale(ScamType::kClickFarmingRebate, 1.3);
    scale(ScamType::kFakeInvestment, 0.4);
  } else if (age >= 60) {
    scale(ScamType::kFakeInvestment, 1.5);
    scale(ScamType::kImpersonatePoliceGov, 2);
    scale(ScamType::kImpersonateAcquaintance, 1.5);
    scale(ScamType::kPrize, 1.5);
    scale(ScamType::kFakeGameTrade, 0.1);
    scale(ScamType::kFakeCreditRecord, 0.1);
    scale(ScamType::kClickFarmingRebate, 0.6);
    scale(ScamType::kRomance, 0.6);
  }
  switch (trigger) {
    case Trigger::kFraudUrlVisit:
      scale(ScamType::kUnknown, 2);
      break;
    case Trigger::kFraudAppInstall:
      scale(ScamType::kFakeInvestment, 1.5);
      scale(ScamType::kFakeLoan, 1.3);
      break;
    case Trigger::kFraudContact:
      scale(ScamType::kFakeCustomerService, 1.5);
      scale(ScamType::kImpersonatePoliceGov, 1.5);
      break;
    case Trigger::kCashWithdrawalBooked:
      scale(ScamType::kImpersonatePoliceGov, 3);
      scale(ScamType::kFakeInvestment, 1.5);
      scale(ScamType::kFakeGameTrade, 0.1);
      scale(ScamType::kClickFarmingRebate, 0.3);
      break;
    default:
      break;
  }
  return static_cast<ScamType>(pick(rng, w));
}

Source pick_source(std::mt19937_64& rng, Trigger trigger) {
  std::array<double, kSources> w = kSourceWeights;
  auto at = [&w](Source s) -> double& { return w[static_cast<size_t>(s)]; };
  switch (trigger) {
    case Trigger::kPendingTransfer:
    case Trigger::kCompletedTransfer:
    case Trigger::kCashWithdrawalBooked:
      at(Source::kBank) = 28;
      at(Source::kCarrier) = 0;
      break;
    case Trigger::kFraudContact:
      at(Source::kCarrier) = 22;
      at(Source::kBank) = 0;
      break;
    default:
      break;
  }
  return static_cast<Source>(pick(rng, w));
}

std::string fake_host(std::mt19937_64& rng, ScamType scam) {
  static constexpr std::string_view kAlnum = "abcdefghjkmnpqrstuvwxyz23456789";
  std::string host(one_of(rng, scam_looks()[static_cast<size_t>(scam)].host_words));
  host += '-';
  for (int i = 0; i < 4; ++i) host += kAlnum[rng() % kAlnum.size()];
  host += chance(rng, 0.8) ? ".example" : ".test";
  return host;
}

std::string fraud_phone(std::mt19937_64& rng) {
  switch (between(rng, 0, 5)) {
    case 0:
      return "+852" + std::to_string(between(rng, 5, 9)) + digits(rng, 7);  // Hong Kong
    case 1:
      return "+855" + std::to_string(between(rng, 1, 9)) + digits(rng, 7);  // Cambodia
    case 2:
      return "+63" + std::to_string(between(rng, 9, 9)) + digits(rng, 9);  // Philippines
    case 3:
      return "95" + digits(rng, 3) + digits(rng, 6);  // spoofed "customer service"
    default:
      return std::string(between(rng, 0, 1) == 0 ? "170" : "171") + digits(rng, 8);
  }
}

std::string bank_card(std::mt19937_64& rng) {
  return "62" + digits(rng, chance(rng, 0.7) ? 17 : 14);
}

// A counterparty account of the feed: one in five transfers goes to one of a few dozen
// "mule" accounts shared by many victims, so the demo shows fraud clusters (由点及面).
// The pool moves on slowly (by the day), as gangs change accounts.
std::string counterparty_account(std::mt19937_64& rng, Millis at) {
  if (!chance(rng, 0.2)) return bank_card(rng);
  const std::uint64_t day = static_cast<std::uint64_t>(at / 86400000);
  std::mt19937_64 mule(day * 1000003 + rng() % 24);
  return "62" + digits(mule, 17);
}

json::object indicator(IndicatorKind kind, std::string_view value) {
  json::object o;
  o["kind"] = instruction::name(kind);
  o["value"] = value;
  return o;
}

json::array indicators_for(std::mt19937_64& rng, Trigger trigger, ScamType scam, Millis at) {
  json::array out;
  const ScamLook& look = scam_looks()[static_cast<size_t>(scam)];
  auto add_app = [&] {
    std::string_view app = one_of(rng, look.apps);
    size_t bar = app.find('|');
    out.push_back(indicator(IndicatorKind::kApp, std::string(app.substr(0, bar)) + " (" +
                                                     std::string(app.substr(bar + 1)) + ")"));
  };
  auto add_url = [&](bool with_domain) {
    std::string host = fake_host(rng, scam);
    out.push_back(indicator(
        IndicatorKind::kUrl,
        std::string(chance(rng, 0.6) ? "hxxps://" : "hxxp://") + host + "/" + digits(rng, 4)));
    if (with_domain) out.push_back(indicator(IndicatorKind::kDomain, host));
  };
  auto add_contact = [&] {
    json::object o = indicator(IndicatorKind::kPhone, fraud_phone(rng));
    // About a third reach the "3 contacts" or "20 minutes" marks of the default rules.
    std::int64_t contacts = 1;
    while (contacts < 12 && chance(rng, 0.45)) ++contacts;
    std::int64_t seconds = 0;
    if (!chance(rng, 0.15)) {  // else text messages only
      seconds =
          std::min<std::int64_t>(std::llround(log_normal(rng, 240, 1.2)), std::int64_t{3} * 3600);
    }
    o["contact_count"] = contacts;
    o["call_seconds"] = seconds;
    out.push_back(std::move(o));
  };
  auto add_im = [&] {
    static constexpr std::string_view kIdChars = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string id = "wxid_";
    for (int i = 0; i < 12; ++i) id += kIdChars[rng() % kIdChars.size()];
    out.push_back(indicator(IndicatorKind::kImId, chance(rng, 0.6) ? id : "qq:" + digits(rng, 9)));
  };
  switch (trigger) {
    case Trigger::kFraudUrlVisit:
      add_url(chance(rng, 0.6));
      if (chance(rng, 0.2)) {
        out.push_back(
            indicator(IndicatorKind::kIp, "203.0.113." + std::to_string(between(rng, 1, 254))));
      }
      break;
    case Trigger::kFraudAppInstall:
      add_app();
      if (chance(rng, 0.25)) add_url(false);
      break;
    case Trigger::kFraudContact:
      add_contact();
      if (chance(rng, 0.15)) add_im();
      break;
    case Trigger::kPendingTransfer:
    case Trigger::kCompletedTransfer:
      out.push_back(indicator(IndicatorKind::kAccount, counterparty_account(rng, at)));
      if (chance(rng, 0.3)) add_app();
      if (chance(rng, 0.15)) add_im();
      break;
    case Trigger::kCashWithdrawalBooked:
      if (chance(rng, 0.4)) add_contact();
      break;
    case Trigger::kOther:
      break;
  }
  return out;
}

// Whole yuan, rounded the way people type amounts.
std::int64_t amount(std::mt19937_64& rng, double median, double sigma, double lo, double hi) {
  double v = std::clamp(log_normal(rng, median, sigma), lo, hi);
  double step = v >= 5000 && chance(rng, 0.7) ? 1000 : chance(rng, 0.7) ? 100 : 1;
  return static_cast<std::int64_t>(std::clamp(std::round(v / step) * step, lo, hi));
}

std::optional<json::object> funds_for(std::mt19937_64& rng, Trigger trigger) {
  json::object funds;
  switch (trigger) {
    case Trigger::kPendingTransfer:
      funds["at_risk_cny"] = amount(rng, 5000, 1.1, 500, 200000);
      break;
    case Trigger::kCashWithdrawalBooked:
      funds["at_risk_cny"] = amount(rng, 20000, 0.7, 5000, 200000);
      break;
    case Trigger::kCompletedTransfer: {
      // Often a small first "task" payment (300 yuan in the article), sometimes more; the
      // next, larger one is what is still at risk.
      static constexpr std::array<std::int64_t, 8> kSmall = {100, 200, 300, 300,
                                                             500, 500, 800, 1000};
      std::int64_t transferred =
          chance(rng, 0.55) ? one_of(rng, kSmall) : amount(rng, 3000, 1.1, 100, 100000);
      if (chance(rng, 0.75)) funds["at_risk_cny"] = amount(rng, 6000, 1.0, 500, 200000);
      funds["transferred_cny"] = transferred;
      break;
    }
    default:
      if (!chance(rng, 0.1)) return std::nullopt;
      break;
  }
  bool money_moves = trigger == Trigger::kPendingTransfer ||
                     trigger == Trigger::kCompletedTransfer ||
                     trigger == Trigger::kCashWithdrawalBooked;
  if (!money_moves || chance(rng, 0.6)) {
    json::object account;
    account["bank"] = one_of(rng, kBanks);
    account["number"] = "62" + digits(rng, 17);
    funds["victim_account"] = std::move(account);
  }
  return funds;
}

std::optional<Level> upstream_level_for(std::mt19937_64& rng, Trigger trigger,
                                        const std::optional<json::object>& funds) {
  std::int64_t at_risk = 0;
  if (funds) {
    if (const json::value* v = funds->if_contains("at_risk_cny")) at_risk = v->as_int64();
  }
  switch (trigger) {
    case Trigger::kCompletedTransfer:
      if (!chance(rng, 0.7)) return std::nullopt;
      return chance(rng, 0.85) ? Level::kExtreme : Level::kHigh;
    case Trigger::kPendingTransfer:
      if (!chance(rng, 0.55)) return std::nullopt;
      return chance(rng, at_risk >= 50000 ? 0.9 : 0.35) ? Level::kExtreme : Level::kHigh;
    case Trigger::kCashWithdrawalBooked:
      if (!chance(rng, 0.5)) return std::nullopt;
      return chance(rng, 0.3) ? Level::kExtreme : Level::kHigh;
    case Trigger::kFraudContact:
      if (!chance(rng, 0.25)) return std::nullopt;
      return chance(rng, 0.6) ? Level::kMedium : Level::kHigh;
    case Trigger::kFraudAppInstall:
      if (!chance(rng, 0.15)) return std::nullopt;
      return chance(rng, 0.8) ? Level::kMedium : Level::kHigh;
    case Trigger::kFraudUrlVisit:
      if (!chance(rng, 0.12)) return std::nullopt;
      return chance(rng, 0.6) ? Level::kLow : Level::kMedium;
    case Trigger::kOther:
      break;
  }
  return std::nullopt;
}

double round6(double v) { return std::round(v * 1e6) / 1e6; }

// A point inside the district where people are: mostly around its stations (towns), some
// anywhere in it. Coordinates are rounded to 6 decimals (~0.1 m) before the inside test, so
// the printed point is the tested one.
std::optional<geo::Point> point_in(std::mt19937_64& rng, const geo::District& district,
                                   const std::vector<geo::Point>& hubs) {
  const geo::Box box = geo::bounds(district);
  const double sigma = std::clamp(
      0.08 * std::min(box.max_lon - box.min_lon, box.max_lat - box.min_lat), 0.006, 0.03);
  constexpr int kTries = 400;
  for (int i = 0; i < kTries; ++i) {
    geo::Point p;
    if (!hubs.empty() && chance(rng, 0.75)) {
      const geo::Point& hub = one_of(rng, hubs);
      p = {hub.lon + sigma * normal(rng), hub.lat + sigma * normal(rng)};
    } else {
      p = {box.min_lon + unit(rng) * (box.max_lon - box.min_lon),
           box.min_lat + unit(rng) * (box.max_lat - box.min_lat)};
    }
    p = {round6(p.lon), round6(p.lat)};
    if (geo::contains(district, p)) return p;
  }
  return std::nullopt;  // a district without area; the caller gives its adcode only
}

// Cell ids look like "460-00-LLLLL-CCC": MCC 460, the phone operator's MNC, a location area
// whose first three digits are the adcode's last three (500105 -> 105xx), and a cell.
std::string cell_id_for(std::mt19937_64& rng, std::string_view phone, std::string_view adcode) {
  std::string lac = std::string(adcode.size() == 6 ? adcode.substr(3) : "000") +
                    zero_padded(static_cast<std::uint64_t>(between(rng, 0, 39)), 2);
  return "460-" + std::string(mnc_of(phone)) + "-" + lac + "-" +
         zero_padded(static_cast<std::uint64_t>(between(rng, 0, 999)), 3);
}

std::string address_in(std::mt19937_64& rng, const geo::District& district) {
  std::string a = district.name + std::string(one_of(rng, kRoads)) +
                  std::to_string(between(rng, 1, 399)) + "号";
  if (chance(rng, 0.5)) {
    a += std::to_string(between(rng, 1, 30)) + "栋" + std::to_string(between(rng, 1, 4)) + "单元";
  }
  return a;
}

// Boost.JSON writes every double in exponent form ("2.9575E1"); upstream systems and people
// reading the demo expect "29.575". Same JSON otherwise.
void write(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const json::key_value_pair& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string_view(kv.key()));
        out += ':';
        write(out, kv.value());
      }
      out += '}';
      break;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& item : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write(out, item);
      }
      out += ']';
      break;
    }
    case json::kind::double_: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.6f", v.get_double());
      std::string s = buf;
      while (s.back() == '0') s.pop_back();
      if (s.back() == '.') s.pop_back();
      out += s;
      break;
    }
    default:
      out += json::serialize(v);
      break;
  }
}

// The on-purpose mistakes of a feed with errors, each one rejection the parser must name.
void break_it(std::mt19937_64& rng, json::object& o) {
  switch (between(rng, 0, 3)) {
    case 0:
      o["subject"].as_object().erase("phone");
      break;
    case 1:
      o["trigger"] = "teleport";
      break;
    case 2:
      o["issued_at"] = "yesterday";
      break;
    default: {
      json::object& location = o["location"].as_object();
      const json::value* lat = location.if_contains("lat");
      location["lat"] = lat ? std::to_string(lat->as_double()) : "29.5753";
      if (!location.contains("lon")) location["lon"] = 106.5328;
      break;
    }
  }
}

// Share of local hours in the day's curve, at the hour's start (interpolated in between):
// quiet 02:00-06:00, busy evenings when people are home on their phones.
constexpr std::array<double, 24> kHourlyShape = {0.80, 0.45, 0.25, 0.25, 0.25, 0.25, 0.40, 0.70,
                                                 0.95, 1.15, 1.25, 1.25, 1.20, 1.15, 1.20, 1.25,
                                                 1.25, 1.25, 1.45, 1.60, 1.60, 1.60, 1.40, 1.10};

double day_factor(Millis at) {
  static const double mean = [] {
    double sum = 0;
    for (double v : kHourlyShape) sum += v;
    return sum / static_cast<double>(kHourlyShape.size());
  }();
  constexpr Millis kDay = 86'400'000;
  Millis local = ((at + Millis{8} * 3'600'000) % kDay + kDay) % kDay;  // UTC+8, no daylight saving
  double hour = static_cast<double>(local) / 3'600'000.0;
  size_t h = static_cast<size_t>(hour) % 24;
  double frac = hour - std::floor(hour);
  double v = kHourlyShape[h] * (1 - frac) + kHourlyShape[(h + 1) % 24] * frac;
  return v / mean;
}

// Bursts (a wave of messages from one scam campaign): on average one every three hours,
// lasting 2-6 minutes at 3-6 times the rate.
constexpr double kBurstEverySeconds = 3 * 3600.0;
constexpr double kBurstMeanSeconds = 240;
constexpr double kBurstMeanFactor = 4.5;
// Bursts add to the mean; the base rate is lowered by this much so the long-run average
// stays what was asked.
constexpr double kBurstLift =
    1 + kBurstMeanSeconds / (kBurstEverySeconds + kBurstMeanSeconds) * (kBurstMeanFactor - 1);

// The burst's own factor, fixed by when it ends, so no state beyond burst_until_ is needed.
double burst_factor(Millis burst_until) {
  return 3.0 + 3.0 * static_cast<double>(hash(std::to_string(burst_until)) % 1000) / 999.0;
}

int poisson(std::mt19937_64& rng, double mean) {
  if (mean <= 0) return 0;
  if (mean > 1e5)
    return static_cast<int>(std::max(0.0, std::round(mean + std::sqrt(mean) * normal(rng))));
  // Knuth's product of uniforms, in pieces of mean <= 30 so exp(-piece) stays well above 0;
  // a sum of Poisson draws is a Poisson draw of the summed mean.
  int total = 0;
  while (mean > 0) {
    double piece = std::min(mean, 30.0);
    mean -= piece;
    double limit = std::exp(-piece);
    double product = unit(rng);
    int k = 0;
    while (product > limit) {
      ++k;
      product *= unit(rng);
    }
    total += k;
  }
  return total;
}

}  // namespace

DemoFeed::DemoFeed(const geo::StationDirectory& directory, std::uint64_t seed)
    : directory_(directory), rng_(seed) {
  // Ids are "CQ-<adcode>-<day>-<counter>". Starting the counter at a seed-dependent point
  // keeps a restarted demo (new seed, same store, same day) from reusing the ids of the
  // last run, which the store would answer as duplicates.
  counter_ = rng_() % 900000;
}

std::string DemoFeed::next(Millis at, bool with_errors) {
  ++counter_;
  const std::vector<geo::District>& districts = directory_.districts();

  // A repeat warning: the same phone again (and so the same person), as when a scam
  // keeps working on someone.
  constexpr size_t kRemembered = 500;
  std::string phone;
  if (!recent_phones_.empty() && chance(rng_, 0.03)) {
    phone = one_of(rng_, recent_phones_);
  } else {
    phone = std::string(one_of(rng_, kPrefixes).digits) + digits(rng_, 8);
    if (recent_phones_.size() < kRemembered) {
      recent_phones_.push_back(phone);
    } else {
      recent_phones_[counter_ % kRemembered] = phone;
    }
  }
  const Person person = person_for(phone, districts);
  const Trigger trigger = pick_trigger(rng_, person);
  const ScamType scam = pick_scam_type(rng_, trigger, person.age);
  const Source source = pick_source(rng_, trigger);

  // Most are found where their identity card was issued; some are out at work elsewhere.
  const geo::District* district = directory_.district(person.home_adcode);
  if ((district == nullptr || chance(rng_, 0.12)) && !districts.empty()) {
    district = &districts[pick(rng_, district_weights(districts))];
  }
  const std::string adcode = district ? district->adcode : person.home_adcode;

  json::object o;
  std::string day = day_of(at);
  day.erase(std::remove(day.begin(), day.end(), '-'), day.end());
  o["id"] = "CQ-" + adcode + "-" + day + "-" + zero_padded(counter_, 6);
  o["issued_at"] = format_rfc3339(at);
  o["source"] = instruction::name(source);
  o["trigger"] = instruction::name(trigger);
  o["scam_type"] = instruction::name(scam);
  json::array indicators = indicators_for(rng_, trigger, scam, at);
  if (!indicators.empty()) o["indicators"] = std::move(indicators);

  json::object subject;
  subject["phone"] = phone;
  if (chance(rng_, 0.88)) subject["name"] = person.name;
  const bool with_id = chance(rng_, 0.8);
  if (with_id) subject["id_number"] = id_number(person, at);
  if (with_id || chance(rng_, 0.5)) subject["age"] = person.age;
  if (with_id || chance(rng_, 0.7)) subject["gender"] = instruction::name(person.gender);
  o["subject"] = std::move(subject);

  json::object location;
  std::vector<geo::Point> hubs;
  for (const geo::StationInfo& s : directory_.stations()) {
    if (s.station.district_adcode == adcode) hubs.push_back(s.position);
  }
  const double shape = unit(rng_);
  std::optional<geo::Point> point;
  if (district != nullptr && shape < 0.70) point = point_in(rng_, *district, hubs);
  if (point) {
    location["lat"] = point->lat;
    location["lon"] = point->lon;
    location["crs"] = "gcj02";
  }
  if (district != nullptr) location["adcode"] = adcode;
  if ((point && chance(rng_, 0.4)) || shape >= 0.85 || district == nullptr) {
    location["cell_id"] = cell_id_for(rng_, phone, adcode);
  }
  if (district != nullptr && chance(rng_, point ? 0.5 : 0.6)) {
    location["address"] = address_in(rng_, *district);
  }
  o["location"] = std::move(location);

  std::optional<json::object> funds = funds_for(rng_, trigger);
  const std::optional<Level> level = upstream_level_for(rng_, trigger, funds);
  if (funds) o["funds"] = std::move(*funds);
  if (level) o["upstream_level"] = instruction::name(*level);

  if (with_errors && chance(rng_, 1.0 / 200)) break_it(rng_, o);
  std::string text;
  text.reserve(640);
  write(text, o);
  return text;
}

int DemoFeed::arrivals(Millis at, double seconds, double per_minute) {
  if (!(seconds > 0) || !(per_minute > 0)) return 0;
  // Walk the window a minute at a time so a long window follows the day's curve and can
  // meet a burst; the summed mean gives one Poisson draw.
  double mean = 0;
  for (double done = 0; done < seconds;) {
    double step = std::min(60.0, seconds - done);
    Millis t = at + static_cast<Millis>(std::llround(done * 1000));
    if (t >= burst_until_ && chance(rng_, 1 - std::exp(-step / kBurstEverySeconds))) {
      burst_until_ = t + static_cast<Millis>(between(rng_, 120, 360)) * 1000;
    }
    double factor = day_factor(t) / kBurstLift;
    if (t < burst_until_) factor *= burst_factor(burst_until_);
    mean += per_minute / 60.0 * step * factor;
    done += step;
  }
  return poisson(rng_, mean);
}

}  // namespace quanzu::app
