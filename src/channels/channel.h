// A channel delivers outbox messages (hand-off notices, stop-payment requests, SMS,
// robocalls) to the outside world. Adapters: log/ (the demo), webhook/ (signed HTTP POST).
//
// SMS and robocall messages are JSON objects written by cases/escalation.cc:
//   {"type": "sms"|"robocall", "ref": "<case id>/<channel>/<n>", "case_id", "phone",
//    "level", "scam_type", "station": {"code", "name"} (absent while unrouted), "at_ms"}
// An adapter that learns what became of one (a delivery receipt, the end of a call) reports
// it to a ResultSink with the message's ref; the platform turns it into an attempt event
// that drives the action plan. Results per channel (cases/lifecycle.cc results_of):
//   sms: delivered | failed | expired
//   robocall: answered (with seconds listened) | rejected | busy | no_answer | unreachable
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "base/result.h"
#include "store/store.h"

namespace quanzu::channels {

// Thread-safe; may be called from any thread, any number of times (a repeated ref is
// refused by the case, so at-least-once reporting is fine).
using ResultSink = std::function<void(const std::string& ref, const std::string& result,
                                      std::optional<std::int64_t> duration_seconds)>;

class Channel {
 public:
  virtual ~Channel() = default;
  // Delivers one message; ok once the receiver accepted it. Called from one dispatcher
  // thread. A message may be delivered again after a crash: receivers dedupe on
  // entry.id (sent as the idempotency key).
  virtual Result<bool> deliver(const store::OutboxEntry& entry) = 0;
};

}  // namespace quanzu::channels
