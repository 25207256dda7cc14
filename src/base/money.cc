#include "base/money.h"

#include <cstdio>

namespace quanzu {

std::string format_cny(std::int64_t fen) {
  const bool negative = fen < 0;
  const std::uint64_t abs = negative ? 0 - static_cast<std::uint64_t>(fen) : static_cast<std::uint64_t>(fen);
  char buf[32];
  if (abs % 100 == 0) {
    std::snprintf(buf, sizeof buf, "%s%llu", negative ? "-" : "",
                  static_cast<unsigned long long>(abs / 100));
  } else {
    std::snprintf(buf, sizeof buf, "%s%llu.%02llu", negative ? "-" : "",
                  static_cast<unsigned long long>(abs / 100),
                  static_cast<unsigned long long>(abs % 100));
  }
  return buf;
}

}  // namespace quanzu
