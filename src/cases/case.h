// A case: our handling of one instruction. Status and outcome follow SPEC.md; every change
// is a TimelineEvent. Plain data; the rules of change live in lifecycle.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "cases/handling.h"
#include "cases/responder.h"
#include "instruction/instruction.h"

namespace quanzu::cases {

using instruction::Fen;
using instruction::Level;

enum class Status { kUnrouted, kOpen, kInProgress, kClosed };
enum class Outcome {
  kDissuaded,
  kWarned,
  kAlreadyDefrauded,
  kNotFraud,
  kUnreachable,
  kHandedOff,
  kDuplicate,
};
enum class Channel { kSms, kRobocall, kManualCall, kVisit, kFamily };

std::string_view name(Status v);
std::string_view name(Outcome v);
std::string_view name(Channel v);
std::optional<Status> parse_status(std::string_view s);
std::optional<Outcome> parse_outcome(std::string_view s);
std::optional<Channel> parse_channel(std::string_view s);

struct Station {
  std::string code;
  std::string name;
  std::string district_adcode;
};

struct TimelineEvent {
  std::int64_t seq = 0;  // 1, 2, ... within the case
  Millis at = 0;
  std::string kind;   // "created", "attempt", "note", "outcome", "reopened", ...
  std::string actor;  // "system", or who did it
  std::string data;   // a JSON object text with the kind's fields; "{}" when none
};

// A message a change causes (a hand-off notice, later SMS and calls): written to the store's
// outbox in the same transaction as the change, delivered afterwards by a channel worker.
struct Outbound {
  std::string channel;  // "handoff", ...
  std::string payload;  // JSON object text
};

struct Case {
  std::string id;
  std::string instruction_id;
  Level level = Level::kMedium;
  std::vector<std::string> reasons;
  std::string rules_version;
  std::optional<Station> station;
  std::string routing_method;  // how the station was found ("adcode", ...), or "none"
  Status status = Status::kOpen;
  std::optional<Outcome> outcome;
  Fen amount_protected = 0;
  Millis created_at = 0;
  Millis updated_at = 0;
  std::int64_t version = 1;  // bumped by every change
  // Copied from the instruction for lists, filters and statistics.
  Millis issued_at = 0;
  instruction::Trigger trigger = instruction::Trigger::kOther;
  instruction::ScamType scam_type = instruction::ScamType::kUnknown;
  std::string phone;
  std::string subject_name;
  std::optional<int> age;
  Fen at_risk = 0;
  // Filled only when one case is read whole.
  std::vector<TimelineEvent> timeline;
  std::string instruction_raw;
  // Plans, timers, tasks, visits and stop-payments; stored with the case (handling.h).
  Handling handling;
  // Set by a change that must send something; the store queues it, never reads it back.
  std::vector<Outbound> outbound;
  // Set by a change that gives a responder a visit or frees one (responder.h).
  std::vector<ResponderClaim> responder_claims;
};

}  // namespace quanzu::cases
