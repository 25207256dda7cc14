#include "grading/provisional_grader.h"

namespace quanzu::grading {

Grade grade_provisional(const instruction::Instruction& instruction) {
  Grade grade;
  grade.rules_version = "provisional-1";
  if (instruction.upstream_level) {
    grade.level = *instruction.upstream_level;
    grade.reasons.push_back("provisional.upstream_level");
  } else {
    grade.level = instruction::Level::kMedium;
    grade.reasons.push_back("provisional.default_medium");
  }
  return grade;
}

}  // namespace quanzu::grading
