// Identifiers we mint: time-ordered, unique across processes without coordination.
#pragma once

#include <string>

#include "base/time.h"

namespace quanzu {

// "C" + 10 base32 characters of the millisecond time + 8 of a per-process counter that
// starts at a random value, e.g. "C01HF3K9ZQ0X4M2PA7B". Sorts by creation time; never
// repeats within a process. Safe to call from several threads.
std::string new_case_id(Millis at);

}  // namespace quanzu
