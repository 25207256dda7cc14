// Problems found in a text file (rules, plans), each as "FILE:LINE: message", collected so
// that the whole file is checked and every problem reported at once. Header-only.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace quanzu {

class LineProblems {
 public:
  explicit LineProblems(std::string file) : file_(std::move(file)) {}
  void add(int line, const std::string& message) {
    errors_.push_back(FieldError{file_ + ":" + std::to_string(line), message});
  }
  // Any parsed node that knows where it came from (toml++: node.source().begin.line).
  template <typename Node>
  void add(const Node& node, const std::string& message) {
    add(static_cast<int>(node.source().begin.line), message);
  }
  bool empty() const { return errors_.empty(); }
  size_t count() const { return errors_.size(); }
  // Code::kInvalid; the message has one problem a line, the fields hold them all.
  Error error() const {
    std::string message;
    for (const auto& e : errors_) message += (message.empty() ? "" : "\n") + e.field + ": " + e.message;
    return Error{Code::kInvalid, message, errors_};
  }

 private:
  std::string file_;
  std::vector<FieldError> errors_;
};

}  // namespace quanzu
