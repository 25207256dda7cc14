// A channel that only writes one line per message to a stream (the demo's stand-in for
// a real receiver). Thread-compatible.
#pragma once

#include <ostream>
#include <string>

#include "channels/channel.h"

namespace quanzu::channels {

class LogChannel final : public Channel {
 public:
  LogChannel(std::ostream& out, std::string name) : out_(out), name_(std::move(name)) {}
  Result<bool> deliver(const store::OutboxEntry& entry) override;

 private:
  std::ostream& out_;
  std::string name_;
};

}  // namespace quanzu::channels
