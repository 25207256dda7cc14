// Sends warning SMS over SMPP 3.4 to a carrier's SMSC, as a transceiver (one TCP link that
// submits messages and receives their delivery receipts).
//
// Pointing it at a real SMSC: the carrier gives you host, port, system_id, password and
// often a system_type, a source address (a short code such as 106xxxx or 96110, with its
// TON/NPI: usually ton=0 npi=0 or, for alphanumeric senders, ton=5 npi=0), the destination
// format (national "13800138000" with ton=0 npi=1 here; some want "86..." with ton=1) and
// limits: messages per second and window (outstanding submits). Put those in SmppOptions.
// Ask them to enable delivery receipts for your account (we set registered_delivery=1) and
// whether their receipt message ids are the submit_sm_resp ids verbatim (we also accept the
// same number in decimal vs hexadecimal, a common quirk). TLS is not spoken: use the
// carrier's VPN/IPsec line, or stunnel in client mode on 127.0.0.1 in front of it.
//
// How it works: create() starts one I/O thread that connects, binds (bind_transceiver),
// keeps the link alive (enquire_link every `enquire_link_interval`, answering the SMSC's),
// and on any failure (connect refused, bind refused, no answer within `response_timeout`,
// the peer closing) drops the link and reconnects after an exponential backoff
// (reconnect_min doubling to reconnect_max). deliver() renders the text from the templates,
// encodes it as UCS-2 (data_coding 0x08), splits it into concatenated parts when longer
// than 70 characters, queues the parts and waits until the SMSC accepted every part
// (submit_sm_resp with status 0) or `deliver_timeout` passed — only `unbound_timeout` while
// the link is not bound, so an SMSC outage does not hold the dispatcher thread (which other
// channels share). A message that timed out stays queued and goes out when it can; the
// outbox's next deliver() of the same entry then answers ok. Parts go out in queue order at
// most `max_per_second` a second, with at most `window` submit_sm unanswered at a time.
// Parts in flight when the link drops are sent again after the rebind.
//
// Delivery guarantee: the outbox entry id is the key. Within one process a message is
// submitted once: a deliver() for an entry already accepted answers ok at once; for one
// still queued or in flight it waits for the same parts (so a retry after a timeout does
// not send it twice). A part whose submit_sm_resp was lost with the link is sent again
// (at-least-once), and after a restart the map is gone, so an entry the outbox retries
// after a crash may reach the phone twice. Receipts: each part's receipt is matched by its
// message_id; the message's result goes to the ResultSink once — "delivered" when every
// part was delivered, else the first part's "failed"/"expired". A receipt that comes before
// its submit_sm_resp (some SMSCs race them) is kept for 5 minutes and applied when the id
// shows up. Receipts that arrive after `receipt_ttl`, or after a restart, are unmatched and
// only counted. A submit the SMSC refuses outright (e.g. invalid destination) produces no
// result: deliver() fails with the SMSC's status and the outbox retries it.
//
// Thread-safe. The sink is called on the channel's I/O thread: it must not block for long
// (HandlingService::attempt_result only queues a write, which is fine).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "base/clock.h"
#include "channels/channel.h"
#include "channels/sms/sms_text.h"

namespace quanzu::channels {

struct SmppOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 2775;
  std::string system_id;    // at most 15 characters
  std::string password;     // at most 8 characters
  std::string system_type;  // at most 12 characters; often empty
  std::string source_addr = "96110";
  std::uint8_t source_ton = 0;
  std::uint8_t source_npi = 0;
  std::uint8_t dest_ton = 0;
  std::uint8_t dest_npi = 1;
  int window = 10;                  // submit_sm awaiting their resp, at most
  double max_per_second = 20;       // submit_sm per second; 0 = unlimited
  Millis enquire_link_interval = 30000;
  Millis response_timeout = 10000;  // for bind, submit_sm and enquire_link answers
  Millis reconnect_min = 1000;
  Millis reconnect_max = 60000;
  Millis deliver_timeout = 15000;   // how long deliver() waits for the SMSC's acceptance
  Millis unbound_timeout = 1000;    // ... when the link is not bound (the message stays queued)
  size_t queue_limit = 10000;       // parts waiting; deliver() fails fast beyond it
  Millis receipt_ttl = 72LL * 3600 * 1000;  // how long a message id is kept for its receipt
  SmsTemplates templates;
};

enum class SmppLinkState { kDown, kConnecting, kBound };
const char* link_state_name(SmppLinkState state);  // "down" | "connecting" | "bound"

// A snapshot for /metrics and /healthz.
struct SmppHealth {
  SmppLinkState link = SmppLinkState::kDown;
  size_t queue_depth = 0;      // parts waiting to be sent
  size_t window_in_use = 0;    // submit_sm sent, resp not yet received
  std::int64_t submitted = 0;  // parts accepted by the SMSC (submit_sm_resp status 0)
  std::int64_t rejected = 0;   // parts the SMSC refused (submit_sm_resp status != 0)
  std::int64_t receipts = 0;   // delivery receipts received (matched or not)
  std::int64_t unmatched_receipts = 0;  // whose message id we do not know (now)
  std::int64_t failures = 0;   // messages reported failed or expired
  std::int64_t binds = 0;      // successful binds (so reconnects = binds - 1)
  std::int64_t link_failures = 0;  // connects or binds that failed, links that dropped
  std::string last_error;      // the latest link or bind error, "" when none yet
};

class SmppChannel final : public Channel {
 public:
  // Validates the options (kInvalid naming the field), starts the I/O thread and begins
  // connecting; it does not wait for the bind. `sink` gets each message's final result.
  static Result<std::unique_ptr<SmppChannel>> create(SmppOptions options, ResultSink sink);
  // Unbinds (briefly waiting for unbind_resp) and stops the I/O thread. Messages still
  // queued are dropped; deliver() calls still waiting fail.
  ~SmppChannel() override;
  SmppChannel(const SmppChannel&) = delete;
  SmppChannel& operator=(const SmppChannel&) = delete;

  // entry.payload is an SMS message of channels/channel.h ({"type":"sms","ref","phone",
  // "scam_type","station":{"name"}}). Ok once the SMSC accepted every part. kInvalid for
  // a payload that is not such a message; kUnavailable when the SMSC has not accepted it in
  // time (it stays queued), refused a part (with its status; a retry resends that part) or
  // the queue is full.
  Result<bool> deliver(const store::OutboxEntry& entry) override;

  SmppHealth health() const;
  // Waits until the link is bound, up to `timeout`. Fails with the last link error. For
  // tests and for a start-up log line; deliver() does not need it.
  Result<bool> wait_bound(Millis timeout);

  class Link;  // the I/O side; smpp_channel.cc

 private:
  explicit SmppChannel(std::shared_ptr<Link> link) : link_(std::move(link)) {}
  std::shared_ptr<Link> link_;
};

}  // namespace quanzu::channels
