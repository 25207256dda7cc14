// Robocalls over SIP: places a call to the person's phone through a SIP trunk, plays the
// spoken Mandarin warning as G.711 RTP, hangs up, and reports what became of the call to a
// ResultSink with the message's ref (channel.h):
//   answered     the call was answered; duration = seconds from answer to hang-up (either side)
//   busy         486 Busy Here or 600 Busy Everywhere
//   rejected     603 Decline (the person pressed "reject")
//   no_answer    rang for ring_timeout without an answer (we send CANCEL), or 480/487 from the far end
//   unreachable  no response at all within no_response_timeout, connection refused, 408,
//                404, 5xx, any other failure
// With ask_acknowledge the prompt ends with "听清楚请按1" and the call stays up for
// acknowledge_wait; a DTMF "1" (RFC 4733 telephone-event) sets CallRecord::acknowledged.
// The sink still hears "answered" (the robocall results have no "acknowledged"); an
// observer (on_call_end) sees every call's full record.
//
// Pointing it at a real trunk: VoiceOptions{trunk = "IP-or-name:5060", transport = kUdp or
// kTcp (TCP shows a dead trunk at once; over UDP only the no_response_timeout does),
// local_ip = the address the trunk sees (SIP and RTP leave from it; RTP ports
// rtp_port_min..max must be reachable from the trunk's media gateway: no NAT in between, or
// a static mapping), caller_id = the number the carrier allocated to the centre,
// username/password when the trunk asks for digest auth (401/407)}. Calls go to
// sip:<phone>@<trunk>. The prompt is the template for the message's scam type (or
// "default"), with {station} replaced by the station's name; a recordings entry for the scam
// type plays that WAV instead.
//
// Threads: libre runs its own loop (re_main) on a thread this object owns; deliver() (from
// the dispatcher) synthesizes the prompt if not cached, hands the call to that thread
// through a libre mqueue and waits until the INVITE is sent. The sink and on_call_end are
// called on the libre thread: keep them short, do not call back into this object.
// Destroying the channel hangs up calls in progress (established ones are reported answered;
// ringing ones are cancelled and not reported: their outbox entries are already delivered).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "channels/channel.h"
#include "channels/voice/tts.h"

namespace quanzu::channels::voice {

enum class SipTransport { kUdp, kTcp };

struct VoiceOptions {
  std::string trunk;  // "host:port" (port defaults to 5060); IPv4 literal or DNS name
  SipTransport transport = SipTransport::kUdp;
  std::string local_ip;  // empty: the source address the kernel picks toward the trunk
  std::string caller_id = "96110";  // user part of From and Contact
  std::string caller_name = "反诈中心";
  std::string username, password;   // digest credentials, when the trunk asks
  int max_calls = 8;                // calls in progress at once; more are refused (outbox retries)
  std::chrono::milliseconds ring_timeout{45000};
  std::chrono::milliseconds no_response_timeout{8000};  // no 1xx at all: unreachable
  std::chrono::milliseconds max_call{180000};           // hard cap on an answered call
  bool ask_acknowledge = false;
  std::chrono::milliseconds acknowledge_wait{6000};  // after the prompt, for the "1"
  int rtp_port_min = 16384, rtp_port_max = 32767;
  SpeechOptions speech;
  // scam_type (or "default") -> text; {station} is replaced by the station's name
  // (or "公安机关" while unrouted). Missing "default" gets the built-in warning.
  std::map<std::string, std::string> templates;
  // scam_type (or "default") -> WAV file (16-bit PCM, any rate): played instead of speech.
  std::map<std::string, std::string> recordings;
};

// What became of one call.
struct CallRecord {
  std::string ref;
  std::string phone;
  std::string result;           // answered | busy | rejected | no_answer | unreachable
  std::int64_t seconds = 0;     // answered: seconds listened
  bool acknowledged = false;    // pressed 1 (ask_acknowledge only)
  int sip_status = 0;           // the final SIP status, 0 when none came
  std::string codec;            // PCMU | PCMA once answered
  double prompt_seconds = 0;
  std::string detail;           // e.g. "486 Busy Here", "Connection refused"
};

// For /metrics and /healthz.
struct VoiceHealth {
  bool running = false;  // the libre thread is up
  std::int64_t in_progress = 0;
  std::int64_t placed = 0;  // INVITEs sent
  std::int64_t answered = 0, busy = 0, rejected = 0, no_answer = 0, unreachable = 0;
  std::int64_t acknowledged = 0;
  std::int64_t refused_at_limit = 0;  // deliver() calls refused because max_calls were up
};

// The built-in Mandarin warning (used when templates has no "default").
extern const char kDefaultWarning[];

class VoiceChannel final : public Channel {
 public:
  // Starts the libre thread and the SIP transport. Fails with kInvalid naming the option
  // (bad trunk, port range, unknown recording), kUnavailable when the SIP stack cannot start.
  static Result<std::unique_ptr<VoiceChannel>> create(VoiceOptions options, ResultSink sink);
  ~VoiceChannel() override;

  // Parses the robocall message (channel.h), prepares its prompt and starts the call:
  // ok once the INVITE is sent. Fails with kInvalid for a bad payload or phone number,
  // kTooLarge when max_calls are in progress (the outbox retries later), kUnavailable
  // when the prompt or the SIP stack fails. A ref already in progress is not called twice.
  Result<bool> deliver(const store::OutboxEntry& entry) override;

  VoiceHealth health() const;
  // Called once per finished call, after the sink. Set before the first deliver().
  void on_call_end(std::function<void(const CallRecord&)> observer);
  // The local SIP address in use ("ip:port"), e.g. for logs.
  std::string local_sip_address() const;

  struct Impl;

 private:
  explicit VoiceChannel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The prompt text for a robocall message payload: the template of its scam type (or
// "default"), {station} filled in. Exposed for tests.
std::string prompt_text(const VoiceOptions& options, const std::string& scam_type,
                        const std::string& station_name);

}  // namespace quanzu::channels::voice
