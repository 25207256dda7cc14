#include "app/demo.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <random>
#include <thread>

#include "app/demo_feed.h"
#include "app/platform.h"
#include "instruction/parser.h"

namespace quanzu::app {
namespace {

using namespace std::chrono_literals;

// Sends the feed into the case service, one batch per second of simulated arrivals.
void feed_loop(Platform& platform, const Config& config, std::uint64_t seed,
               std::atomic<bool>& stop) {
  DemoFeed feed(platform.stations(), seed);
  std::uint64_t sent = 0, rejected = 0;
  auto next_report = std::chrono::steady_clock::now() + 60s;
  while (!stop.load()) {
    const Millis now = platform.clock().now();
    const int n = feed.arrivals(now, 1.0, config.demo_rate_per_minute);
    std::vector<instruction::Instruction> batch;
    for (int i = 0; i < n; ++i) {
      auto parsed = instruction::parse_instruction(feed.next(now, config.demo_malformed));
      if (parsed) {
        batch.push_back(std::move(*parsed));
      } else {
        ++rejected;
        std::cerr << "demo feed: rejected as upstream would be told: "
                  << parsed.error().message << "\n";
      }
    }
    sent += batch.size();
    if (!batch.empty()) {
      platform.service().ingest(std::move(batch), [](Result<std::vector<store::IngestOutcome>> r) {
        if (!r) std::cerr << "demo feed: store refused a batch: " << r.error().message << "\n";
      });
    }
    if (std::chrono::steady_clock::now() >= next_report) {
      std::cerr << "demo feed: " << sent << " instructions sent, " << rejected
                << " rejected so far\n";
      next_report += 60s;
    }
    std::this_thread::sleep_for(1s);
  }
}

// Plays the station operators: calls open cases and closes some with an outcome.
void operators_loop(Platform& platform, std::uint64_t seed, std::atomic<bool>& stop) {
  std::mt19937_64 rng(seed ^ 0x5eedULL);
  auto chance = [&](double p) { return std::uniform_real_distribution<>(0, 1)(rng) < p; };
  const std::vector<std::string> call_results{"answered", "answered", "answered", "hung_up",
                                              "unreachable", "no_answer"};
  while (!stop.load()) {
    std::this_thread::sleep_for(3s);
    store::Filter open;
    open.status = cases::Status::kOpen;
    auto page = platform.store().list(open, std::nullopt, 10);
    if (page) {
      for (const auto& c : page->cases) {
        if (!chance(0.5)) continue;
        cases::EventRequest r;
        r.kind = cases::EventRequest::Kind::kAttempt;
        r.attempt.channel = cases::Channel::kManualCall;
        r.attempt.result = call_results[rng() % call_results.size()];
        r.attempt.note = "模拟民警回拨 (simulated operator)";
        platform.service().record(c.id, r, "demo-operator@" + (c.station ? c.station->code : "centre"),
                                  [](Result<cases::Case>) {});
      }
    }
    store::Filter busy;
    busy.status = cases::Status::kInProgress;
    page = platform.store().list(busy, std::nullopt, 10);
    if (!page) continue;
    for (const auto& c : page->cases) {
      if (!chance(0.3)) continue;
      cases::EventRequest r;
      r.kind = cases::EventRequest::Kind::kOutcome;
      double roll = std::uniform_real_distribution<>(0, 1)(rng);
      if (roll < 0.55) {
        r.outcome.outcome = cases::Outcome::kDissuaded;
        r.outcome.amount_protected = c.at_risk > 0 ? c.at_risk : static_cast<instruction::Fen>(rng() % 2000 + 1) * 100;
      } else if (roll < 0.8) {
        r.outcome.outcome = cases::Outcome::kWarned;
      } else if (roll < 0.9) {
        r.outcome.outcome = cases::Outcome::kAlreadyDefrauded;
      } else if (roll < 0.95) {
        r.outcome.outcome = cases::Outcome::kNotFraud;
      } else {
        r.outcome.outcome = cases::Outcome::kUnreachable;
      }
      platform.service().record(c.id, r, "demo-operator@" + (c.station ? c.station->code : "centre"),
                                [](Result<cases::Case>) {});
    }
  }
}

}  // namespace

int run_demo(const Config& config) {
  auto platform = Platform::start(config);
  if (!platform) {
    std::cerr << "quanzu demo: " << platform.error().message << "\n";
    return 1;
  }
  Platform& p = **platform;
  const std::uint64_t seed = config.demo_seed ? config.demo_seed : std::random_device{}();
  std::cout << "Quanzu demo is running: " << p.url() << "/\n"
            << "  cases:   " << p.url() << "/api/v1/cases\n"
            << "  stats:   " << p.url() << "/api/v1/stats\n"
            << "  live:    " << p.url() << "/api/v1/stream\n"
            << "  health:  " << p.url() << "/healthz   metrics: " << p.url() << "/metrics\n"
            << "  store:   " << config.data_dir << "/quanzu.sqlite\n"
            << "  feed:    ~" << config.demo_rate_per_minute << " instructions/minute (day/night rhythm, bursts), seed " << seed << "\n"
            << "  rules:   " << p.rules().current()->version << " from " << p.rules().source_name() << " (edit it, then kill -HUP " << getpid() << ")\n"
            << "  routing: " << p.stations().stations().size() << " stations in " << p.stations().districts().size()
            << " districts; coordinates -> station area, else cell site, else adcode; outside -> hand-off (log channel)\n"
            << "Provisional behaviour until those capabilities land:\n"
            << "  handling: simulated station operators record calls and outcomes; no SMS or robocalls are sent\n"
            << "Press Ctrl-C to stop." << std::endl;
  std::atomic<bool> stop{false};
  std::thread feed([&] { feed_loop(p, config, seed, stop); });
  std::thread operators;
  if (config.demo_simulate_handling) operators = std::thread([&] { operators_loop(p, seed, stop); });
  p.run_until_signal();
  stop = true;
  feed.join();
  if (operators.joinable()) operators.join();
  return 0;
}

}  // namespace quanzu::app
