#include "channels/dispatcher.h"

#include <future>
#include <memory>
#include <vector>

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
  if (!due || due->empty()) return 0;
  size_t delivered = 0;
  std::vector<std::future<Result<bool>>> booked;
  std::vector<const store::OutboxEntry*> sent_entries;
  booked.reserve(due->size());
  for (const auto& entry : *due) {
    auto it = channels_.find(entry.channel);
    Result<bool> sent = it == channels_.end()
                            ? fail(Code::kUnavailable, "no channel \"" + entry.channel + "\" is configured")
                            : it->second->deliver(entry);
    auto promise = std::make_shared<std::promise<Result<bool>>>();
    booked.push_back(promise->get_future());
    auto done = [promise](Result<bool> r) { promise->set_value(std::move(r)); };
    if (sent) {
      store_.outbox_delivered(entry.id, clock_.now(), std::move(done));
      ++metrics_.delivered;
      ++delivered;
      sent_entries.push_back(&entry);
    } else {
      store_.outbox_failed(entry.id, clock_.now() + backoff(entry.attempts), sent.error().message,
                           std::move(done));
      ++metrics_.failed_attempts;
    }
  }
  // The whole batch's bookkeeping shares commits; it is durable before the next batch, so a
  // crash repeats at most this batch (receivers dedupe on the idempotency key).
  for (auto& f : booked) (void)f.get();
  if (on_delivered_) {
    for (const auto* entry : sent_entries) on_delivered_(*entry);
  }
  return delivered;
}

}  // namespace quanzu::channels
