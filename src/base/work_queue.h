// A few threads running submitted work in order of arrival, with a bound on what may wait:
// for slow work (password hashing) that must not run on the server's I/O threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace quanzu {

class WorkQueue {
 public:
  WorkQueue(size_t threads, size_t max_waiting);
  ~WorkQueue();  // runs what is queued, then joins
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // False (and `work` is dropped) when max_waiting items already wait.
  bool submit(std::function<void()> work);

 private:
  void run();

  const size_t max_waiting_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace quanzu
