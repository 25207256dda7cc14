#include "channels/sms/smpp_pdu.h"

#include <cstring>
#include <map>

// libsmpp34 is C and defines global macros; it stays inside this file.
extern "C" {
#include <smpp34.h>
#include <smpp34_structs.h>
#include <smpp34_params.h>
}

namespace quanzu::channels::smpp {
namespace {

// Large enough for any PDU we build: submit_sm is at most ~330 octets.
constexpr int kPackBuffer = 2048;

std::uint32_t be32(std::string_view s, size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

// Copies a C-octet string field; `size` counts the terminating NUL, as the spec does.
template <size_t N>
Result<bool> put_c_octet(std::uint8_t (&field)[N], const std::string& value, const char* name) {
  if (value.size() + 1 > N) {
    return fail(Code::kInvalid, std::string(name) + " is longer than " + std::to_string(N - 1) + " characters");
  }
  std::memset(field, 0, N);
  std::memcpy(field, value.data(), value.size());
  return true;
}

template <size_t N>
std::string get_c_octet(const std::uint8_t (&field)[N]) {
  const auto* p = reinterpret_cast<const char*>(field);
  return std::string(p, strnlen(p, N));
}

Result<std::string> pack(std::uint32_t type, void* pdu) {
  std::uint8_t buffer[kPackBuffer];
  int length = 0;
  if (smpp34_pack(type, buffer, sizeof buffer, &length, pdu) != 0) {
    return fail(Code::kInvalid, std::string("cannot pack SMPP PDU: ") + smpp34_strerror);
  }
  return std::string(reinterpret_cast<const char*>(buffer), static_cast<size_t>(length));
}

template <typename Pdu>
Result<bool> unpack(std::uint32_t type, Pdu& out, std::string_view pdu) {
  std::memset(&out, 0, sizeof out);
  if (smpp34_unpack(type, &out, reinterpret_cast<const std::uint8_t*>(pdu.data()),
                    static_cast<int>(pdu.size())) != 0) {
    return fail(Code::kInvalid, std::string("malformed SMPP PDU: ") + smpp34_strerror);
  }
  return true;
}

}  // namespace

Result<Header> read_header(std::string_view first16) {
  if (first16.size() < kHeaderSize) return fail(Code::kInvalid, "SMPP header shorter than 16 octets");
  Header h{be32(first16, 0), be32(first16, 4), be32(first16, 8), be32(first16, 12)};
  if (h.length < kHeaderSize || h.length > kMaxPduSize) {
    return fail(Code::kInvalid, "SMPP command_length " + std::to_string(h.length) + " is impossible");
  }
  return h;
}

std::string status_text(std::uint32_t status) {
  static const std::map<std::uint32_t, const char*> kNames = {
      {ESME_ROK, "ok"},
      {ESME_RINVMSGLEN, "invalid message length"},
      {ESME_RINVCMDID, "invalid command id"},
      {ESME_RINVBNDSTS, "incorrect bind status"},
      {ESME_RALYBND, "already bound"},
      {ESME_RSYSERR, "system error"},
      {ESME_RINVSRCADR, "invalid source address"},
      {ESME_RINVDSTADR, "invalid destination address"},
      {ESME_RBINDFAIL, "bind failed"},
      {ESME_RINVPASWD, "invalid password"},
      {ESME_RINVSYSID, "invalid system_id"},
      {ESME_RMSGQFUL, "message queue full"},
      {ESME_RSUBMITFAIL, "submit failed"},
      {ESME_RINVSYSTYP, "invalid system_type"},
      {ESME_RTHROTTLED, "throttled"},
      {ESME_RX_T_APPN, "temporary application error"},
      {ESME_RUNKNOWNERR, "unknown error"},
  };
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", status);
  auto it = kNames.find(status);
  return std::string(it == kNames.end() ? "status" : it->second) + " (" + hex + ")";
}

Result<std::string> encode_bind_transceiver(std::uint32_t sequence, const std::string& system_id,
                                            const std::string& password, const std::string& system_type) {
  bind_transceiver_t pdu;
  std::memset(&pdu, 0, sizeof pdu);
  pdu.command_id = BIND_TRANSCEIVER;
  pdu.sequence_number = sequence;
  if (auto r = put_c_octet(pdu.system_id, system_id, "system_id"); !r) return tl::unexpected(r.error());
  if (auto r = put_c_octet(pdu.password, password, "password"); !r) return tl::unexpected(r.error());
  if (auto r = put_c_octet(pdu.system_type, system_type, "system_type"); !r) return tl::unexpected(r.error());
  pdu.interface_version = SMPP_VERSION;
  return pack(BIND_TRANSCEIVER, &pdu);
}

Result<std::string> encode_submit_sm(std::uint32_t sequence, const SubmitSm& submit) {
  submit_sm_t pdu;
  std::memset(&pdu, 0, sizeof pdu);
  pdu.command_id = SUBMIT_SM;
  pdu.sequence_number = sequence;
  pdu.source_addr_ton = submit.source.ton;
  pdu.source_addr_npi = submit.source.npi;
  if (auto r = put_c_octet(pdu.source_addr, submit.source.addr, "source_addr"); !r) return tl::unexpected(r.error());
  pdu.dest_addr_ton = submit.dest.ton;
  pdu.dest_addr_npi = submit.dest.npi;
  if (auto r = put_c_octet(pdu.destination_addr, submit.dest.addr, "destination_addr"); !r) {
    return tl::unexpected(r.error());
  }
  pdu.esm_class = submit.esm_class;
  pdu.registered_delivery = submit.registered_delivery;
  pdu.data_coding = submit.data_coding;
  if (submit.short_message.size() > 254) return fail(Code::kInvalid, "short_message is longer than 254 octets");
  pdu.sm_length = static_cast<std::uint8_t>(submit.short_message.size());
  std::memcpy(pdu.short_message, submit.short_message.data(), submit.short_message.size());
  pdu.tlv = nullptr;
  return pack(SUBMIT_SM, &pdu);
}

std::string encode_header_only(std::uint32_t command_id, std::uint32_t status, std::uint32_t sequence) {
  // These PDUs have no body; libsmpp34 would add nothing but its checks.
  std::string out(kHeaderSize, '\0');
  const std::uint32_t words[4] = {static_cast<std::uint32_t>(kHeaderSize), command_id, status, sequence};
  for (size_t w = 0; w < 4; ++w) {
    for (size_t b = 0; b < 4; ++b) out[w * 4 + b] = static_cast<char>(words[w] >> (24 - 8 * b));
  }
  return out;
}

Result<std::string> decode_bind_transceiver_resp(std::string_view pdu) {
  auto h = read_header(pdu);
  if (!h) return tl::unexpected(h.error());
  // A refusal may come without a body, which libsmpp34 would call malformed.
  if (h->status != ESME_ROK || h->length == kHeaderSize) return std::string();
  bind_transceiver_resp_t out;
  if (auto r = unpack(BIND_TRANSCEIVER_RESP, out, pdu); !r) return tl::unexpected(r.error());
  std::string system_id = get_c_octet(out.system_id);
  destroy_tlv(out.tlv);
  return system_id;
}

Result<std::string> decode_submit_sm_resp(std::string_view pdu) {
  auto h = read_header(pdu);
  if (!h) return tl::unexpected(h.error());
  if (h->status != ESME_ROK || h->length == kHeaderSize) return std::string();
  submit_sm_resp_t out;
  if (auto r = unpack(SUBMIT_SM_RESP, out, pdu); !r) return tl::unexpected(r.error());
  return get_c_octet(out.message_id);
}

Result<DeliverSm> decode_deliver_sm(std::string_view pdu) {
  deliver_sm_t in;
  if (auto r = unpack(DELIVER_SM, in, pdu); !r) return tl::unexpected(r.error());
  DeliverSm out;
  out.source = {in.source_addr_ton, in.source_addr_npi, get_c_octet(in.source_addr)};
  out.dest = {in.dest_addr_ton, in.dest_addr_npi, get_c_octet(in.destination_addr)};
  out.esm_class = in.esm_class;
  out.data_coding = in.data_coding;
  out.short_message.assign(reinterpret_cast<const char*>(in.short_message), in.sm_length);
  for (tlv_t* tlv = in.tlv; tlv != nullptr; tlv = tlv->next) {
    if (tlv->tag == TLVID_receipted_message_id) {
      const auto* p = reinterpret_cast<const char*>(tlv->value.octet);
      out.receipted_message_id = std::string(p, strnlen(p, std::min<size_t>(tlv->length, sizeof tlv->value.octet)));
    } else if (tlv->tag == TLVID_message_state) {
      out.message_state = tlv->value.val08;
    }
  }
  destroy_tlv(in.tlv);
  return out;
}

}  // namespace quanzu::channels::smpp
