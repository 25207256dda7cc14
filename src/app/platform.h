// The running platform: store, jurisdictions, case service, API and HTTP server, wired
// together. The only place (with main) that names concrete adapters.
#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "api/api.h"
#include "api/console.h"
#include "api/http_server.h"
#include "api/live_stream.h"
#include "app/config.h"
#include "auth/audit_log.h"
#include "auth/users/login_policy.h"
#include "auth/users/session.h"
#include "auth/users/sqlite_user_store.h"
#include "base/clock.h"
#include "channels/dispatcher.h"
#include "channels/sms/smpp_channel.h"
#include "channels/voice/voice_channel.h"
#include "cases/service.h"
#include "geo/jurisdictions.h"
#include "geo/router.h"
#include "geo/station_areas.h"
#include "grading/active_rules.h"
#include "handling/handling_service.h"
#include "handling/timer_worker.h"
#include "stoppay/documents.h"
#include "store/sqlite/sqlite_store.h"

namespace quanzu::app {

// The whole content of a file, or kInvalid naming it.
Result<std::string> read_file(const std::string& path);

// Loads the districts file and makes the deployment's stations: from the station areas file,
// whose areas go to `areas_out` when given, or synthetic ones.
Result<geo::StationDirectory> load_stations(const Config& config,
                                            std::vector<geo::StationArea>* areas_out = nullptr);

// What the router looks points and cells up in, and the data that backs it.
struct LoadedLookups {
  geo::Lookups lookups;
  std::shared_ptr<void> data;  // keeps the indexes alive as long as the lookups
};
// `areas`: the station areas load_stations() read (none: districts and cells only).
Result<LoadedLookups> load_lookups(const Config& config, const geo::StationDirectory& stations,
                                   std::vector<geo::StationArea> areas);

// The grading rules in force: rules_file(config), created from the shipped defaults when
// it is the data directory's and does not exist yet.
Result<std::unique_ptr<grading::ActiveRules>> load_active_rules(const Config& config);

// Validates `text` as rules, writes it to `path` atomically (temp file + rename) and makes it
// current. A bad text changes nothing.
Result<std::string> save_and_activate_rules(grading::ActiveRules& rules, const std::string& path,
                                            const std::string& text);

// Opens the embedded store in config.data_dir (created when missing).
Result<std::unique_ptr<store::sqlite::SqliteStore>> open_store(const Config& config);

// The action plans in force: config.plans_file, else the shipped config/plans.toml.
Result<cases::Plans> load_plans(const Config& config);

class Platform;

// How `start` may be varied: the demo puts a simulated phone network behind "sms" and
// "robocall" and a simulated bank behind "bank". Without it they go to the log (or the bank's
// webhook when configured) and no result comes back by itself.
struct StartOptions {
  // Returns the adapter for "sms", "robocall" or "bank", or nullptr for the default.
  std::function<std::unique_ptr<channels::Channel>(Platform& platform, const std::string& channel)>
      make_channel;
};

class Platform {
 public:
  // Opens everything and starts listening; fails with a message fit for one log line.
  static Result<std::unique_ptr<Platform>> start(const Config& config, StartOptions options = {});
  ~Platform();

  const boost::asio::ip::tcp::endpoint& endpoint() const { return endpoint_; }
  std::string url() const;
  cases::CaseService& service() { return *service_; }
  handling::HandlingService& handling() { return *handling_; }
  const cases::Plans& plans() const { return plans_; }
  store::CaseStore& store() { return *store_; }
  auth::UserStore& users() { return *users_; }
  const geo::StationDirectory& stations() const { return stations_; }
  const Clock& clock() const { return clock_; }
  grading::ActiveRules& rules() { return *rules_; }
  // Re-reads the rules file (as on SIGHUP); the old rules stay if the file is bad.
  Result<std::string> reload_rules();

  // Serves until SIGINT or SIGTERM (SIGHUP reloads the rules file), then stops accepting, lets in-flight writes finish
  // (at most a few seconds) and returns.
  void run_until_signal();

 private:
  Platform() = default;
  void schedule_heartbeat();

  Config config_;
  SystemClock clock_;
  geo::StationDirectory stations_;
  std::unique_ptr<grading::ActiveRules> rules_;
  LoadedLookups lookups_;
  std::unique_ptr<geo::Router> router_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  cases::Plans plans_;
  std::unique_ptr<cases::CaseService> service_;
  std::unique_ptr<stoppay::FileDocumentStore> documents_;
  std::unique_ptr<handling::HandlingService> handling_;
  std::unique_ptr<channels::Channel> sms_channel_, robocall_channel_, bank_channel_;
  channels::voice::VoiceChannel* voice_ = nullptr;  // robocall_channel_, when it is SIP
  channels::SmppChannel* smpp_ = nullptr;           // sms_channel_, when it is SMPP
  std::unique_ptr<handling::TimerWorker> timer_worker_;
  std::unique_ptr<api::LiveStream> stream_;
  std::unique_ptr<channels::Channel> handoff_channel_;
  std::unique_ptr<channels::Dispatcher> dispatcher_;
  // Declared before the Api, whose login threads use them, so they outlive it.
  std::unique_ptr<auth::SqliteUserStore> users_;
  std::unique_ptr<auth::LoginPolicy> login_;
  std::unique_ptr<auth::SessionManager> sessions_;
  std::unique_ptr<auth::AuditLog> audit_;
  std::unique_ptr<api::Api> api_;
  std::unique_ptr<api::Console> console_;  // null when the console folder is missing
  boost::asio::io_context io_;
  std::unique_ptr<api::HttpServer> server_;
  std::unique_ptr<boost::asio::steady_timer> heartbeat_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::vector<std::thread> threads_;
};

}  // namespace quanzu::app
