#include "cases/service.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "cases/test_plans.h"
#include "instruction/parser.h"
#include "store/sqlite/sqlite_store.h"

namespace quanzu::cases {
namespace {

constexpr const char* kRules = R"(
version = "t"
cluster_window_days = 7
[[rules]]
id = "base"
set = "medium"
[[rules]]
id = "repeat"
when.repeat_within_days = 30
raise = 1
[[rules]]
id = "cluster"
when.cluster_min_people = 3
raise = 1
)";

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("quanzu-service-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = store::sqlite::SqliteStore::open({(dir_ / "db.sqlite").string()});
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
    auto rules = grading::load_rules(kRules, "t.toml");
    ASSERT_TRUE(rules.has_value()) << rules.error().message;
    rules_ = std::make_unique<grading::ActiveRules>(std::move(*rules));
    geo::District jb;
    jb.adcode = "500105";
    jb.name = "江北区";
    stations_ = geo::StationDirectory::synthetic({jb}, 1);
    router_ = std::make_unique<geo::Router>(stations_, geo::brute_force_lookups(stations_));
    service_ = std::make_unique<CaseService>(*store_, *router_, *rules_, plans_, clock_);
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::vector<store::IngestOutcome> ingest(const std::vector<std::string>& texts) {
    std::vector<instruction::Instruction> batch;
    for (const auto& t : texts) {
      auto in = instruction::parse_instruction(t);
      EXPECT_TRUE(in.has_value()) << (in ? "" : in.error().message);
      if (in) batch.push_back(*in);
    }
    std::promise<Result<std::vector<store::IngestOutcome>>> p;
    service_->ingest(batch, [&](Result<std::vector<store::IngestOutcome>> r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    EXPECT_TRUE(r.has_value());
    clock_.advance(1000);
    return r ? *r : std::vector<store::IngestOutcome>{};
  }

  Case get(const std::string& id) {
    auto c = store_->get(id);
    EXPECT_TRUE(c.has_value() && c->has_value());
    return c && *c ? **c : Case{};
  }

  // The follow-up writes of an ingest (cluster links) are queued after its answer: a
  // no-op write that goes through the same queue marks when they are done.
  void drain() {
    std::promise<bool> p;
    store_->update("none", [](const Case& c) { return Result<Case>(c); },
                   [&](Result<Case>) { p.set_value(true); });
    p.get_future().get();
  }

  std::filesystem::path dir_;
  ManualClock clock_{1701224760000};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<grading::ActiveRules> rules_;
  geo::StationDirectory stations_;
  std::unique_ptr<geo::Router> router_;
  Plans plans_ = shipped_plans();
  std::unique_ptr<CaseService> service_;
};

std::string transfer(const std::string& id, const std::string& phone, const std::string& account) {
  return R"({"id":")" + id + R"(","issued_at":"2023-11-29T10:26:00+08:00","trigger":"pending_transfer",)"
         R"("subject":{"phone":")" + phone + R"("},"location":{"adcode":"500105"},)"
         R"("indicators":[{"kind":"account","value":")" + account + R"("},)"
         R"({"kind":"url","value":"hxxps://Fake-Task.example/pay?x=)" + id + R"("}]})";
}

TEST(LinkKeys, NormaliseAccountsUrlsAndHosts) {
  auto in = instruction::parse_instruction(transfer("K-1", "13900000001", "6222 0212-3456"));
  ASSERT_TRUE(in.has_value());
  EXPECT_EQ(link_keys(*in), (std::vector<std::string>{"account:622202123456",
                                                      "url:hxxps://fake-task.example/pay?x=k-1",
                                                      "domain:fake-task.example"}));
}

TEST_F(ServiceTest, ThirdPersonOnOneAccountFormsAClusterAndRaisesTheOthers) {
  auto a = ingest({transfer("A", "13900000001", "6222000011112222")});
  auto b = ingest({transfer("B", "13900000002", "6222000011112222")});
  drain();
  EXPECT_EQ(get(a[0].case_id).level, instruction::Level::kMedium);
  EXPECT_EQ(get(b[0].case_id).level, instruction::Level::kMedium);

  auto c = ingest({transfer("C", "13900000003", "6222000011112222")});
  drain();
  Case third = get(c[0].case_id);
  EXPECT_EQ(third.level, instruction::Level::kHigh);
  EXPECT_EQ(third.reasons, (std::vector<std::string>{"base", "cluster"}));
  for (const auto& id : {a[0].case_id, b[0].case_id}) {
    Case earlier = get(id);
    EXPECT_EQ(earlier.level, instruction::Level::kHigh) << id;
    EXPECT_EQ(earlier.reasons.back(), "cluster");
    ASSERT_EQ(earlier.timeline.size(), 3u);
    EXPECT_EQ(earlier.timeline[1].kind, "cluster_linked");
    EXPECT_NE(earlier.timeline[1].data.find("\"people\":3"), std::string::npos);
    EXPECT_NE(earlier.timeline[1].data.find(c[0].case_id), std::string::npos);
    // Raised to high, the case takes the high plan's first action it lacked: a call task.
    EXPECT_EQ(earlier.timeline[2].kind, "plan");
    EXPECT_NE(earlier.timeline[2].data.find("call_task"), std::string::npos);
    EXPECT_TRUE(earlier.handling.task.has_value());
  }
  // A fourth raises itself; the others are not raised twice.
  auto d = ingest({transfer("D", "13900000004", "6222000011112222")});
  drain();
  EXPECT_EQ(get(d[0].case_id).level, instruction::Level::kHigh);
  EXPECT_EQ(get(a[0].case_id).timeline.size(), 3u);
  auto clusters = store_->clusters(0, 3, 10);
  ASSERT_TRUE(clusters.has_value());
  ASSERT_GE(clusters->size(), 1u);
  EXPECT_EQ((*clusters)[0].people, 4);
}

TEST_F(ServiceTest, OnePersonRepeatingIsNotACluster) {
  ingest({transfer("A", "13900000001", "6222000011112222")});
  ingest({transfer("B", "13900000001", "6222000011112222")});
  auto c = ingest({transfer("C", "13900000001", "6222000011112222")});
  drain();
  Case third = get(c[0].case_id);
  EXPECT_EQ(third.reasons, (std::vector<std::string>{"base", "repeat"}));
}

TEST_F(ServiceTest, ClusterInsideOneBatchCounts) {
  auto r = ingest({transfer("A", "13900000001", "6222000099998888"),
                   transfer("B", "13900000002", "6222000099998888"),
                   transfer("C", "13900000003", "6222000099998888")});
  drain();
  EXPECT_EQ(get(r[2].case_id).level, instruction::Level::kHigh);
  EXPECT_EQ(get(r[0].case_id).level, instruction::Level::kHigh);
}

TEST_F(ServiceTest, ReplayedInstructionRaisesNobody) {
  ingest({transfer("A", "13900000001", "6222000011110000")});
  ingest({transfer("B", "13900000002", "6222000011110000")});
  auto first = ingest({transfer("C", "13900000003", "6222000011110000")});
  drain();
  auto replay = ingest({transfer("C", "13900000003", "6222000011110000")});
  drain();
  ASSERT_EQ(replay.size(), 1u);
  EXPECT_FALSE(replay[0].created);
  EXPECT_EQ(replay[0].case_id, first[0].case_id);
  auto page = store_->list({}, std::nullopt, 10);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->cases.size(), 3u);
}

}  // namespace
}  // namespace quanzu::cases
