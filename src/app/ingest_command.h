// `quanzu ingest FILE`: loads a JSON or NDJSON file of instructions into the store of a
// data directory, with a progress bar on a terminal and a summary at the end.
#pragma once

#include <string>

#include "app/config.h"

namespace quanzu::app {

struct IngestOptions {
  std::string file;       // "-" reads standard input
  std::string format;     // "", "json" or "ndjson"
  size_t batch = 1000;    // instructions per store write
  size_t show_errors = 10;
};

// Exit codes: 0 all stored, 2 some items rejected (the rest stored), 1 failure.
int run_ingest(const Config& config, const IngestOptions& options);

}  // namespace quanzu::app
