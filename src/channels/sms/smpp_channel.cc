#include "channels/sms/smpp_channel.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include "channels/sms/smpp_pdu.h"

namespace quanzu::channels {
namespace net = boost::asio;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr auto kTick = std::chrono::milliseconds(100);
// After a "throttled" or "queue full" answer the part waits this long before it goes again.
constexpr auto kThrottledPause = std::chrono::milliseconds(1000);
constexpr auto kUnbindWait = std::chrono::milliseconds(1000);
// A receipt that came before its submit_sm_resp is kept this long, at most this many.
constexpr auto kEarlyReceiptKeep = std::chrono::minutes(5);
constexpr size_t kMaxEarlyReceipts = 10000;

struct SmsMessage {
  std::string ref;
  std::string phone;
  std::string scam_type;
  std::string station_name;
};

Result<SmsMessage> parse_sms_message(const std::string& payload) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(payload, ec);
  if (ec || !v.is_object()) return fail(Code::kInvalid, "SMS message is not a JSON object");
  const auto& o = v.as_object();
  auto str = [&](const boost::json::object& obj, const char* key) -> std::string {
    const auto* p = obj.if_contains(key);
    return p != nullptr && p->is_string() ? std::string(p->as_string()) : std::string();
  };
  if (str(o, "type") != "sms") return fail(Code::kInvalid, "message type is not \"sms\"");
  SmsMessage m{str(o, "ref"), str(o, "phone"), str(o, "scam_type"), {}};
  if (const auto* station = o.if_contains("station"); station != nullptr && station->is_object()) {
    m.station_name = str(station->as_object(), "name");
  }
  if (m.ref.empty()) return fail(Code::kInvalid, "SMS message has no ref");
  if (m.phone.empty() || m.phone.size() > 20 ||
      m.phone.find_first_not_of("+0123456789") != std::string::npos) {
    return fail(Code::kInvalid, "SMS phone \"" + m.phone + "\" is not 1-20 digits");
  }
  if (m.phone[0] == '+') m.phone.erase(0, 1);
  if (m.phone.empty() || m.phone.find('+') != std::string::npos) {
    return fail(Code::kInvalid, "SMS phone has no digits or a misplaced +");
  }
  return m;
}

// Carriers sometimes give the id in submit_sm_resp in hex and in the receipt in decimal (or
// the other way round); these are the spellings worth trying after the exact one.
std::vector<std::string> other_spellings(const std::string& id) {
  std::vector<std::string> out;
  if (id.empty() || id.size() > 16) return out;
  if (id.find_first_not_of("0123456789") == std::string::npos) {
    const unsigned long long n = std::stoull(id);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%llx", n);
    out.emplace_back(buf);
    std::snprintf(buf, sizeof buf, "%llX", n);
    out.emplace_back(buf);
  }
  if (id.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos) {
    out.push_back(std::to_string(std::stoull(id, nullptr, 16)));
  }
  return out;
}

}  // namespace

const char* link_state_name(SmppLinkState state) {
  switch (state) {
    case SmppLinkState::kDown: return "down";
    case SmppLinkState::kConnecting: return "connecting";
    case SmppLinkState::kBound: return "bound";
  }
  return "down";
}

class SmppChannel::Link {
 public:
  Link(SmppOptions options, ResultSink sink)
      : options_(std::move(options)),
        sink_(std::move(sink)),
        socket_(io_),
        resolver_(io_),
        reconnect_timer_(io_),
        tick_timer_(io_),
        throttle_timer_(io_),
        stop_timer_(io_),
        backoff_(options_.reconnect_min) {}

  void start() {
    net::post(io_, [this] {
      {
        std::lock_guard lock(mu_);
        connect();
      }
      tick();
    });
    thread_ = std::thread([this] {
      auto guard = net::make_work_guard(io_);
      io_.run();
    });
  }

  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    net::post(io_, [this] {
      std::lock_guard lock(mu_);
      if (state_ == SmppLinkState::kBound) {
        send(smpp::encode_header_only(smpp::kUnbind, 0, next_sequence()));
        stop_timer_.expires_after(kUnbindWait);
        stop_timer_.async_wait([this](boost::system::error_code) { io_.stop(); });
      } else {
        io_.stop();
      }
    });
    if (thread_.joinable()) thread_.join();
  }

  Result<bool> deliver(const store::OutboxEntry& entry) {
    auto message = parse_sms_message(entry.payload);
    if (!message) return tl::unexpected(message.error());
    std::unique_lock lock(mu_);
    if (stopping_) return fail(Code::kUnavailable, "SMPP channel is stopping");
    std::shared_ptr<Submission> sub;
    if (auto it = by_entry_.find(entry.id); it != by_entry_.end()) {
      sub = it->second;
      // Parts the SMSC refused last time go again; the others are accepted or on their way.
      if (sub->error) {
        sub->error.reset();
        for (size_t i = 0; i < sub->parts.size(); ++i) {
          if (sub->state[i] == PartState::kRejected) {
            sub->state[i] = PartState::kQueued;
            queue_.push_back({sub, i});
          }
        }
      }
    } else {
      const std::string text = render_sms_text(options_.templates, message->scam_type, message->station_name);
      auto utf16 = utf8_to_utf16(text);
      if (!utf16) return fail(Code::kInvalid, "SMS template: " + utf16.error().message);
      auto parts = split_ucs2(*utf16, next_reference_++);
      if (!parts) return tl::unexpected(parts.error());
      if (queue_.size() + parts->short_messages.size() > options_.queue_limit) {
        return fail(Code::kUnavailable, "SMPP queue is full (" + std::to_string(queue_.size()) + " parts)");
      }
      sub = std::make_shared<Submission>();
      sub->ref = message->ref;
      sub->phone = message->phone;
      sub->udh = parts->udh;
      sub->parts = std::move(parts->short_messages);
      const size_t n = sub->parts.size();
      sub->state.assign(n, PartState::kQueued);
      sub->message_ids.assign(n, "");
      sub->results.assign(n, std::nullopt);
      by_entry_[entry.id] = sub;
      for (size_t i = 0; i < n; ++i) queue_.push_back({sub, i});
    }
    net::post(io_, [this] {
      std::lock_guard l(mu_);
      pump();
    });
    // While the link is not bound, wait only briefly: the parts stay queued and go out once
    // it is, and the outbox's retry then answers ok at once. The dispatcher thread serves
    // other channels too and must not sit out an SMSC outage here.
    const auto start = SteadyClock::now();
    const auto deadline = start + std::chrono::milliseconds(options_.deliver_timeout);
    const auto unbound_deadline = start + std::chrono::milliseconds(options_.unbound_timeout);
    while (sub->accepted < sub->parts.size() && !sub->error && !sub->refused_for_good && !stopping_) {
      const auto now = SteadyClock::now();
      if (now >= deadline || (state_ != SmppLinkState::kBound && now >= unbound_deadline)) break;
      cv_.wait_until(lock, state_ == SmppLinkState::kBound ? deadline : std::min(deadline, unbound_deadline));
    }
    if (sub->accepted == sub->parts.size()) return true;
    // Reported failed already; the outbox must not try again.
    if (sub->refused_for_good) return true;
    if (sub->error) return fail(Code::kUnavailable, *sub->error);
    if (stopping_) return fail(Code::kUnavailable, "SMPP channel is stopping");
    return fail(Code::kUnavailable,
                "SMSC has not accepted " + sub->ref + " yet; it stays queued (link " + link_state_name(state_) +
                    (last_error_.empty() ? std::string() : ", last error: " + last_error_) + ")");
  }

  SmppHealth health() const {
    std::lock_guard lock(mu_);
    SmppHealth h = health_;
    h.link = state_;
    h.queue_depth = queue_.size();
    h.window_in_use = in_flight_.size();
    h.last_error = last_error_;
    return h;
  }

  Result<bool> wait_bound(Millis timeout) {
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, std::chrono::milliseconds(timeout), [&] { return state_ == SmppLinkState::kBound; })) {
      return true;
    }
    return fail(Code::kUnavailable, "SMPP link not bound" + (last_error_.empty() ? std::string() : ": " + last_error_));
  }

 private:
  enum class PartState { kQueued, kInFlight, kAccepted, kRejected };
  struct Submission {
    std::string ref;
    std::string phone;
    bool udh = false;
    std::vector<std::string> parts;  // short_message octets
    std::vector<PartState> state;
    std::vector<std::string> message_ids;
    std::vector<std::optional<std::string>> results;  // final receipt result per part
    size_t accepted = 0;
    std::optional<std::string> error;  // the SMSC refused a part; cleared by the next deliver()
    bool refused_for_good = false;     // a part's destination can never be reached: done, failed
    SteadyClock::time_point accepted_at{};
    bool reported = false;
  };
  struct PartRef {
    std::shared_ptr<Submission> sub;
    size_t index = 0;
  };
  struct InFlight {
    PartRef part;
    SteadyClock::time_point sent_at;
  };
  struct Report {
    std::string ref;
    std::string result;
  };

  std::uint32_t next_sequence() {
    const std::uint32_t s = sequence_;
    sequence_ = sequence_ >= 0x7FFFFFFF ? 1 : sequence_ + 1;
    return s;
  }

  // Everything below runs on the I/O thread with mu_ held, unless it says otherwise.

  void connect() {
    if (stopping_) return;
    state_ = SmppLinkState::kConnecting;
    phase_started_ = SteadyClock::now();
    const std::uint64_t gen = ++generation_;
    resolver_.async_resolve(options_.host, std::to_string(options_.port),
                            [this, gen](boost::system::error_code ec, tcp::resolver::results_type results) {
                              std::lock_guard lock(mu_);
                              if (gen != generation_) return;
                              if (ec) return drop("cannot resolve " + options_.host + ": " + ec.message());
                              net::async_connect(socket_, results, [this, gen](boost::system::error_code ec2, const tcp::endpoint&) {
                                std::lock_guard l(mu_);
                                if (gen != generation_) return;
                                if (ec2) return drop("cannot connect to " + options_.host + ":" + std::to_string(options_.port) + ": " + ec2.message());
                                on_connected(gen);
                              });
                            });
  }

  void on_connected(std::uint64_t gen) {
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    auto bind = smpp::encode_bind_transceiver(next_sequence(), options_.system_id, options_.password,
                                              options_.system_type);
    if (!bind) return drop(bind.error().message);  // validated in create(); kept for safety
    phase_started_ = SteadyClock::now();
    last_received_ = phase_started_;
    send(*bind);
    read_next(gen);
  }

  void read_next(std::uint64_t gen) {
    net::async_read(socket_, net::buffer(header_buf_), [this, gen](boost::system::error_code ec, size_t) {
      std::unique_lock lock(mu_);
      if (gen != generation_) return;
      if (ec) return drop(ec == net::error::eof ? "SMSC closed the link" : "read: " + ec.message());
      auto h = smpp::read_header(std::string_view(header_buf_.data(), header_buf_.size()));
      if (!h) return drop(h.error().message);
      body_.assign(header_buf_.data(), header_buf_.size());
      body_.resize(h->length);
      if (h->length == smpp::kHeaderSize) return finish_pdu(gen, lock);
      net::async_read(socket_, net::buffer(body_.data() + smpp::kHeaderSize, h->length - smpp::kHeaderSize),
                      [this, gen](boost::system::error_code ec2, size_t) {
                        std::unique_lock l(mu_);
                        if (gen != generation_) return;
                        if (ec2) return drop("read: " + ec2.message());
                        finish_pdu(gen, l);
                      });
    });
  }

  // Handles the PDU in body_, calls the sink without the lock, then reads the next one.
  void finish_pdu(std::uint64_t gen, std::unique_lock<std::mutex>& lock) {
    std::vector<Report> reports;
    on_pdu(body_, reports);
    if (gen == generation_) read_next(gen);
    if (reports.empty()) return;
    lock.unlock();
    for (const auto& r : reports) sink_(r.ref, r.result, std::nullopt);
    lock.lock();
  }

  void on_pdu(const std::string& pdu, std::vector<Report>& reports) {
    auto h = smpp::read_header(pdu);
    if (!h) return drop(h.error().message);
    last_received_ = SteadyClock::now();
    switch (h->command_id) {
      case smpp::kBindTransceiverResp:
        if (h->status != smpp::kStatusOk) return drop("bind refused by SMSC: " + smpp::status_text(h->status));
        state_ = SmppLinkState::kBound;
        backoff_ = options_.reconnect_min;
        ++health_.binds;
        cv_.notify_all();
        pump();
        return;
      case smpp::kSubmitSmResp:
        return on_submit_resp(*h, pdu, reports);
      case smpp::kGenericNack:
        if (in_flight_.count(h->sequence) != 0) return on_submit_resp(*h, pdu, reports);
        if (state_ != SmppLinkState::kBound) return drop("SMSC answered bind with generic_nack " + smpp::status_text(h->status));
        return;
      case smpp::kDeliverSm:
        return on_deliver_sm(*h, pdu, reports);
      case smpp::kEnquireLink:
        send(smpp::encode_header_only(smpp::kEnquireLinkResp, smpp::kStatusOk, h->sequence));
        return;
      case smpp::kEnquireLinkResp:
        enquire_outstanding_ = false;
        return;
      case smpp::kUnbind:
        send(smpp::encode_header_only(smpp::kUnbindResp, smpp::kStatusOk, h->sequence));
        // Let the answer go out before closing; the SMSC closes too.
        state_ = SmppLinkState::kConnecting;
        unbinding_ = true;
        return;
      case smpp::kUnbindResp:
        if (stopping_) io_.stop();
        return;
      default:
        if ((h->command_id & 0x80000000u) == 0) {
          send(smpp::encode_header_only(smpp::kGenericNack, smpp::kStatusInvalidCommand, h->sequence));
        }
        return;
    }
  }

  // Statuses that say the destination is wrong (SMPP 3.4 §5.1.3): retrying cannot help.
  static bool permanent_refusal(std::uint32_t status) {
    return status == 0x0B /* ESME_RINVDSTADR */ || status == 0x50 /* ESME_RINVDSTTON */ ||
           status == 0x51 /* ESME_RINVDSTNPI */;
  }

  void on_submit_resp(const smpp::Header& h, const std::string& pdu, std::vector<Report>& reports) {
    auto it = in_flight_.find(h.sequence);
    if (it == in_flight_.end()) return;  // an answer to a link we already gave up on
    PartRef part = it->second.part;
    in_flight_.erase(it);
    Submission& sub = *part.sub;
    if (h.status == smpp::kStatusOk && h.command_id == smpp::kSubmitSmResp) {
      auto id = smpp::decode_submit_sm_resp(pdu);
      sub.state[part.index] = PartState::kAccepted;
      sub.message_ids[part.index] = id ? *id : std::string();
      if (id && !id->empty()) by_message_id_[*id] = part;
      ++sub.accepted;
      ++health_.submitted;
      if (sub.accepted == sub.parts.size()) {
        sub.accepted_at = SteadyClock::now();
        cv_.notify_all();
      }
      // Some SMSCs send the receipt before the submit_sm_resp.
      if (id && !id->empty()) {
        if (auto early = early_receipts_.find(*id); early != early_receipts_.end()) {
          const std::string result = early->second.first;
          early_receipts_.erase(early);
          --health_.unmatched_receipts;
          apply_receipt(part, result, reports);
        }
      }
    } else if (h.status == smpp::kStatusThrottled || h.status == smpp::kStatusMessageQueueFull) {
      sub.state[part.index] = PartState::kQueued;
      queue_.push_front(part);
      next_send_at_ = SteadyClock::now() + kThrottledPause;
    } else if (permanent_refusal(h.status)) {
      // The number itself is wrong: no retry can help. The message is done, and failed.
      sub.state[part.index] = PartState::kRejected;
      ++health_.rejected;
      sub.refused_for_good = true;
      if (!sub.reported) {
        sub.reported = true;
        ++health_.failures;
        reports.push_back({sub.ref, "failed"});
      }
      cv_.notify_all();
    } else {
      sub.state[part.index] = PartState::kRejected;
      ++health_.rejected;
      sub.error = "SMSC refused part " + std::to_string(part.index + 1) + "/" + std::to_string(sub.parts.size()) +
                  " of " + sub.ref + ": " + smpp::status_text(h.status);
      cv_.notify_all();
    }
    pump();
  }

  void on_deliver_sm(const smpp::Header& h, const std::string& pdu, std::vector<Report>& reports) {
    auto d = smpp::decode_deliver_sm(pdu);
    if (!d) {
      // 0x65: permanent application error; the SMSC should not send it again.
      send(smpp::encode_header_only(smpp::kDeliverSmResp, 0x65, h.sequence));
      return;
    }
    send(smpp::encode_header_only(smpp::kDeliverSmResp, smpp::kStatusOk, h.sequence));
    if ((d->esm_class & 0x3C) != smpp::kEsmClassReceipt) return;  // a reply from the phone: not ours to act on
    ++health_.receipts;
    auto parsed = parse_receipt(d->short_message);
    std::string id = d->receipted_message_id.value_or(parsed ? parsed->message_id : std::string());
    std::optional<std::string> result;
    if (parsed) result = receipt_result(parsed->stat);
    if (!result && d->message_state) result = message_state_result(*d->message_state);
    auto it = by_message_id_.find(id);
    if (it == by_message_id_.end() && parsed && parsed->message_id != id) it = by_message_id_.find(parsed->message_id);
    for (const auto& other : other_spellings(id)) {
      if (it != by_message_id_.end()) break;
      it = by_message_id_.find(other);
    }
    if (it == by_message_id_.end()) {
      ++health_.unmatched_receipts;
      // Perhaps its submit_sm_resp is still on the way: keep it a while (see prune()).
      if (result && !id.empty() && early_receipts_.size() < kMaxEarlyReceipts) {
        early_receipts_[id] = {*result, SteadyClock::now()};
      }
      return;
    }
    if (!result) return;  // ENROUTE, ACCEPTD: not final, another receipt follows
    apply_receipt(it->second, *result, reports);
  }

  // Records one part's final receipt; reports the message's result once it is known.
  void apply_receipt(const PartRef& part, const std::string& result, std::vector<Report>& reports) {
    Submission& sub = *part.sub;
    sub.results[part.index] = result;
    if (sub.reported) return;
    std::optional<std::string> outcome;
    bool all_delivered = true;
    for (const auto& r : sub.results) {
      if (r && *r != "delivered" && !outcome) outcome = *r;
      if (!r || *r != "delivered") all_delivered = false;
    }
    if (all_delivered) outcome = "delivered";
    if (!outcome) return;
    sub.reported = true;
    if (*outcome != "delivered") ++health_.failures;
    reports.push_back({sub.ref, *outcome});
  }

  // Sends queued parts while the window and the rate allow.
  void pump() {
    if (state_ != SmppLinkState::kBound || stopping_) return;
    const auto interval = options_.max_per_second > 0
                              ? std::chrono::duration_cast<SteadyClock::duration>(
                                    std::chrono::duration<double>(1.0 / options_.max_per_second))
                              : SteadyClock::duration::zero();
    while (!queue_.empty() && in_flight_.size() < static_cast<size_t>(options_.window)) {
      const auto now = SteadyClock::now();
      if (now < next_send_at_) {
        if (!throttle_armed_) {
          throttle_armed_ = true;
          throttle_timer_.expires_at(next_send_at_);
          throttle_timer_.async_wait([this](boost::system::error_code) {
            std::lock_guard lock(mu_);
            throttle_armed_ = false;
            pump();
          });
        }
        return;
      }
      PartRef part = queue_.front();
      queue_.pop_front();
      Submission& sub = *part.sub;
      if (sub.state[part.index] != PartState::kQueued) continue;
      smpp::SubmitSm submit;
      submit.source = {options_.source_ton, options_.source_npi, options_.source_addr};
      submit.dest = {options_.dest_ton, options_.dest_npi, sub.phone};
      submit.esm_class = sub.udh ? smpp::kEsmClassUdhi : 0;
      submit.registered_delivery = 1;
      submit.data_coding = smpp::kDataCodingUcs2;
      submit.short_message = sub.parts[part.index];
      const std::uint32_t seq = next_sequence();
      auto bytes = smpp::encode_submit_sm(seq, submit);
      if (!bytes) {
        sub.state[part.index] = PartState::kRejected;
        sub.error = bytes.error().message;
        cv_.notify_all();
        continue;
      }
      sub.state[part.index] = PartState::kInFlight;
      in_flight_[seq] = {part, now};
      send(*bytes);
      next_send_at_ = std::max(next_send_at_, now) + interval;
    }
  }

  void send(std::string bytes) {
    write_queue_.push_back(std::move(bytes));
    if (!writing_) write_next(generation_);
  }

  void write_next(std::uint64_t gen) {
    if (write_queue_.empty()) {
      writing_ = false;
      if (unbinding_) drop("SMSC unbound the link");
      return;
    }
    writing_ = true;
    net::async_write(socket_, net::buffer(write_queue_.front()), [this, gen](boost::system::error_code ec, size_t) {
      std::lock_guard lock(mu_);
      if (gen != generation_) return;
      if (ec) return drop("write: " + ec.message());
      write_queue_.pop_front();
      write_next(gen);
    });
  }

  // Closes the link, puts what was in flight back at the head of the queue, and reconnects
  // after the backoff.
  void drop(const std::string& why) {
    ++generation_;
    boost::system::error_code ignored;
    socket_.close(ignored);
    resolver_.cancel();
    write_queue_.clear();
    writing_ = false;
    unbinding_ = false;
    enquire_outstanding_ = false;
    for (auto it = in_flight_.rbegin(); it != in_flight_.rend(); ++it) {
      it->second.part.sub->state[it->second.part.index] = PartState::kQueued;
      queue_.push_front(it->second.part);
    }
    in_flight_.clear();
    state_ = SmppLinkState::kDown;
    last_error_ = why;
    ++health_.link_failures;
    cv_.notify_all();
    if (stopping_) return;
    reconnect_timer_.expires_after(std::chrono::milliseconds(backoff_));
    backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
    const std::uint64_t gen = generation_;
    reconnect_timer_.async_wait([this, gen](boost::system::error_code ec) {
      std::lock_guard lock(mu_);
      if (ec || gen != generation_) return;
      connect();
    });
  }

  // Every 100 ms: answers not coming, enquire_link, forgetting old message ids.
  void tick() {
    const auto now = SteadyClock::now();
    const auto timeout = std::chrono::milliseconds(options_.response_timeout);
    {
      std::lock_guard lock(mu_);
      if (state_ == SmppLinkState::kConnecting && !unbinding_ && now - phase_started_ > timeout) {
        drop("no connection or bind_transceiver_resp within " + std::to_string(options_.response_timeout) + " ms");
      } else if (state_ == SmppLinkState::kBound) {
        if (!in_flight_.empty() && now - in_flight_.begin()->second.sent_at > timeout) {
          drop("no submit_sm_resp within " + std::to_string(options_.response_timeout) + " ms");
        } else if (enquire_outstanding_ && now - enquire_sent_at_ > timeout) {
          drop("no enquire_link_resp within " + std::to_string(options_.response_timeout) + " ms");
        } else if (!enquire_outstanding_ &&
                   now - std::max(last_received_, enquire_sent_at_) > std::chrono::milliseconds(options_.enquire_link_interval)) {
          enquire_outstanding_ = true;
          enquire_sent_at_ = now;
          send(smpp::encode_header_only(smpp::kEnquireLink, 0, next_sequence()));
        }
      }
      if (now - last_prune_ > std::chrono::seconds(10)) prune(now);
    }
    tick_timer_.expires_after(kTick);
    tick_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) tick();
    });
  }

  void prune(SteadyClock::time_point now) {
    last_prune_ = now;
    std::erase_if(early_receipts_, [&](const auto& e) { return now - e.second.second > kEarlyReceiptKeep; });
    const auto ttl = std::chrono::milliseconds(options_.receipt_ttl);
    for (auto it = by_entry_.begin(); it != by_entry_.end();) {
      const Submission& sub = *it->second;
      if (sub.accepted == sub.parts.size() && now - sub.accepted_at > ttl) {
        for (const auto& id : sub.message_ids) by_message_id_.erase(id);
        it = by_entry_.erase(it);
      } else {
        ++it;
      }
    }
  }

  const SmppOptions options_;
  const ResultSink sink_;
  net::io_context io_;
  tcp::socket socket_;
  tcp::resolver resolver_;
  net::steady_timer reconnect_timer_, tick_timer_, throttle_timer_, stop_timer_;
  std::thread thread_;
  std::array<char, smpp::kHeaderSize> header_buf_{};
  std::string body_;

  // Guards every field below, and the socket and timers against deliver()'s posts racing.
  mutable std::mutex mu_;
  std::condition_variable cv_;  // state_, a submission's acceptance or error, stopping_
  bool stopping_ = false;
  SmppLinkState state_ = SmppLinkState::kDown;
  std::string last_error_;
  SmppHealth health_;
  std::uint64_t generation_ = 0;  // bumped when a link is dropped; stale callbacks see it
  std::uint32_t sequence_ = 1;
  std::uint8_t next_reference_ = 1;
  Millis backoff_;
  std::deque<std::string> write_queue_;
  bool writing_ = false;
  bool unbinding_ = false;
  bool throttle_armed_ = false;
  bool enquire_outstanding_ = false;
  SteadyClock::time_point phase_started_{}, last_received_{}, enquire_sent_at_{}, next_send_at_{}, last_prune_{};
  std::deque<PartRef> queue_;
  std::map<std::uint32_t, InFlight> in_flight_;  // by sequence number, so oldest first
  std::map<std::int64_t, std::shared_ptr<Submission>> by_entry_;
  std::unordered_map<std::string, PartRef> by_message_id_;
  // Receipts whose message id is not known (yet): id -> result, arrival.
  std::unordered_map<std::string, std::pair<std::string, SteadyClock::time_point>> early_receipts_;
};

Result<std::unique_ptr<SmppChannel>> SmppChannel::create(SmppOptions options, ResultSink sink) {
  auto invalid = [](const std::string& field, const std::string& why) {
    return fail_fields({{"sms." + field, why}});
  };
  if (options.host.empty()) return invalid("host", "is empty");
  if (options.port == 0) return invalid("port", "is 0");
  if (options.system_id.empty() || options.system_id.size() > 15) return invalid("system_id", "must be 1-15 characters");
  if (options.password.size() > 8) return invalid("password", "must be at most 8 characters");
  if (options.system_type.size() > 12) return invalid("system_type", "must be at most 12 characters");
  if (options.source_addr.empty() || options.source_addr.size() > 20) return invalid("source_addr", "must be 1-20 characters");
  if (options.window < 1) return invalid("window", "must be at least 1");
  if (options.max_per_second < 0) return invalid("max_per_second", "must not be negative");
  if (options.reconnect_min <= 0 || options.reconnect_max < options.reconnect_min) {
    return invalid("reconnect_min", "must be positive and at most reconnect_max");
  }
  if (options.response_timeout <= 0 || options.enquire_link_interval <= 0 || options.deliver_timeout <= 0 ||
      options.unbound_timeout <= 0) {
    return invalid("response_timeout", "timeouts and intervals must be positive");
  }
  if (!sink) return invalid("sink", "is not set");
  auto link = std::make_shared<Link>(std::move(options), std::move(sink));
  link->start();
  return std::unique_ptr<SmppChannel>(new SmppChannel(std::move(link)));
}

SmppChannel::~SmppChannel() { link_->stop(); }

Result<bool> SmppChannel::deliver(const store::OutboxEntry& entry) { return link_->deliver(entry); }

SmppHealth SmppChannel::health() const { return link_->health(); }

Result<bool> SmppChannel::wait_bound(Millis timeout) { return link_->wait_bound(timeout); }

}  // namespace quanzu::channels
