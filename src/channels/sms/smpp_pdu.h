// SMPP 3.4 PDUs as plain structs, packed and unpacked by libsmpp34. smpp_pdu.cc is the only
// file that includes libsmpp34's headers: they define global macros (U32, Reserved, ...).
// Not thread-safe: libsmpp34 reports errors through globals, so call it from one thread
// (the channel's I/O thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace quanzu::channels::smpp {

// command_id values (SMPP 3.4 5.1.2.1).
inline constexpr std::uint32_t kGenericNack = 0x80000000;
inline constexpr std::uint32_t kSubmitSm = 0x00000004;
inline constexpr std::uint32_t kSubmitSmResp = 0x80000004;
inline constexpr std::uint32_t kDeliverSm = 0x00000005;
inline constexpr std::uint32_t kDeliverSmResp = 0x80000005;
inline constexpr std::uint32_t kUnbind = 0x00000006;
inline constexpr std::uint32_t kUnbindResp = 0x80000006;
inline constexpr std::uint32_t kBindTransceiver = 0x00000009;
inline constexpr std::uint32_t kBindTransceiverResp = 0x80000009;
inline constexpr std::uint32_t kEnquireLink = 0x00000015;
inline constexpr std::uint32_t kEnquireLinkResp = 0x80000015;

// command_status values we act on.
inline constexpr std::uint32_t kStatusOk = 0x00;
inline constexpr std::uint32_t kStatusMessageQueueFull = 0x14;
inline constexpr std::uint32_t kStatusThrottled = 0x58;
inline constexpr std::uint32_t kStatusInvalidCommand = 0x03;

inline constexpr std::uint8_t kEsmClassUdhi = 0x40;
inline constexpr std::uint8_t kEsmClassReceipt = 0x04;
inline constexpr std::uint8_t kDataCodingUcs2 = 0x08;

// Every PDU starts with these 16 octets, big-endian.
inline constexpr size_t kHeaderSize = 16;
// We refuse longer PDUs: a peer that sends one is broken or hostile.
inline constexpr std::uint32_t kMaxPduSize = 64 * 1024;
struct Header {
  std::uint32_t length = 0;
  std::uint32_t command_id = 0;
  std::uint32_t status = 0;
  std::uint32_t sequence = 0;
};
// The header of a PDU from its first 16 octets; fails when the length is impossible.
Result<Header> read_header(std::string_view first16);

// A short name for a command_status ("invalid password (0x0000000E)").
std::string status_text(std::uint32_t status);

struct Address {
  std::uint8_t ton = 0;
  std::uint8_t npi = 0;
  std::string addr;  // at most 20 characters
};

struct SubmitSm {
  Address source;
  Address dest;
  std::uint8_t esm_class = 0;
  std::uint8_t registered_delivery = 1;
  std::uint8_t data_coding = kDataCodingUcs2;
  std::string short_message;  // octets, at most 254
};

struct DeliverSm {
  Address source;
  Address dest;
  std::uint8_t esm_class = 0;
  std::uint8_t data_coding = 0;
  std::string short_message;
  std::optional<std::string> receipted_message_id;  // TLV 0x001E
  std::optional<std::uint8_t> message_state;        // TLV 0x0427
};

// Encoders fail only when a field does not fit (kInvalid naming it).
Result<std::string> encode_bind_transceiver(std::uint32_t sequence, const std::string& system_id,
                                            const std::string& password, const std::string& system_type);
Result<std::string> encode_submit_sm(std::uint32_t sequence, const SubmitSm& submit);
// enquire_link, unbind and every response without a body (enquire_link_resp,
// unbind_resp, generic_nack, deliver_sm_resp).
std::string encode_header_only(std::uint32_t command_id, std::uint32_t status, std::uint32_t sequence);

// Decoders take the whole PDU (header included) and fail with kInvalid on malformed input.
// The system_id of a bind_transceiver_resp (empty when the bind was refused without a body).
Result<std::string> decode_bind_transceiver_resp(std::string_view pdu);
// The message_id of a submit_sm_resp (empty when it carries an error status).
Result<std::string> decode_submit_sm_resp(std::string_view pdu);
Result<DeliverSm> decode_deliver_sm(std::string_view pdu);

}  // namespace quanzu::channels::smpp
