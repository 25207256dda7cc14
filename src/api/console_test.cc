#include "api/console.h"

#include <fstream>

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace quanzu::api {
namespace {
namespace fs = std::filesystem;
namespace http = boost::beast::http;

class RecordingExchange : public Exchange {
 public:
  void respond(Response response) override { answer = std::move(response); }
  std::shared_ptr<EventSink> open_stream(Response) override { return nullptr; }
  const std::string& remote_address() const override { return address_; }
  void post(std::function<void()> work) override { work(); }
  bool secure() const override { return false; }
  std::optional<Response> answer;

 private:
  std::string address_ = "127.0.0.1";
};

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

class ConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("console_test_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    write(root_ / "web" / "app" / "index.html", "<!doctype html><title>劝阻</title>");
    write(root_ / "web" / "app" / "js" / "app.js", "export const x = 1;");
    write(root_ / "web" / "app" / "css" / "console.css", "body{}");
    write(root_ / "web" / "app" / ".hidden", "no");
    write(root_ / "web" / "node_modules" / "leaflet" / "dist" / "leaflet.js", "L");
    write(root_ / "web" / "node_modules" / "leaflet" / "package.json", "{}");
    write(root_ / "web" / "package.json", "{\"private\": true}");
    write(root_ / "secret.txt", "secret");
    fs::create_symlink(root_ / "secret.txt", root_ / "web" / "app" / "link.txt");
  }
  void TearDown() override { fs::remove_all(root_); }

  std::optional<Response> get(const std::string& target, http::verb verb = http::verb::get) {
    Console console(root_ / "web", "{\"type\":\"FeatureCollection\",\"features\":[]}");
    Request request(verb, target, 11);
    RecordingExchange exchange;
    if (!console.handle(request, exchange)) return std::nullopt;
    return exchange.answer;
  }

  fs::path root_;
};

TEST_F(ConsoleTest, ServesTheAppWithItsContentTypeAndPolicy) {
  auto index = get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200u);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_NE(index->body.find("劝阻"), std::string::npos);
  bool csp = false;
  for (const auto& [name, value] : index->headers) {
    if (name == "Content-Security-Policy") csp = value.find("script-src 'self';") != std::string::npos;
  }
  EXPECT_TRUE(csp);
  auto js = get("/js/app.js?v=2");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js->body, "export const x = 1;");
  EXPECT_EQ(get("/css/console.css")->content_type, "text/css; charset=utf-8");
  auto vendor = get("/vendor/leaflet/leaflet.js");
  ASSERT_TRUE(vendor);
  EXPECT_EQ(vendor->body, "L");
  auto geo = get("/geo/jurisdictions.json");
  ASSERT_TRUE(geo);
  EXPECT_EQ(geo->content_type, "application/json");
}

TEST_F(ConsoleTest, HeadAnswersWithoutABody) {
  auto head = get("/js/app.js", http::verb::head);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200u);
  EXPECT_TRUE(head->body.empty());
}

TEST_F(ConsoleTest, LeavesOtherMethodsAndTheApiAlone) {
  EXPECT_FALSE(get("/index.html", http::verb::post));
  EXPECT_FALSE(get("/index.html", http::verb::delete_));
  EXPECT_FALSE(get("/api/v1/cases"));
  EXPECT_FALSE(get("/healthz"));
  EXPECT_FALSE(get("/metrics"));
  EXPECT_FALSE(get("/no-such-file.js"));
  EXPECT_FALSE(get("/js"));  // a folder is not a file
}

TEST_F(ConsoleTest, NoPathLeavesItsFolder) {
  for (const char* target :
       {"/../secret.txt", "/js/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
        "/..%2fsecret.txt", "/js/..\\..\\secret.txt", "/.hidden", "/link.txt", "//etc/passwd",
        "/vendor/leaflet/../package.json", "/vendor/leaflet/../../../package.json",
        "/vendor/leaflet/%2e%2e/package.json", "/vendor/echarts/../../package.json",
        "/../web/package.json", "/js/app.js%00.html", "/C:/secret.txt"}) {
    EXPECT_FALSE(get(target)) << target;
  }
  Console console(root_ / "web", "");
  EXPECT_FALSE(console.resolve("/link.txt"));
  EXPECT_FALSE(console.resolve(std::string("/js/app.js\0", 11)));
  EXPECT_TRUE(console.resolve("/js/app.js"));
}

TEST(JurisdictionsGeojsonTest, DistrictsAndStationsAsFeatures) {
  geo::District d;
  d.adcode = "500105";
  d.name = "江北区";
  d.polygons = {geo::Polygon{{{{106.5, 29.5}, {106.6, 29.5}, {106.6, 29.6}, {106.5, 29.6}, {106.5, 29.5}}}}};
  geo::StationArea s;
  s.code = "500105-01";
  s.name = "江北区第1派出所";
  s.district_adcode = "500105";
  s.station_point = {106.55123456, 29.55};
  s.polygons = d.polygons;
  auto text = jurisdictions_geojson({d}, {s}, 0.001);
  auto doc = boost::json::parse(text).as_object();
  const auto& features = doc.at("features").as_array();
  ASSERT_EQ(features.size(), 2u);
  EXPECT_EQ(features[0].at("properties").at("kind").as_string(), "district");
  EXPECT_EQ(features[1].at("properties").at("code").as_string(), "500105-01");
  EXPECT_DOUBLE_EQ(features[1].at("properties").at("point").as_array()[0].as_double(), 106.5512);
  EXPECT_EQ(features[0].at("geometry").at("coordinates").as_array()[0].as_array()[0].as_array().size(), 5u);
}

}  // namespace
}  // namespace quanzu::api
