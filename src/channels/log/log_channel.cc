#include "channels/log/log_channel.h"

namespace quanzu::channels {

Result<bool> LogChannel::deliver(const store::OutboxEntry& entry) {
  out_ << name_ << ": outbox #" << entry.id << " case " << entry.case_id << " (not sent anywhere: "
       << "log channel) " << entry.payload.size() << " bytes\n";
  out_.flush();
  return true;
}

}  // namespace quanzu::channels
