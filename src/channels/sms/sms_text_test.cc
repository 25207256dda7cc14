#include "channels/sms/sms_text.h"

#include <gtest/gtest.h>

namespace quanzu::channels {
namespace {

std::u16string utf16(std::string_view utf8) {
  auto r = utf8_to_utf16(utf8);
  EXPECT_TRUE(r.has_value()) << r.error().message;
  return r.value_or(u"");
}

TEST(SmsText, DefaultTemplateNamesTheStationTheScamAnd96110) {
  SmsTemplates templates;
  const std::string text = render_sms_text(templates, "fake_investment", "江北区石马河派出所");
  EXPECT_EQ(text,
            "【江北区石马河派出所】反诈提醒：您可能正遭遇虚假投资理财诈骗，请立即停止转账，"
            "切勿向陌生账户汇款。如有疑问请拨打96110。");
  EXPECT_NE(render_sms_text(templates, "other", "").find("【反诈中心】"), std::string::npos);
  EXPECT_NE(render_sms_text(templates, "no_such_type", "X").find("电信网络诈骗"), std::string::npos);
}

TEST(SmsText, TemplatePerScamTypeWithPlaceholders) {
  SmsTemplates templates;
  templates.by_scam_type["romance"] = "{station}提醒：网恋要求转账的都是诈骗！请拨{phone}。{scam}";
  templates.callback_phone = "023-110";
  EXPECT_EQ(render_sms_text(templates, "romance", "S{phone}"), "S{phone}提醒：网恋要求转账的都是诈骗！请拨023-110。网络交友诱导");
}

TEST(SmsText, Utf8ToUcs2BigEndianWithSurrogatePairs) {
  EXPECT_EQ(utf16_to_ucs2_bytes(utf16("A中")), std::string("\x00\x41\x4E\x2D", 4));
  // U+1F600 😀 is D83D DE00 in UTF-16.
  EXPECT_EQ(utf16_to_ucs2_bytes(utf16("😀")), std::string("\xD8\x3D\xDE\x00", 4));
  EXPECT_EQ(ucs2_bytes_to_utf8(utf16_to_ucs2_bytes(utf16("反诈😀ok"))), "反诈😀ok");
  EXPECT_FALSE(utf8_to_utf16("\xC0\x80").has_value());      // overlong
  EXPECT_FALSE(utf8_to_utf16("\xED\xA0\x80").has_value());  // an encoded surrogate
  EXPECT_FALSE(utf8_to_utf16("\xE4\xB8").has_value());      // truncated
  EXPECT_EQ(ucs2_bytes_to_utf8(std::string("\xD8\x3D\x00\x41", 4)), "\xEF\xBF\xBD" "A");
}

TEST(SmsText, ShortTextIsOnePartWithoutHeader) {
  auto parts = split_ucs2(std::u16string(70, u'中'), 7);
  ASSERT_TRUE(parts.has_value());
  EXPECT_FALSE(parts->udh);
  ASSERT_EQ(parts->short_messages.size(), 1u);
  EXPECT_EQ(parts->short_messages[0].size(), 140u);
}

TEST(SmsText, LongTextSplitsWithConcatenationHeaders) {
  auto parts = split_ucs2(std::u16string(71, u'中'), 0xAB);
  ASSERT_TRUE(parts.has_value());
  EXPECT_TRUE(parts->udh);
  ASSERT_EQ(parts->short_messages.size(), 2u);
  EXPECT_EQ(parts->short_messages[0].substr(0, 6), std::string("\x05\x00\x03\xAB\x02\x01", 6));
  EXPECT_EQ(parts->short_messages[1].substr(0, 6), std::string("\x05\x00\x03\xAB\x02\x02", 6));
  EXPECT_EQ(parts->short_messages[0].size(), 6u + 134u);
  EXPECT_EQ(parts->short_messages[1].size(), 6u + 8u);
}

TEST(SmsText, SplitNeverBreaksASurrogatePair) {
  // 66 units, then an emoji whose halves would be units 67 and 68.
  std::u16string text(66, u'中');
  text += utf16("😀");
  text += std::u16string(10, u'a');
  auto parts = split_ucs2(text, 1);
  ASSERT_TRUE(parts.has_value());
  ASSERT_EQ(parts->short_messages.size(), 2u);
  EXPECT_EQ(parts->short_messages[0].size(), 6u + 132u);  // the pair moved to part 2
  EXPECT_EQ(ucs2_bytes_to_utf8(parts->short_messages[1].substr(6)), "😀aaaaaaaaaa");
  std::string joined;
  for (const auto& p : parts->short_messages) joined += ucs2_bytes_to_utf8(p.substr(6));
  EXPECT_EQ(utf16(joined), text);
}

TEST(SmsText, AtMost255Parts) {
  EXPECT_TRUE(split_ucs2(std::u16string(255 * 67, u'x'), 1).has_value());
  auto too_long = split_ucs2(std::u16string(255 * 67 + 1, u'x'), 1);
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().code, Code::kTooLarge);
}

TEST(SmsText, ParsesReceiptText) {
  auto r = parse_receipt(
      "id:0a1B2c sub:001 dlvrd:001 submit date:2311291026 done date:2311291027 stat:DELIVRD err:000 text:【江北");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->message_id, "0a1B2c");
  EXPECT_EQ(r->stat, "DELIVRD");
  auto lower = parse_receipt("ID:77 SUB:001 STAT:undeliv ERR:001");
  ASSERT_TRUE(lower.has_value());
  EXPECT_EQ(lower->message_id, "77");
  EXPECT_EQ(lower->stat, "UNDELIV");
  EXPECT_FALSE(parse_receipt("hello, I got your message").has_value());
  EXPECT_FALSE(parse_receipt("stat:DELIVRD").has_value());
  // "done date:" holds "date:", not "id:"; "xid:" is not "id:".
  EXPECT_FALSE(parse_receipt("xid:5 stat:DELIVRD").has_value());
}

TEST(SmsText, ReceiptStatesMapToAttemptResults) {
  EXPECT_EQ(receipt_result("DELIVRD"), "delivered");
  EXPECT_EQ(receipt_result("EXPIRED"), "expired");
  for (const char* s : {"UNDELIV", "REJECTD", "DELETED", "UNKNOWN"}) EXPECT_EQ(receipt_result(s), "failed") << s;
  EXPECT_EQ(receipt_result("ENROUTE"), std::nullopt);
  EXPECT_EQ(receipt_result("ACCEPTD"), std::nullopt);
  EXPECT_EQ(message_state_result(2), "delivered");
  EXPECT_EQ(message_state_result(3), "expired");
  EXPECT_EQ(message_state_result(5), "failed");
  EXPECT_EQ(message_state_result(1), std::nullopt);
}

}  // namespace
}  // namespace quanzu::channels
