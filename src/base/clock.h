// Time as a port, so escalations and tests never depend on the wall clock.
#pragma once

#include <atomic>
#include <chrono>

#include "base/time.h"

namespace quanzu {

// Safe to call from several threads at once.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Millis now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Millis now() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to; for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Millis start) : now_(start) {}
  Millis now() const override { return now_.load(); }
  void advance(Millis by) { now_ += by; }
  void set(Millis at) { now_ = at; }

 private:
  std::atomic<Millis> now_;
};

}  // namespace quanzu
