#include "grading/active_rules.h"

namespace quanzu::grading {

ActiveRules::ActiveRules(RuleSet initial, std::string source_text, std::string source_name)
    : rules_(std::make_shared<const RuleSet>(std::move(initial))),
      text_(std::move(source_text)),
      name_(std::move(source_name)) {}

std::shared_ptr<const RuleSet> ActiveRules::current() const {
  std::lock_guard lock(mu_);
  return rules_;
}

std::string ActiveRules::source_text() const {
  std::lock_guard lock(mu_);
  return text_;
}

std::string ActiveRules::source_name() const {
  std::lock_guard lock(mu_);
  return name_;
}

Result<std::shared_ptr<const RuleSet>> ActiveRules::replace(const std::string& text,
                                                            const std::string& name) {
  auto loaded = load_rules(text, name);
  if (!loaded) return tl::unexpected(loaded.error());
  auto next = std::make_shared<const RuleSet>(std::move(*loaded));
  std::lock_guard lock(mu_);
  rules_ = next;
  text_ = text;
  name_ = name;
  return next;
}

}  // namespace quanzu::grading
