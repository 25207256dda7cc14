#include "base/ids.h"

#include <mutex>
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
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t random;
  {
    std::lock_guard lock(mu);
    random = rng();
  }
  std::string id = "C";
  id.reserve(17);
  append_base32(id, static_cast<std::uint64_t>(at), 10);
  append_base32(id, random, 6);
  return id;
}

}  // namespace quanzu
