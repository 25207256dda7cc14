// `quanzu demo`: the platform on the embedded store with a simulated upstream feed and,
// until real channels and handling land, simulated station operators.
#pragma once

#include "app/config.h"

namespace quanzu::app {

// Runs until SIGINT/SIGTERM. Returns the process exit code.
int run_demo(const Config& config);

}  // namespace quanzu::app
