// Access control of the real server, checked from outside: a matrix over every role and
// machine scope × every endpoint × a case of the caller's own station and one of another,
// against a table written from SPEC.md "Access and privacy" (not from the server's code);
// plus what the matrix cannot show: no response leaks another station's person, masking,
// the audit trail, re-routing moving visibility, the stream's scope, CSRF, lock-out, logout.
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "tests/integration/harness.h"

namespace {

namespace json = boost::json;
using quanzu::testing::add_user;
using quanzu::testing::bearer;
using quanzu::testing::create_token;
using quanzu::testing::EventStream;
using quanzu::testing::fresh_dir;
using quanzu::testing::Headers;
using quanzu::testing::HttpClient;
using quanzu::testing::HttpResponse;
using quanzu::testing::quanzu_binary;
using quanzu::testing::sample_instruction;
using quanzu::testing::ServerProcess;

constexpr const char* kOwnPhone = "13811112222";
constexpr const char* kOtherPhone = "13933334444";
constexpr const char* kOtherName = "孙某某";
constexpr const char* kOtherIdNumber = "500106198501014321";
constexpr const char* kPassword = "matrix-password-1";

// Who calls. Users log in; machines send a token.
enum class Caller {
  kAnonymous, kAdmin, kCentre, kStationOwn, kStationOther, kResponder, kSupervisor, kAuditor,
  kTokenIngest, kTokenRead, kTokenBank, kTokenAttempts,
};
const std::vector<Caller> kCallers{Caller::kAnonymous,  Caller::kAdmin,       Caller::kCentre,
                                   Caller::kStationOwn, Caller::kStationOther, Caller::kResponder,
                                   Caller::kSupervisor, Caller::kAuditor,     Caller::kTokenIngest,
                                   Caller::kTokenRead,  Caller::kTokenBank,   Caller::kTokenAttempts};

std::string caller_name(Caller c) {
  switch (c) {
    case Caller::kAnonymous: return "anonymous";
    case Caller::kAdmin: return "admin";
    case Caller::kCentre: return "centre";
    case Caller::kStationOwn: return "station(own)";
    case Caller::kStationOther: return "station(other)";
    case Caller::kResponder: return "responder";
    case Caller::kSupervisor: return "supervisor";
    case Caller::kAuditor: return "auditor";
    case Caller::kTokenIngest: return "token:ingest";
    case Caller::kTokenRead: return "token:read";
    case Caller::kTokenBank: return "token:bank_callback";
    case Caller::kTokenAttempts: return "token:attempts";
  }
  return "?";
}

// Which case a request is about, seen from station "own" (the responder's station too).
enum class Target { kNone, kOwnCase, kOtherCase };

// What the spec says a caller gets: allowed (the endpoint's own answer), refused for its
// role (403), or told the thing does not exist (404: outside its scope).
enum class Expect { kAllowed, kForbidden, kHidden, kUnauthenticated };

struct Endpoint {
  std::string name;
  std::string method;
  std::string path;    // "{case}" is replaced by the target case's id
  std::string body;
  Target target = Target::kNone;
  std::set<unsigned> allowed_statuses;  // what "allowed" looks like for this request
  // The spec: what each caller may do here.
  std::function<Expect(Caller)> rule;
};

bool any_of(Caller c, std::initializer_list<Caller> set) {
  for (Caller x : set) {
    if (x == c) return true;
  }
  return false;
}

// Readers of all cases (SPEC: centre and supervisor read all, admin configures and sees
// masked data, a read token is a machine reader).
bool reads_all(Caller c) { return any_of(c, {Caller::kAdmin, Caller::kCentre, Caller::kSupervisor, Caller::kTokenRead}); }

// Case-level rule: readers of all see both; a station sees its own; the responder only the
// case of its visit (which is the own station's case here); others are refused.
Expect case_read(Caller c, Target t) {
  if (reads_all(c)) return Expect::kAllowed;
  if (c == Caller::kStationOwn) return t == Target::kOwnCase ? Expect::kAllowed : Expect::kHidden;
  if (c == Caller::kStationOther) return t == Target::kOtherCase ? Expect::kAllowed : Expect::kHidden;
  if (c == Caller::kResponder) return t == Target::kOwnCase ? Expect::kAllowed : Expect::kHidden;
  return Expect::kForbidden;
}

class AccessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(fresh_dir("access"));
    std::ofstream(*dir_ + "/bank.secret") << "bank-secret-for-the-access-matrix-0123456789\n";
    std::ofstream(*dir_ + "/quanzu.toml") << "[bank]\nsecret_file = \"" << *dir_ << "/bank.secret\"\n";
    server_ = ServerProcess::start(quanzu_binary(), *dir_ + "/data", {"--config", *dir_ + "/quanzu.toml"}).release();
    HttpClient centre(server_->host(), server_->port());
    centre.set_default_headers(server_->auth());

    // One case in Jiangbei, one in Shapingba: two stations.
    std::string other = sample_instruction("ACC-OTHER", kOtherPhone);
    auto swap = [&](const std::string& from, const std::string& to) { other.replace(other.find(from), from.size(), to); };
    swap(R"("lat":29.5750,"lon":106.5310,"crs":"gcj02","adcode":"500105")", R"("lat":29.6245,"lon":106.3682,"crs":"gcj02","adcode":"500106")");
    swap("何某", kOtherName);
    swap("500105199001011234", kOtherIdNumber);
    swap("江北区石门", "沙坪坝区某街道");
    HttpResponse r = centre.post("/api/v1/instructions", "[" + sample_instruction("ACC-OWN", kOwnPhone) + "," + other + "]");
    ASSERT_EQ(r.status, 200u) << r.body;
    const json::array results = json::parse(r.body).at("results").as_array();
    own_case_ = new std::string(results.at(0).at("case_id").as_string());
    other_case_ = new std::string(results.at(1).at("case_id").as_string());
    auto station_of = [&](const std::string& id) {
      HttpResponse c = centre.get("/api/v1/cases/" + id);
      const json::value parsed = json::parse(c.body);
      const json::value& station = parsed.at("station");
      if (!station.is_object()) throw std::runtime_error("case not routed to a station: " + c.body.substr(0, 400));
      return std::string(station.at("code").as_string());
    };
    own_station_ = new std::string(station_of(*own_case_));
    other_station_ = new std::string(station_of(*other_case_));
    ASSERT_NE(*own_station_, *other_station_);

    // A responder of each station, near its case; the own one is sent to the own case.
    for (const auto& [id, station, lat, lon] :
         std::vector<std::tuple<std::string, std::string, double, double>>{
             {"R-OWN", *own_station_, 29.5760, 106.5320}, {"R-OTHER", *other_station_, 29.6250, 106.3690}}) {
      r = centre.post("/api/v1/responders", R"({"id":")" + id + R"(","name":"队员","phone":"13700000000","station_code":")" +
                                                station + R"(","on_duty":true,"position":{"lat":)" + std::to_string(lat) +
                                                R"(,"lon":)" + std::to_string(lon) + "}}");
      ASSERT_EQ(r.status, 200u) << r.body;
    }
    r = centre.post("/api/v1/cases/" + *own_case_ + "/events", R"({"kind":"dispatch","reason":"矩阵测试"})");
    ASSERT_EQ(r.status, 200u) << r.body;
    // The visit is offered to the nearest free responder (by the timer worker, soon after).
    for (int i = 0; i < 200; ++i) {
      r = centre.get("/api/v1/responders/R-OWN");
      if (json::parse(r.body).at("case_id").is_string()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(json::parse(r.body).at("case_id").is_string()) << r.body;
    ASSERT_EQ(std::string(json::parse(r.body).at("case_id").as_string()), *own_case_) << r.body;

    const std::string data = *dir_ + "/data";
    add_user(data, "m-admin", "admin", kPassword);
    add_user(data, "m-centre", "centre", kPassword);
    add_user(data, "m-station-own", "station", kPassword, *own_station_);
    add_user(data, "m-station-other", "station", kPassword, *other_station_);
    add_user(data, "m-responder", "responder", kPassword, *own_station_, "R-OWN");
    add_user(data, "m-supervisor", "supervisor", kPassword);
    add_user(data, "m-auditor", "auditor", kPassword);
    tokens_ = new std::map<Caller, std::string>{
        {Caller::kTokenIngest, create_token(data, {"ingest"}, "feed")},
        {Caller::kTokenRead, create_token(data, {"read"}, "reporting")},
        {Caller::kTokenBank, create_token(data, {"bank_callback"}, "bank")},
        {Caller::kTokenAttempts, create_token(data, {"attempts"}, "gateway")}};
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  static std::string user_of(Caller c) {
    switch (c) {
      case Caller::kAdmin: return "m-admin";
      case Caller::kCentre: return "m-centre";
      case Caller::kStationOwn: return "m-station-own";
      case Caller::kStationOther: return "m-station-other";
      case Caller::kResponder: return "m-responder";
      case Caller::kSupervisor: return "m-supervisor";
      case Caller::kAuditor: return "m-auditor";
      default: return "";
    }
  }

  // A client speaking as `c` (logged in, or with its token).
  static std::unique_ptr<HttpClient> as(Caller c) {
    auto client = std::make_unique<HttpClient>(server_->host(), server_->port());
    if (auto it = tokens_->find(c); it != tokens_->end()) {
      client->set_default_headers(bearer(it->second));
    } else if (c != Caller::kAnonymous) {
      HttpResponse r = client->login(user_of(c), kPassword);
      if (r.status != 200) throw std::runtime_error("login of " + user_of(c) + ": " + r.body);
    }
    return client;
  }

  static Headers headers_of(HttpClient& client) { return client.default_headers(); }

  static std::string* dir_;
  static ServerProcess* server_;
  static std::string *own_case_, *other_case_, *own_station_, *other_station_;
  static std::map<Caller, std::string>* tokens_;
};

std::string* AccessTest::dir_ = nullptr;
ServerProcess* AccessTest::server_ = nullptr;
std::string* AccessTest::own_case_ = nullptr;
std::string* AccessTest::other_case_ = nullptr;
std::string* AccessTest::own_station_ = nullptr;
std::string* AccessTest::other_station_ = nullptr;
std::map<Caller, std::string>* AccessTest::tokens_ = nullptr;

// Every endpoint of the API, each with the spec's rule. Requests that would change
// something are sent incomplete where possible: access is decided before the body is read,
// so "allowed" shows as the body's 400 and nothing changes.
std::vector<Endpoint> endpoints() {
  using C = Caller;
  std::vector<Endpoint> e;
  auto only = [](std::initializer_list<Caller> set) {
    std::vector<Caller> who(set);
    return [who](Caller c) {
      for (Caller x : who) {
        if (x == c) return Expect::kAllowed;
      }
      return Expect::kForbidden;
    };
  };
  auto per_case = [](Target t, std::function<Expect(Caller)> base) {
    return [t, base](Caller c) {
      Expect b = base(c);
      if (b != Expect::kAllowed) return b;
      return case_read(c, t) == Expect::kHidden ? Expect::kHidden : Expect::kAllowed;
    };
  };
  const auto readers = only({C::kAdmin, C::kCentre, C::kStationOwn, C::kStationOther, C::kSupervisor, C::kTokenRead});
  e.push_back({"list cases", "GET", "/api/v1/cases", "", Target::kNone, {200}, readers});
  for (Target t : {Target::kOwnCase, Target::kOtherCase}) {
    const std::string which = t == Target::kOwnCase ? " (own)" : " (other)";
    e.push_back({"get case" + which, "GET", "/api/v1/cases/{case}", "", t, {200}, [t](Caller c) { return case_read(c, t); }});
    e.push_back({"note" + which, "POST", "/api/v1/cases/{case}/events", R"({"kind":"note"})", t, {400},
                 per_case(t, only({C::kCentre, C::kStationOwn, C::kStationOther, C::kSupervisor, C::kResponder}))});
    e.push_back({"call result" + which, "POST", "/api/v1/cases/{case}/events", R"({"kind":"attempt","channel":"manual_call"})", t, {400},
                 per_case(t, only({C::kCentre, C::kStationOwn, C::kStationOther}))});
    e.push_back({"re-route" + which, "POST", "/api/v1/cases/{case}/events", R"({"kind":"reroute"})", t, {400},
                 per_case(t, only({C::kCentre, C::kStationOwn, C::kStationOther}))});
    e.push_back({"visit report" + which, "POST", "/api/v1/cases/{case}/events", R"({"kind":"visit"})", t, {400},
                 per_case(t, only({C::kCentre, C::kStationOwn, C::kStationOther, C::kResponder}))});
    e.push_back({"approve release" + which, "POST", "/api/v1/cases/{case}/events",
                 R"({"kind":"stop_payment","action":"approve_release"})", t, {400}, per_case(t, only({C::kSupervisor}))});
    e.push_back({"upload document" + which, "POST", "/api/v1/cases/{case}/stop-payments/SP-NONE/documents", "x", t, {400, 404, 409},
                 per_case(t, only({C::kCentre, C::kStationOwn, C::kStationOther}))});
  }
  e.push_back({"ingest", "POST", "/api/v1/instructions", "{", Target::kNone, {400}, only({C::kCentre, C::kTokenIngest})});
  e.push_back({"stats", "GET", "/api/v1/stats", "", Target::kNone, {200}, readers});
  e.push_back({"clusters", "GET", "/api/v1/clusters", "", Target::kNone, {200},
               only({C::kAdmin, C::kCentre, C::kSupervisor, C::kTokenRead})});
  e.push_back({"read rules", "GET", "/api/v1/rules", "", Target::kNone, {200}, readers});
  e.push_back({"change rules", "POST", "/api/v1/rules", "not toml [", Target::kNone, {400}, only({C::kAdmin, C::kCentre})});
  e.push_back({"what-if", "POST", "/api/v1/rules/whatif", "not toml [", Target::kNone, {400},
               only({C::kAdmin, C::kCentre, C::kSupervisor})});
  e.push_back({"call tasks", "GET", "/api/v1/tasks", "", Target::kNone, {200}, readers});
  e.push_back({"stop-payments", "GET", "/api/v1/stop-payments", "", Target::kNone, {200}, readers});
  e.push_back({"list responders", "GET", "/api/v1/responders", "", Target::kNone, {200}, readers});
  e.push_back({"register responder", "POST", "/api/v1/responders", "{}", Target::kNone, {400},
               only({C::kAdmin, C::kCentre, C::kStationOwn, C::kStationOther})});
  // The own station's responder (the one holding the own case's visit) and the other's.
  e.push_back({"get responder (own)", "GET", "/api/v1/responders/R-OWN", "", Target::kNone, {200}, [](Caller c) {
                 if (c == C::kStationOther) return Expect::kHidden;
                 return any_of(c, {C::kAdmin, C::kCentre, C::kStationOwn, C::kSupervisor, C::kTokenRead, C::kResponder})
                            ? Expect::kAllowed : Expect::kForbidden;
               }});
  e.push_back({"get responder (other)", "GET", "/api/v1/responders/R-OTHER", "", Target::kNone, {200}, [](Caller c) {
                 if (c == C::kStationOwn || c == C::kResponder) return Expect::kHidden;
                 return any_of(c, {C::kAdmin, C::kCentre, C::kStationOther, C::kSupervisor, C::kTokenRead})
                            ? Expect::kAllowed : Expect::kForbidden;
               }});
  e.push_back({"update responder (own)", "POST", "/api/v1/responders/R-OWN", R"({"colour":"red"})", Target::kNone, {400},
               [](Caller c) {
                 if (c == C::kStationOther) return Expect::kHidden;
                 return any_of(c, {C::kAdmin, C::kCentre, C::kStationOwn, C::kResponder}) ? Expect::kAllowed : Expect::kForbidden;
               }});
  e.push_back({"update responder (other)", "POST", "/api/v1/responders/R-OTHER", R"({"colour":"red"})", Target::kNone, {400},
               [](Caller c) {
                 if (c == C::kStationOwn || c == C::kResponder) return Expect::kHidden;
                 return any_of(c, {C::kAdmin, C::kCentre, C::kStationOther}) ? Expect::kAllowed : Expect::kForbidden;
               }});
  // An unknown document: 404 for those who may read documents at all.
  e.push_back({"document", "GET", "/api/v1/documents/" + std::string(64, '0'), "", Target::kNone, {404},
               only({C::kCentre, C::kStationOwn, C::kStationOther, C::kSupervisor, C::kResponder})});
  // Unsigned: the bank's signature check answers 401 naming the header, after access.
  e.push_back({"bank callback", "POST", "/api/v1/bank/callback", "{}", Target::kNone, {400, 401}, only({C::kTokenBank})});
  e.push_back({"attempt result", "POST", "/api/v1/attempts", "{}", Target::kNone, {400}, only({C::kTokenAttempts})});
  e.push_back({"audit log", "GET", "/api/v1/audit?limit=5", "", Target::kNone, {200}, only({C::kAuditor})});
  return e;
}

TEST_F(AccessTest, EveryRoleAndScopeOnEveryEndpointForOwnAndOtherStation) {
  int checked = 0;
  for (Caller caller : kCallers) {
    auto client = as(caller);
    for (const Endpoint& ep : endpoints()) {
      std::string path = ep.path;
      if (auto at = path.find("{case}"); at != std::string::npos) {
        path.replace(at, 6, ep.target == Target::kOwnCase ? *own_case_ : *other_case_);
      }
      const Expect want = caller == Caller::kAnonymous ? Expect::kUnauthenticated : ep.rule(caller);
      HttpResponse r = client->request(ep.method, path, ep.body, {{"Content-Type", "application/json"}});
      const std::string where = caller_name(caller) + " " + ep.name + " (" + ep.method + " " + path + "): " +
                                std::to_string(r.status) + " " + r.body.substr(0, 300);
      switch (want) {
        case Expect::kAllowed:
          EXPECT_TRUE(ep.allowed_statuses.count(r.status)) << "should be allowed: " << where;
          // The bank's 401 is its signature check, not the token's.
          if (ep.name == "bank callback") {
            EXPECT_NE(r.body.find("X-Quanzu-"), std::string::npos) << where;
          }
          break;
        case Expect::kForbidden: EXPECT_EQ(r.status, 403u) << "should be forbidden: " << where; break;
        case Expect::kHidden: EXPECT_EQ(r.status, 404u) << "should be hidden: " << where; break;
        case Expect::kUnauthenticated: EXPECT_EQ(r.status, 401u) << "should need a login: " << where; break;
      }
      // Nothing a caller outside the other station receives names that station's person.
      if (caller == Caller::kStationOwn || caller == Caller::kResponder) {
        for (const char* secret : {kOtherPhone, "139****4444", kOtherName, kOtherIdNumber, "ACC-OTHER"}) {
          EXPECT_EQ(r.body.find(secret), std::string::npos) << "leak of " << secret << ": " << where;
        }
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(kCallers.size() * endpoints().size()));
}

TEST_F(AccessTest, ListsAndStatsOfAStationHoldOnlyItsCases) {
  auto own = as(Caller::kStationOwn);
  json::array cases = json::parse(own->get("/api/v1/cases").body).at("cases").as_array();
  std::set<std::string> ids;
  for (auto& c : cases) {
    ids.insert(std::string(c.at("id").as_string()));
    EXPECT_EQ(c.at("station").at("code").as_string(), *own_station_);
  }
  EXPECT_TRUE(ids.count(*own_case_));
  EXPECT_FALSE(ids.count(*other_case_));
  // Asking for another station outright is refused, not answered with someone else's list.
  EXPECT_EQ(own->get("/api/v1/cases?station=" + *other_station_).status, 403u);
  EXPECT_EQ(own->get("/api/v1/tasks?station=" + *other_station_).status, 403u);
  json::value stats = json::parse(own->get("/api/v1/stats").body);
  for (auto& s : stats.at("by_station").as_array()) EXPECT_EQ(s.at("code").as_string(), *own_station_);
  auto centre = as(Caller::kCentre);
  json::value all = json::parse(centre->get("/api/v1/stats").body);
  EXPECT_GT(all.at("cases").as_int64(), stats.at("cases").as_int64());
}

TEST_F(AccessTest, PersonalDataIsWholeOnlyForRolesThatHandleThePersonAndEachViewIsAudited) {
  for (Caller c : {Caller::kCentre, Caller::kStationOwn, Caller::kResponder, Caller::kSupervisor}) {
    HttpResponse r = as(c)->get("/api/v1/cases/" + *own_case_);
    ASSERT_EQ(r.status, 200u) << caller_name(c) << r.body;
    json::value v = json::parse(r.body);
    EXPECT_EQ(v.at("subject").at("phone").as_string(), kOwnPhone) << caller_name(c);
    EXPECT_EQ(v.at("instruction").at("subject").at("id_number").as_string(), "500105199001011234") << caller_name(c);
  }
  for (Caller c : {Caller::kAdmin, Caller::kTokenRead}) {
    HttpResponse r = as(c)->get("/api/v1/cases/" + *own_case_);
    ASSERT_EQ(r.status, 200u) << caller_name(c) << r.body;
    EXPECT_EQ(r.body.find(kOwnPhone), std::string::npos) << caller_name(c) << " sees the phone: " << r.body;
    EXPECT_EQ(r.body.find("500105199001011234"), std::string::npos) << caller_name(c);
    EXPECT_EQ(r.body.find("6222000000000000"), std::string::npos) << caller_name(c);
    EXPECT_EQ(r.body.find("江北区石门"), std::string::npos) << caller_name(c);
    EXPECT_EQ(json::parse(r.body).at("subject").at("phone").as_string(), "138****2222");
  }
  // Lists and the stream are masked for everyone.
  HttpResponse list = as(Caller::kCentre)->get("/api/v1/cases");
  EXPECT_EQ(list.body.find(kOwnPhone), std::string::npos);
  EXPECT_NE(list.body.find("138****2222"), std::string::npos);

  // The auditor finds the station user's view, and the refused look at the other station.
  auto own = as(Caller::kStationOwn);
  ASSERT_EQ(own->get("/api/v1/cases/" + *own_case_).status, 200u);
  ASSERT_EQ(own->get("/api/v1/cases/" + *other_case_).status, 404u);
  json::array entries =
      json::parse(as(Caller::kAuditor)->get("/api/v1/audit?actor=m-station-own&limit=500").body).at("entries").as_array();
  bool viewed = false, denied = false, login = false;
  for (auto& e : entries) {
    const auto& o = e.as_object();
    viewed |= o.at("action").as_string() == "view_personal_data" && o.at("target").as_string() == "case:" + *own_case_;
    denied |= o.at("action").as_string() == "access_denied" && o.at("target").as_string() == "case:" + *other_case_;
    login |= o.at("action").as_string() == "login";
    EXPECT_EQ(o.at("role").as_string(), "station");
    EXPECT_NE(o.at("from").as_string(), "");
  }
  EXPECT_TRUE(viewed && denied && login) << json::serialize(entries);
  // And the chain verifies.
  auto verify = quanzu::testing::run_command({quanzu_binary(), "audit", "verify", *dir_ + "/data/audit.jsonl"});
  EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
}

TEST_F(AccessTest, TheStreamOfAStationCarriesOnlyItsCases) {
  auto own = as(Caller::kStationOwn);
  EventStream stream(server_->host(), server_->port(), "/api/v1/stream", {}, headers_of(*own));
  ASSERT_EQ(stream.status(), 200u) << stream.body();
  auto centre = as(Caller::kCentre);
  ASSERT_EQ(centre->post("/api/v1/cases/" + *other_case_ + "/events", R"({"kind":"note","text":"其他所"})").status, 200u);
  ASSERT_EQ(centre->post("/api/v1/cases/" + *own_case_ + "/events", R"({"kind":"note","text":"本所"})").status, 200u);
  bool own_seen = false;
  for (int i = 0; i < 20 && !own_seen; ++i) {
    auto m = stream.next_event(3000);
    if (!m) break;
    EXPECT_EQ(m->data.find(*other_case_), std::string::npos) << m->data;
    own_seen |= m->data.find(*own_case_) != std::string::npos;
  }
  EXPECT_TRUE(own_seen);
  // Responders and machines without the read scope get no stream.
  EventStream refused(server_->host(), server_->port(), "/api/v1/stream", {}, headers_of(*as(Caller::kResponder)));
  EXPECT_EQ(refused.status(), 403u);
}

TEST_F(AccessTest, ChangesNeedTheCsrfTokenOfTheSession) {
  auto own = as(Caller::kStationOwn);
  Headers h = own->default_headers();
  std::string cookie;
  for (auto& [k, v] : h) {
    if (k == "Cookie") cookie = v;
  }
  HttpClient bare(server_->host(), server_->port());
  const std::string note = R"({"kind":"note","text":"csrf"})";
  const std::string path = "/api/v1/cases/" + *own_case_ + "/events";
  HttpResponse r = bare.request("POST", path, note, {{"Cookie", cookie}, {"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 403u) << r.body;
  EXPECT_NE(r.body.find("X-CSRF-Token"), std::string::npos);
  r = bare.request("POST", path, note, {{"Cookie", cookie}, {"X-CSRF-Token", "forged"}, {"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 403u) << r.body;
  // Reading needs no CSRF token; the right one lets the change through.
  EXPECT_EQ(bare.request("GET", "/api/v1/cases/" + *own_case_, "", {{"Cookie", cookie}}).status, 200u);
  EXPECT_EQ(own->post(path, note).status, 200u);
}

TEST_F(AccessTest, ReroutingMovesVisibilityWithTheCase) {
  auto centre = as(Caller::kCentre);
  HttpResponse r = centre->post("/api/v1/instructions", sample_instruction("ACC-MOVE", "13855556666"));
  const std::string id(json::parse(r.body).at("results").at(0).at("case_id").as_string());
  auto own = as(Caller::kStationOwn);
  auto other = as(Caller::kStationOther);
  ASSERT_EQ(own->get("/api/v1/cases/" + id).status, 200u);
  ASSERT_EQ(other->get("/api/v1/cases/" + id).status, 404u);
  EventStream stream(server_->host(), server_->port(), "/api/v1/stream", {}, headers_of(*own));
  ASSERT_EQ(stream.status(), 200u);
  r = own->post("/api/v1/cases/" + id + "/events",
                R"({"kind":"reroute","reason":"本人说在沙坪坝","location":{"lat":29.6245,"lon":106.3682,"adcode":"500106"}})");
  ASSERT_EQ(r.status, 200u) << r.body;
  // The old station's stream hears that the case left, and where to; then nothing more of it.
  bool told = false;
  for (int i = 0; i < 20 && !told; ++i) {
    auto m = stream.next_event(3000);
    if (!m) break;
    if (m->data.find(id) == std::string::npos) continue;
    const json::value change = json::parse(m->data);
    told = change.at("kind").as_string() == "rerouted" &&
           change.at("case").at("station").at("code").as_string() == *other_station_;
  }
  EXPECT_TRUE(told) << "station " << *own_station_ << " was not told its case moved";
  ASSERT_EQ(centre->post("/api/v1/cases/" + id + "/events", R"({"kind":"note","text":"新辖区处理中"})").status, 200u);
  ASSERT_EQ(centre->post("/api/v1/cases/" + *own_case_ + "/events", R"({"kind":"note","text":"标记"})").status, 200u);
  for (int i = 0; i < 20; ++i) {
    auto m = stream.next_event(3000);
    ASSERT_TRUE(m) << "the marker note on the own case never came";
    EXPECT_EQ(m->data.find(id), std::string::npos) << "a moved case's later change reached the old station: " << m->data;
    if (m->data.find(*own_case_) != std::string::npos) break;
  }
  EXPECT_EQ(own->get("/api/v1/cases/" + id).status, 404u);
  EXPECT_EQ(own->post("/api/v1/cases/" + id + "/events", R"({"kind":"note","text":"还能改吗"})").status, 404u);
  HttpResponse moved = other->get("/api/v1/cases/" + id);
  ASSERT_EQ(moved.status, 200u) << moved.body;
  EXPECT_EQ(json::parse(moved.body).at("station").at("code").as_string(), *other_station_);
}

TEST_F(AccessTest, RepeatedWrongPasswordsLockTheAccountAndLogoutEndsTheSession) {
  add_user(*dir_ + "/data", "m-locked", "station", kPassword, *own_station_);
  HttpClient client(server_->host(), server_->port());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.login("m-locked", "wrong-password").status, 401u);
  HttpResponse r = client.login("m-locked", kPassword);
  EXPECT_EQ(r.status, 401u) << "a locked account is refused even with its password: " << r.body;
  // Unknown names get the same answer.
  HttpResponse unknown = client.login("nobody-at-all", "whatever");
  EXPECT_EQ(unknown.status, 401u);
  EXPECT_EQ(unknown.body, r.body);
  // Bad input names the field.
  r = client.post("/api/v1/session", R"({"name":"m-locked"})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("password"), std::string::npos);

  auto own = as(Caller::kStationOwn);
  ASSERT_EQ(own->get("/api/v1/session").status, 200u);
  EXPECT_EQ(own->request("DELETE", "/api/v1/session").status, 204u);
  EXPECT_EQ(own->get("/api/v1/cases").status, 401u);
  EXPECT_EQ(own->get("/api/v1/session").status, 401u);
}

TEST_F(AccessTest, TheSessionCookieIsHttpOnlySecureAndStrict) {
  HttpClient client(server_->host(), server_->port());
  HttpResponse r = client.login("m-centre", kPassword);
  ASSERT_EQ(r.status, 200u);
  const std::string cookie = r.headers["set-cookie"];
  for (const char* attr : {"HttpOnly", "Secure", "SameSite=Strict", "Path=/"}) {
    EXPECT_NE(cookie.find(attr), std::string::npos) << cookie;
  }
  EXPECT_EQ(cookie.find("csrf"), std::string::npos);
  // Tokens: a wrong or malformed one is refused without saying which.
  HttpClient machine(server_->host(), server_->port());
  machine.set_default_headers(bearer("qz_" + std::string(43, 'A')));
  EXPECT_EQ(machine.get("/api/v1/cases").status, 401u);
  machine.set_default_headers({{"Authorization", "Basic dXNlcjpwYXNz"}});
  EXPECT_EQ(machine.get("/api/v1/cases").status, 401u);
}

}  // namespace
