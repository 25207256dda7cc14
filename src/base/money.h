// Money is counted in fen (分, 1/100 CNY) so that sums are exact.
#pragma once

#include <cstdint>
#include <string>

namespace quanzu {

// 30000 -> "300", 30050 -> "300.50", -5 -> "-0.05".
std::string format_cny(std::int64_t fen);

}  // namespace quanzu
