#include "base/mask.h"

namespace quanzu {
namespace {

std::string keep_ends(std::string_view v, size_t head, size_t tail, size_t stars) {
  if (v.size() <= head + tail) {
    std::string out(v.size() > 2 ? v.size() - 2 : 0, '*');
    out += v.substr(v.size() > 2 ? v.size() - 2 : 0);
    return out;
  }
  std::string out(v.substr(0, head));
  out.append(stars, '*');
  out += v.substr(v.size() - tail);
  return out;
}

}  // namespace

std::string mask_phone(std::string_view phone) { return keep_ends(phone, 3, 4, 4); }

std::string mask_id_number(std::string_view id) { return keep_ends(id, 6, 4, 8); }

std::string mask_account(std::string_view account) {
  if (account.size() <= 8) return keep_ends(account, 0, 2, 4);
  std::string out(account.substr(0, 4));
  out += " **** ";
  out += account.substr(account.size() - 4);
  return out;
}

std::string mask_name(std::string_view name) {
  if (name.empty()) return {};
  size_t first = 1;
  unsigned char c = static_cast<unsigned char>(name[0]);
  if (c >= 0xF0) first = 4;
  else if (c >= 0xE0) first = 3;
  else if (c >= 0xC0) first = 2;
  if (first > name.size()) first = name.size();
  std::string out(name.substr(0, first));
  out += "**";
  return out;
}

}  // namespace quanzu
