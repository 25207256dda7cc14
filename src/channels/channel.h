// A channel delivers outbox messages (hand-off notices now; SMS and robocalls later) to the
// outside world. Adapters: log/ (the demo), webhook/ (signed HTTP POST).
#pragma once

#include "base/result.h"
#include "store/store.h"

namespace quanzu::channels {

class Channel {
 public:
  virtual ~Channel() = default;
  // Delivers one message; ok once the receiver accepted it. Called from one dispatcher
  // thread. A message may be delivered again after a crash: receivers dedupe on
  // entry.id (sent as the idempotency key).
  virtual Result<bool> deliver(const store::OutboxEntry& entry) = 0;
};

}  // namespace quanzu::channels
