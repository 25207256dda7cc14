#include "handling/timer_worker.h"

#include <chrono>

namespace quanzu::handling {

TimerWorker::TimerWorker(HandlingService& service, Millis interval)
    : service_(service), interval_(interval) {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      service_.fire_due();
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(interval_), [this] { return stopping_; });
    }
  });
}

TimerWorker::~TimerWorker() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace quanzu::handling
