// The people and networks `quanzu demo` simulates around the platform, all through its
// real use cases (no shortcut into the store):
//  - a phone network behind the "sms" and "robocall" channels that reports realistic
//    results after realistic delays (delivery receipts in seconds, calls ringing out);
//  - a bank behind the "bank" channel that accepts stop-payments and releases them;
//  - responders (two per station) who go on duty, acknowledge or decline visits, ride to
//    the door at motorcycle speed and report what happened;
//  - station operators who work their call-task queues, close cases with outcomes and ask
//    for a stop-payment when the plan proposes one.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/platform.h"
#include "channels/channel.h"

namespace quanzu::app {

// Runs callbacks at given steady-clock times on one thread; stops when destroyed.
class DemoScheduler {
 public:
  DemoScheduler();
  ~DemoScheduler();  // stop()s
  // Runs `f` on the scheduler's thread about `delay` from now; dropped after stop().
  void after(Millis delay, std::function<void()> f);
  // Stops the thread; what is still waiting never runs. Safe to call twice.
  void stop();

 private:
  struct Item {
    std::chrono::steady_clock::time_point at;
    std::uint64_t seq;
    std::function<void()> f;
    bool operator>(const Item& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  std::mutex mu_;  // guards queue_, seq_, stopping_
  std::condition_variable cv_;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue_;
  std::uint64_t seq_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

// The simulated phone network for one channel ("sms" or "robocall").
class SimulatedPhoneNetwork final : public channels::Channel {
 public:
  SimulatedPhoneNetwork(Platform& platform, DemoScheduler& scheduler, std::string channel, std::uint64_t seed);
  Result<bool> deliver(const store::OutboxEntry& entry) override;

 private:
  Platform& platform_;
  DemoScheduler& scheduler_;
  std::string channel_;
  std::mutex mu_;  // guards rng_
  std::mt19937_64 rng_;
};

// The simulated bank: accepts most stop-payments a few seconds after the request, refuses
// some, and releases approved ones.
class SimulatedBank final : public channels::Channel {
 public:
  SimulatedBank(Platform& platform, DemoScheduler& scheduler, std::uint64_t seed);
  Result<bool> deliver(const store::OutboxEntry& entry) override;

 private:
  Platform& platform_;
  DemoScheduler& scheduler_;
  std::mutex mu_;  // guards rng_
  std::mt19937_64 rng_;
};

// The id of the demo's k-th responder (1 or 2) of a station: "500105-01-R1".
std::string demo_responder_id(std::string_view station_code, int k);

// Responders and station operators; run() loops until `stop`.
class DemoPeople {
 public:
  DemoPeople(Platform& platform, std::uint64_t seed);
  // Registers two responders per station (once per data directory) and puts them on duty.
  void register_responders();
  void run(const std::atomic<bool>& stop);

 private:
  void move_responders(Millis step);
  void work_tasks();
  void close_cases();
  bool chance(double p);

  Platform& platform_;
  std::mt19937_64 rng_;
};

}  // namespace quanzu::app
