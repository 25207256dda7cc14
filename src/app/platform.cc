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
  auto store = open_store(config);
  if (!store) return tl::unexpected(store.error());
  p->store_ = std::move(*store);
  p->service_ = std::make_unique<cases::CaseService>(*p->store_, p->stations_, p->clock_);
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
  // The store is destroyed after the threads: its destructor writes what is still queued.
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
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  int received = 0;
  signals.async_wait([&](boost::system::error_code, int signal) { received = signal; });
  signals_io.run();
  std::cerr << "quanzu: signal " << received << ", stopping\n";
  server_->stop();
  // Answers that wait for a commit go out before the workers stop.
  for (int i = 0; i < 50 && api_->metrics().ingest_in_flight.load() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace quanzu::app
