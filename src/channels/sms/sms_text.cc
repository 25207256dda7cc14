#include "channels/sms/sms_text.h"

#include <algorithm>
#include <cctype>

namespace quanzu::channels {
namespace {

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

bool is_high_surrogate(char16_t u) { return u >= 0xD800 && u <= 0xDBFF; }
bool is_low_surrogate(char16_t u) { return u >= 0xDC00 && u <= 0xDFFF; }

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

}  // namespace

std::string scam_type_name(std::string_view scam_type) {
  static const std::map<std::string_view, std::string_view> kNames = {
      {"click_farming_rebate", "刷单返利"},
      {"fake_investment", "虚假投资理财"},
      {"fake_customer_service", "冒充电商物流客服"},
      {"fake_loan", "虚假贷款"},
      {"fake_credit_record", "注销校园贷/征信"},
      {"impersonate_acquaintance", "冒充领导熟人"},
      {"impersonate_police_gov", "冒充公检法"},
      {"romance", "网络交友诱导"},
      {"fake_game_trade", "网游虚假交易"},
      {"prize", "中奖"},
  };
  auto it = kNames.find(scam_type);
  return std::string(it == kNames.end() ? std::string_view("电信网络") : it->second);
}

std::string render_sms_text(const SmsTemplates& templates, std::string_view scam_type,
                            std::string_view station_name) {
  auto it = templates.by_scam_type.find(std::string(scam_type));
  std::string text = it == templates.by_scam_type.end() ? templates.default_template : it->second;
  // {phone} and {station} first: their values never contain "{scam}", and a station name is
  // data we do not want expanded further, so it goes last of all.
  replace_all(text, "{phone}", templates.callback_phone);
  replace_all(text, "{scam}", scam_type_name(scam_type));
  replace_all(text, "{station}", station_name.empty() ? templates.unrouted_station : station_name);
  return text;
}

Result<std::u16string> utf8_to_utf16(std::string_view utf8) {
  std::u16string out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) {
    const auto b0 = static_cast<unsigned char>(utf8[i]);
    char32_t c = 0;
    size_t len = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
      c = b0, len = 1, min = 0;
    } else if ((b0 & 0xE0) == 0xC0) {
      c = b0 & 0x1F, len = 2, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      c = b0 & 0x0F, len = 3, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      c = b0 & 0x07, len = 4, min = 0x10000;
    } else {
      return fail(Code::kInvalid, "malformed UTF-8 at byte " + std::to_string(i));
    }
    if (i + len > utf8.size()) return fail(Code::kInvalid, "truncated UTF-8 at byte " + std::to_string(i));
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(utf8[i + k]);
      if ((b & 0xC0) != 0x80) return fail(Code::kInvalid, "malformed UTF-8 at byte " + std::to_string(i + k));
      c = (c << 6) | (b & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
      return fail(Code::kInvalid, "invalid code point in UTF-8 at byte " + std::to_string(i));
    }
    if (c >= 0x10000) {
      c -= 0x10000;
      out += static_cast<char16_t>(0xD800 + (c >> 10));
      out += static_cast<char16_t>(0xDC00 + (c & 0x3FF));
    } else {
      out += static_cast<char16_t>(c);
    }
    i += len;
  }
  return out;
}

std::string utf16_to_ucs2_bytes(std::u16string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (char16_t u : text) {
    out += static_cast<char>(u >> 8);
    out += static_cast<char>(u & 0xFF);
  }
  return out;
}

std::string ucs2_bytes_to_utf8(std::string_view bytes) {
  std::string out;
  const size_t units = bytes.size() / 2;
  auto unit = [&](size_t i) {
    return static_cast<char16_t>((static_cast<unsigned char>(bytes[2 * i]) << 8) |
                                 static_cast<unsigned char>(bytes[2 * i + 1]));
  };
  for (size_t i = 0; i < units; ++i) {
    const char16_t u = unit(i);
    if (is_high_surrogate(u) && i + 1 < units && is_low_surrogate(unit(i + 1))) {
      append_utf8(out, 0x10000 + ((static_cast<char32_t>(u) - 0xD800) << 10) + (unit(i + 1) - 0xDC00));
      ++i;
    } else if (is_high_surrogate(u) || is_low_surrogate(u)) {
      append_utf8(out, 0xFFFD);
    } else {
      append_utf8(out, u);
    }
  }
  if (bytes.size() % 2 != 0) append_utf8(out, 0xFFFD);
  return out;
}

Result<SmsParts> split_ucs2(std::u16string_view text, std::uint8_t reference) {
  constexpr size_t kSingleUnits = 70;  // 140 octets
  constexpr size_t kPartUnits = 67;    // 140 - 6 octets of UDH
  SmsParts parts;
  if (text.size() <= kSingleUnits) {
    parts.short_messages.push_back(utf16_to_ucs2_bytes(text));
    return parts;
  }
  std::vector<std::u16string_view> chunks;
  for (size_t at = 0; at < text.size();) {
    size_t take = std::min(kPartUnits, text.size() - at);
    // Never split a surrogate pair: its halves are not characters on their own.
    if (at + take < text.size() && is_high_surrogate(text[at + take - 1])) --take;
    chunks.push_back(text.substr(at, take));
    at += take;
  }
  if (chunks.size() > 255) {
    return fail(Code::kTooLarge, "SMS text needs " + std::to_string(chunks.size()) + " parts, at most 255");
  }
  parts.udh = true;
  for (size_t i = 0; i < chunks.size(); ++i) {
    std::string sm = {0x05, 0x00, 0x03, static_cast<char>(reference), static_cast<char>(chunks.size()),
                      static_cast<char>(i + 1)};
    sm += utf16_to_ucs2_bytes(chunks[i]);
    parts.short_messages.push_back(std::move(sm));
  }
  return parts;
}

std::optional<Receipt> parse_receipt(std::string_view text) {
  const std::string up = upper(text);
  auto field = [&](std::string_view key) -> std::optional<std::string> {
    // A key starts the text or follows a space ("submit date:" must not match "date:").
    for (size_t at = up.find(key); at != std::string::npos; at = up.find(key, at + 1)) {
      if (at != 0 && up[at - 1] != ' ') continue;
      const size_t start = at + key.size();
      const size_t end = up.find(' ', start);
      return std::string(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    }
    return std::nullopt;
  };
  auto id = field("ID:");
  auto stat = field("STAT:");
  if (!id || !stat || id->empty()) return std::nullopt;
  return Receipt{*id, upper(*stat)};
}

std::optional<std::string> receipt_result(std::string_view stat) {
  const std::string s = upper(stat);
  if (s == "DELIVRD") return "delivered";
  if (s == "EXPIRED") return "expired";
  if (s == "UNDELIV" || s == "REJECTD" || s == "DELETED" || s == "UNKNOWN") return "failed";
  return std::nullopt;
}

std::optional<std::string> message_state_result(std::uint8_t state) {
  switch (state) {
    case 2: return "delivered";
    case 3: return "expired";
    case 4: case 5: case 7: case 8: return "failed";
    default: return std::nullopt;
  }
}

}  // namespace quanzu::channels
