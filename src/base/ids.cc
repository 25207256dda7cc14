#include "base/ids.h"

#include <atomic>
#include <random>

namespace quanzu {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford base32

void append_base32(std::string& out, std::uint64_t value, int chars) {
  for (int i = chars - 1; i >= 0; --i) {
    out.push_back(kAlphabet[(value >> (5 * i)) & 31]);
  }
}

}  // namespace

std::string new_case_id(Millis at) {
  // 40 bits from a counter that starts at a random value: unique within this process for
  // 2^40 ids (a 10,000-item request shares one millisecond, so random bits alone collide),
  // and unlikely to meet another process's ids.
  static std::atomic<std::uint64_t> counter{std::random_device{}() * 0x9E3779B97F4A7C15ULL};
  const std::uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
  std::string id = "C";
  id.reserve(19);
  append_base32(id, static_cast<std::uint64_t>(at), 10);
  append_base32(id, n, 8);
  return id;
}

}  // namespace quanzu
