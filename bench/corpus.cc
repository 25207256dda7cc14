#include "corpus.h"

#include <array>
#include <cstdio>

namespace quanzu::bench {
namespace {

// A stateless mix of (series, n, field) so each sample depends on nothing but its number.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

struct District {
  const char* adcode;
  const char* name;
  double lat;
  double lon;
};

// Centres of some Chongqing districts (GCJ-02), as in data/chongqing-districts.geojson.
constexpr std::array<District, 12> kDistricts{{
    {"500101", "万州区", 30.8078, 108.3802},
    {"500102", "涪陵区", 29.7035, 107.3947},
    {"500103", "渝中区", 29.5565, 106.5629},
    {"500104", "大渡口区", 29.4811, 106.4861},
    {"500105", "江北区", 29.6060, 106.5744},
    {"500106", "沙坪坝区", 29.5411, 106.4542},
    {"500107", "九龙坡区", 29.5234, 106.4806},
    {"500108", "南岸区", 29.5231, 106.5622},
    {"500109", "北碚区", 29.8257, 106.4377},
    {"500112", "渝北区", 29.6018, 106.5125},
    {"500113", "巴南区", 29.3814, 106.5192},
    {"500116", "江津区", 29.2833, 106.2532},
}};

struct Mix {
  const char* trigger;
  const char* scam_type;
  const char* level;
  const char* indicator_kind;
};

constexpr std::array<Mix, 8> kMixes{{
    {"fraud_url_visit", "click_farming_rebate", "low", "url"},
    {"fraud_url_visit", "fake_investment", "medium", "domain"},
    {"fraud_app_install", "fake_loan", "medium", "app"},
    {"fraud_contact", "fake_customer_service", "high", "phone"},
    {"fraud_contact", "impersonate_police_gov", "high", "phone"},
    {"pending_transfer", "romance", "high", "account"},
    {"completed_transfer", "click_farming_rebate", "extreme", "url"},
    {"cash_withdrawal_booked", "impersonate_acquaintance", "extreme", "im_id"},
}};

constexpr std::array<const char*, 6> kSources{"national", "provincial", "municipal",
                                              "bank",     "carrier",    "hotline"};
constexpr std::array<const char*, 8> kSurnames{"何", "王", "李", "张", "刘", "陈", "杨", "赵"};
constexpr std::array<const char*, 5> kBanks{"中国工商银行", "中国建设银行", "中国农业银行",
                                            "中国银行", "重庆农村商业银行"};
constexpr std::array<const char*, 5> kStreets{"石门大桥北路", "观音桥步行街", "建新东路",
                                              "北城天街", "鎏嘉码头"};

// 2023-11-01T00:00:00+08:00 in ms since the epoch.
constexpr std::int64_t kNovember2023 = 1698768000000LL;

// One indicator's value for its kind; pools are large enough that most values are seen
// once, small enough that some repeat.
std::string indicator_value(std::string_view kind, std::uint64_t r, const Shape& shape) {
  char buf[96];
  const auto pool = static_cast<unsigned long long>(r % 50000);
  const auto tail = static_cast<unsigned long long>(r >> 20);
  if (!shape.campaign_host.empty()) {
    std::snprintf(buf, sizeof buf, "/t/%llx", tail % 0xFFFFFFFFULL);
    return "hxxp://" + shape.campaign_host + buf;
  }
  if (kind == "url") {
    std::snprintf(buf, sizeof buf, "hxxp://task-%05llu.example/t/%llx", pool, tail % 0xFFFFFFFFULL);
  } else if (kind == "domain") {
    std::snprintf(buf, sizeof buf, "invest-%05llu.example", pool);
  } else if (kind == "app") {
    std::snprintf(buf, sizeof buf, "com.loan%05llu.quick", pool);
  } else if (kind == "phone") {
    std::snprintf(buf, sizeof buf, "+86170%08llu", tail % 100000000ULL);
  } else if (kind == "account") {
    std::snprintf(buf, sizeof buf, "6217%012llu", tail % 1000000000000ULL);
  } else {
    std::snprintf(buf, sizeof buf, "wxid_%llx", tail % 0xFFFFFFFFFFULL);
  }
  return buf;
}

}  // namespace

Sample make_sample(std::string_view prefix, std::uint64_t n, const Shape& shape) {
  std::uint64_t r[8];
  std::uint64_t seed = mix(n);
  for (std::uint64_t& v : r) v = seed = mix(seed);

  Sample s;
  s.id = std::string(prefix) + "-" + std::to_string(n);
  const District& d = kDistricts[r[0] % kDistricts.size()];
  const Mix& m = kMixes[r[1] % kMixes.size()];
  const bool campaign = !shape.campaign_host.empty();
  s.adcode = d.adcode;
  s.district_name = d.name;
  s.trigger = m.trigger;
  s.scam_type = m.scam_type;
  s.level = m.level;
  s.age = 18 + static_cast<int>(r[2] % 62);
  s.subject_name = std::string(kSurnames[r[2] % kSurnames.size()]) + "某";
  char phone[16];
  std::snprintf(phone, sizeof phone, "1%d%08llu", 30 + static_cast<int>(r[3] % 70),
                static_cast<unsigned long long>(r[3] % 100000000ULL));
  s.phone = phone;
  const std::int64_t span_days = campaign ? 3 : 30;
  const auto seconds =
      static_cast<std::int64_t>(r[4] % static_cast<std::uint64_t>(span_days * 86400));
  s.issued_at_ms = kNovember2023 + seconds * 1000;
  const long long at_risk_cny = 100 + static_cast<long long>(r[5] % 200000);
  s.at_risk_fen = at_risk_cny * 100;
  const long long transferred_cny =
      s.trigger == "completed_transfer" ? static_cast<long long>(r[5] % 5000) + 1 : 0;
  const char* kind = campaign ? "url" : m.indicator_kind;
  s.indicator_kind = kind;
  s.indicator_value = indicator_value(kind, r[6], shape);

  const int day = 1 + static_cast<int>(seconds / 86400);
  const int hh = static_cast<int>(seconds % 86400 / 3600);
  const int mm = static_cast<int>(seconds % 3600 / 60);
  const int ss = static_cast<int>(seconds % 60);
  const double lat = d.lat + static_cast<double>(r[6] % 2000) / 20000.0 - 0.05;
  const double lon = d.lon + static_cast<double>(r[7] % 2000) / 20000.0 - 0.05;
  const int birth_year = 2023 - s.age;
  const unsigned long long account = r[7] % 10000000000000ULL;

  char text[1400];
  const int len = std::snprintf(
      text, sizeof text,
      R"({"id":"%s","issued_at":"2023-11-%02dT%02d:%02d:%02d+08:00","source":"%s",)"
      R"("trigger":"%s","scam_type":"%s","indicators":[{"kind":"%s","value":"%s",)"
      R"("contact_count":%d,"call_seconds":%d}],"subject":{"phone":"%s","name":"%s",)"
      R"("id_number":"%s%04d%02d%02d%03d%d","age":%d,"gender":"%s"},"location":{"lat":%.5f,)"
      R"("lon":%.5f,"crs":"gcj02","adcode":"%s","cell_id":"460-00-%05d-%03d",)"
      R"("address":"重庆市%s%s%d号"},"funds":{"at_risk_cny":%lld,"transferred_cny":%lld,)"
      R"("victim_account":{"bank":"%s","number":"622202%013llu"}},"upstream_level":"%s"})",
      s.id.c_str(), day, hh, mm, ss, kSources[r[0] % kSources.size()], m.trigger, m.scam_type, kind,
      s.indicator_value.c_str(), 1 + static_cast<int>(r[1] % 9), static_cast<int>(r[2] % 1800),
      s.phone.c_str(), s.subject_name.c_str(), d.adcode, birth_year,
      1 + static_cast<int>(r[3] % 12), 1 + static_cast<int>(r[4] % 28),
      static_cast<int>(r[5] % 1000), static_cast<int>(r[6] % 10), s.age, r[7] % 2 ? "M" : "F", lat,
      lon, d.adcode, static_cast<int>(r[3] % 100000), static_cast<int>(r[4] % 1000), d.name,
      kStreets[r[5] % kStreets.size()], 1 + static_cast<int>(r[6] % 300), at_risk_cny,
      transferred_cny, kBanks[r[7] % kBanks.size()], account, m.level);
  s.json.assign(text, static_cast<std::size_t>(len));
  return s;
}

std::string array_body(std::string_view prefix, std::uint64_t first, std::size_t count,
                       const Shape& shape) {
  std::string body;
  body.reserve(count * 660 + 2);
  body += '[';
  for (std::size_t i = 0; i < count; ++i) {
    if (i) body += ',';
    body += make_sample(prefix, first + i, shape).json;
  }
  body += ']';
  return body;
}

}  // namespace quanzu::bench
