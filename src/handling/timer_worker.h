// Runs HandlingService::fire_due on its own thread, every `interval`, until destroyed.
// Deadlines live in the store, so a worker that stops (or a process that dies) loses none:
// the next one fires whatever is due, once.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "handling/handling_service.h"

namespace quanzu::handling {

class TimerWorker {
 public:
  TimerWorker(HandlingService& service, Millis interval = 250);
  ~TimerWorker();  // stops the thread; changes already queued are still written
  TimerWorker(const TimerWorker&) = delete;
  TimerWorker& operator=(const TimerWorker&) = delete;

 private:
  HandlingService& service_;
  Millis interval_;
  std::mutex mu_;  // guards stopping_
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace quanzu::handling
