// The rule set in force, replaceable while the server runs (SIGHUP, POST /api/v1/rules).
// A bad file never replaces a good one. Safe from several threads.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "grading/rules.h"

namespace quanzu::grading {

class ActiveRules {
 public:
  explicit ActiveRules(RuleSet initial, std::string source_text = {}, std::string source_name = {});

  // The current set; holders keep theirs alive while a reload happens.
  std::shared_ptr<const RuleSet> current() const;
  // The text and name (file path) the current set was loaded from.
  std::string source_text() const;
  std::string source_name() const;

  // Validates `text` and, only if it is good, makes it current. Returns the new set.
  Result<std::shared_ptr<const RuleSet>> replace(const std::string& text, const std::string& name);

 private:
  mutable std::mutex mu_;  // guards the three fields below
  std::shared_ptr<const RuleSet> rules_;
  std::string text_;
  std::string name_;
};

}  // namespace quanzu::grading
