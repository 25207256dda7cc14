// Handling (处置) through the real binary: action plans with short deadlines, automatic
// attempt results, call tasks going overdue, door visits with responders who time out,
// decline and arrive, protective stop-payments with a signed bank callback and documents,
// SLA statistics, and SIGKILL in the middle of pending deadlines.
#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "channels/webhook/webhook_channel.h"
#include "tests/integration/harness.h"

namespace quanzu::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kBankSecret = "bank-secret-for-the-tests-0123456789";

// The shipped plans, with deadlines short enough to watch them pass in a test.
std::string plans(const std::string& stop_payment_duration = "1h", const std::string& warn = "30m",
                  const std::string& ack_timeout = "2s") {
  return R"([low]
first = ["sms"]
first_attempt_target = "1h"
[[low.on]]
id = "low-sms-delivered"
channel = ["sms"]
result = ["delivered"]
then = "close_warned"

[medium]
first = ["sms", "robocall"]
task_due = "1h"
first_attempt_target = "1h"
[[medium.on]]
id = "medium-robocall-retry"
channel = ["robocall"]
result = ["no_answer", "busy", "rejected", "unreachable"]
from = 1
to = 1
then = "robocall"
after = "2s"
[[medium.on]]
id = "medium-call-task"
channel = ["robocall"]
result = ["no_answer", "busy", "rejected", "unreachable"]
from = 2
then = "call_task"

[high]
first = ["robocall", "sms", "call_task"]
task_due = "1s"
first_attempt_target = "1h"
door_arrival_target = "30m"
[[high.on]]
id = "high-door-visit"
channel = ["robocall", "manual_call", "family"]
result = ["hung_up", "unreachable", "no_answer", "rejected", "busy"]
from = 2
then = "visit"

[extreme]
first = ["robocall", "sms", "call_task"]
task_due = "1h"
first_attempt_target = "1h"
door_arrival_target = "20m"
[[extreme.on]]
id = "extreme-door-visit"
channel = ["robocall", "manual_call", "family"]
result = ["hung_up", "unreachable", "no_answer", "rejected", "busy", "wrong_person"]
then = "visit"
[[extreme.on]]
id = "extreme-refusal-stop-payment"
channel = ["manual_call", "visit", "family"]
result = ["refused", "not_home"]
then = "propose_stop_payment"

[dispatch]
ack_timeout = ")" + ack_timeout + R"("
retry_after = "1s"
position_max_age = "1h"
neighbour_stations = 0

[stop_payment]
duration = ")" + stop_payment_duration + R"("
warn_before = ")" + warn + R"("
)";
}

// 石门, 江北区 (GCJ-02): inside one station's area.
constexpr double kLat = 29.5750, kLon = 106.5310;

// Each id gets its own phone, so no case is raised as a repeat warning of another.
std::string instruction(const std::string& id, const std::string& trigger, const std::string& extra = "") {
  const std::string phone = "138" + std::to_string(10000000 + std::hash<std::string>{}(id) % 89999999);
  return R"({"id":")" + id + R"(","issued_at":"2023-11-29T10:26:00+08:00","trigger":")" + trigger +
         R"(","scam_type":"click_farming_rebate","subject":{"phone":")" + phone + R"(","name":"何某"},)"
         R"("location":{"lat":29.575,"lon":106.531,"address":"江北区石门某小区"},)"
         R"("funds":{"at_risk_cny":5000,"victim_account":{"bank":"工商银行","number":"6222020200112233445"}})" +
         extra + "}";
}

class HandlingTest : public ::testing::Test {
 protected:
  void start(const std::string& plans_text) {
    dir_ = fresh_dir("handling");
    std::ofstream(dir_ + "/plans.toml") << plans_text;
    std::ofstream(dir_ + "/bank.secret") << kBankSecret << "\n";
    std::ofstream(dir_ + "/quanzu.toml") << "[handling]\nplans = \"" << dir_ << "/plans.toml\"\n"
                                         << "[bank]\nsecret_file = \"" << dir_ << "/bank.secret\"\n";
    restart();
  }
  void restart() {
    std::vector<std::string> extra{"--config", dir_ + "/quanzu.toml"};
    if (port_) extra.insert(extra.end(), {"--listen", "127.0.0.1:" + std::to_string(port_)});
    client_.reset();
    server_ = ServerProcess::start(quanzu_binary(), dir_ + "/data", extra);
    port_ = server_->port();
    client_ = std::make_unique<HttpClient>(server_->host(), server_->port());
    client_->set_default_headers(server_->auth());
    // The channel gateways and the bank are machines with their own tokens.
    if (machine_token_.empty()) machine_token_ = create_token(dir_ + "/data", {"attempts", "bank_callback"});
  }

  std::string create(const std::string& body) {
    auto r = client_->post("/api/v1/instructions", body);
    EXPECT_EQ(r.status, 200u) << r.body;
    auto result = json::parse(r.body).as_object()["results"].as_array()[0].as_object();
    EXPECT_EQ(result["status"].as_string(), "created") << r.body;
    return std::string(result["case_id"].as_string());
  }
  json::object get_case(const std::string& id) {
    auto r = client_->get("/api/v1/cases/" + id);
    EXPECT_EQ(r.status, 200u) << r.body;
    return json::parse(r.body).as_object();
  }
  HttpResponse event(const std::string& id, const std::string& body) {
    return client_->post("/api/v1/cases/" + id + "/events", body);
  }
  // Polls the case (every 50 ms, at most `seconds`) until `ok` holds; returns the last read.
  json::object wait_case(const std::string& id, const std::function<bool(json::object&)>& ok, int seconds = 15) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    json::object c = get_case(id);
    while (!ok(c) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
      c = get_case(id);
    }
    return c;
  }
  static json::object& handling(json::object& c) { return c["handling"].as_object(); }
  static std::vector<std::string> refs(json::object& c, const std::string& channel) {
    std::vector<std::string> out;
    for (auto& p : handling(c)["pending_attempts"].as_array()) {
      if (p.as_object()["channel"].as_string() == channel) out.emplace_back(p.as_object()["ref"].as_string());
    }
    return out;
  }
  static int count_events(json::object& c, const std::string& kind) {
    int n = 0;
    for (auto& e : c["timeline"].as_array()) n += e.as_object()["kind"].as_string() == kind;
    return n;
  }
  HttpResponse report(const std::string& ref, const std::string& result) {
    return client_->request("POST", "/api/v1/attempts", R"({"ref":")" + ref + R"(","result":")" + result + R"("})",
                            {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + machine_token_}});
  }
  void add_responder(const std::string& id, const std::string& station, double lat, double lon) {
    auto r = client_->post("/api/v1/responders",
                           R"({"id":")" + id + R"(","name":"小张","phone":"13900000000","station_code":")" + station +
                               R"(","on_duty":true,"position":{"lat":)" + std::to_string(lat) + R"(,"lon":)" +
                               std::to_string(lon) + "}}");
    ASSERT_EQ(r.status, 200u) << r.body;
  }
  std::string signed_callback(const std::string& body, std::int64_t at_ms) {
    return channels::webhook_signature(kBankSecret, at_ms, body);
  }
  HttpResponse bank(const std::string& body, const std::string& secret = kBankSecret) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    return client_->request("POST", "/api/v1/bank/callback", body,
                            {{"Content-Type", "application/json"},
                             {"Authorization", "Bearer " + machine_token_},
                             {"X-Quanzu-Timestamp", std::to_string(now)},
                             {"X-Quanzu-Signature", channels::webhook_signature(secret, now, body)}});
  }

  std::string dir_;
  std::string machine_token_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(HandlingTest, LowSendsAnSmsAndClosesAsWarnedOnItsReceipt) {
  start(plans());
  const std::string id = create(instruction("H-LOW", "fraud_url_visit"));
  auto c = get_case(id);
  EXPECT_EQ(c["level"].as_string(), "low");
  auto sms = refs(c, "sms");
  ASSERT_EQ(sms.size(), 1u);
  EXPECT_TRUE(refs(c, "robocall").empty());
  EXPECT_TRUE(handling(c)["call_task"].is_null());
  // The log channel takes the message: the SLA's first attempt is when it went out.
  c = wait_case(id, [](json::object& k) { return !handling(k)["sla"].as_object()["first_attempt_at"].is_null(); });
  EXPECT_FALSE(handling(c)["sla"].as_object()["first_attempt_at"].is_null());
  auto r = report(sms[0], "delivered");
  ASSERT_EQ(r.status, 200u) << r.body;
  c = get_case(id);
  EXPECT_EQ(c["status"].as_string(), "closed");
  EXPECT_EQ(c["outcome"].as_string(), "warned");
  // The same receipt again (the SMSC repeats itself) is refused and changes nothing.
  EXPECT_EQ(report(sms[0], "delivered").status, 409u);
  EXPECT_EQ(report(id + "/fax/1", "delivered").status, 400u);
}

TEST_F(HandlingTest, MediumRetriesTheRobocallThenGivesTheStationACallTask) {
  start(plans());
  const std::string id = create(instruction("H-MED", "fraud_app_install"));
  auto c = get_case(id);
  ASSERT_EQ(c["level"].as_string(), "medium");
  auto calls = refs(c, "robocall");
  ASSERT_EQ(calls.size(), 1u);
  ASSERT_EQ(report(calls[0], "no_answer").status, 200u);
  // After the plan's delay (2 s here) the second robocall is queued, once.
  c = wait_case(id, [](json::object& k) { return refs(k, "robocall").size() == 1 &&
                                                 refs(k, "robocall")[0].ends_with("/robocall/2"); });
  calls = refs(c, "robocall");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(calls[0].ends_with("/robocall/2")) << calls[0];
  ASSERT_EQ(report(calls[0], "busy").status, 200u);
  c = get_case(id);
  ASSERT_TRUE(handling(c)["call_task"].is_object());
  auto station = std::string(c["station"].as_object()["code"].as_string());
  auto tasks = client_->get("/api/v1/tasks?station=" + station);
  ASSERT_EQ(tasks.status, 200u);
  EXPECT_NE(tasks.body.find(id), std::string::npos) << tasks.body;
  // The operator reaches the person: the task is done and leaves the queue.
  auto r = event(id, R"({"kind":"attempt","channel":"manual_call","result":"answered"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  tasks = client_->get("/api/v1/tasks?station=" + station);
  EXPECT_EQ(tasks.body.find(id), std::string::npos) << tasks.body;
  EXPECT_EQ(client_->get("/api/v1/tasks?station=nope").status, 400u);
}

TEST_F(HandlingTest, HighCallTaskGoesOverdueVisiblyInTheCaseTheQueueAndTheStream) {
  start(plans());
  EventStream stream(server_->host(), server_->port(), "/api/v1/stream", {}, server_->auth());
  ASSERT_EQ(stream.status(), 200u);
  const std::string id = create(instruction("H-HIGH", "pending_transfer"));
  auto c = wait_case(id, [](json::object& k) { return handling(k)["call_task"].as_object()["overdue"].as_bool(); });
  EXPECT_TRUE(handling(c)["call_task"].as_object()["overdue"].as_bool());
  EXPECT_EQ(count_events(c, "overdue"), 1);
  auto overdue = handling(c)["sla"].as_object()["overdue"].as_array();
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].as_string(), "call_task");
  bool streamed = false;
  for (int i = 0; i < 50 && !streamed; ++i) {
    auto m = stream.next_event(500);
    if (!m) continue;
    auto data = json::parse(m->data).as_object();
    streamed = data["kind"].as_string() == "overdue" && data["case"].as_object()["id"].as_string() == id;
  }
  EXPECT_TRUE(streamed) << "no overdue event in the stream";
  auto tasks = json::parse(client_->get("/api/v1/tasks").body).as_object();
  EXPECT_GE(tasks["overdue"].as_int64(), 1);
  auto late = json::parse(client_->get("/api/v1/cases?overdue=true").body).as_object();
  ASSERT_EQ(late["cases"].as_array().size(), 1u);
  EXPECT_EQ(late["cases"].as_array()[0].as_object()["id"].as_string(), id);
  EXPECT_EQ(client_->get("/api/v1/cases?overdue=maybe").status, 400u);
}

TEST_F(HandlingTest, ExtremeGoesToTheDoorPastATimeoutAndADeclineAndEndsDissuaded) {
  start(plans());
  const std::string id = create(instruction("H-EXT", "completed_transfer"));
  auto c = get_case(id);
  ASSERT_EQ(c["level"].as_string(), "extreme");
  const std::string station(c["station"].as_object()["code"].as_string());
  add_responder("R-NEAR", station, kLat + 0.001, kLon);       // ~110 m away
  add_responder("R-MID", station, kLat + 0.01, kLon);         // ~1.1 km
  add_responder("R-FAR", station, kLat + 0.03, kLon);         // ~3.3 km
  add_responder("R-OFF", station, kLat, kLon);                // at the door, but off duty
  ASSERT_EQ(client_->post("/api/v1/responders/R-OFF", R"({"on_duty":false})").status, 200u);

  auto calls = refs(c, "robocall");
  ASSERT_EQ(calls.size(), 1u);
  ASSERT_EQ(report(calls[0], "unreachable").status, 200u);
  auto visit_of = [](json::object& k) -> json::object {
    auto& v = handling(k)["visit"];
    return v.is_object() ? v.as_object() : json::object{};
  };
  c = wait_case(id, [&](json::object& k) { return !visit_of(k).empty(); });
  ASSERT_FALSE(visit_of(c).empty());
  EXPECT_EQ(visit_of(c)["responder"].as_string(), "R-NEAR");
  auto near = json::parse(client_->get("/api/v1/responders/R-NEAR").body).as_object();
  EXPECT_EQ(near["case_id"].as_string(), id);
  EXPECT_EQ(near["task"].as_object()["address"].as_string(), "江北区石门某小区");
  // Busy responders cannot go off duty.
  EXPECT_EQ(client_->post("/api/v1/responders/R-NEAR", R"({"on_duty":false})").status, 409u);

  // R-NEAR never acknowledges: after the time-out (2 s) the next nearest is asked.
  c = wait_case(id, [&](json::object& k) { return !visit_of(k).empty() && visit_of(k)["responder"].as_string() == "R-MID"; });
  ASSERT_EQ(visit_of(c)["responder"].as_string(), "R-MID");
  EXPECT_EQ(count_events(c, "visit_timed_out"), 1);
  near = json::parse(client_->get("/api/v1/responders/R-NEAR").body).as_object();
  EXPECT_TRUE(near["visit_id"].is_null());
  // Someone else's report about the visit is refused.
  EXPECT_EQ(event(id, R"({"kind":"visit","status":"acknowledged","responder":"R-FAR"})").status, 409u);
  // R-MID declines; R-FAR goes.
  ASSERT_EQ(event(id, R"({"kind":"visit","status":"declined","responder":"R-MID"})").status, 200u);
  c = wait_case(id, [&](json::object& k) { return !visit_of(k).empty() && visit_of(k)["responder"].as_string() == "R-FAR"; });
  ASSERT_EQ(visit_of(c)["responder"].as_string(), "R-FAR");
  for (const char* status : {"acknowledged", "en_route", "on_scene"}) {
    auto r = event(id, std::string(R"({"kind":"visit","status":")") + status + R"(","responder":"R-FAR"})");
    ASSERT_EQ(r.status, 200u) << status << ": " << r.body;
  }
  // Out of order: nothing goes back to acknowledged.
  EXPECT_EQ(event(id, R"({"kind":"visit","status":"acknowledged","responder":"R-FAR"})").status, 409u);
  c = get_case(id);
  EXPECT_FALSE(handling(c)["sla"].as_object()["door_arrival_at"].is_null());
  auto r = event(id, R"({"kind":"attempt","channel":"visit","result":"met"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto far = json::parse(client_->get("/api/v1/responders/R-FAR").body).as_object();
  EXPECT_TRUE(far["visit_id"].is_null());
  r = event(id, R"({"kind":"outcome","outcome":"dissuaded","amount_protected_cny":5000})");
  ASSERT_EQ(r.status, 200u) << r.body;
  c = get_case(id);
  EXPECT_EQ(c["status"].as_string(), "closed");
  EXPECT_TRUE(handling(c)["deadlines"].as_array().empty()) << json::serialize(handling(c)["deadlines"]);

  auto metrics = client_->get("/metrics").body;
  EXPECT_NE(metrics.find("quanzu_responders{state=\"on_duty\"} 3"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("quanzu_deadlines_late 0"), std::string::npos) << metrics;
  auto stats = json::parse(client_->get("/api/v1/stats").body).as_object();
  auto sla = stats["sla"].as_object()["by_level"].as_object()["extreme"].as_object();
  EXPECT_EQ(sla["cases"].as_int64(), 1);
  EXPECT_EQ(sla["first_attempt"].as_object()["count"].as_int64(), 1);
  EXPECT_EQ(sla["first_contact"].as_object()["count"].as_int64(), 1);
  EXPECT_EQ(sla["door_arrival"].as_object()["count"].as_int64(), 1);
  EXPECT_EQ(sla["door_arrival"].as_object()["met"].as_int64(), 1);
}

TEST_F(HandlingTest, NoResponderFreeMeansTheCaseWaitsAndIsServedWhenOneComesOnDuty) {
  start(plans());
  const std::string id = create(instruction("H-WAIT", "completed_transfer"));
  auto c = get_case(id);
  const std::string station(c["station"].as_object()["code"].as_string());
  auto calls = refs(c, "robocall");
  ASSERT_EQ(report(calls.at(0), "busy").status, 200u);
  c = wait_case(id, [](json::object& k) { return count_events(k, "dispatch_waiting") == 1; });
  EXPECT_EQ(count_events(c, "dispatch_waiting"), 1);
  EXPECT_TRUE(handling(c)["visit_needed"].as_bool());
  add_responder("R-LATE", station, kLat + 0.002, kLon);
  c = wait_case(id, [](json::object& k) { return handling(k)["visit"].is_object(); });
  ASSERT_TRUE(handling(c)["visit"].is_object());
  EXPECT_EQ(handling(c)["visit"].as_object()["responder"].as_string(), "R-LATE");
  EXPECT_EQ(count_events(c, "dispatch_waiting"), 1);  // said once, not at every retry
}

TEST_F(HandlingTest, DeadlinesPendingAtASigkillFireOnceAfterTheRestart) {
  start(plans("1h", "30m", "3s"));
  // A robocall retry (2 s) and a responder's acknowledgement deadline (3 s) are pending.
  const std::string med = create(instruction("H-K-MED", "fraud_app_install"));
  auto m = get_case(med);
  ASSERT_EQ(report(refs(m, "robocall").at(0), "no_answer").status, 200u);
  const std::string ext = create(instruction("H-K-EXT", "completed_transfer"));
  auto e = get_case(ext);
  const std::string station(e["station"].as_object()["code"].as_string());
  add_responder("R-SLOW", station, kLat + 0.001, kLon);
  ASSERT_EQ(report(refs(e, "robocall").at(0), "no_answer").status, 200u);
  e = wait_case(ext, [](json::object& k) { return handling(k)["visit"].is_object(); });
  ASSERT_TRUE(handling(e)["visit"].is_object());
  server_->kill9();
  std::this_thread::sleep_for(3500ms);  // both deadlines pass while nothing runs
  restart();
  m = wait_case(med, [](json::object& k) { return !refs(k, "robocall").empty(); });
  e = wait_case(ext, [](json::object& k) { return count_events(k, "visit_timed_out") > 0; });
  std::this_thread::sleep_for(1500ms);  // time for any second firing to show
  m = get_case(med);
  e = get_case(ext);
  ASSERT_EQ(refs(m, "robocall").size(), 1u);
  EXPECT_TRUE(refs(m, "robocall")[0].ends_with("/robocall/2"));
  int retries = 0;
  for (auto& ev : m["timeline"].as_array()) {
    auto& o = ev.as_object();
    retries += o["kind"].as_string() == "plan" && o.contains("timer") && o["timer"].as_string() == "robocall_retry";
  }
  EXPECT_EQ(retries, 1);
  EXPECT_EQ(count_events(e, "visit_timed_out"), 1);
  auto slow = json::parse(client_->get("/api/v1/responders/R-SLOW").body).as_object();
  EXPECT_TRUE(slow["visit_id"].is_null());  // freed with the time-out, in the same change
}

TEST_F(HandlingTest, StopPaymentFromRequestThroughTheBankToReleaseWithDocuments) {
  start(plans());
  const std::string id = create(instruction("H-SP", "completed_transfer"));
  auto r = event(id, R"({"kind":"stop_payment","action":"request","account":"6222 0202 0011 2233 445","bank":"工商银行","reason":"当事人拒绝劝阻"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto c = get_case(id);
  auto sps = handling(c)["stop_payments"].as_array();
  ASSERT_EQ(sps.size(), 1u);
  const std::string sp(sps[0].as_object()["id"].as_string());
  EXPECT_EQ(sps[0].as_object()["status"].as_string(), "requested");
  EXPECT_EQ(sps[0].as_object()["account"].as_string(), "6222020200112233445");
  // Bad input names the field.
  r = event(id, R"({"kind":"stop_payment","action":"request","bank":"x","reason":"y"})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("\"account\""), std::string::npos) << r.body;

  const std::string accepted = R"({"stop_payment_id":")" + sp + R"(","decision":"accepted","reference":"ICBC-1"})";
  EXPECT_EQ(bank(accepted, "not-the-bank-secret-0000000000").status, 401u);
  r = bank(accepted);
  ASSERT_EQ(r.status, 200u) << r.body;
  r = bank(accepted);  // the bank retries: no change, no error
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(r.body.find("unchanged"), std::string::npos) << r.body;
  auto list = json::parse(client_->get("/api/v1/stop-payments").body).as_object();
  ASSERT_EQ(list["stop_payments"].as_array().size(), 1u);
  EXPECT_EQ(list["stop_payments"].as_array()[0].as_object()["status"].as_string(), "active");
  EXPECT_NE(list["stop_payments"].as_array()[0].as_object()["account"].as_string(), "6222020200112233445");

  // Release needs a document first.
  r = event(id, R"({"kind":"stop_payment","action":"release_request","stop_payment_id":")" + sp + R"(","reason":"本人申请解除"})");
  EXPECT_EQ(r.status, 409u) << r.body;
  const std::string pdf = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
  const std::string docs = "/api/v1/cases/" + id + "/stop-payments/" + sp + "/documents?name=%E7%94%B3%E8%AF%B7.pdf";
  r = client_->post(docs, "just text, not a PDF", "application/pdf");
  EXPECT_EQ(r.status, 400u) << r.body;
  r = client_->post(docs, pdf, "application/pdf");
  ASSERT_EQ(r.status, 200u) << r.body;
  c = get_case(id);
  auto doc = handling(c)["stop_payments"].as_array()[0].as_object()["documents"].as_array().at(0).as_object();
  EXPECT_EQ(doc["name"].as_string(), "申请.pdf");
  auto got = client_->get("/api/v1/documents/" + std::string(doc["id"].as_string()));
  ASSERT_EQ(got.status, 200u);
  EXPECT_EQ(got.body, pdf);
  EXPECT_EQ(client_->get("/api/v1/documents/..%2F..%2Fetc%2Fpasswd").status, 400u);

  r = event(id, R"({"kind":"stop_payment","action":"release_request","stop_payment_id":")" + sp + R"(","reason":"本人申请解除"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  // Four eyes: the centre user who asked for it cannot approve its release (no one but a
  // supervisor may), nor can anyone name another person as the actor.
  r = event(id, R"({"kind":"stop_payment","action":"approve_release","stop_payment_id":")" + sp + R"("})");
  EXPECT_EQ(r.status, 403u) << r.body;
  add_user(dir_ + "/data", "supervisor-li", "supervisor", "supervisor-li-password");
  HttpClient supervisor(server_->host(), server_->port());
  ASSERT_EQ(supervisor.login("supervisor-li", "supervisor-li-password").status, 200u);
  r = supervisor.post("/api/v1/cases/" + id + "/events",
                      R"({"kind":"stop_payment","action":"approve_release","stop_payment_id":")" + sp + R"(","actor":"qa-centre"})");
  EXPECT_EQ(r.status, 400u) << r.body;  // "actor" is no longer the client's to say
  EXPECT_NE(r.body.find("\"actor\""), std::string::npos) << r.body;
  r = supervisor.post("/api/v1/cases/" + id + "/events",
                      R"({"kind":"stop_payment","action":"approve_release","stop_payment_id":")" + sp + R"("})");
  ASSERT_EQ(r.status, 200u) << r.body;
  r = bank(R"({"stop_payment_id":")" + sp + R"(","decision":"released","reference":"ICBC-1-R"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  c = get_case(id);
  EXPECT_EQ(handling(c)["stop_payments"].as_array()[0].as_object()["status"].as_string(), "released");
  list = json::parse(client_->get("/api/v1/stop-payments").body).as_object();
  EXPECT_TRUE(list["stop_payments"].as_array().empty());
  for (const char* kind : {"stop_payment_requested", "stop_payment_released"}) {
    EXPECT_GE(count_events(c, kind), 1) << kind << " missing from " << json::serialize(c["timeline"]);
  }
}

TEST_F(HandlingTest, AStopPaymentNotReleasedExpiresAfterAWarning) {
  start(plans("4s", "2s"));
  const std::string id = create(instruction("H-SP-EXP", "completed_transfer"));
  ASSERT_EQ(event(id, R"({"kind":"stop_payment","action":"request","account":"6222020200112233445","bank":"工商银行","reason":"拒绝劝阻"})").status, 200u);
  auto c = get_case(id);
  const std::string sp(handling(c)["stop_payments"].as_array()[0].as_object()["id"].as_string());
  ASSERT_EQ(bank(R"({"stop_payment_id":")" + sp + R"(","decision":"accepted","reference":"B-9"})").status, 200u);
  auto list = json::parse(client_->get("/api/v1/stop-payments").body).as_object();
  ASSERT_EQ(list["stop_payments"].as_array().size(), 1u);
  c = wait_case(id, [](json::object& k) {
    return handling(k)["stop_payments"].as_array()[0].as_object()["status"].as_string() == "expired";
  });
  EXPECT_EQ(handling(c)["stop_payments"].as_array()[0].as_object()["status"].as_string(), "expired");
  EXPECT_EQ(count_events(c, "stop_payment_expiring"), 1);
  list = json::parse(client_->get("/api/v1/stop-payments").body).as_object();
  EXPECT_TRUE(list["stop_payments"].as_array().empty());
}

TEST_F(HandlingTest, ResponderRegistrationRefusesBadInputNamingTheField) {
  start(plans());
  auto r = client_->post("/api/v1/responders", R"({"id":"R1","station_code":"nowhere"})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("\"name\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"station_code\""), std::string::npos) << r.body;
  r = client_->post("/api/v1/responders", R"({"id":"bad id!","name":"x","station_code":"500105-01"})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("\"id\""), std::string::npos) << r.body;
  add_responder("R1", "500105-01", kLat, kLon);
  r = client_->post("/api/v1/responders", R"({"id":"R1","name":"x","station_code":"500105-01"})");
  EXPECT_EQ(r.status, 409u);
  r = client_->post("/api/v1/responders/R1", R"({"position":{"lat":95,"lon":106}})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("position.lat"), std::string::npos) << r.body;
  r = client_->post("/api/v1/responders/R1", R"({"colour":"blue"})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("colour"), std::string::npos) << r.body;
  EXPECT_EQ(client_->post("/api/v1/responders/NOBODY", R"({"on_duty":true})").status, 404u);
  // A phone's GPS (WGS84) position is stored in GCJ-02 like everything else.
  r = client_->post("/api/v1/responders/R1", R"({"position":{"lat":29.5775,"lon":106.5265,"crs":"wgs84"}})");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto pos = json::parse(r.body).as_object()["position"].as_object();
  EXPECT_GT(pos["lon"].as_double(), 106.5265 + 0.002);
  auto all = json::parse(client_->get("/api/v1/responders?station=500105-01").body).as_object();
  EXPECT_EQ(all["responders"].as_array().size(), 1u);
}

}  // namespace
}  // namespace quanzu::testing
