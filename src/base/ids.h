// Identifiers we mint: time-ordered, unique across processes without coordination.
#pragma once

#include <string>

#include "base/time.h"

namespace quanzu {

// "C" + 10 base32 characters of the millisecond time + 6 random ones, e.g.
// "C01HF3K9ZQ0X4M2PA". Sorts by creation time. Safe to call from several threads.
std::string new_case_id(Millis at);

}  // namespace quanzu
