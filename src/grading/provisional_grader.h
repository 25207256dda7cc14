// The level of an instruction until the rules engine lands: the upstream level when the
// instruction carries one, else medium. Honest and simple; every grade names why.
#pragma once

#include <string>
#include <vector>

#include "instruction/instruction.h"

namespace quanzu::grading {

struct Grade {
  instruction::Level level = instruction::Level::kMedium;
  std::vector<std::string> reasons;  // ids of what decided the level
  std::string rules_version;
};

Grade grade_provisional(const instruction::Instruction& instruction);

}  // namespace quanzu::grading
