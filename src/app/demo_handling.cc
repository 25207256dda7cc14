#include "app/demo_handling.h"

#include <cmath>
#include <iostream>

#include <boost/json.hpp>

#include "dispatch/travel.h"

namespace quanzu::app {
namespace json = boost::json;

namespace {

using namespace std::chrono_literals;

std::string payload_string(const std::string& payload, const char* key) {
  boost::system::error_code ec;
  auto v = json::parse(payload, ec);
  if (ec || !v.is_object()) return {};
  const auto* item = v.as_object().if_contains(key);
  return item && item->is_string() ? std::string(item->as_string()) : std::string();
}

Millis uniform(std::mt19937_64& rng, Millis lo, Millis hi) {
  return std::uniform_int_distribution<Millis>(lo, hi)(rng);
}

// Picks one of `options` with the given weights.
template <typename T>
const T& pick(std::mt19937_64& rng, const std::vector<std::pair<T, double>>& options) {
  double total = 0;
  for (const auto& [v, w] : options) total += w;
  double roll = std::uniform_real_distribution<>(0, total)(rng);
  for (const auto& [v, w] : options) {
    if ((roll -= w) <= 0) return v;
  }
  return options.back().first;
}

void log_refusal(const char* who, const Result<cases::Case>& r) {
  // Conflicts are the simulation racing the platform (a case closed meanwhile): normal.
  if (!r && r.error().code != Code::kConflict) std::cerr << "demo " << who << ": " << r.error().message << "\n";
}

}  // namespace

DemoScheduler::DemoScheduler() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      if (queue_.empty()) {
        cv_.wait(lock);
        continue;
      }
      if (std::chrono::steady_clock::now() < queue_.top().at) {
        cv_.wait_until(lock, queue_.top().at);
        continue;
      }
      auto f = std::move(const_cast<Item&>(queue_.top()).f);
      queue_.pop();
      lock.unlock();
      f();
      lock.lock();
    }
  });
}

DemoScheduler::~DemoScheduler() { stop(); }

void DemoScheduler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DemoScheduler::after(Millis delay, std::function<void()> f) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    queue_.push(Item{std::chrono::steady_clock::now() + std::chrono::milliseconds(delay), seq_++, std::move(f)});
  }
  cv_.notify_all();
}

SimulatedPhoneNetwork::SimulatedPhoneNetwork(Platform& platform, DemoScheduler& scheduler,
                                             std::string channel, std::uint64_t seed)
    : platform_(platform), scheduler_(scheduler), channel_(std::move(channel)), rng_(seed) {}

Result<bool> SimulatedPhoneNetwork::deliver(const store::OutboxEntry& entry) {
  const std::string ref = payload_string(entry.payload, "ref");
  if (ref.empty()) return fail(Code::kInvalid, "message " + std::to_string(entry.id) + " has no ref");
  std::string result;
  std::optional<std::int64_t> seconds;
  Millis delay;
  {
    std::lock_guard lock(mu_);
    if (channel_ == "sms") {
      result = pick<std::string>(rng_, {{"delivered", 92}, {"failed", 5}, {"expired", 3}});
      delay = uniform(rng_, 2'000, 10'000);
    } else {
      result = pick<std::string>(rng_, {{"answered", 45}, {"no_answer", 25}, {"busy", 10},
                                        {"rejected", 10}, {"unreachable", 10}});
      delay = result == "no_answer" ? 45'000 : uniform(rng_, 8'000, 40'000);
      if (result == "answered") seconds = uniform(rng_, 5, 60);
    }
  }
  std::cerr << "demo " << channel_ << ": " << ref << " sent, will report " << result << "\n";
  scheduler_.after(delay, [this, ref, result, seconds] {
    platform_.handling().attempt_result(ref, result, seconds,
                                        [](Result<cases::Case> r) { log_refusal("phone network", r); });
  });
  return true;
}

SimulatedBank::SimulatedBank(Platform& platform, DemoScheduler& scheduler, std::uint64_t seed)
    : platform_(platform), scheduler_(scheduler), rng_(seed) {}

Result<bool> SimulatedBank::deliver(const store::OutboxEntry& entry) {
  const std::string type = payload_string(entry.payload, "type");
  const std::string id = payload_string(entry.payload, "stop_payment_id");
  if (id.empty()) return fail(Code::kInvalid, "bank message " + std::to_string(entry.id) + " names no stop-payment");
  stoppay::BankCallback callback;
  callback.stop_payment_id = id;
  Millis delay;
  {
    std::lock_guard lock(mu_);
    delay = uniform(rng_, 3'000, 15'000);
    if (type == "request") {
      const bool accept = std::uniform_real_distribution<>(0, 1)(rng_) < 0.9;
      callback.answer.decision = accept ? stoppay::Decision::kAccepted : stoppay::Decision::kRejected;
      callback.answer.reference = "BANK-" + std::to_string(rng_() % 1000000);
      if (!accept) callback.answer.reason = "账户信息不符 (account details do not match)";
    } else if (type == "release") {
      callback.answer.decision = stoppay::Decision::kReleased;
      callback.answer.reference = "BANK-R-" + std::to_string(rng_() % 1000000);
    } else {
      std::cerr << "demo bank: " << type << " for " << id << " noted\n";
      return true;  // an extension needs no answer
    }
  }
  std::cerr << "demo bank: " << type << " for " << id << " received\n";
  scheduler_.after(delay, [this, callback] {
    platform_.handling().bank_callback(callback, [](Result<cases::Case> r) { log_refusal("bank", r); });
  });
  return true;
}

std::string demo_responder_id(std::string_view station_code, int k) {
  return std::string(station_code) + "-R" + std::to_string(k);
}

DemoPeople::DemoPeople(Platform& platform, std::uint64_t seed) : platform_(platform), rng_(seed ^ 0xfeedULL) {}

bool DemoPeople::chance(double p) { return std::uniform_real_distribution<>(0, 1)(rng_) < p; }

void DemoPeople::register_responders() {
  static const char* kSurnames[] = {"张", "王", "李", "刘", "陈", "杨", "赵", "黄", "周", "吴"};
  size_t n = 0;
  for (const auto& info : platform_.stations().stations()) {
    for (int k = 1; k <= 2; ++k, ++n) {
      const std::string id = demo_responder_id(info.station.code, k);
      handling::ResponderUpdate u;
      u.name = std::string(kSurnames[n % 10]) + (k == 1 ? "警官" : "辅警");
      u.phone = "1390000" + std::to_string(1000 + n % 9000);
      u.station_code = info.station.code;
      u.on_duty = true;
      // Somewhere within ~1 km of the station building.
      const double dlat = std::uniform_real_distribution<>(-0.008, 0.008)(rng_);
      const double dlon = std::uniform_real_distribution<>(-0.009, 0.009)(rng_);
      u.position = cases::GeoPoint{info.position.lat + dlat, info.position.lon + dlon};
      auto existing = platform_.store().responder(id);
      const bool create = existing && !*existing;
      platform_.handling().update_responder(id, std::move(u), create, [](Result<cases::Responder> r) {
        if (!r) std::cerr << "demo responders: " << r.error().message << "\n";
      });
    }
  }
}

void DemoPeople::run(const std::atomic<bool>& stop) {
  const Millis step = 5000;
  int round = 0;
  while (!stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(step));
    move_responders(step);
    if (++round % 2 == 0) {
      work_tasks();
      close_cases();
    }
  }
}

void DemoPeople::move_responders(Millis step) {
  store::ResponderFilter busy;
  auto all = platform_.store().responders(busy);
  if (!all) return;
  const double speed_mps = platform_.plans().dispatch.speed_kmh / 3.6;
  for (const auto& r : *all) {
    if (r.case_id.empty() || !r.position) continue;
    auto found = platform_.store().get(r.case_id);
    if (!found || !*found) continue;
    const cases::Case& c = **found;
    const cases::Visit* v = cases::current_visit(c.handling);
    if (!v || v->responder_id != r.id) continue;
    auto report = [&](cases::VisitStatus status, std::string note) {
      platform_.handling().visit_report(c.id, handling::VisitReport{r.id, status, std::move(note)},
                                        [](Result<cases::Case> res) { log_refusal("responder", res); });
    };
    switch (v->status) {
      case cases::VisitStatus::kDispatched:
        if (chance(0.05)) report(cases::VisitStatus::kDeclined, "正在处理另一警情 (busy with another call)");
        else if (chance(0.9)) report(cases::VisitStatus::kAcknowledged, "");
        // else: does not see the message; the acknowledgement deadline picks someone else
        break;
      case cases::VisitStatus::kAcknowledged:
        report(cases::VisitStatus::kEnRoute, "");
        break;
      case cases::VisitStatus::kEnRoute: {
        const cases::GeoPoint target = c.handling.location.value_or(*r.position);
        const double left = dispatch::distance_m(*r.position, target);
        const double travel = speed_mps * static_cast<double>(step) / 1000.0;
        handling::ResponderUpdate u;
        if (left <= travel + 30) {
          u.position = target;
          report(cases::VisitStatus::kOnScene, "");
        } else {
          const double f = travel / left;
          u.position = cases::GeoPoint{r.position->lat + (target.lat - r.position->lat) * f,
                                       r.position->lon + (target.lon - r.position->lon) * f};
        }
        platform_.handling().update_responder(r.id, std::move(u), false, [](Result<cases::Responder>) {});
        break;
      }
      case cases::VisitStatus::kOnScene:
        if (chance(0.3)) {
          cases::EventRequest e;
          e.kind = cases::EventRequest::Kind::kAttempt;
          e.attempt.channel = cases::Channel::kVisit;
          e.attempt.result = pick<std::string>(rng_, {{"met", 65}, {"refused", 12}, {"not_home", 18}, {"not_found", 5}});
          e.attempt.note = "模拟上门劝阻 (simulated door visit)";
          platform_.service().record(c.id, e, r.id, [](Result<cases::Case> res) { log_refusal("responder", res); });
        }
        break;
      default:
        break;
    }
  }
}

void DemoPeople::work_tasks() {
  auto tasks = platform_.store().open_tasks(std::nullopt, 20);
  if (!tasks) return;
  for (const auto& c : *tasks) {
    if (!chance(0.6)) continue;
    cases::EventRequest e;
    e.kind = cases::EventRequest::Kind::kAttempt;
    e.attempt.channel = cases::Channel::kManualCall;
    e.attempt.result = pick<std::string>(rng_, {{"answered", 50}, {"hung_up", 15}, {"unreachable", 12},
                                                {"no_answer", 12}, {"refused", 6}, {"wrong_person", 5}});
    e.attempt.note = "模拟民警回拨 (simulated operator)";
    platform_.service().record(c.id, e, "demo-operator@" + (c.station ? c.station->code : "centre"),
                               [](Result<cases::Case> r) { log_refusal("operator", r); });
  }
}

void DemoPeople::close_cases() {
  store::Filter busy;
  busy.status = cases::Status::kInProgress;
  auto page = platform_.store().list(busy, std::nullopt, 30);
  if (!page) return;
  for (const auto& c : page->cases) {
    const auto& h = c.handling;
    const std::string who = "demo-operator@" + (c.station ? c.station->code : "centre");
    if (h.stop_payment_proposed && h.stop_payments.empty()) {
      // The plan proposes a stop-payment: the station asks the bank for it.
      auto whole = platform_.store().get(c.id);
      std::string account;
      std::string bank = "中国工商银行";
      if (whole && *whole) {
        boost::system::error_code ec;
        auto raw = json::parse((*whole)->instruction_raw, ec);
        if (!ec && raw.is_object()) {
          if (const auto* funds = raw.as_object().if_contains("funds"); funds && funds->is_object()) {
            if (const auto* acc = funds->as_object().if_contains("victim_account"); acc && acc->is_object()) {
              if (const auto* n = acc->as_object().if_contains("number"); n && n->is_string()) account = std::string(n->as_string());
              if (const auto* b = acc->as_object().if_contains("bank"); b && b->is_string()) bank = std::string(b->as_string());
            }
          }
        }
      }
      if (account.empty()) account = "6222" + std::to_string(100000000000000ULL + rng_() % 899999999999999ULL);
      handling::StopPaymentRequest sp;
      sp.account = account;
      sp.bank = bank;
      sp.reason = "当事人拒绝劝阻，资金面临风险 (refused to listen; money at risk)";
      platform_.handling().stop_payment(c.id, sp, who, [](Result<cases::Case> r) { log_refusal("operator", r); });
      continue;
    }
    // Someone was reached: the operator writes down how it ended.
    const bool reached = h.sla.first_contact_at.has_value();
    if (!reached || cases::current_visit(h) || !chance(0.4)) continue;
    cases::EventRequest e;
    e.kind = cases::EventRequest::Kind::kOutcome;
    const double roll = std::uniform_real_distribution<>(0, 1)(rng_);
    if (roll < 0.6) {
      e.outcome.outcome = cases::Outcome::kDissuaded;
      e.outcome.amount_protected = c.at_risk > 0 ? c.at_risk : static_cast<instruction::Fen>(rng_() % 2000 + 1) * 100;
    } else if (roll < 0.85) {
      e.outcome.outcome = cases::Outcome::kWarned;
    } else if (roll < 0.95) {
      e.outcome.outcome = cases::Outcome::kAlreadyDefrauded;
    } else {
      e.outcome.outcome = cases::Outcome::kNotFraud;
    }
    platform_.service().record(c.id, e, who, [](Result<cases::Case> r) { log_refusal("operator", r); });
  }
}

}  // namespace quanzu::app
