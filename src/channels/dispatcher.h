// Delivers the store's outbox: polls for due messages, hands each to its channel, records
// the delivery or schedules a retry with exponential backoff. Messages survive restarts
// (they live in the store); a message is retried until delivered.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "base/clock.h"
#include "channels/channel.h"
#include "store/store.h"

namespace quanzu::channels {

struct DispatcherOptions {
  Millis poll_interval = 500;
  Millis first_retry = 5000;   // doubled each attempt
  Millis max_retry = 600000;   // at most 10 minutes between attempts
  size_t batch = 100;
};

struct DispatcherMetrics {
  std::atomic<std::int64_t> delivered{0};
  std::atomic<std::int64_t> failed_attempts{0};
};

class Dispatcher {
 public:
  // `channels` maps a channel name ("handoff") to its adapter; all must outlive this.
  Dispatcher(store::CaseStore& store, std::map<std::string, Channel*> channels, const Clock& clock,
             DispatcherOptions options = {});
  ~Dispatcher();  // stops the thread

  // Called (on the dispatcher thread) for each message once its delivery is recorded; set
  // before start(). The platform uses it to note when an SMS or robocall went out.
  void set_on_delivered(std::function<void(const store::OutboxEntry&)> f) { on_delivered_ = std::move(f); }
  void start();
  // One pass over what is due now; returns how many were delivered. For tests (with a
  // manual clock) and for start()'s loop.
  size_t run_once();
  const DispatcherMetrics& metrics() const { return metrics_; }
  // The backoff before attempt number `attempts + 1`.
  Millis backoff(std::int64_t attempts) const;

 private:
  store::CaseStore& store_;
  std::map<std::string, Channel*> channels_;
  std::function<void(const store::OutboxEntry&)> on_delivered_;
  const Clock& clock_;
  DispatcherOptions options_;
  DispatcherMetrics metrics_;
  std::mutex mu_;  // guards stopping_
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace quanzu::channels
