#include "channels/voice/voice_channel.h"

// libre's headers need these first (SPEC.md, "Pitfalls seen").
#include <cstdint>
#include <netinet/in.h>
#include <re/re.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstring>
#include <future>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "channels/voice/g711.h"

namespace quanzu::channels::voice {

const char kDefaultWarning[] =
    "您好，这里是{station}反诈民警。我们发现您可能正在遭遇电信网络诈骗。请立即停止转账汇款，"
    "不要向任何人透露银行卡密码和短信验证码。如有疑问，请拨打反诈专线九六一一零。";

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr int kMsgCall = 1;
constexpr int kMsgStop = 2;
constexpr size_t kSamplesPerPacket = 160;  // 20 ms at 8 kHz
constexpr int kTelephoneEventPt = 101;

struct CallRequest {
  std::string ref, phone;
  std::shared_ptr<const Pcm> prompt;
  std::promise<int> sent;  // 0 once the INVITE is out, else an errno
};

std::string errno_text(int err) { return std::strerror(err); }

// Splits "host[:port]" and resolves host to an IPv4 literal.
Result<std::pair<std::string, std::uint16_t>> resolve_trunk(const std::string& trunk) {
  std::string host = trunk;
  std::uint16_t port = 5060;
  if (auto colon = trunk.rfind(':'); colon != std::string::npos) {
    host = trunk.substr(0, colon);
    const std::string p = trunk.substr(colon + 1);
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(p) == 0 || std::stoi(p) > 65535) {
      return fail(Code::kInvalid, "voice trunk \"" + trunk + "\": bad port");
    }
    port = static_cast<std::uint16_t>(std::stoi(p));
  }
  if (host.empty()) return fail(Code::kInvalid, "voice trunk is empty: set it to host:port");
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || !found) {
    return fail(Code::kInvalid, "voice trunk \"" + trunk + "\": cannot resolve " + host);
  }
  char ip[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr, ip, sizeof ip);
  freeaddrinfo(found);
  return std::make_pair(std::string(ip), port);
}

// The source address the kernel would use toward `ip` (no packet is sent).
std::string source_toward(const std::string& ip, std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return "127.0.0.1";
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &dst.sin_addr);
  std::string out = "127.0.0.1";
  sockaddr_in local{};
  socklen_t len = sizeof local;
  if (connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
    char buf[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &local.sin_addr, buf, sizeof buf);
    out = buf;
  }
  close(fd);
  return out;
}

bool valid_phone(const std::string& phone) {
  if (phone.size() < 3 || phone.size() > 20) return false;
  for (size_t i = 0; i < phone.size(); ++i) {
    const char c = phone[i];
    if (!(c >= '0' && c <= '9') && !(c == '+' && i == 0)) return false;
  }
  return true;
}

}  // namespace

std::string prompt_text(const VoiceOptions& options, const std::string& scam_type,
                        const std::string& station_name) {
  std::string text = kDefaultWarning;
  if (auto it = options.templates.find(scam_type); it != options.templates.end()) {
    text = it->second;
  } else if (auto def = options.templates.find("default"); def != options.templates.end()) {
    text = def->second;
  }
  const std::string station = station_name.empty() ? "公安机关" : station_name;
  for (size_t at = text.find("{station}"); at != std::string::npos; at = text.find("{station}", at)) {
    text.replace(at, 9, station);
    at += station.size();
  }
  if (options.ask_acknowledge) text += "听清楚请按一。";
  return text;
}

// One call; lives on the libre thread only.
struct Call {
  VoiceChannel::Impl* impl = nullptr;
  std::shared_ptr<const Pcm> prompt;
  CallRecord record;
  struct sipsess* sess = nullptr;
  struct sdp_session* sdp = nullptr;
  struct sdp_media* media = nullptr;
  struct rtp_sock* rtp = nullptr;
  struct tmr ring_tmr {}, response_tmr{}, media_tmr{}, max_tmr{};
  bool got_response = false;
  bool established = false;
  bool finished = false;
  SteadyClock::time_point answered_at;
  // Media, once answered.
  G711 law = G711::kPcmu;
  int pt = 0;
  int telev_pt = -1;
  struct sa raddr {};
  size_t packets_sent = 0;
  std::uint32_t timestamp = 0;
  std::optional<SteadyClock::time_point> prompt_done_at;
};

struct VoiceChannel::Impl {
  VoiceOptions options;
  ResultSink sink;
  std::function<void(const CallRecord&)> observer;
  Prompts prompts;
  std::string trunk_ip;
  std::uint16_t trunk_port = 5060;
  std::thread thread;

  mutable std::mutex mu;  // guards accepting, mq (its use from other threads), health, active_refs, local_sip
  bool accepting = false;
  struct mqueue* mq = nullptr;
  VoiceHealth health;
  std::set<std::string> active_refs;
  std::string local_sip;

  // The libre thread's own; nothing else touches them.
  struct sip* sip = nullptr;
  struct sipsess_sock* sock = nullptr;
  struct sa laddr {};
  std::map<Call*, std::unique_ptr<Call>> calls;
  std::vector<std::unique_ptr<Call>> graveyard;
  struct tmr sweep_tmr {}, stop_tmr{};
  std::mt19937 rng{std::random_device{}()};

  explicit Impl(VoiceOptions o) : options(std::move(o)), prompts(options.speech) {}

  int setup();
  void run(std::promise<int>& started);
  void start_call(CallRequest& request);
  void finish(Call* call, const std::string& result, int sip_status, const std::string& detail,
              bool report = true);
  void hang_up_answered(Call* call, const std::string& detail);
  void media_tick(Call* call);
  void stop();
};

namespace {

void on_sweep(void* arg) {
  auto* impl = static_cast<VoiceChannel::Impl*>(arg);
  impl->graveyard.clear();
}

void on_mqueue(int id, void* data, void* arg) {
  auto* impl = static_cast<VoiceChannel::Impl*>(arg);
  if (id == kMsgCall) {
    std::unique_ptr<std::shared_ptr<CallRequest>> holder(static_cast<std::shared_ptr<CallRequest>*>(data));
    impl->start_call(**holder);
  } else if (id == kMsgStop) {
    impl->stop();
  }
}

void on_incoming(const struct sip_msg* msg, void* arg) {
  // Nobody calls the warning line back through us: decline politely.
  auto* impl = static_cast<VoiceChannel::Impl*>(arg);
  (void)sip_treply(nullptr, impl->sip, msg, 603, "Decline");
}

int on_auth(char** username, char** password, const char* realm, void* arg) {
  (void)realm;
  auto* impl = static_cast<VoiceChannel::Impl*>(arg);
  int err = str_dup(username, impl->options.username.c_str());
  err |= str_dup(password, impl->options.password.c_str());
  return err;
}

void choose_codec(Call* call) {
  // The first of the callee's formats that we also offered wins (its preference order).
  const struct list* formats = sdp_media_format_lst(call->media, false);
  for (struct le* le = formats ? formats->head : nullptr; le; le = le->next) {
    const auto* fmt = static_cast<const struct sdp_format*>(le->data);
    if (!fmt->sup || !fmt->name) continue;
    if (str_casecmp(fmt->name, "PCMU") == 0 || str_casecmp(fmt->name, "PCMA") == 0) {
      call->law = str_casecmp(fmt->name, "PCMU") == 0 ? G711::kPcmu : G711::kPcma;
      call->pt = fmt->pt;
      call->record.codec = fmt->name;
      break;
    }
  }
  if (const struct sdp_format* te = sdp_media_rformat(call->media, telev_rtpfmt)) call->telev_pt = te->pt;
  if (const struct sa* ra = sdp_media_raddr(call->media)) call->raddr = *ra;
}

int on_offer(struct mbuf** descp, const struct sip_msg* msg, void* arg) {
  auto* call = static_cast<Call*>(arg);
  int err = sdp_decode(call->sdp, msg->mb, true);
  if (err) return err;
  choose_codec(call);
  return sdp_encode(descp, call->sdp, false);
}

int on_answer(const struct sip_msg* msg, void* arg) {
  auto* call = static_cast<Call*>(arg);
  int err = sdp_decode(call->sdp, msg->mb, false);
  if (err) return err;
  choose_codec(call);
  return 0;
}

void on_progress(const struct sip_msg* msg, void* arg) {
  (void)msg;
  auto* call = static_cast<Call*>(arg);
  call->got_response = true;
  tmr_cancel(&call->response_tmr);
}

void on_media_tmr(void* arg) {
  auto* call = static_cast<Call*>(arg);
  call->impl->media_tick(call);
}

void on_max_tmr(void* arg) {
  auto* call = static_cast<Call*>(arg);
  call->impl->hang_up_answered(call, "call reached max_call");
}

void on_established(const struct sip_msg* msg, void* arg) {
  (void)msg;
  auto* call = static_cast<Call*>(arg);
  call->got_response = true;
  call->established = true;
  call->answered_at = SteadyClock::now();
  tmr_cancel(&call->response_tmr);
  tmr_cancel(&call->ring_tmr);
  tmr_start(&call->max_tmr, static_cast<std::uint64_t>(call->impl->options.max_call.count()), on_max_tmr, call);
  call->impl->media_tick(call);
}

void on_close(int err, const struct sip_msg* msg, void* arg) {
  auto* call = static_cast<Call*>(arg);
  auto* impl = call->impl;
  if (call->established) {
    impl->finish(call, "answered", 0, msg ? "the callee hung up" : "call dropped: " + errno_text(err));
    return;
  }
  if (!msg) {
    impl->finish(call, "unreachable", 0, err ? errno_text(err) : "no answer from the trunk");
    return;
  }
  const int code = msg->scode;
  const std::string detail = std::to_string(code) + " " + std::string(msg->reason.p, msg->reason.l);
  std::string result = "unreachable";
  if (code == 486 || code == 600) {
    result = "busy";
  } else if (code == 603) {
    result = "rejected";
  } else if (code == 480 || code == 487) {
    result = "no_answer";
  }
  impl->finish(call, result, code, detail);
}

void on_ring_timeout(void* arg) {
  auto* call = static_cast<Call*>(arg);
  if (!call->established) call->impl->finish(call, "no_answer", 0, "no answer within ring_timeout (CANCEL sent)");
}

void on_no_response(void* arg) {
  auto* call = static_cast<Call*>(arg);
  if (!call->got_response && !call->established) {
    call->impl->finish(call, "unreachable", 0, "no response within no_response_timeout");
  }
}

void on_rtp(const struct sa* src, const struct rtp_header* hdr, struct mbuf* mb, void* arg) {
  (void)src;
  auto* call = static_cast<Call*>(arg);
  if (call->finished || call->telev_pt < 0 || hdr->pt != call->telev_pt || mbuf_get_left(mb) < 4) return;
  // RFC 4733: event, E|R|volume, duration. Digit 1 is event 1.
  const std::uint8_t event = mbuf_buf(mb)[0];
  if (event == 1 && !call->record.acknowledged) {
    call->record.acknowledged = true;
    // Heard and acknowledged: once the prompt is over there is nothing left to wait for.
    if (call->prompt_done_at) call->impl->hang_up_answered(call, "acknowledged with 1");
  }
}

void on_stop_tmr(void* arg) {
  auto* impl = static_cast<VoiceChannel::Impl*>(arg);
  impl->graveyard.clear();
  impl->sock = static_cast<struct sipsess_sock*>(mem_deref(impl->sock));
  if (impl->sip) sip_close(impl->sip, true);
  impl->sip = static_cast<struct sip*>(mem_deref(impl->sip));
  re_cancel();
}

}  // namespace

int VoiceChannel::Impl::setup() {
  int err = sa_set_str(&laddr, options.local_ip.c_str(), 0);
  if (err) return err;
  err = sip_alloc(&sip, nullptr, 32, 32, 32, "quanzu-voice", nullptr, nullptr);
  if (err) return err;
  const enum sip_transp tp = options.transport == SipTransport::kTcp ? SIP_TRANSP_TCP : SIP_TRANSP_UDP;
  err = sip_transp_add(sip, tp, &laddr);
  if (err) return err;
  err = sipsess_listen(&sock, sip, 32, on_incoming, this);
  if (err) return err;
  struct sa bound {};
  struct sa trunk {};
  sa_set_str(&trunk, trunk_ip.c_str(), trunk_port);
  if (sip_transp_laddr(sip, &bound, tp, &trunk) == 0) {
    char ip[64] = {};
    sa_ntop(&bound, ip, sizeof ip);
    std::lock_guard lock(mu);
    local_sip = std::string(ip) + ":" + std::to_string(sa_port(&bound));
  }
  return mqueue_alloc(&mq, on_mqueue, this);
}

void VoiceChannel::Impl::run(std::promise<int>& started) {
  static std::once_flag libre_once;
  static int libre_err = 0;
  std::call_once(libre_once, [] { libre_err = libre_init(); });
  int err = libre_err ? libre_err : re_thread_init();
  if (!err) err = fd_setsize(4096);
  if (!err) err = setup();
  if (err) {
    sock = static_cast<struct sipsess_sock*>(mem_deref(sock));
    sip = static_cast<struct sip*>(mem_deref(sip));
    mq = static_cast<struct mqueue*>(mem_deref(mq));
    re_thread_close();
    started.set_value(err);
    return;
  }
  {
    std::lock_guard lock(mu);
    accepting = true;
    health.running = true;
  }
  started.set_value(0);
  (void)re_main(nullptr);
  {
    std::lock_guard lock(mu);
    health.running = false;
    mq = static_cast<struct mqueue*>(mem_deref(mq));
  }
  tmr_cancel(&sweep_tmr);
  tmr_cancel(&stop_tmr);
  re_thread_close();
}

void VoiceChannel::Impl::start_call(CallRequest& request) {
  auto owned = std::make_unique<Call>();
  Call* call = owned.get();
  call->impl = this;
  call->prompt = request.prompt;
  call->record.ref = request.ref;
  call->record.phone = request.phone;
  call->record.prompt_seconds = request.prompt->seconds();
  call->timestamp = static_cast<std::uint32_t>(rng());
  tmr_init(&call->ring_tmr);
  tmr_init(&call->response_tmr);
  tmr_init(&call->media_tmr);
  tmr_init(&call->max_tmr);

  struct mbuf* desc = nullptr;
  auto cleanup = [&](int err) {
    mem_deref(desc);
    call->sess = static_cast<struct sipsess*>(mem_deref(call->sess));
    call->sdp = static_cast<struct sdp_session*>(mem_deref(call->sdp));
    call->rtp = static_cast<struct rtp_sock*>(mem_deref(call->rtp));
    request.sent.set_value(err);
  };
  int err = rtp_listen(&call->rtp, IPPROTO_UDP, &laddr, static_cast<std::uint16_t>(options.rtp_port_min),
                       static_cast<std::uint16_t>(options.rtp_port_max), false, on_rtp, nullptr, call);
  if (!err) err = sdp_session_alloc(&call->sdp, &laddr);
  if (!err) err = sdp_media_add(&call->media, call->sdp, "audio", sa_port(rtp_local(call->rtp)), "RTP/AVP");
  if (!err) err = sdp_format_add(nullptr, call->media, false, "0", "PCMU", 8000, 1, nullptr, nullptr, nullptr, false, nullptr);
  if (!err) err = sdp_format_add(nullptr, call->media, false, "8", "PCMA", 8000, 1, nullptr, nullptr, nullptr, false, nullptr);
  if (!err) {
    err = sdp_format_add(nullptr, call->media, false, std::to_string(kTelephoneEventPt).c_str(), telev_rtpfmt,
                         8000, 1, nullptr, nullptr, nullptr, false, "0-15");
  }
  if (!err) err = sdp_encode(&desc, call->sdp, true);
  if (err) {
    cleanup(err);
    return;
  }
  char local_ip[64] = {};
  sa_ntop(&laddr, local_ip, sizeof local_ip);
  const std::string to = "sip:" + request.phone + "@" + trunk_ip + ":" + std::to_string(trunk_port) +
                         (options.transport == SipTransport::kTcp ? ";transport=tcp" : "");
  const std::string from = "sip:" + options.caller_id + "@" + local_ip;
  const bool auth = !options.username.empty();
  err = sipsess_connect(&call->sess, sock, to.c_str(), options.caller_name.c_str(), from.c_str(),
                        options.caller_id.c_str(), nullptr, 0, "application/sdp", desc,
                        auth ? on_auth : nullptr, auth ? this : nullptr, false, on_offer, on_answer,
                        on_progress, on_established, nullptr, nullptr, on_close, call, nullptr);
  if (err) {
    cleanup(err);
    return;
  }
  desc = static_cast<struct mbuf*>(mem_deref(desc));
  tmr_start(&call->ring_tmr, static_cast<std::uint64_t>(options.ring_timeout.count()), on_ring_timeout, call);
  tmr_start(&call->response_tmr, static_cast<std::uint64_t>(options.no_response_timeout.count()),
            on_no_response, call);
  calls.emplace(call, std::move(owned));
  {
    std::lock_guard lock(mu);
    ++health.placed;
  }
  request.sent.set_value(0);
}

void VoiceChannel::Impl::media_tick(Call* call) {
  if (call->finished) return;
  if (!sa_isset(&call->raddr, SA_ALL)) {
    hang_up_answered(call, "answered without a usable media address");
    return;
  }
  const auto now = SteadyClock::now();
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - call->answered_at).count();
  const auto due = static_cast<size_t>(elapsed / 20 + 1);
  const auto& samples = call->prompt->samples;
  const size_t total_packets = (samples.size() + kSamplesPerPacket - 1) / kSamplesPerPacket;
  std::int16_t frame[kSamplesPerPacket];
  while (call->packets_sent < due) {
    const size_t start = call->packets_sent * kSamplesPerPacket;
    for (size_t i = 0; i < kSamplesPerPacket; ++i) {
      frame[i] = start + i < samples.size() ? samples[start + i] : 0;  // silence after the prompt
    }
    const auto payload = g711_encode(call->law, frame);
    struct mbuf* mb = mbuf_alloc(RTP_HEADER_SIZE + payload.size());
    if (!mb) break;
    mb->pos = mb->end = RTP_HEADER_SIZE;
    (void)mbuf_write_mem(mb, payload.data(), payload.size());
    mb->pos = RTP_HEADER_SIZE;
    (void)rtp_send(call->rtp, &call->raddr, false, call->packets_sent == 0,
                   static_cast<std::uint8_t>(call->pt), call->timestamp, mb);
    mem_deref(mb);
    call->timestamp += kSamplesPerPacket;
    ++call->packets_sent;
  }
  if (!call->prompt_done_at && call->packets_sent >= total_packets) call->prompt_done_at = now;
  if (call->prompt_done_at) {
    const auto after = now - *call->prompt_done_at;
    // A short tail lets the last packets play out of the callee's jitter buffer.
    const auto linger = options.ask_acknowledge && !call->record.acknowledged
                            ? options.acknowledge_wait
                            : std::chrono::milliseconds(300);
    if (after >= linger) {
      hang_up_answered(call, call->record.acknowledged ? "acknowledged with 1" : "prompt played");
      return;
    }
  }
  tmr_start(&call->media_tmr, 10, on_media_tmr, call);
}

void VoiceChannel::Impl::hang_up_answered(Call* call, const std::string& detail) {
  if (!call->finished) finish(call, "answered", 200, detail);
}

void VoiceChannel::Impl::finish(Call* call, const std::string& result, int sip_status,
                                const std::string& detail, bool report) {
  if (call->finished) return;
  call->finished = true;
  tmr_cancel(&call->ring_tmr);
  tmr_cancel(&call->response_tmr);
  tmr_cancel(&call->media_tmr);
  tmr_cancel(&call->max_tmr);
  CallRecord& r = call->record;
  r.result = result;
  r.sip_status = sip_status;
  r.detail = detail;
  if (call->established) {
    r.seconds = std::chrono::duration_cast<std::chrono::seconds>(SteadyClock::now() - call->answered_at +
                                                                 std::chrono::milliseconds(500))
                    .count();
  }
  // Dereferencing the session sends BYE when answered, CANCEL while ringing (libre keeps it
  // alive until the transaction ends).
  call->sess = static_cast<struct sipsess*>(mem_deref(call->sess));
  call->rtp = static_cast<struct rtp_sock*>(mem_deref(call->rtp));
  call->sdp = static_cast<struct sdp_session*>(mem_deref(call->sdp));
  {
    std::lock_guard lock(mu);
    active_refs.erase(r.ref);
    --health.in_progress;
    if (report) {
      if (result == "answered") ++health.answered;
      else if (result == "busy") ++health.busy;
      else if (result == "rejected") ++health.rejected;
      else if (result == "no_answer") ++health.no_answer;
      else ++health.unreachable;
      if (r.acknowledged) ++health.acknowledged;
    }
  }
  if (report) {
    if (sink) sink(r.ref, r.result, r.result == "answered" ? std::optional<std::int64_t>(r.seconds) : std::nullopt);
    if (observer) observer(r);
  }
  // Freed on the next turn of the loop: we may be inside one of this call's callbacks.
  if (auto it = calls.find(call); it != calls.end()) {
    graveyard.push_back(std::move(it->second));
    calls.erase(it);
  }
  tmr_start(&sweep_tmr, 0, on_sweep, this);
}

void VoiceChannel::Impl::stop() {
  std::vector<Call*> open;
  for (auto& [call, owned] : calls) open.push_back(call);
  for (Call* call : open) {
    if (call->established) {
      finish(call, "answered", 200, "hung up: channel stopping");
    } else {
      finish(call, "", 0, "cancelled: channel stopping", false);
    }
  }
  // Give BYE and CANCEL a moment to leave before the stack closes.
  tmr_start(&stop_tmr, 300, on_stop_tmr, this);
}

VoiceChannel::VoiceChannel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<VoiceChannel>> VoiceChannel::create(VoiceOptions options, ResultSink sink) {
  auto trunk = resolve_trunk(options.trunk);
  if (!trunk) return tl::unexpected(trunk.error());
  if (options.max_calls < 1) return fail(Code::kInvalid, "voice max_calls must be at least 1");
  if (options.rtp_port_min < 1024 || options.rtp_port_max > 65535 || options.rtp_port_min >= options.rtp_port_max) {
    return fail(Code::kInvalid, "voice rtp ports must be a range within 1024..65535");
  }
  if (!valid_phone(options.caller_id)) return fail(Code::kInvalid, "voice caller_id must be a phone number");
  if (options.local_ip.empty()) options.local_ip = source_toward(trunk->first, trunk->second);
  struct in_addr probe {};
  if (inet_pton(AF_INET, options.local_ip.c_str(), &probe) != 1) {
    return fail(Code::kInvalid, "voice local_ip \"" + options.local_ip + "\" is not an IPv4 address");
  }
  for (const auto& [scam_type, path] : options.recordings) {
    if (access(path.c_str(), R_OK) != 0) {
      return fail(Code::kInvalid, "voice recording for " + scam_type + ": cannot read " + path);
    }
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  impl->sink = std::move(sink);
  impl->trunk_ip = trunk->first;
  impl->trunk_port = trunk->second;
  std::promise<int> started;
  auto started_future = started.get_future();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw, &started] { raw->run(started); });
  const int err = started_future.get();
  if (err) {
    impl->thread.join();
    return fail(Code::kUnavailable, "voice channel: the SIP stack did not start: " + errno_text(err));
  }
  return std::unique_ptr<VoiceChannel>(new VoiceChannel(std::move(impl)));
}

VoiceChannel::~VoiceChannel() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->accepting && impl_->mq) {
      impl_->accepting = false;
      (void)mqueue_push(impl_->mq, kMsgStop, nullptr);
    }
  }
  if (impl_->thread.joinable()) impl_->thread.join();
}

void VoiceChannel::on_call_end(std::function<void(const CallRecord&)> observer) {
  impl_->observer = std::move(observer);
}

VoiceHealth VoiceChannel::health() const {
  std::lock_guard lock(impl_->mu);
  return impl_->health;
}

std::string VoiceChannel::local_sip_address() const {
  std::lock_guard lock(impl_->mu);
  return impl_->local_sip;
}

Result<bool> VoiceChannel::deliver(const store::OutboxEntry& entry) {
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(entry.payload, ec);
  if (ec || !doc.is_object()) return fail(Code::kInvalid, "robocall message is not a JSON object");
  const auto& obj = doc.as_object();
  auto text_of = [&](const boost::json::object& o, const char* key) -> std::string {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  const std::string type = text_of(obj, "type");
  const std::string ref = text_of(obj, "ref");
  const std::string phone = text_of(obj, "phone");
  if (type != "robocall") return fail(Code::kInvalid, "voice channel got a \"" + type + "\" message");
  if (ref.empty()) return fail(Code::kInvalid, "robocall message has no ref");
  if (!valid_phone(phone)) return fail(Code::kInvalid, "robocall " + ref + ": phone is not a phone number");
  const std::string scam_type = text_of(obj, "scam_type");
  std::string station_name;
  if (const auto* st = obj.if_contains("station"); st && st->is_object()) station_name = text_of(st->as_object(), "name");

  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->accepting) return fail(Code::kUnavailable, "voice channel is stopped");
    // Redelivered while its call is still going: that call will report.
    if (impl_->active_refs.count(ref)) return true;
    if (impl_->health.in_progress >= impl_->options.max_calls) {
      ++impl_->health.refused_at_limit;
      return fail(Code::kTooLarge, "all " + std::to_string(impl_->options.max_calls) + " voice lines are busy");
    }
    impl_->active_refs.insert(ref);
    ++impl_->health.in_progress;
  }
  auto release = [&] {
    std::lock_guard lock(impl_->mu);
    impl_->active_refs.erase(ref);
    --impl_->health.in_progress;
  };

  const auto& recordings = impl_->options.recordings;
  auto rec = recordings.find(scam_type);
  if (rec == recordings.end()) rec = recordings.find("default");
  auto prompt = rec != recordings.end()
                    ? impl_->prompts.recording(rec->second)
                    : impl_->prompts.speech(prompt_text(impl_->options, scam_type, station_name));
  if (!prompt) {
    release();
    return fail(Code::kUnavailable, "robocall " + ref + ": prompt: " + prompt.error().message);
  }

  auto request = std::make_shared<CallRequest>();
  request->ref = ref;
  request->phone = phone;
  request->prompt = *prompt;
  auto sent = request->sent.get_future();
  {
    std::lock_guard lock(impl_->mu);
    int err = ESHUTDOWN;
    if (impl_->accepting && impl_->mq) {
      auto* holder = new std::shared_ptr<CallRequest>(request);  // the libre thread takes it
      err = mqueue_push(impl_->mq, kMsgCall, holder);
      if (err) delete holder;
    }
    if (err) {
      impl_->active_refs.erase(ref);
      --impl_->health.in_progress;
      return fail(Code::kUnavailable, "voice channel: " + errno_text(err));
    }
  }
  if (sent.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    // The libre thread is wedged; the call may still start and report.
    return fail(Code::kUnavailable, "robocall " + ref + ": the SIP thread did not answer");
  }
  if (int err = sent.get()) {
    release();
    return fail(Code::kUnavailable, "robocall " + ref + ": INVITE not sent: " + errno_text(err));
  }
  return true;
}

}  // namespace quanzu::channels::voice
