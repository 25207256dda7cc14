#include "cases/case.h"

#include "base/enum_names.h"

namespace quanzu::cases {
namespace {

constexpr EnumNames<Status, 4> kStatuses{{
    {Status::kUnrouted, "unrouted"},
    {Status::kOpen, "open"},
    {Status::kInProgress, "in_progress"},
    {Status::kClosed, "closed"},
}};
constexpr EnumNames<Outcome, 7> kOutcomes{{
    {Outcome::kDissuaded, "dissuaded"},
    {Outcome::kWarned, "warned"},
    {Outcome::kAlreadyDefrauded, "already_defrauded"},
    {Outcome::kNotFraud, "not_fraud"},
    {Outcome::kUnreachable, "unreachable"},
    {Outcome::kHandedOff, "handed_off"},
    {Outcome::kDuplicate, "duplicate"},
}};
constexpr EnumNames<Channel, 5> kChannels{{
    {Channel::kSms, "sms"},
    {Channel::kRobocall, "robocall"},
    {Channel::kManualCall, "manual_call"},
    {Channel::kVisit, "visit"},
    {Channel::kFamily, "family"},
}};


}  // namespace

std::string_view name(Status v) { return enum_name(kStatuses, v); }
std::string_view name(Outcome v) { return enum_name(kOutcomes, v); }
std::string_view name(Channel v) { return enum_name(kChannels, v); }
std::optional<Status> parse_status(std::string_view s) { return enum_value(kStatuses, s); }
std::optional<Outcome> parse_outcome(std::string_view s) { return enum_value(kOutcomes, s); }
std::optional<Channel> parse_channel(std::string_view s) { return enum_value(kChannels, s); }

}  // namespace quanzu::cases
