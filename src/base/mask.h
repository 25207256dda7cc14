// Masking of personal data for lists, streams and logs: enough to recognise, not to use.
#pragma once

#include <string>
#include <string_view>

namespace quanzu {

// "13800138000" -> "138****8000"; short values keep only their last two characters.
std::string mask_phone(std::string_view phone);
// "500105199001011234" -> "500105********1234".
std::string mask_id_number(std::string_view id);
// "6222021234567890123" -> "6222 **** 0123".
std::string mask_account(std::string_view account);
// "何某某" -> "何**": keeps the first character (UTF-8 aware).
std::string mask_name(std::string_view name);

}  // namespace quanzu
