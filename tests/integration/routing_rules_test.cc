// The binary with routing, hand-off over a signed webhook, re-routing, fraud clusters and
// rules changes at run time (POST /api/v1/rules, SIGHUP, what-if), all over HTTP.
#include <signal.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "channels/webhook/webhook_channel.h"
#include "tests/integration/harness.h"

namespace quanzu::testing {
namespace {

namespace json = boost::json;
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// An HTTP receiver on 127.0.0.1 (port 0) that records every request and answers 200:
// the other agency's hand-off endpoint.
class WebhookReceiver {
 public:
  WebhookReceiver() : acceptor_(io_, {net::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] {
      for (;;) {
        tcp::socket socket(io_);
        beast::error_code ec;
        acceptor_.accept(socket, ec);
        if (ec || stopping_) return;
        beast::flat_buffer buffer;
        http::request<http::string_body> req;
        http::read(socket, buffer, req, ec);
        if (ec) continue;
        {
          std::lock_guard lock(mu_);
          requests_.push_back(req);
        }
        http::response<http::string_body> res{http::status::ok, 11};
        res.body() = "{}";
        res.prepare_payload();
        http::write(socket, res, ec);
      }
    });
  }
  ~WebhookReceiver() {
    stopping_ = true;
    beast::error_code ec;
    tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  // Waits (at most 20 s) until `n` requests arrived; returns them.
  std::vector<http::request<http::string_body>> wait_for(size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mu_);
        if (requests_.size() >= n) return requests_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  net::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::vector<http::request<http::string_body>> requests_;
};

std::string instruction(const std::string& id, const std::string& location,
                        const std::string& phone = "13800138000", const std::string& extra = "") {
  return R"({"id":")" + id + R"(","issued_at":"2023-11-29T10:26:00+08:00","trigger":"pending_transfer",)"
         R"("subject":{"phone":")" + phone + R"(","name":"何某"},"location":)" + location + extra + "}";
}

json::object post_one(HttpClient& client, const std::string& body) {
  auto r = client.post("/api/v1/instructions", body);
  EXPECT_EQ(r.status, 200u) << r.body;
  return json::parse(r.body).as_object()["results"].as_array()[0].as_object();
}

json::object get_case(HttpClient& client, const std::string& id) {
  auto r = client.get("/api/v1/cases/" + id);
  EXPECT_EQ(r.status, 200u) << r.body;
  return json::parse(r.body).as_object();
}

class RoutingRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_dir("routing-rules");
    std::ofstream(dir_ + "/secret") << "shared-secret-for-tests\n";
    std::ofstream(dir_ + "/quanzu.toml")
        << "[handoff]\nwebhook_url = \"http://127.0.0.1:" << receiver_.port() << "/handoff\"\n"
        << "secret_file = \"" << dir_ << "/secret\"\n";
    server_ = ServerProcess::start(quanzu_binary(), dir_ + "/data", {"--config", dir_ + "/quanzu.toml"});
    client_ = std::make_unique<HttpClient>(server_->host(), server_->port());
    client_->set_default_headers(server_->auth());
  }

  WebhookReceiver receiver_;
  std::string dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(RoutingRulesTest, PointsCellsAndAdcodesRouteAndOutsideIsHandedOffOverTheWebhook) {
  auto jb = post_one(*client_, instruction("R-1", R"({"lat":29.575,"lon":106.532})"));
  auto c = get_case(*client_, std::string(jb["case_id"].as_string()));
  EXPECT_EQ(c["routing_method"].as_string(), "point");
  EXPECT_EQ(c["station"].as_object()["district_adcode"].as_string(), "500105");
  EXPECT_EQ(c["status"].as_string(), "open");

  auto adcode = post_one(*client_, instruction("R-2", R"({"adcode":"500103"})"));
  c = get_case(*client_, std::string(adcode["case_id"].as_string()));
  EXPECT_EQ(c["routing_method"].as_string(), "adcode");
  EXPECT_EQ(c["station"].as_object()["code"].as_string(), "500103-01");

  auto nothing = post_one(*client_, instruction("R-3", R"({"cell_id":"460-00-00000-000"})"));
  c = get_case(*client_, std::string(nothing["case_id"].as_string()));
  EXPECT_EQ(c["status"].as_string(), "unrouted");
  EXPECT_TRUE(c["station"].is_null());

  auto chengdu = post_one(*client_, instruction("R-4", R"({"lat":30.657,"lon":104.066,"adcode":"510104"})"));
  const std::string chengdu_id(chengdu["case_id"].as_string());
  c = get_case(*client_, chengdu_id);
  EXPECT_EQ(c["status"].as_string(), "closed");
  EXPECT_EQ(c["outcome"].as_string(), "handed_off");
  EXPECT_EQ(c["routing_method"].as_string(), "out_of_area");
  EXPECT_EQ(c["timeline"].as_array()[0].as_object()["handoff_to"].as_string(), "510104");

  auto requests = receiver_.wait_for(1);
  ASSERT_EQ(requests.size(), 1u);
  const auto& req = requests[0];
  EXPECT_EQ(req.target(), "/handoff");
  const std::string timestamp(req["X-Quanzu-Timestamp"]);
  // What the receiver checks: HMAC-SHA256 over "timestamp.body" with the shared secret.
  EXPECT_EQ(std::string(req["X-Quanzu-Signature"]),
            channels::webhook_signature("shared-secret-for-tests", std::stoll(timestamp), req.body()));
  EXPECT_EQ(std::string(req["Idempotency-Key"]).rfind("quanzu-outbox-", 0), 0u);
  auto notice = json::parse(req.body()).as_object();
  EXPECT_EQ(notice["case_id"].as_string(), chengdu_id);
  EXPECT_EQ(notice["handoff_to"].as_string(), "510104");

  // The receiver answers before the dispatcher books the delivery (with the batch of SMS and
  // robocall messages it went out with): the backlog empties shortly after.
  std::string metrics;
  for (int i = 0; i < 200; ++i) {
    metrics = client_->get("/metrics").body;
    if (metrics.find("quanzu_outbox_backlog 0\n") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(metrics.find("quanzu_outbox_backlog 0\n"), std::string::npos) << metrics;
}

TEST_F(RoutingRulesTest, RerouteMovesTheCaseOrHandsItOff) {
  auto r = post_one(*client_, instruction("M-1", R"({"lat":29.575,"lon":106.532})"));
  const std::string id(r["case_id"].as_string());
  const std::string from(get_case(*client_, id)["station"].as_object()["code"].as_string());

  auto bad = client_->post("/api/v1/cases/" + id + "/events", R"({"kind":"reroute","reason":"x","station":"999999-01"})");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_NE(bad.body.find("\"field\":\"station\""), std::string::npos) << bad.body;
  auto no_reason = client_->post("/api/v1/cases/" + id + "/events", R"({"kind":"reroute","station":"500112-01"})");
  EXPECT_EQ(no_reason.status, 400u);
  EXPECT_NE(no_reason.body.find("\"field\":\"reason\""), std::string::npos) << no_reason.body;

  auto moved = client_->post("/api/v1/cases/" + id + "/events",
                             R"({"kind":"reroute","reason":"当事人称不在江北","station":"500112-01"})");
  ASSERT_EQ(moved.status, 200u) << moved.body;
  auto c = get_case(*client_, id);
  EXPECT_EQ(c["station"].as_object()["code"].as_string(), "500112-01");
  auto& last = c["timeline"].as_array().back().as_object();
  EXPECT_EQ(last["kind"].as_string(), "rerouted");
  EXPECT_EQ(last["from_station"].as_string(), from);
  EXPECT_EQ(last["to_station"].as_string(), "500112-01");
  // The case is in the new station's list and no longer in the old one's.
  auto listed = client_->get("/api/v1/cases?station=500112-01");
  EXPECT_NE(listed.body.find(id), std::string::npos);
  listed = client_->get("/api/v1/cases?station=" + from);
  EXPECT_EQ(listed.body.find(id), std::string::npos);

  auto again = client_->post("/api/v1/cases/" + id + "/events",
                             R"({"kind":"reroute","reason":"same","station":"500112-01"})");
  EXPECT_EQ(again.status, 409u);

  auto away = client_->post("/api/v1/cases/" + id + "/events",
                            R"({"kind":"reroute","reason":"人在成都","location":{"lat":30.657,"lon":104.066,"adcode":"510104"}})");
  ASSERT_EQ(away.status, 200u) << away.body;
  c = get_case(*client_, id);
  EXPECT_EQ(c["outcome"].as_string(), "handed_off");
  EXPECT_EQ(receiver_.wait_for(1).size(), 1u);
}

TEST_F(RoutingRulesTest, ThreePeoplePayingOneAccountFormACluster) {
  const std::string account = R"(,"indicators":[{"kind":"account","value":"6222000011112222"}])";
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto r = post_one(*client_, instruction("K-" + std::to_string(i), R"({"adcode":"500105"})",
                                            "1390000000" + std::to_string(i), account));
    ids.emplace_back(r["case_id"].as_string());
  }
  auto clusters = json::parse(client_->get("/api/v1/clusters?since=2023-11-01T00:00:00%2B08:00").body).as_object();
  ASSERT_EQ(clusters["clusters"].as_array().size(), 1u) << json::serialize(clusters);
  auto& cluster = clusters["clusters"].as_array()[0].as_object();
  EXPECT_EQ(cluster["key"].as_string(), "account:6222000011112222");
  EXPECT_EQ(cluster["people"].as_int64(), 3);
  auto third = get_case(*client_, ids[2]);
  EXPECT_EQ(third["level"].as_string(), "extreme");  // high (pending transfer) + cluster
  EXPECT_EQ(third["links"].as_array()[0].as_object()["people"].as_int64(), 3);
  // The first two are raised and linked too, shortly after.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  json::object first;
  do {
    first = get_case(*client_, ids[0]);
  } while (first["level"].as_string() != "extreme" && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(first["level"].as_string(), "extreme");
  EXPECT_EQ(first["timeline"].as_array().back().as_object()["kind"].as_string(), "cluster_linked");
}

TEST_F(RoutingRulesTest, RulesChangeAtRunTimeAndBadRulesChangeNothing) {
  auto rules = json::parse(client_->get("/api/v1/rules").body).as_object();
  EXPECT_EQ(rules["version"].as_string(), "default-2026.11");
  std::string text(rules["text"].as_string());

  auto bad = client_->request("POST", "/api/v1/rules", "version = 3\n[[rules]]\nid = \"x\"\nset = \"critical\"\n");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_NE(bad.body.find(":1"), std::string::npos) << bad.body;
  EXPECT_NE(bad.body.find(":4"), std::string::npos) << bad.body;
  EXPECT_EQ(json::parse(client_->get("/api/v1/rules").body).as_object()["version"].as_string(), "default-2026.11");

  // What-if first: everything becomes extreme under the draft.
  post_one(*client_, instruction("W-1", R"({"adcode":"500105"})"));
  const std::string draft = "version = \"all-extreme\"\n[[rules]]\nid = \"all\"\nset = \"extreme\"\n";
  auto whatif = client_->request("POST", "/api/v1/rules/whatif?since=1h", draft);
  ASSERT_EQ(whatif.status, 200u) << whatif.body;
  auto report = json::parse(whatif.body).as_object();
  EXPECT_EQ(report["cases"].as_int64(), 1);
  EXPECT_EQ(report["changed"].as_int64(), 1);
  EXPECT_EQ(report["transitions"].as_object()["high->extreme"].as_int64(), 1);

  auto posted = client_->request("POST", "/api/v1/rules", draft);
  ASSERT_EQ(posted.status, 200u) << posted.body;
  auto graded = post_one(*client_, instruction("W-2", R"({"adcode":"500105"})"));
  auto c = get_case(*client_, std::string(graded["case_id"].as_string()));
  EXPECT_EQ(c["level"].as_string(), "extreme");
  EXPECT_EQ(c["rules_version"].as_string(), "all-extreme");

  // Edit the file in place and send SIGHUP: the server reloads it.
  std::ofstream(dir_ + "/data/rules.toml") << text;
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string version;
  do {
    version = json::value_to<std::string>(json::parse(client_->get("/api/v1/rules").body).as_object()["version"]);
  } while (version != "default-2026.11" && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(version, "default-2026.11");
  // A broken file on SIGHUP keeps the rules in force.
  std::ofstream(dir_ + "/data/rules.toml") << "this is not toml [";
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  auto still = post_one(*client_, instruction("W-3", R"({"adcode":"500105"})"));
  EXPECT_EQ(get_case(*client_, std::string(still["case_id"].as_string()))["rules_version"].as_string(), "default-2026.11");
}

}  // namespace
}  // namespace quanzu::testing
