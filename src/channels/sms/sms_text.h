// The pure parts of the SMS channel: the warning text from a template, UCS-2 encoding,
// splitting into concatenated parts, and delivery receipt parsing. No I/O, no state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace quanzu::channels {

// Warning texts per scam type. Placeholders: {station} (the owning station's name, or
// `unrouted_station` while the case has none), {phone} (`callback_phone`, the number the
// person should call back), {scam} (the scam type in Chinese, 刷单返利 ...).
struct SmsTemplates {
  std::string default_template =
      "【{station}】反诈提醒：您可能正遭遇{scam}诈骗，请立即停止转账，切勿向陌生账户汇款。"
      "如有疑问请拨打{phone}。";
  std::map<std::string, std::string> by_scam_type;  // scam_type (SPEC.md) -> template
  std::string callback_phone = "96110";
  std::string unrouted_station = "反诈中心";
};

// The Chinese name of a SPEC.md scam type ("fake_investment" -> "虚假投资理财"); "电信网络"
// for other, unknown or anything not in the list.
std::string scam_type_name(std::string_view scam_type);

// The template for `scam_type` with its placeholders filled in. `station_name` empty means
// the case is not routed yet.
std::string render_sms_text(const SmsTemplates& templates, std::string_view scam_type,
                            std::string_view station_name);

// UTF-8 -> UTF-16 code units. Fails with kInvalid on malformed UTF-8 (overlong forms,
// surrogates encoded directly, truncated sequences).
Result<std::u16string> utf8_to_utf16(std::string_view utf8);
// UTF-16 code units -> UTF-16BE bytes, SMPP's UCS-2 (data_coding 0x08) as every handset
// reads it (surrogate pairs included).
std::string utf16_to_ucs2_bytes(std::u16string_view text);
// UCS-2 bytes (UTF-16BE) -> UTF-8; an odd trailing byte or an unpaired surrogate is
// replaced by U+FFFD. For tests and logs.
std::string ucs2_bytes_to_utf8(std::string_view bytes);

// The short_message of each submit_sm for `text` in UCS-2: one part of up to 70 UTF-16 units
// without a header, or parts of up to 67 units each behind a 6-byte concatenation UDH
// (05 00 03 ref total seq; esm_class must then carry UDHI 0x40). A part never ends between
// the two halves of a surrogate pair. Fails with kTooLarge beyond 255 parts.
struct SmsParts {
  std::vector<std::string> short_messages;
  bool udh = false;
};
Result<SmsParts> split_ucs2(std::u16string_view text, std::uint8_t reference);

// A delivery receipt's text (SMPP 3.4 appendix B):
//   "id:IIII sub:001 dlvrd:001 submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DELIVRD err:000 text:..."
struct Receipt {
  std::string message_id;
  std::string stat;  // DELIVRD, EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN, REJECTD
};
// Fields are matched case-insensitively; nullopt when id: or stat: is missing.
std::optional<Receipt> parse_receipt(std::string_view text);
// The attempt result for a final receipt state: DELIVRD -> "delivered", EXPIRED ->
// "expired", UNDELIV/REJECTD/DELETED/UNKNOWN -> "failed"; nullopt for a state that is not
// final (ENROUTE, ACCEPTD) or not known.
std::optional<std::string> receipt_result(std::string_view stat);
// The same from the message_state TLV (SMPP 3.4 5.3.2.35): 2 delivered, 3 expired,
// 4 deleted, 5 undeliverable, 7 unknown, 8 rejected.
std::optional<std::string> message_state_result(std::uint8_t state);

}  // namespace quanzu::channels
