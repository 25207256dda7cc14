#include "channels/dispatcher.h"

#include <future>

namespace quanzu::channels {

Dispatcher::Dispatcher(store::CaseStore& store, std::map<std::string, Channel*> channels,
                       const Clock& clock, DispatcherOptions options)
    : store_(store), channels_(std::move(channels)), clock_(clock), options_(options) {}

Dispatcher::~Dispatcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Dispatcher::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      run_once();
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_interval), [&] { return stopping_; });
    }
  });
}

Millis Dispatcher::backoff(std::int64_t attempts) const {
  Millis wait = options_.first_retry;
  for (std::int64_t i = 0; i < attempts && wait < options_.max_retry; ++i) wait *= 2;
  return std::min(wait, options_.max_retry);
}

size_t Dispatcher::run_once() {
  auto due = store_.due_outbox(clock_.now(), options_.batch);
  if (!due) return 0;
  size_t delivered = 0;
  for (const auto& entry : *due) {
    auto it = channels_.find(entry.channel);
    Result<bool> sent = it == channels_.end()
                            ? fail(Code::kUnavailable, "no channel \"" + entry.channel + "\" is configured")
                            : it->second->deliver(entry);
    std::promise<Result<bool>> booked;
    if (sent) {
      store_.outbox_delivered(entry.id, clock_.now(), [&](Result<bool> r) { booked.set_value(std::move(r)); });
      ++metrics_.delivered;
      ++delivered;
    } else {
      store_.outbox_failed(entry.id, clock_.now() + backoff(entry.attempts), sent.error().message,
                           [&](Result<bool> r) { booked.set_value(std::move(r)); });
      ++metrics_.failed_attempts;
    }
    // Bookkeeping is durable before the next message: a crash repeats at most this one.
    (void)booked.get_future().get();
  }
  return delivered;
}

}  // namespace quanzu::channels
