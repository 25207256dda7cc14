// `quanzu rules check FILE` and `quanzu rules whatif DRAFT --since 30d`.
#pragma once

#include <string>

#include "app/config.h"

namespace quanzu::app {

// Validates a rules file; prints its rules or every problem with file:line.
// Exit codes: 0 good, 1 refused.
int run_rules_check(const std::string& file);

struct WhatIfOptions {
  std::string draft;
  std::string since = "30d";
  std::string until;  // empty: now
  size_t sample = 10;
};

// Re-grades the stored instructions of config.data_dir with the draft and prints the
// workload impact. Exit codes: 0 done, 1 failure (bad draft, unreadable store).
int run_rules_whatif(const Config& config, const WhatIfOptions& options);

}  // namespace quanzu::app
