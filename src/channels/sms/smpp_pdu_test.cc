#include "channels/sms/smpp_pdu.h"

#include <gtest/gtest.h>

namespace quanzu::channels::smpp {
namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out += static_cast<char>(b);
  return out;
}

TEST(SmppPdu, BindTransceiverIsPackedAsTheSpecSays) {
  auto pdu = encode_bind_transceiver(7, "quanzu", "pw", "");
  ASSERT_TRUE(pdu.has_value()) << pdu.error().message;
  auto h = read_header(*pdu);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->length, pdu->size());
  EXPECT_EQ(h->command_id, kBindTransceiver);
  EXPECT_EQ(h->sequence, 7u);
  // system_id\0 password\0 system_type\0 version ton npi address_range\0
  EXPECT_EQ(pdu->substr(16), std::string("quanzu\0pw\0\0", 11) + bytes({0x34, 0, 0, 0}));
  EXPECT_FALSE(encode_bind_transceiver(1, "x", "123456789", "").has_value());  // password > 8
}

TEST(SmppPdu, SubmitSmCarriesUcs2AndTheUdhFlag) {
  SubmitSm s;
  s.source = {5, 0, "96110"};
  s.dest = {0, 1, "13800138000"};
  s.esm_class = kEsmClassUdhi;
  s.short_message = std::string("\x05\x00\x03\x01\x02\x01\x4E\x2D", 8);
  auto pdu = encode_submit_sm(3, s);
  ASSERT_TRUE(pdu.has_value()) << pdu.error().message;
  const std::string body = pdu->substr(16);
  const std::string expected = std::string("\0", 1) + bytes({5, 0}) + std::string("96110\0", 6) + bytes({0, 1}) +
                               std::string("13800138000\0", 12) +
                               bytes({0x40, 0, 0}) + std::string("\0\0", 2) + bytes({1, 0, 8, 0, 8}) + s.short_message;
  EXPECT_EQ(body, expected);
  s.short_message = std::string(255, 'x');
  EXPECT_FALSE(encode_submit_sm(4, s).has_value());
}

TEST(SmppPdu, HeaderOnlyAndBadLengths) {
  const std::string resp = encode_header_only(kEnquireLinkResp, 0, 42);
  EXPECT_EQ(resp, bytes({0, 0, 0, 16, 0x80, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 42}));
  EXPECT_FALSE(read_header(bytes({0, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})).has_value());
  EXPECT_FALSE(read_header(bytes({0x7F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})).has_value());
  EXPECT_FALSE(read_header("short").has_value());
}

TEST(SmppPdu, DecodesSubmitSmRespAndDeliverSmReceipt) {
  std::string resp = bytes({0, 0, 0, 21, 0x80, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 9}) + std::string("ab12\0", 5);
  auto id = decode_submit_sm_resp(resp);
  ASSERT_TRUE(id.has_value()) << id.error().message;
  EXPECT_EQ(*id, "ab12");
  // A refusal without a body.
  auto refused = decode_submit_sm_resp(bytes({0, 0, 0, 16, 0x80, 0, 0, 4, 0, 0, 0, 0x0B, 0, 0, 0, 9}));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(*refused, "");

  const std::string text = "id:ab12 sub:001 dlvrd:001 submit date:2311291026 done date:2311291027 stat:DELIVRD err:000 text:x";
  std::string body = std::string("\0", 1) + bytes({0, 1}) + std::string("13800138000\0", 12) + bytes({0, 0}) +
                     std::string("96110\0", 6) + bytes({0x04, 0, 0}) + std::string("\0\0", 2) + bytes({0, 0, 0, 0}) +
                     bytes({static_cast<int>(text.size())}) + text +
                     bytes({0x00, 0x1E, 0, 5}) + std::string("ab12\0", 5) + bytes({0x04, 0x27, 0, 1, 2});
  std::string pdu = bytes({0, 0, 0, static_cast<int>(16 + body.size()), 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 77}) + body;
  auto d = decode_deliver_sm(pdu);
  ASSERT_TRUE(d.has_value()) << d.error().message;
  EXPECT_EQ(d->esm_class, kEsmClassReceipt);
  EXPECT_EQ(d->source.addr, "13800138000");
  EXPECT_EQ(d->short_message, text);
  EXPECT_EQ(d->receipted_message_id, "ab12");
  EXPECT_EQ(d->message_state, 2);
  EXPECT_FALSE(decode_deliver_sm(pdu.substr(0, 30)).has_value());
}

TEST(SmppPdu, StatusTextNamesTheCommonOnes) {
  EXPECT_EQ(status_text(0x0E), "invalid password (0x0000000E)");
  EXPECT_EQ(status_text(0x400), "status (0x00000400)");
}

}  // namespace
}  // namespace quanzu::channels::smpp
