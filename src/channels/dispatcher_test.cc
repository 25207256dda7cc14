#include "channels/dispatcher.h"

#include <unistd.h>

#include <filesystem>
#include <future>

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"

namespace quanzu::channels {
namespace {

// Fails the first `failures` deliveries, then records what it is given.
class FlakyChannel final : public Channel {
 public:
  explicit FlakyChannel(int failures) : failures_(failures) {}
  Result<bool> deliver(const store::OutboxEntry& entry) override {
    if (failures_ > 0) {
      --failures_;
      return fail(Code::kUnavailable, "receiver down");
    }
    delivered.push_back(entry);
    return true;
  }
  std::vector<store::OutboxEntry> delivered;

 private:
  int failures_;
};

std::string temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("quanzu-dispatch-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto p = dir / name;
  std::filesystem::remove(p);
  std::filesystem::remove(p.string() + "-wal");
  std::filesystem::remove(p.string() + "-shm");
  return p.string();
}

void store_case_with_notice(store::CaseStore& s, const std::string& instruction_id) {
  store::NewCase n;
  n.kase.id = "C-" + instruction_id;
  n.kase.instruction_id = instruction_id;
  n.kase.status = cases::Status::kClosed;
  n.kase.outcome = cases::Outcome::kHandedOff;
  n.kase.routing_method = "out_of_area";
  n.kase.created_at = n.kase.updated_at = 1000;
  n.kase.phone = "13800138000";
  n.kase.timeline.push_back({1, 1000, "created", "system", "{}"});
  n.kase.outbound.push_back({"handoff", R"({"type":"handoff","case_id":"C-)" + instruction_id + R"("})"});
  n.instruction_raw = "{}";
  std::promise<bool> done;
  s.ingest({n}, [&](Result<std::vector<store::IngestOutcome>> r) { done.set_value(r.has_value() && (*r)[0].created); });
  ASSERT_TRUE(done.get_future().get());
}

TEST(Dispatcher, RetriesWithBackoffUntilDeliveredThenNeverAgain) {
  auto s = store::sqlite::SqliteStore::open({temp_path("retry.sqlite")});
  ASSERT_TRUE(s.has_value());
  store_case_with_notice(**s, "I-1");
  ManualClock clock(10000);
  FlakyChannel channel(2);
  Dispatcher dispatcher(**s, {{"handoff", &channel}}, clock, {.poll_interval = 10, .first_retry = 1000, .max_retry = 8000});

  EXPECT_EQ(dispatcher.run_once(), 0u);  // fails, retry at +1 s
  EXPECT_EQ(*(*s)->outbox_backlog(), 1);
  clock.advance(999);
  EXPECT_EQ(dispatcher.run_once(), 0u);  // not yet due: nothing tried
  EXPECT_EQ(dispatcher.metrics().failed_attempts.load(), 1);
  clock.advance(1);
  EXPECT_EQ(dispatcher.run_once(), 0u);  // second failure, retry at +2 s
  clock.advance(1999);
  EXPECT_EQ(dispatcher.run_once(), 0u);
  clock.advance(1);
  EXPECT_EQ(dispatcher.run_once(), 1u);
  ASSERT_EQ(channel.delivered.size(), 1u);
  EXPECT_EQ(channel.delivered[0].case_id, "C-I-1");
  EXPECT_EQ(channel.delivered[0].attempts, 2);
  EXPECT_EQ(*(*s)->outbox_backlog(), 0);
  clock.advance(100000);
  EXPECT_EQ(dispatcher.run_once(), 0u);
  EXPECT_EQ(channel.delivered.size(), 1u);
}

TEST(Dispatcher, BackoffDoublesUpToTheCap) {
  auto s = store::sqlite::SqliteStore::open({temp_path("backoff.sqlite")});
  ASSERT_TRUE(s.has_value());
  ManualClock clock(0);
  Dispatcher d(**s, {}, clock, {.poll_interval = 10, .first_retry = 5000, .max_retry = 600000});
  EXPECT_EQ(d.backoff(0), 5000);
  EXPECT_EQ(d.backoff(1), 10000);
  EXPECT_EQ(d.backoff(3), 40000);
  EXPECT_EQ(d.backoff(30), 600000);
}

TEST(Dispatcher, MessagesSurviveARestartOfTheStore) {
  const std::string path = temp_path("restart.sqlite");
  {
    auto s = store::sqlite::SqliteStore::open({path});
    ASSERT_TRUE(s.has_value());
    store_case_with_notice(**s, "I-2");
  }
  auto s = store::sqlite::SqliteStore::open({path});
  ASSERT_TRUE(s.has_value());
  ManualClock clock(50000);
  FlakyChannel channel(0);
  Dispatcher d(**s, {{"handoff", &channel}}, clock);
  EXPECT_EQ(d.run_once(), 1u);
  ASSERT_EQ(channel.delivered.size(), 1u);
  EXPECT_NE(channel.delivered[0].payload.find("C-I-2"), std::string::npos);
}

TEST(Dispatcher, UnknownChannelIsRetriedNotDropped) {
  auto s = store::sqlite::SqliteStore::open({temp_path("unknown.sqlite")});
  ASSERT_TRUE(s.has_value());
  store_case_with_notice(**s, "I-3");
  ManualClock clock(10000);
  Dispatcher d(**s, {}, clock);
  EXPECT_EQ(d.run_once(), 0u);
  EXPECT_EQ(*(*s)->outbox_backlog(), 1);
  EXPECT_EQ(d.metrics().failed_attempts.load(), 1);
}

}  // namespace
}  // namespace quanzu::channels
