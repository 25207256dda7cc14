#include "cases/case.h"

#include <array>
#include <utility>

namespace quanzu::cases {
namespace {

constexpr std::array<std::pair<Status, std::string_view>, 4> kStatuses{{
    {Status::kUnrouted, "unrouted"},
    {Status::kOpen, "open"},
    {Status::kInProgress, "in_progress"},
    {Status::kClosed, "closed"},
}};
constexpr std::array<std::pair<Outcome, std::string_view>, 7> kOutcomes{{
    {Outcome::kDissuaded, "dissuaded"},
    {Outcome::kWarned, "warned"},
    {Outcome::kAlreadyDefrauded, "already_defrauded"},
    {Outcome::kNotFraud, "not_fraud"},
    {Outcome::kUnreachable, "unreachable"},
    {Outcome::kHandedOff, "handed_off"},
    {Outcome::kDuplicate, "duplicate"},
}};
constexpr std::array<std::pair<Channel, std::string_view>, 5> kChannels{{
    {Channel::kSms, "sms"},
    {Channel::kRobocall, "robocall"},
    {Channel::kManualCall, "manual_call"},
    {Channel::kVisit, "visit"},
    {Channel::kFamily, "family"},
}};

template <typename E, size_t N>
std::string_view find_name(const std::array<std::pair<E, std::string_view>, N>& table, E v) {
  for (const auto& [value, text] : table) {
    if (value == v) return text;
  }
  return "?";
}

template <typename E, size_t N>
std::optional<E> find_value(const std::array<std::pair<E, std::string_view>, N>& table,
                            std::string_view s) {
  for (const auto& [value, text] : table) {
    if (text == s) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view name(Status v) { return find_name(kStatuses, v); }
std::string_view name(Outcome v) { return find_name(kOutcomes, v); }
std::string_view name(Channel v) { return find_name(kChannels, v); }
std::optional<Status> parse_status(std::string_view s) { return find_value(kStatuses, s); }
std::optional<Outcome> parse_outcome(std::string_view s) { return find_value(kOutcomes, s); }
std::optional<Channel> parse_channel(std::string_view s) { return find_value(kChannels, s); }

}  // namespace quanzu::cases
