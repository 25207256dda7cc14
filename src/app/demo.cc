#include "app/demo.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <random>
#include <thread>

#include "app/demo_feed.h"
#include "app/demo_handling.h"
#include "app/demo_logins.h"
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

}  // namespace

int run_demo(const Config& config) {
  const std::uint64_t seed = config.demo_seed ? config.demo_seed : std::random_device{}();
  // Stopped before the platform goes (below), so no simulated report reaches a platform that
  // is stopping; it outlives the platform, whose channels still hold it.
  auto scheduler = std::make_unique<DemoScheduler>();
  StartOptions start;
  if (config.demo_simulate_handling) {
    start.make_channel = [&](Platform& p, const std::string& channel) -> std::unique_ptr<channels::Channel> {
      if (channel == "bank") {
        if (!config.bank_webhook_url.empty()) return nullptr;
        return std::make_unique<SimulatedBank>(p, *scheduler, seed + 7);
      }
      // A configured SMSC or SIP trunk is used for real (scripts/demo-with-peers.sh).
      if (channel == "sms" && !config.sms_smsc.empty()) return nullptr;
      if (channel == "robocall" && !config.voice_trunk.empty()) return nullptr;
      return std::make_unique<SimulatedPhoneNetwork>(p, *scheduler, channel, seed + channel.size());
    };
  }
  auto platform = Platform::start(config, start);
  if (!platform) {
    std::cerr << "quanzu demo: " << platform.error().message << "\n";
    return 1;
  }
  Platform& p = **platform;
  const std::string logins_file = demo_logins_file(config.data_dir);
  auto logins = ensure_demo_logins(p.users(), p.stations(), logins_file, auth::PasswordCost::interactive(),
                                   p.clock().now());
  if (!logins) {
    std::cerr << "quanzu demo: demo logins: " << logins.error().message << "\n";
    return 1;
  }
  std::cout << "Quanzu demo is running: " << p.url() << "/\n"
            << "  console: " << p.url() << "/  (Chinese first; station queue, case detail, responder page for phones, "
               "dashboard, rules)\n"
            << "  cases:   " << p.url() << "/api/v1/cases\n"
            << "  stats:   " << p.url() << "/api/v1/stats\n"
            << "  live:    " << p.url() << "/api/v1/stream\n"
            << "  health:  " << p.url() << "/healthz   metrics: " << p.url() << "/metrics\n"
            << "  store:   " << config.data_dir << "/quanzu.sqlite\n"
            << "  feed:    ~" << config.demo_rate_per_minute << " instructions/minute (day/night rhythm, bursts), seed " << seed << "\n"
            << "  rules:   " << p.rules().current()->version << " from " << p.rules().source_name() << " (edit it, then kill -HUP " << getpid() << ")\n"
            << "  routing: " << p.stations().stations().size() << " stations in " << p.stations().districts().size()
            << " districts; coordinates -> station area, else cell site, else adcode; outside -> hand-off (log channel)\n"
            << "  handling: action plans " << (config.plans_file.empty() ? default_plans_file() : config.plans_file)
            << "; tasks " << p.url() << "/api/v1/tasks, responders " << p.url() << "/api/v1/responders, stop-payments "
            << p.url() << "/api/v1/stop-payments\n"
            << (config.demo_simulate_handling
                    ? "  simulated: phone network (SMS receipts, robocall results), bank, 2 responders per station, station operators\n"
                    : "  simulation off: SMS, robocalls and bank requests go to the log\n")
            << "  logins:  sign in at " << p.url() << "/ (kept in " << logins_file << ")\n"
            << format_demo_logins(*logins, "    ")
            << "Press Ctrl-C to stop." << std::endl;
  std::atomic<bool> stop{false};
  std::thread feed([&] { feed_loop(p, config, seed, stop); });
  std::thread people;
  DemoPeople demo_people(p, seed);
  if (config.demo_simulate_handling) {
    demo_people.register_responders();
    people = std::thread([&] { demo_people.run(stop); });
  }
  p.run_until_signal();
  stop = true;
  feed.join();
  if (people.joinable()) people.join();
  scheduler->stop();
  return 0;
}

}  // namespace quanzu::app
