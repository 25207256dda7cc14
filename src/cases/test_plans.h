// For tests: the action plans shipped in config/plans.toml (the SPEC.md defaults), read from
// the source tree named by QUANZU_SOURCE_DIR (set by quanzu_add_test).
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "cases/plan.h"

namespace quanzu::cases {

inline Plans shipped_plans() {
  const char* dir = std::getenv("QUANZU_SOURCE_DIR");
  const std::string path = std::string(dir ? dir : ".") + "/config/plans.toml";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto plans = load_plans(text.str(), path);
  // A test without its plans cannot say anything: stop it loudly.
  if (!plans) throw std::runtime_error("cannot load " + path + ": " + plans.error().message);
  return *plans;
}

}  // namespace quanzu::cases
