#include "channels/log/log_channel.h"

#include <string>

namespace quanzu::channels {

Result<bool> LogChannel::deliver(const store::OutboxEntry& entry) {
  // One write for the whole line: std::cerr is unbuffered, and pieces written one by one
  // interleave with other threads' lines (such as "listening on ..." that tests wait for).
  const std::string line = name_ + ": outbox #" + std::to_string(entry.id) + " case " + entry.case_id +
                           " (not sent anywhere: log channel) " + std::to_string(entry.payload.size()) +
                           " bytes\n";
  out_.write(line.data(), static_cast<std::streamsize>(line.size()));
  out_.flush();
  return true;
}

}  // namespace quanzu::channels
