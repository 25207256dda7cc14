// The HTTP API and the command line of the real `quanzu` binary: every endpoint with good
// and bad input, the live stream, restarts and `quanzu ingest`.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"

namespace quanzu::testing {
namespace {

namespace json = boost::json;

// Generous: the answers come in milliseconds; this only bounds a broken server.
constexpr int kEventTimeoutMs = 10000;

json::value parse(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) throw std::runtime_error("response is not JSON (" + ec.message() + "): " + text);
  return v;
}

std::string text(const json::value& v) { return std::string(v.as_string()); }

// The sample instruction with `edit` applied.
std::string edited(const std::string& id, const std::function<void(json::object&)>& edit) {
  json::value v = parse(sample_instruction(id));
  edit(v.as_object());
  return json::serialize(v);
}

// An instruction that the default rules (SPEC "Default grading") grade at `level`. The
// phone must be new to the store, or the repeat-warning rule raises the level; it names no
// indicator, so the fraud-cluster rule cannot link it to others and raise them.
std::string graded(const std::string& id, const std::string& level, const std::string& phone) {
  return edited(id, [&](json::object& o) {
    o.erase("upstream_level");
    o.erase("indicators");
    o["subject"].as_object()["phone"] = phone;
    if (level == "extreme") {
      o["trigger"] = "completed_transfer";
    } else if (level == "high") {
      o["trigger"] = "pending_transfer";  // 5,000 CNY at risk, aged 34
    } else if (level == "medium") {
      o["trigger"] = "fraud_app_install";
    } else {
      o["trigger"] = "fraud_url_visit";
      o["scam_type"] = "click_farming_rebate";
    }
  });
}

std::string array_of(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]";
}

bool names_field(const json::value& result, const std::string& field) {
  const json::object& o = result.as_object();
  if (!o.contains("errors")) return false;
  for (const auto& e : o.at("errors").as_array()) {
    if (text(e.at("field")) == field) return true;
  }
  return false;
}

// The status line and the error body for a 4xx with {"errors": [...]} naming `field`.
::testing::AssertionResult refused_naming(const HttpResponse& r, unsigned status,
                                          const std::string& field) {
  if (r.status != status) {
    return ::testing::AssertionFailure()
           << "status " << r.status << ", want " << status << ": " << r.body;
  }
  json::value body = parse(r.body);
  if (!body.as_object().contains("error"))
    return ::testing::AssertionFailure() << "no \"error\": " << r.body;
  if (!names_field(body, field)) {
    return ::testing::AssertionFailure() << "field " << field << " not named: " << r.body;
  }
  return ::testing::AssertionSuccess();
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_dir("api");
    start();
  }

  void start(const std::vector<std::string>& extra = {}) {
    client_.reset();
    server_ = ServerProcess::start(quanzu_binary(), dir_, extra);
    client_ = std::make_unique<HttpClient>(server_->host(), server_->port());
    client_->set_default_headers(server_->auth());
  }

  // Stops the server gracefully and starts it again on the same data and address; the
  // client keeps its (now dead) connection and must reconnect by itself.
  void restart() {
    const std::string listen = server_->host() + ":" + std::to_string(server_->port());
    EXPECT_EQ(server_->terminate(), 0) << server_->output();
    server_ = ServerProcess::start(quanzu_binary(), dir_, {"--listen", listen});
  }

  // POSTs a body of instructions; the "results" of a 200 answer.
  json::array ingest(const std::string& body, const std::string& type = "application/json") {
    HttpResponse r = client_->post("/api/v1/instructions", body, type);
    if (r.status != 200)
      throw std::runtime_error("ingest answered " + std::to_string(r.status) + ": " + r.body);
    return parse(r.body).at("results").as_array();
  }

  // Ingests one instruction that must be created; its case id.
  std::string create(const std::string& instruction) {
    json::array results = ingest(instruction);
    if (results.size() != 1 || text(results[0].at("status")) != "created") {
      throw std::runtime_error("not created: " + json::serialize(results));
    }
    return text(results[0].at("case_id"));
  }

  json::value get_json(const std::string& target, unsigned want = 200) {
    HttpResponse r = client_->get(target);
    if (r.status != want) {
      throw std::runtime_error("GET " + target + " answered " + std::to_string(r.status) + ": " +
                               r.body);
    }
    return parse(r.body);
  }

  HttpResponse event(const std::string& case_id, const std::string& body) {
    return client_->post("/api/v1/cases/" + case_id + "/events", body);
  }

  // All case summaries of a listing query, page by page.
  std::vector<json::value> list_all(const std::string& query) {
    std::vector<json::value> out;
    std::string cursor;
    for (int page = 0; page < 1000; ++page) {
      std::string target = "/api/v1/cases?" + query + (cursor.empty() ? "" : "&cursor=" + cursor);
      json::value body = get_json(target);
      for (const auto& c : body.at("cases").as_array()) out.push_back(c);
      if (body.at("next_cursor").is_null()) return out;
      cursor = text(body.at("next_cursor"));
    }
    throw std::runtime_error("listing does not end");
  }

  std::string dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

// ---- POST /api/v1/instructions -------------------------------------------------------

TEST_F(ApiTest, SingleObjectBecomesACaseWithDetail) {
  json::array results = ingest(sample_instruction("CQ-JB-20231129-000123"));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(text(results[0].at("id")), "CQ-JB-20231129-000123");
  EXPECT_EQ(text(results[0].at("status")), "created");
  const std::string case_id = text(results[0].at("case_id"));
  ASSERT_FALSE(case_id.empty());

  json::value c = get_json("/api/v1/cases/" + case_id);
  EXPECT_EQ(text(c.at("id")), case_id);
  EXPECT_EQ(text(c.at("instruction_id")), "CQ-JB-20231129-000123");
  EXPECT_EQ(text(c.at("level")), "extreme");
  EXPECT_FALSE(c.at("reasons").as_array().empty());
  ASSERT_TRUE(c.at("station").is_object()) << c;
  EXPECT_EQ(text(c.at("station").at("district_adcode")), "500105");
  EXPECT_FALSE(text(c.at("station").at("code")).empty());
  EXPECT_FALSE(text(c.at("station").at("name")).empty());
  EXPECT_EQ(text(c.at("status")), "open");
  EXPECT_TRUE(c.at("outcome").is_null());
  EXPECT_EQ(text(c.at("subject").at("phone")), "13800138000");
  const json::array& timeline = c.at("timeline").as_array();
  ASSERT_EQ(timeline.size(), 1u);
  EXPECT_EQ(text(timeline[0].at("kind")), "created");
  EXPECT_FALSE(text(timeline[0].at("at")).empty());

  // Lists mask personal data.
  json::value list = get_json("/api/v1/cases");
  ASSERT_EQ(list.at("cases").as_array().size(), 1u);
  EXPECT_EQ(text(list.at("cases").as_array()[0].at("subject").at("phone")), "138****8000");
}

TEST_F(ApiTest, ReplayAnswersDuplicateWithTheSameCase) {
  const std::string first = create(sample_instruction("CQ-dup-1"));
  json::array again = ingest(sample_instruction("CQ-dup-1"));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(text(again[0].at("status")), "duplicate");
  EXPECT_EQ(text(again[0].at("case_id")), first);
  EXPECT_EQ(get_json("/api/v1/stats").at("cases").as_int64(), 1);
}

TEST_F(ApiTest, IdRepeatedInsideOneBatchIsStoredOnce) {
  json::array results =
      ingest(array_of({sample_instruction("CQ-rep-A"), sample_instruction("CQ-rep-A"),
                       sample_instruction("CQ-rep-B")}));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(text(results[0].at("status")), "created");
  EXPECT_EQ(text(results[1].at("status")), "duplicate");
  EXPECT_EQ(text(results[1].at("case_id")), text(results[0].at("case_id")));
  EXPECT_EQ(text(results[2].at("status")), "created");
  EXPECT_NE(text(results[2].at("case_id")), text(results[0].at("case_id")));
  EXPECT_EQ(get_json("/api/v1/stats").at("cases").as_int64(), 2);
}

TEST_F(ApiTest, MixedBatchStoresTheValidAndExplainsTheInvalid) {
  const std::string no_trigger = edited("CQ-mix-2", [](json::object& o) { o.erase("trigger"); });
  json::array results = ingest(
      array_of({sample_instruction("CQ-mix-1"), no_trigger, sample_instruction("CQ-mix-3"), "42"}));
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(text(results[0].at("status")), "created");
  EXPECT_EQ(text(results[1].at("status")), "rejected");
  EXPECT_EQ(text(results[1].at("id")), "CQ-mix-2");
  EXPECT_TRUE(names_field(results[1], "trigger")) << results[1];
  EXPECT_FALSE(results[1].as_object().contains("case_id"));
  EXPECT_EQ(text(results[2].at("status")), "created");
  EXPECT_EQ(text(results[3].at("status")), "rejected");
  EXPECT_FALSE(results[3].at("errors").as_array().empty());

  for (size_t i : {0u, 2u}) {
    json::value c = get_json("/api/v1/cases/" + text(results[i].at("case_id")));
    EXPECT_EQ(text(c.at("instruction_id")), text(results[i].at("id")));
  }
  EXPECT_EQ(get_json("/api/v1/stats").at("cases").as_int64(), 2);
}

TEST_F(ApiTest, EachRejectionNamesTheField) {
  struct Bad {
    std::string field;
    std::string body;
  };
  auto edit = [](const std::string& id, const std::function<void(json::object&)>& f) {
    return edited(id, f);
  };
  auto subject = [](json::object& o) -> json::object& { return o["subject"].as_object(); };
  const std::vector<Bad> cases = {
      {"id", edit("", [](json::object& o) { o.erase("id"); })},
      {"id", edit("", [](json::object& o) { o["id"] = 17; })},
      {"id", edit(std::string(129, 'x'), [](json::object&) {})},
      {"issued_at", edit("b-issued-missing", [](json::object& o) { o.erase("issued_at"); })},
      {"issued_at", edit("b-issued-bad", [](json::object& o) { o["issued_at"] = "yesterday"; })},
      {"trigger", edit("b-trigger-missing", [](json::object& o) { o.erase("trigger"); })},
      {"trigger", edit("b-trigger-type", [](json::object& o) { o["trigger"] = 42; })},
      {"trigger", edit("b-trigger-enum", [](json::object& o) { o["trigger"] = "teleport"; })},
      {"source", edit("b-source-enum", [](json::object& o) { o["source"] = "twitter"; })},
      {"scam_type", edit("b-scam-enum", [](json::object& o) { o["scam_type"] = "lottery"; })},
      {"upstream_level",
       edit("b-level-enum", [](json::object& o) { o["upstream_level"] = "severe"; })},
      {"subject.phone",
       edit("b-phone-missing", [&](json::object& o) { subject(o).erase("phone"); })},
      {"subject.phone",
       edit("b-phone-bad", [&](json::object& o) { subject(o)["phone"] = "call me"; })},
      {"subject.phone",
       edit("b-phone-type", [&](json::object& o) { subject(o)["phone"] = 13800138000; })},
      {"subject.phone", edit("b-subject-missing", [](json::object& o) { o.erase("subject"); })},
      {"subject.age", edit("b-age-type", [&](json::object& o) { subject(o)["age"] = "34"; })},
      {"subject.gender",
       edit("b-gender-enum", [&](json::object& o) { subject(o)["gender"] = "X"; })},
      {"location", edit("b-location-missing", [](json::object& o) { o.erase("location"); })},
      {"location",
       edit("b-location-empty", [](json::object& o) { o["location"] = json::object{}; })},
      {"location.lon", edit("b-lon-missing",
                            [](json::object& o) {
                              o["location"] = json::object{{"lat", 29.5}};
                            })},
      {"location.crs",
       edit("b-crs-enum", [](json::object& o) { o["location"].as_object()["crs"] = "bd09"; })},
      {"indicators[0].kind",
       edit("b-indicator-kind",
            [](json::object& o) { o["indicators"].as_array()[0].as_object()["kind"] = "email"; })},
      {"funds.at_risk_cny",
       edit("b-funds-type",
            [](json::object& o) { o["funds"].as_object()["at_risk_cny"] = "lots"; })},
  };
  std::vector<std::string> items;
  items.reserve(cases.size() + 1);
  for (const auto& c : cases) items.push_back(c.body);
  // Boost.JSON keeps the last of duplicate keys; the server must refuse them.
  items.push_back(
      R"({"id":"b-dup-key","id":"b-dup-key-2","issued_at":"2023-11-29T10:26:00+08:00",)"
      R"("trigger":"other","subject":{"phone":"13800138000"},"location":{"adcode":"500105"}})");
  json::array results = ingest(array_of(items));
  ASSERT_EQ(results.size(), items.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(text(results[i].at("status")), "rejected") << cases[i].body;
    EXPECT_TRUE(names_field(results[i], cases[i].field))
        << "want field " << cases[i].field << " in " << results[i] << " for " << cases[i].body;
    for (const auto& e : results[i].at("errors").as_array())
      EXPECT_FALSE(text(e.at("message")).empty());
  }
  EXPECT_EQ(text(results.back().at("status")), "rejected");
  EXPECT_TRUE(names_field(results.back(), "id")) << results.back();
  EXPECT_EQ(get_json("/api/v1/stats").at("cases").as_int64(), 0);
}

TEST_F(ApiTest, BodyThatIsNotJsonIs400) {
  for (const std::string body : {"{not json", "", "   ", "[1, 2", "\"just a string\" trailing"}) {
    HttpResponse r = client_->post("/api/v1/instructions", body);
    EXPECT_EQ(r.status, 400u) << "body: " << body << " -> " << r.body;
    json::value v = parse(r.body);
    EXPECT_TRUE(v.at("error").is_string()) << r.body;
  }
  HttpResponse r =
      client_->post("/api/v1/instructions", "garbage\nmore garbage\n", "application/x-ndjson");
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_TRUE(parse(r.body).at("error").is_string());
}

TEST_F(ApiTest, NdjsonBatchAnswersPerLineInOrder) {
  const std::string body = sample_instruction("CQ-nd-1") + "\n\n" + sample_instruction("CQ-nd-2") +
                           "\n{\"id\": broken\n" + sample_instruction("CQ-nd-1") + "\n";
  json::array results = ingest(body, "application/x-ndjson");
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(text(results[0].at("id")), "CQ-nd-1");
  EXPECT_EQ(text(results[0].at("status")), "created");
  EXPECT_EQ(text(results[1].at("id")), "CQ-nd-2");
  EXPECT_EQ(text(results[1].at("status")), "created");
  EXPECT_EQ(text(results[2].at("status")), "rejected");
  EXPECT_FALSE(results[2].at("errors").as_array().empty());
  EXPECT_EQ(text(results[3].at("status")), "duplicate");
  EXPECT_EQ(text(results[3].at("case_id")), text(results[0].at("case_id")));
  EXPECT_EQ(get_json("/api/v1/stats").at("cases").as_int64(), 2);
}

TEST_F(ApiTest, UnknownFieldsAreKeptVerbatim) {
  const std::string body = edited("CQ-extra-1", [](json::object& o) {
    o["x_vendor"] =
        json::object{{"score", 0.93}, {"tags", json::array{"a", "b"}}, {"nil", nullptr}};
    o["subject"].as_object()["wechat"] = "wx_12345";
  });
  const std::string case_id = create(body);
  json::value c = get_json("/api/v1/cases/" + case_id);
  EXPECT_EQ(c.at("instruction"), parse(body));
  EXPECT_EQ(text(c.at("instruction").at("subject").at("wechat")), "wx_12345");
}

// ---- limits -----------------------------------------------------------------------------

TEST_F(ApiTest, OversizeBodyAndTooManyItemsAre413) {
  const std::string config = dir_ + "/limits.toml";
  std::ofstream(config) << "[server]\nbody_limit_bytes = 4096\nmax_batch_items = 3\n";
  server_.reset();
  start({"--config", config});

  // Within both limits: accepted.
  json::array ok = ingest(
      array_of({sample_instruction("L-1"), sample_instruction("L-2"), sample_instruction("L-3")}));
  ASSERT_EQ(ok.size(), 3u);

  // Four items, under the byte limit.
  const std::string four = array_of({sample_instruction("L-4"), sample_instruction("L-5"),
                                     sample_instruction("L-6"), sample_instruction("L-7")});
  ASSERT_LT(four.size(), 4096u);
  HttpResponse r = client_->post("/api/v1/instructions", four);
  EXPECT_EQ(r.status, 413u) << r.body;
  EXPECT_TRUE(parse(r.body).at("error").is_string());
  std::string ndjson;
  for (int i = 0; i < 4; ++i) ndjson += sample_instruction("L-nd-" + std::to_string(i)) + "\n";
  r = client_->post("/api/v1/instructions", ndjson, "application/x-ndjson");
  EXPECT_EQ(r.status, 413u) << r.body;

  // One item padded over the byte limit.
  const std::string big =
      edited("L-big", [](json::object& o) { o["padding"] = std::string(5000, 'p'); });
  r = client_->post("/api/v1/instructions", big);
  EXPECT_EQ(r.status, 413u) << r.body;
  EXPECT_TRUE(parse(r.body).at("error").is_string());

  // A chunked body has no length to refuse up front; it is cut off at the limit.
  std::string chunked =
      "POST /api/v1/instructions HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) chunked += "800\r\n" + std::string(0x800, ' ') + "\r\n";
  chunked += "0\r\n\r\n";
  const std::string answer = raw_exchange(server_->host(), server_->port(), chunked);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer;

  // Nothing of the refused bodies was stored, and the server still answers.
  EXPECT_EQ(get_json("/api/v1/stats").at("cases").as_int64(), 3);
}

// ---- GET /api/v1/cases ---------------------------------------------------------------

TEST_F(ApiTest, ListingFilters) {
  std::vector<std::string> jiangbei_extreme, yuzhong_high;
  auto located = [](const std::string& instruction, json::object location) {
    json::value v = parse(instruction);
    v.as_object()["location"] = std::move(location);
    return json::serialize(v);
  };
  for (int i = 0; i < 3; ++i) {
    jiangbei_extreme.push_back(
        create(graded("F-jb-" + std::to_string(i), "extreme", "13911110000")));
  }
  for (int i = 0; i < 2; ++i) {
    const std::string n = std::to_string(i);
    yuzhong_high.push_back(
        create(located(graded("F-yz-" + n, "high", "1392222000" + n), {{"adcode", "500103"}})));
  }
  // A cell the cell-site table does not know, and nothing else: the centre's queue.
  const std::string unrouted =
      create(located(graded("F-none", "low", "13933330000"), {{"cell_id", "460-00-99999-999"}}));
  ASSERT_EQ(event(jiangbei_extreme[0], R"({"kind":"outcome","outcome":"warned"})").status, 200u);

  const json::value jb = get_json("/api/v1/cases/" + jiangbei_extreme[1]);
  const std::string jb_station = text(jb.at("station").at("code"));
  const json::value yz = get_json("/api/v1/cases/" + yuzhong_high[0]);
  ASSERT_TRUE(yz.at("station").is_object()) << yz;
  EXPECT_EQ(text(yz.at("station").at("district_adcode")), "500103");
  const json::value none = get_json("/api/v1/cases/" + unrouted);
  EXPECT_TRUE(none.at("station").is_null());
  EXPECT_EQ(text(none.at("status")), "unrouted");

  auto ids = [&](const std::string& query) {
    std::set<std::string> out;
    for (const auto& c : list_all(query)) out.insert(text(c.at("id")));
    return out;
  };
  auto set_of = [](std::vector<std::string> v) {
    return std::set<std::string>(v.begin(), v.end());
  };

  EXPECT_EQ(ids("level=extreme"), set_of(jiangbei_extreme));
  EXPECT_EQ(ids("level=high"), set_of(yuzhong_high));
  EXPECT_EQ(ids("level=medium"), std::set<std::string>{});
  EXPECT_EQ(ids("station=" + jb_station), set_of(jiangbei_extreme));
  EXPECT_EQ(ids("station=none"), std::set<std::string>{unrouted});
  EXPECT_EQ(ids("status=unrouted"), std::set<std::string>{unrouted});
  EXPECT_EQ(ids("status=closed"), std::set<std::string>{jiangbei_extreme[0]});
  EXPECT_EQ(ids("status=open"),
            set_of({jiangbei_extreme[1], jiangbei_extreme[2], yuzhong_high[0], yuzhong_high[1]}));
  EXPECT_EQ(ids("outcome=warned"), std::set<std::string>{jiangbei_extreme[0]});
  EXPECT_EQ(ids("outcome=dissuaded"), std::set<std::string>{});
  EXPECT_EQ(ids("since=1h").size(), 6u);
  EXPECT_EQ(ids("since=2023-01-01T00:00:00%2B08:00").size(), 6u);
  EXPECT_EQ(ids("until=2000-01-01T00:00:00Z"), std::set<std::string>{});
  EXPECT_EQ(ids("since=2999-01-01T00:00:00Z"), std::set<std::string>{});
  EXPECT_EQ(ids("level=extreme&status=open&station=" + jb_station),
            set_of({jiangbei_extreme[1], jiangbei_extreme[2]}));

  json::value page = get_json("/api/v1/cases?level=extreme&limit=2");
  EXPECT_EQ(page.at("cases").as_array().size(), 2u);
  EXPECT_TRUE(page.at("next_cursor").is_string());

  EXPECT_TRUE(refused_naming(client_->get("/api/v1/cases?level=severe"), 400, "level"));
  EXPECT_TRUE(refused_naming(client_->get("/api/v1/cases?status=done"), 400, "status"));
  EXPECT_TRUE(refused_naming(client_->get("/api/v1/cases?outcome=won"), 400, "outcome"));
  EXPECT_TRUE(refused_naming(client_->get("/api/v1/cases?since=yesterday"), 400, "since"));
  EXPECT_TRUE(refused_naming(client_->get("/api/v1/cases?until=soon"), 400, "until"));
  EXPECT_TRUE(refused_naming(client_->get("/api/v1/cases?limit=0"), 400, "limit"));
  EXPECT_TRUE(refused_naming(client_->get("/api/v1/cases?limit=ten"), 400, "limit"));
  EXPECT_TRUE(refused_naming(client_->get("/api/v1/cases?limit=100000"), 400, "limit"));
  EXPECT_TRUE(refused_naming(client_->get("/api/v1/cases?cursor=nonsense"), 400, "cursor"));
  EXPECT_TRUE(refused_naming(client_->get("/api/v1/cases?colour=red"), 400, "colour"));
}

TEST_F(ApiTest, KeysetPaginationVisitsEveryCaseOnce) {
  // Batches share a creation instant, so pages must break ties by id.
  std::set<std::string> all;
  for (int b = 0; b < 4; ++b) {
    std::vector<std::string> items;
    items.reserve(5);
    for (int i = 0; i < 5; ++i)
      items.push_back(sample_instruction("P-" + std::to_string(b) + "-" + std::to_string(i)));
    for (const auto& r : ingest(array_of(items))) all.insert(text(r.at("case_id")));
  }
  for (int i = 0; i < 3; ++i)
    all.insert(create(sample_instruction("P-single-" + std::to_string(i))));
  ASSERT_EQ(all.size(), 23u);

  std::vector<std::string> seen;
  std::string cursor;
  std::string previous_created;
  int pages = 0;
  for (; pages < 100; ++pages) {
    json::value body =
        get_json("/api/v1/cases?limit=4" + (cursor.empty() ? "" : "&cursor=" + cursor));
    const json::array& cases = body.at("cases").as_array();
    EXPECT_LE(cases.size(), 4u);
    for (const auto& c : cases) {
      seen.push_back(text(c.at("id")));
      // Newest first (same offset everywhere, so the text orders like the instant).
      const std::string created = text(c.at("created_at"));
      if (!previous_created.empty()) {
        EXPECT_LE(created, previous_created);
      }
      previous_created = created;
    }
    if (body.at("next_cursor").is_null()) break;
    cursor = text(body.at("next_cursor"));
  }
  EXPECT_EQ(pages + 1, 6);  // 4+4+4+4+4+3
  EXPECT_EQ(seen.size(), 23u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), all);
}

// ---- GET /api/v1/cases/{id} and POST /api/v1/cases/{id}/events -------------------------

TEST_F(ApiTest, UnknownCaseIs404) {
  HttpResponse r = client_->get("/api/v1/cases/C0000000000NOSUCH");
  EXPECT_EQ(r.status, 404u);
  EXPECT_TRUE(parse(r.body).at("error").is_string());
  r = event("C0000000000NOSUCH", R"({"kind":"note","text":"hello"})");
  EXPECT_EQ(r.status, 404u) << r.body;
  EXPECT_TRUE(parse(r.body).at("error").is_string());
}

TEST_F(ApiTest, EventsFollowTheCaseLifecycle) {
  const std::string id = create(sample_instruction("E-1"));

  HttpResponse r = event(
      id, R"({"kind":"attempt","channel":"manual_call","result":"hung_up","duration_seconds":4})");
  ASSERT_EQ(r.status, 200u) << r.body;
  json::value body = parse(r.body);
  EXPECT_EQ(text(body.at("status")), "in_progress");
  EXPECT_EQ(text(body.at("event").at("kind")), "attempt");

  r = event(id, R"({"kind":"note","text":"家属称本人正在银行柜台"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(text(parse(r.body).at("status")), "in_progress");

  // Refusals that change nothing.
  EXPECT_TRUE(refused_naming(event(id, R"({"kind":"outcome","outcome":"dissuaded"})"), 400,
                             "amount_protected_cny"));
  EXPECT_TRUE(
      refused_naming(event(id, R"({"kind":"outcome","outcome":"warned","amount_protected_cny":5})"),
                     400, "amount_protected_cny"));
  EXPECT_TRUE(refused_naming(
      event(id, R"({"kind":"outcome","outcome":"dissuaded","amount_protected_cny":"300"})"), 400,
      "amount_protected_cny"));
  EXPECT_TRUE(refused_naming(event(id, R"({"kind":"outcome","outcome":"won"})"), 400, "outcome"));
  EXPECT_TRUE(refused_naming(
      event(id, R"({"kind":"attempt","channel":"pigeon","result":"answered"})"), 400, "channel"));
  EXPECT_TRUE(refused_naming(event(id, R"({"kind":"attempt","channel":"sms","result":"exploded"})"),
                             400, "result"));
  EXPECT_TRUE(
      refused_naming(event(id, R"({"kind":"attempt","result":"answered"})"), 400, "channel"));
  EXPECT_TRUE(refused_naming(event(id, R"({"kind":"teleport"})"), 400, "kind"));
  EXPECT_TRUE(refused_naming(event(id, R"({"text":"no kind"})"), 400, "kind"));
  EXPECT_TRUE(refused_naming(event(id, R"({"kind":"note"})"), 400, "text"));
  r = event(id, "{oops");
  EXPECT_EQ(r.status, 400u);
  EXPECT_TRUE(parse(r.body).at("error").is_string());
  // Only a closed case can be reopened.
  r = event(id, R"({"kind":"reopen","reason":"too early"})");
  EXPECT_EQ(r.status, 409u) << r.body;

  r = event(id, R"({"kind":"outcome","outcome":"dissuaded","amount_protected_cny":300})");
  ASSERT_EQ(r.status, 200u) << r.body;
  body = parse(r.body);
  EXPECT_EQ(text(body.at("status")), "closed");
  EXPECT_EQ(text(body.at("outcome")), "dissuaded");
  EXPECT_EQ(body.at("amount_protected_cny").to_number<double>(), 300);

  r = event(id, R"({"kind":"outcome","outcome":"warned"})");
  EXPECT_EQ(r.status, 409u) << r.body;
  EXPECT_FALSE(text(parse(r.body).at("error")).empty());
  r = event(id, R"({"kind":"attempt","channel":"sms","result":"delivered"})");
  EXPECT_EQ(r.status, 409u) << r.body;

  r = event(id, R"({"kind":"reopen","reason":"本人再次联系骗子"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  body = parse(r.body);
  EXPECT_EQ(text(body.at("status")), "in_progress");
  EXPECT_TRUE(body.at("outcome").is_null());

  json::value c = get_json("/api/v1/cases/" + id);
  EXPECT_EQ(text(c.at("status")), "in_progress");
  // The events people caused; the action plan adds its own ("plan", "attempt_placed",
  // "dispatch_waiting", ...) in between, by "system".
  json::array timeline;
  for (const auto& e : c.at("timeline").as_array()) {
    static const std::set<std::string> kPeople{"created", "attempt", "note", "outcome", "reopened"};
    if (kPeople.count(text(e.at("kind")))) timeline.push_back(e);
  }
  std::vector<std::string> kinds;
  for (const auto& e : timeline) kinds.push_back(text(e.at("kind")));
  EXPECT_EQ(kinds, (std::vector<std::string>{"created", "attempt", "note", "outcome", "reopened"}));
  ASSERT_EQ(timeline.size(), 5u);
  for (size_t i = 1; i < timeline.size(); ++i) {
    EXPECT_GT(timeline[i].at("seq").to_number<std::int64_t>(),
              timeline[i - 1].at("seq").to_number<std::int64_t>());
  }
  EXPECT_EQ(text(timeline[1].at("channel")), "manual_call");
  EXPECT_EQ(text(timeline[1].at("result")), "hung_up");
  EXPECT_EQ(text(timeline[2].at("text")), "家属称本人正在银行柜台");
  EXPECT_EQ(text(timeline[3].at("outcome")), "dissuaded");
  EXPECT_EQ(timeline[3].at("amount_protected_cny").to_number<double>(), 300);
  EXPECT_EQ(text(timeline[4].at("reason")), "本人再次联系骗子");
}

TEST_F(ApiTest, ConcurrentOutcomesCloseTheCaseOnce) {
  const std::string id = create(sample_instruction("E-race"));
  constexpr int kClients = 6;
  std::vector<unsigned> statuses(kClients);
  std::vector<std::thread> threads;
  threads.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      HttpClient client(server_->host(), server_->port());
      client.set_default_headers(server_->auth());
      statuses[i] = client
                        .post("/api/v1/cases/" + id + "/events",
                              R"({"kind":"outcome","outcome":"warned","note":"client )" +
                                  std::to_string(i) + R"("})")
                        .status;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200u), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409u), kClients - 1);
  int outcomes = 0;
  const json::value c = get_json("/api/v1/cases/" + id);
  for (const auto& e : c.at("timeline").as_array()) outcomes += text(e.at("kind")) == "outcome";
  EXPECT_EQ(outcomes, 1);
}

// ---- GET /api/v1/stats ---------------------------------------------------------------

TEST_F(ApiTest, StatsCountLevelsOutcomesPeopleAndMoney) {
  // The same person warned twice (already 特危, so the repeat cannot raise it further).
  const std::string a = create(graded("S-a", "extreme", "13900000001"));
  const std::string b = create(graded("S-b", "extreme", "13900000001"));
  const std::string c = create(graded("S-c", "high", "13900000002"));
  const std::string d = create(graded("S-d", "low", "13900000003"));
  create(graded("S-e", "medium", "13900000004"));
  ASSERT_EQ(
      event(a, R"({"kind":"outcome","outcome":"dissuaded","amount_protected_cny":300})").status,
      200u);
  ASSERT_EQ(
      event(b, R"({"kind":"outcome","outcome":"dissuaded","amount_protected_cny":100})").status,
      200u);
  ASSERT_EQ(
      event(c, R"({"kind":"outcome","outcome":"dissuaded","amount_protected_cny":1200.5})").status,
      200u);
  ASSERT_EQ(event(d, R"({"kind":"outcome","outcome":"warned"})").status, 200u);

  json::value s = get_json("/api/v1/stats");
  EXPECT_EQ(s.at("cases").as_int64(), 5);
  EXPECT_EQ(s.at("by_level"), parse(R"({"extreme":2,"high":1,"low":1,"medium":1})"));
  EXPECT_EQ(s.at("by_outcome"), parse(R"({"dissuaded":3,"warned":1})"));
  EXPECT_EQ(s.at("by_status"), parse(R"({"closed":4,"open":1})"));
  // Two people: 13900000001 was dissuaded twice.
  EXPECT_EQ(s.at("people_dissuaded").as_int64(), 2);
  EXPECT_DOUBLE_EQ(s.at("amount_protected_cny").to_number<double>(), 1600.5);
  std::int64_t by_station = 0;
  for (const auto& st : s.at("by_station").as_array()) by_station += st.at("cases").as_int64();
  EXPECT_EQ(by_station, 5);

  EXPECT_EQ(get_json("/api/v1/stats?since=2999-01-01T00:00:00Z").at("cases").as_int64(), 0);
  EXPECT_TRUE(refused_naming(client_->get("/api/v1/stats?colour=red"), 400, "colour"));
  EXPECT_TRUE(refused_naming(client_->get("/api/v1/stats?since=yesterday"), 400, "since"));
}

// ---- GET /api/v1/stream --------------------------------------------------------------

std::string instruction_of(const SseMessage& m) {
  return text(parse(m.data).at("case").at("instruction_id"));
}

// The next message whose change is of one of `kinds`. Others come and go meanwhile: the
// channels report that the automatic SMS and robocall of each new case went out.
std::optional<SseMessage> next_of(EventStream& stream, const std::set<std::string>& kinds,
                                  std::int64_t* previous = nullptr) {
  for (int i = 0; i < 50; ++i) {
    auto m = stream.next_event(kEventTimeoutMs);
    if (!m) return m;
    if (previous) {
      EXPECT_GT(std::stoll(m->id), *previous) << "a repeated or out-of-order event";
      *previous = std::stoll(m->id);
    }
    if (kinds.count(text(parse(m->data).at("kind")))) return m;
  }
  return std::nullopt;
}

TEST_F(ApiTest, StreamDeliversLiveEventsAndReplaysMissedOnes) {
  std::int64_t last_id = 0;
  {
    EventStream stream(server_->host(), server_->port(), "/api/v1/stream", {}, server_->auth());
    ASSERT_EQ(stream.status(), 200u) << stream.body();
    EXPECT_TRUE(stream.headers().at("content-type").starts_with("text/event-stream"));
    // The server registers the client before it sends "retry:"; from then on nothing is missed.
    auto hello = stream.next(kEventTimeoutMs);
    ASSERT_TRUE(hello.has_value());
    EXPECT_FALSE(hello->retry.empty());

    const std::string case_id = create(sample_instruction("SSE-live"));
    auto m = stream.next_event(kEventTimeoutMs);
    ASSERT_TRUE(m.has_value()) << "no live event";
    EXPECT_EQ(m->event, "case");
    ASSERT_FALSE(m->id.empty());
    json::value data = parse(m->data);
    EXPECT_EQ(text(data.at("kind")), "created");
    EXPECT_EQ(text(data.at("case").at("id")), case_id);
    EXPECT_EQ(text(data.at("case").at("instruction_id")), "SSE-live");

    ASSERT_EQ(
        event(case_id, R"({"kind":"attempt","channel":"robocall","result":"no_answer"})").status,
        200u);
    m = next_of(stream, {"attempt"});
    ASSERT_TRUE(m.has_value()) << "no live event for the attempt";
    EXPECT_EQ(text(parse(m->data).at("kind")), "attempt");
    EXPECT_EQ(text(parse(m->data).at("case").at("status")), "in_progress");
    last_id = std::stoll(m->id);
  }
  // Disconnected: these are missed.
  ingest(array_of({sample_instruction("SSE-missed-1"), sample_instruction("SSE-missed-2")}));
  create(sample_instruction("SSE-missed-3"));

  EventStream again(server_->host(), server_->port(), "/api/v1/stream", std::to_string(last_id), server_->auth());
  ASSERT_EQ(again.status(), 200u) << again.body();
  std::vector<std::string> replayed;
  std::int64_t previous = last_id;
  for (int i = 0; i < 3; ++i) {
    auto m = next_of(again, {"created"}, &previous);
    ASSERT_TRUE(m.has_value()) << "replay stopped after " << i;
    replayed.push_back(instruction_of(*m));
  }
  EXPECT_EQ(replayed, (std::vector<std::string>{"SSE-missed-1", "SSE-missed-2", "SSE-missed-3"}));
  // Exactly those: the next new case is the next one, none repeated.
  create(sample_instruction("SSE-after"));
  auto m = next_of(again, {"created"}, &previous);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(instruction_of(*m), "SSE-after");

  EventStream bad(server_->host(), server_->port(), "/api/v1/stream", "not-a-number", server_->auth());
  EXPECT_EQ(bad.status(), 400u);
  EXPECT_TRUE(parse(bad.body()).at("error").is_string()) << bad.body();
}

// ---- /healthz, /metrics, methods and paths -------------------------------------------

TEST_F(ApiTest, HealthzIsOk) {
  HttpResponse r = client_->get("/healthz");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(text(parse(r.body).at("status")), "ok");
}

TEST_F(ApiTest, MetricsCountInstructionsAndLatency) {
  ingest(
      array_of({sample_instruction("M-1"), sample_instruction("M-2"), sample_instruction("M-3")}));
  ingest(sample_instruction("M-1"));
  ingest(edited("M-bad", [](json::object& o) { o.erase("trigger"); }));
  ASSERT_EQ(client_->post("/api/v1/instructions", "{nope").status, 400u);

  // Three ingest requests reached an answer of 200. The server records an answer's latency
  // just after handing the answer over (api.cc), so the histogram may trail this client by
  // a moment: poll for it, with a deadline.
  const std::string ingest_count = "quanzu_request_duration_seconds_count{route=\"ingest\"} 3";
  HttpResponse r;
  std::string m;
  auto has_line = [&](const std::string& line) {
    return m.find("\n" + line + "\n") != std::string::npos;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    r = client_->get("/metrics");
    ASSERT_EQ(r.status, 200u);
    m = r.body;
  } while (!has_line(ingest_count) && std::chrono::steady_clock::now() < deadline);
  EXPECT_TRUE(r.headers["content-type"].starts_with("text/plain")) << r.headers["content-type"];
  EXPECT_TRUE(has_line("quanzu_instructions_total{result=\"created\"} 3")) << m;
  EXPECT_TRUE(has_line("quanzu_instructions_total{result=\"duplicate\"} 1")) << m;
  EXPECT_TRUE(has_line("quanzu_instructions_total{result=\"rejected\"} 1")) << m;
  EXPECT_TRUE(has_line("quanzu_ingest_bodies_rejected_total 1")) << m;
  EXPECT_TRUE(has_line("# TYPE quanzu_request_duration_seconds histogram")) << m;
  EXPECT_TRUE(has_line(ingest_count)) << m;
  EXPECT_TRUE(has_line("quanzu_request_duration_seconds_bucket{route=\"ingest\",le=\"+Inf\"} 3"))
      << m;
  EXPECT_NE(m.find("\nquanzu_request_duration_seconds_sum{route=\"ingest\"} "), std::string::npos)
      << m;
  EXPECT_NE(m.find("\nquanzu_request_duration_seconds_bucket{route=\"ingest\",le=\"0.005\"} "),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("\n# TYPE quanzu_store_commit_size histogram\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\nquanzu_store_commit_size_bucket{le=\"+Inf\"} "), std::string::npos) << m;
}

TEST_F(ApiTest, WrongMethodIs405WithAllow) {
  struct Probe {
    std::string method, target, allow;
  };
  for (const Probe& p : std::vector<Probe>{{"GET", "/api/v1/instructions", "POST"},
                                           {"PUT", "/api/v1/instructions", "POST"},
                                           {"DELETE", "/api/v1/cases", "GET"},
                                           {"POST", "/api/v1/cases", "GET"},
                                           {"PUT", "/api/v1/cases/C1", "GET"},
                                           {"GET", "/api/v1/cases/C1/events", "POST"},
                                           {"POST", "/api/v1/stats", "GET"},
                                           {"POST", "/api/v1/stream", "GET"}}) {
    HttpResponse r = client_->request(p.method, p.target, p.method == "GET" ? "" : "{}",
                                      {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, 405u) << p.method << " " << p.target;
    EXPECT_EQ(r.headers["allow"], p.allow) << p.method << " " << p.target;
    EXPECT_TRUE(parse(r.body).at("error").is_string());
  }
}

// Found by this test (fixed in 27e5ad0): /healthz and /metrics used to answer every method.
TEST_F(ApiTest, HealthzAndMetricsRefuseWrongMethod) {
  for (const std::string target : {"/healthz", "/metrics"}) {
    HttpResponse r = client_->request("DELETE", target);
    EXPECT_EQ(r.status, 405u) << "DELETE " << target;
    EXPECT_EQ(r.headers["allow"], "GET") << "DELETE " << target;
  }
}

TEST_F(ApiTest, UnknownPathIs404) {
  for (const std::string target :
       {"/nope", "/api/v2/cases", "/api/v1/cases/C1/whatever", "/api/v1/cases/"}) {
    HttpResponse r = client_->get(target);
    EXPECT_EQ(r.status, 404u) << target;
    EXPECT_TRUE(parse(r.body).at("error").is_string()) << target;
  }
}

TEST_F(ApiTest, MalformedHttpIs400) {
  const std::string answer = raw_exchange(server_->host(), server_->port(), "HELLO WORLD\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
  EXPECT_EQ(client_->get("/healthz").status, 200u);
}

// ---- restarts ------------------------------------------------------------------------

TEST_F(ApiTest, DataSurvivesARestart) {
  const std::string id = create(sample_instruction("R-1"));
  create(graded("R-2", "high", "13944440000"));
  ASSERT_EQ(
      event(id, R"({"kind":"outcome","outcome":"dissuaded","amount_protected_cny":800})").status,
      200u);
  const json::value before = get_json("/api/v1/cases/" + id);
  const json::value stats_before = get_json("/api/v1/stats");

  restart();

  EXPECT_EQ(get_json("/api/v1/cases/" + id), before);
  EXPECT_EQ(get_json("/api/v1/stats").at("cases").as_int64(), 2);
  EXPECT_EQ(get_json("/api/v1/stats").at("by_outcome"), stats_before.at("by_outcome"));
  json::array again = ingest(sample_instruction("R-1"));
  EXPECT_EQ(text(again[0].at("status")), "duplicate");
  EXPECT_EQ(text(again[0].at("case_id")), id);
  ASSERT_EQ(event(id, R"({"kind":"note","text":"after restart"})").status, 200u);
  EXPECT_EQ(get_json("/api/v1/cases/" + id).at("timeline").as_array().size(), 3u);
}

// ---- the command line ----------------------------------------------------------------

TEST(CliTest, IngestCommandLoadsAMixedFile) {
  const std::string dir = fresh_dir("cli-ingest");
  const std::string file = dir + "/feed.ndjson";
  {
    std::ofstream out(file);
    out << sample_instruction("I-1") << "\n"
        << sample_instruction("I-2") << "\n"
        << R"({"id":"I-bad","issued_at":"2023-11-29T10:26:00+08:00","subject":{"phone":"1"}})"
        << "\n"
        << sample_instruction("I-1") << "\n"
        << sample_instruction("I-3") << "\n";
  }
  const std::string data = dir + "/data";
  CommandResult r = run_command({quanzu_binary(), "ingest", file, "--data", data});
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("created 3, duplicate 1, rejected 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("I-bad"), std::string::npos) << r.out;

  // Running it again: everything valid is now a duplicate.
  r = run_command({quanzu_binary(), "ingest", file, "--data", data});
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("created 0, duplicate 4, rejected 1"), std::string::npos) << r.out;

  // Each run is in the audit log, by the system user, with the file and its count.
  std::ifstream audit(data + "/audit.jsonl");
  std::string line;
  int runs = 0;
  while (std::getline(audit, line)) {
    if (line.find("\"action\":\"ingest_file\"") == std::string::npos) continue;
    ++runs;
    EXPECT_NE(line.find("file:" + file), std::string::npos) << line;
    EXPECT_NE(line.find("\"role\":\"cli\""), std::string::npos) << line;
    EXPECT_NE(line.find(R"(\"instructions\":4)"), std::string::npos) << line;
  }
  EXPECT_EQ(runs, 2);

  auto server = ServerProcess::start(quanzu_binary(), data);
  HttpClient client(server->host(), server->port());
  client.set_default_headers(server->auth());
  HttpResponse list = client.get("/api/v1/cases");
  ASSERT_EQ(list.status, 200u);
  std::set<std::string> ids;
  const json::value listed = parse(list.body);
  for (const auto& c : listed.at("cases").as_array()) ids.insert(text(c.at("instruction_id")));
  EXPECT_EQ(ids, (std::set<std::string>{"I-1", "I-2", "I-3"}));

  r = run_command({quanzu_binary(), "ingest", dir + "/no-such-file", "--data", data});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
}

TEST(CliTest, HelpAndUsageErrors) {
  CommandResult r = run_command({quanzu_binary(), "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("usage: quanzu COMMAND"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("serve"), std::string::npos);

  r = run_command({quanzu_binary(), "serve", "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("usage: quanzu serve"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--listen"), std::string::npos);

  r = run_command({quanzu_binary(), "ingest", "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("usage: quanzu ingest"), std::string::npos) << r.out;

  r = run_command({quanzu_binary(), "serve", "--bogus"});
  EXPECT_EQ(r.status, 64);
  EXPECT_NE(r.err.find("--bogus"), std::string::npos) << r.err;

  r = run_command({quanzu_binary(), "serve", "--listen", "nowhere"});
  EXPECT_EQ(r.status, 64);
  EXPECT_NE(r.err.find("listen"), std::string::npos) << r.err;

  r = run_command({quanzu_binary(), "frobnicate"});
  EXPECT_EQ(r.status, 64);
  r = run_command({quanzu_binary()});
  EXPECT_EQ(r.status, 64);
}

}  // namespace
}  // namespace quanzu::testing
