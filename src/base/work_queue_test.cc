#include "base/work_queue.h"

#include <atomic>
#include <chrono>
#include <latch>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

namespace quanzu {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueue, RunsEverythingSubmitted) {
  std::atomic<int> ran{0};
  std::latch done(200);
  WorkQueue queue(2, 1000);
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(queue.submit([&] {
      ++ran;
      done.count_down();
    }));
  }
  done.wait();
  EXPECT_EQ(ran.load(), 200);
}

TEST(WorkQueue, RefusesBeyondMaxWaiting) {
  std::latch started(1), gate(1);
  std::atomic<int> ran{0};
  {
    WorkQueue queue(1, 3);
    // The one worker takes this and blocks, so what follows only waits.
    ASSERT_TRUE(queue.submit([&] {
      started.count_down();
      gate.wait();
      ++ran;
    }));
    started.wait();
    EXPECT_TRUE(queue.submit([&] { ++ran; }));
    EXPECT_TRUE(queue.submit([&] { ++ran; }));
    EXPECT_TRUE(queue.submit([&] { ++ran; }));
    bool dropped_ran = false;
    EXPECT_FALSE(queue.submit([&] { dropped_ran = true; }));  // three wait already
    EXPECT_FALSE(queue.submit([&] { dropped_ran = true; }));
    gate.count_down();
    // Room again once the worker drains the queue.
    std::latch drained(1);
    while (!queue.submit([&] { drained.count_down(); })) std::this_thread::sleep_for(1ms);
    drained.wait();
    EXPECT_EQ(ran.load(), 4);
    EXPECT_FALSE(dropped_ran);
  }
  EXPECT_EQ(ran.load(), 4);
}

TEST(WorkQueue, DestructorRunsWhatIsQueued) {
  std::latch started(1), gate(1);
  std::atomic<int> ran{0};
  std::optional<std::thread> opener;
  {
    WorkQueue queue(1, 10);
    ASSERT_TRUE(queue.submit([&] {
      started.count_down();
      gate.wait();
    }));
    started.wait();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue.submit([&] { ++ran; }));
    // Opened only once the destructor below has (most likely) begun: the five still wait.
    opener.emplace([&] {
      std::this_thread::sleep_for(50ms);
      gate.count_down();
    });
  }
  EXPECT_EQ(ran.load(), 5);
  opener->join();
}

}  // namespace
}  // namespace quanzu
