#include "app/platform.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <boost/asio/signal_set.hpp>

namespace quanzu::app {

Result<geo::StationDirectory> load_stations(const Config& config) {
  const std::string path =
      config.districts_file.empty() ? default_districts_file() : config.districts_file;
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Code::kInvalid, "cannot read districts file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  auto districts = geo::load_districts(text.str());
  if (!districts) return fail(Code::kInvalid, path + ": " + districts.error().message);
  return geo::StationDirectory::synthetic(std::move(*districts), config.stations_per_district);
}

namespace {

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Code::kInvalid, "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<std::unique_ptr<grading::ActiveRules>> load_active_rules(const Config& config) {
  const std::string path = rules_file(config);
  std::error_code ec;
  if (config.rules_file.empty() && !std::filesystem::exists(path, ec)) {
    std::filesystem::create_directories(config.data_dir, ec);
    std::filesystem::copy_file(default_rules_file(), path, ec);
    if (ec) {
      return fail(Code::kUnavailable, "cannot create " + path + " from " + default_rules_file() +
                                          ": " + ec.message());
    }
  }
  auto text = read_file(path);
  if (!text) return tl::unexpected(text.error());
  auto rules = grading::load_rules(*text, path);
  if (!rules) return fail(Code::kInvalid, "rules file refused:\n" + rules.error().message);
  return std::make_unique<grading::ActiveRules>(std::move(*rules), *text, path);
}

Result<std::string> save_and_activate_rules(grading::ActiveRules& rules, const std::string& path,
                                            const std::string& text) {
  auto checked = grading::load_rules(text, path);
  if (!checked) return tl::unexpected(checked.error());
  const std::string temp = path + ".new";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return fail(Code::kUnavailable, "cannot write " + temp);
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return fail(Code::kUnavailable, "cannot replace " + path + ": " + ec.message());
  auto active = rules.replace(text, path);
  if (!active) return tl::unexpected(active.error());
  return (*active)->version;
}

Result<std::string> Platform::reload_rules() {
  const std::string path = rules_file(config_);
  auto text = read_file(path);
  if (!text) return tl::unexpected(text.error());
  auto active = rules_->replace(*text, path);
  if (!active) return tl::unexpected(active.error());
  return (*active)->version;
}

Result<std::unique_ptr<store::sqlite::SqliteStore>> open_store(const Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return fail(Code::kUnavailable, "cannot create data directory " + config.data_dir + ": " + ec.message());
  store::sqlite::Options options;
  options.path = (std::filesystem::path(config.data_dir) / "quanzu.sqlite").string();
  return store::sqlite::SqliteStore::open(options);
}

Result<std::unique_ptr<Platform>> Platform::start(const Config& config) {
  std::unique_ptr<Platform> p(new Platform());
  p->config_ = config;
  auto stations = load_stations(config);
  if (!stations) return tl::unexpected(stations.error());
  p->stations_ = std::move(*stations);
  auto rules = load_active_rules(config);
  if (!rules) return tl::unexpected(rules.error());
  p->rules_ = std::move(*rules);
  auto store = open_store(config);
  if (!store) return tl::unexpected(store.error());
  p->store_ = std::move(*store);
  p->service_ = std::make_unique<cases::CaseService>(*p->store_, p->stations_, *p->rules_, p->clock_,
                                                     config.utc_offset_minutes);
  p->stream_ = std::make_unique<api::LiveStream>(*p->store_, config.utc_offset_minutes);
  p->store_->set_change_listener(
      [stream = p->stream_.get()](const std::vector<store::Change>& changes) {
        stream->publish(changes);
      });
  api::ApiOptions options;
  options.utc_offset_minutes = config.utc_offset_minutes;
  options.limits.max_items = config.max_batch_items;
  p->api_ = std::make_unique<api::Api>(*p->service_, *p->store_, p->stations_, *p->stream_,
                                       p->clock_, options);
  p->api_->set_rules(p->rules_.get(), [rules = p->rules_.get(), path = rules_file(config)](
                                          const std::string& text) {
    return save_and_activate_rules(*rules, path, text);
  });
  api::ServerOptions server_options;
  server_options.body_limit = config.body_limit_bytes;
  p->server_ = std::make_unique<api::HttpServer>(
      p->io_,
      [api = p->api_.get()](api::Request&& request, std::shared_ptr<api::Exchange> exchange) {
        api->handle(std::move(request), std::move(exchange));
      },
      server_options);
  p->api_->set_server(p->server_.get());
  auto endpoint = p->server_->listen(config.listen_address, config.listen_port);
  if (!endpoint) return tl::unexpected(endpoint.error());
  p->endpoint_ = *endpoint;
  p->schedule_heartbeat();
  for (int i = 0; i < config.threads; ++i) {
    p->threads_.emplace_back([io = &p->io_] { io->run(); });
  }
  return p;
}

Platform::~Platform() {
  if (server_) server_->stop();
  io_.stop();
  for (auto& t : threads_) t.join();
  // The store goes first, while the io_context it posts answers to and the live stream it
  // publishes to still exist: its destructor writes what is still queued.
  store_.reset();
}

std::string Platform::url() const {
  std::string host = endpoint_.address().to_string();
  if (endpoint_.address().is_v6()) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(endpoint_.port());
}

void Platform::schedule_heartbeat() {
  if (!heartbeat_) heartbeat_ = std::make_unique<boost::asio::steady_timer>(io_);
  heartbeat_->expires_after(std::chrono::seconds(15));
  heartbeat_->async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    stream_->heartbeat();
    schedule_heartbeat();
  });
}

void Platform::run_until_signal() {
  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM, SIGHUP);
  int received = 0;
  std::function<void(boost::system::error_code, int)> on_signal =
      [&](boost::system::error_code ec, int signal) {
        if (ec) return;
        if (signal != SIGHUP) {
          received = signal;
          return;
        }
        auto reloaded = reload_rules();
        if (reloaded) std::cerr << "quanzu: SIGHUP: rules " << *reloaded << " in force\n";
        else std::cerr << "quanzu: SIGHUP: rules file refused, the previous rules stay:\n" << reloaded.error().message << "\n";
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);
  signals_io.run();
  std::cerr << "quanzu: signal " << received << ", stopping\n";
  server_->stop();
  // Answers that wait for a commit go out before the workers stop.
  for (int i = 0; i < 50 && api_->metrics().ingest_in_flight.load() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace quanzu::app
