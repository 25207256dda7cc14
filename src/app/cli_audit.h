// The audit entry of a change made from the command line (user and token commands, local
// instruction files): written to the same hash-chained log the server appends to, before
// the change, as the operating-system user on this machine.
#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "app/config.h"
#include "base/clock.h"
#include "base/result.h"

namespace quanzu::app {

// Appends {actor "os:<user>", role "cli", from "local"} to config's audit log.
Result<bool> audit_cli_change(const Config& config, const Clock& clock, std::string action,
                              std::string target, const boost::json::object& detail);

}  // namespace quanzu::app
