#include "app/platform.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <boost/asio/signal_set.hpp>
#include <boost/json.hpp>

#include "channels/log/log_channel.h"
#include "channels/webhook/webhook_channel.h"
#include "geo/cell_sites.h"
#include "geo/coords.h"
#include "geo/spatial_index.h"
#include "geo/station_areas.h"
#include "geo/validate.h"

namespace quanzu::app {

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Code::kInvalid, "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

namespace {

std::string stations_path(const Config& config) {
  return config.stations_file.empty() ? default_stations_file() : config.stations_file;
}

std::string cells_path(const Config& config) {
  return config.cells_file.empty() ? default_cells_file() : config.cells_file;
}

// What the router's lookups hold on to.
struct LookupData {
  geo::SpatialIndex stations;
  geo::SpatialIndex districts;
  geo::CellSites cells;
  bool have_stations = false;
};

// Refuses data with errors; reports warnings in a line or two (and the first few whole).
Result<bool> check_areas(const geo::SpatialIndex& index, const std::string& what) {
  const geo::Validation v = geo::validate_areas(index);
  if (!v.ok()) {
    std::string message = what + ": " + std::to_string(v.errors.size()) + " error(s) in the jurisdiction data:";
    for (size_t i = 0; i < v.errors.size() && i < 20; ++i) message += "\n  " + v.errors[i].message;
    return fail(Code::kInvalid, message);
  }
  if (!v.warnings.empty()) {
    std::cerr << "quanzu: " << what << ": " << v.warnings.size()
              << " warning(s) in the jurisdiction data (used as they are), e.g.:\n";
    for (size_t i = 0; i < v.warnings.size() && i < 3; ++i) std::cerr << "  " << v.warnings[i].message << "\n";
  }
  return true;
}

}  // namespace

Result<geo::StationDirectory> load_stations(const Config& config,
                                            std::vector<geo::StationArea>* areas_out) {
  const std::string path =
      config.districts_file.empty() ? default_districts_file() : config.districts_file;
  auto text = read_file(path);
  if (!text) return tl::unexpected(text.error());
  auto districts = geo::load_districts(*text);
  if (!districts) return fail(Code::kInvalid, path + ": " + districts.error().message);
  const std::string areas_path = stations_path(config);
  if (config.synthetic_stations || (config.stations_file.empty() && !std::filesystem::exists(areas_path))) {
    return geo::StationDirectory::synthetic(std::move(*districts), config.stations_per_district);
  }
  auto areas_text = read_file(areas_path);
  if (!areas_text) return tl::unexpected(areas_text.error());
  auto areas = geo::load_station_areas(*areas_text);
  if (!areas) return fail(Code::kInvalid, areas_path + ": " + areas.error().message);
  std::vector<geo::StationInfo> stations;
  for (const auto& a : *areas) {
    stations.push_back({cases::Station{a.code, a.name, a.district_adcode}, a.station_point});
  }
  if (areas_out) *areas_out = std::move(*areas);
  return geo::StationDirectory(std::move(*districts), std::move(stations));
}

Result<LoadedLookups> load_lookups(const Config& config, const geo::StationDirectory& directory,
                                   std::vector<geo::StationArea> areas) {
  auto data = std::make_shared<LookupData>();
  data->districts = geo::SpatialIndex(geo::areas_from_districts(directory.districts()));
  if (auto ok = check_areas(data->districts, "districts"); !ok) return tl::unexpected(ok.error());
  if (!areas.empty()) {
    std::vector<geo::Area> index_areas;
    for (auto& a : areas) index_areas.push_back({a.code, a.name, std::move(a.polygons)});
    data->stations = geo::SpatialIndex(std::move(index_areas));
    data->have_stations = true;
    if (auto ok = check_areas(data->stations, stations_path(config)); !ok) return tl::unexpected(ok.error());
  }
  const std::string cells = cells_path(config);
  if (std::filesystem::exists(cells)) {
    auto text = read_file(cells);
    if (!text) return tl::unexpected(text.error());
    auto parsed = geo::CellSites::parse(*text, cells);
    if (!parsed) return fail(Code::kInvalid, parsed.error().message);
    data->cells = std::move(*parsed);
  } else if (!config.cells_file.empty()) {
    return fail(Code::kInvalid, "cannot read cell-site table " + cells);
  }
  LoadedLookups out;
  const LookupData* d = data.get();
  if (d->have_stations) {
    out.lookups.station_at = [d, &directory](geo::Point p) -> const geo::StationInfo* {
      const geo::Area* a = d->stations.locate(p);
      return a ? directory.station(a->code) : nullptr;
    };
  }
  out.lookups.district_at = [d, &directory](geo::Point p) -> const geo::District* {
    const geo::Area* a = d->districts.locate(p);
    return a ? directory.district(a->code) : nullptr;
  };
  out.lookups.cell_at = [d](std::string_view id) -> std::optional<geo::Point> {
    auto site = d->cells.find(id);
    if (!site) return std::nullopt;
    return site->crs == instruction::Crs::kWgs84 ? geo::wgs84_to_gcj02(site->point) : site->point;
  };
  out.data = std::move(data);
  return out;
}

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
  if (!config.store_key_file.empty()) {
    auto cipher = store::crypt::Cipher::load(config.store_key_file);
    if (!cipher) return fail(Code::kInvalid, "store.key_file: " + cipher.error().message);
    options.cipher = std::move(*cipher);
  }
  return store::sqlite::SqliteStore::open(options);
}

Result<cases::Plans> load_plans(const Config& config) {
  const std::string path = config.plans_file.empty() ? default_plans_file() : config.plans_file;
  auto text = read_file(path);
  if (!text) return tl::unexpected(text.error());
  return cases::load_plans(*text, path);
}

namespace {

// A secret (an HMAC key, a password) from a file, without the trailing newline editors add;
// refused when shorter than `min_bytes`.
Result<std::string> read_secret(const std::string& path, const char* what, size_t min_bytes = 16) {
  auto secret = read_file(path);
  if (!secret) return fail(Code::kInvalid, std::string(what) + ": " + secret.error().message);
  while (!secret->empty() && (secret->back() == '\n' || secret->back() == '\r')) secret->pop_back();
  if (secret->size() < min_bytes) {
    return fail(Code::kInvalid, std::string(what) + ": the key in " + path + " is shorter than " +
                                    std::to_string(min_bytes) + " bytes");
  }
  return secret;
}

// "ref" of an SMS or robocall message (cases/escalation.cc writes it).
std::string ref_of(const std::string& payload) {
  boost::system::error_code ec;
  auto v = boost::json::parse(payload, ec);
  if (ec || !v.is_object()) return {};
  const auto* ref = v.as_object().if_contains("ref");
  return ref && ref->is_string() ? std::string(ref->as_string()) : std::string();
}

}  // namespace

Result<std::unique_ptr<Platform>> Platform::start(const Config& config, StartOptions start_options) {
  std::unique_ptr<Platform> p(new Platform());
  p->config_ = config;
  auto plans = load_plans(config);
  if (!plans) return tl::unexpected(plans.error());
  p->plans_ = std::move(*plans);
  std::vector<geo::StationArea> areas;
  auto stations = load_stations(config, &areas);
  if (!stations) return tl::unexpected(stations.error());
  p->stations_ = std::move(*stations);
  auto rules = load_active_rules(config);
  if (!rules) return tl::unexpected(rules.error());
  p->rules_ = std::move(*rules);
  auto store = open_store(config);
  if (!store) return tl::unexpected(store.error());
  p->store_ = std::move(*store);
  // The console draws the jurisdictions the router uses, simplified to ~300 m.
  const std::filesystem::path console_dir = config.console_dir.empty() ? default_console_dir() : config.console_dir;
  if (std::filesystem::is_directory(console_dir / "app")) {
    p->console_ = std::make_unique<api::Console>(
        console_dir, api::jurisdictions_geojson(p->stations_.districts(), areas, 0.003));
  } else {
    std::cerr << "quanzu: no web console at " << console_dir.string() << " (set [console] dir)\n";
  }
  auto lookups = load_lookups(config, p->stations_, std::move(areas));
  if (!lookups) return tl::unexpected(lookups.error());
  p->lookups_ = std::move(*lookups);
  p->router_ = std::make_unique<geo::Router>(p->stations_, p->lookups_.lookups);
  p->service_ = std::make_unique<cases::CaseService>(*p->store_, *p->router_, *p->rules_, p->plans_,
                                                     p->clock_, config.utc_offset_minutes);
  p->documents_ = std::make_unique<stoppay::FileDocumentStore>(std::filesystem::path(config.data_dir) / "documents");
  p->handling_ = std::make_unique<handling::HandlingService>(*p->store_, p->plans_, p->stations_,
                                                             *p->documents_, p->clock_);
  p->stream_ = std::make_unique<api::LiveStream>(*p->store_, config.utc_offset_minutes);
  if (!config.handoff_webhook_url.empty()) {
    auto secret = read_secret(config.handoff_secret_file, "handoff.secret_file");
    if (!secret) return tl::unexpected(secret.error());
    auto webhook = channels::WebhookChannel::create({config.handoff_webhook_url, *secret}, p->clock_);
    if (!webhook) return fail(Code::kInvalid, "handoff: " + webhook.error().message);
    p->handoff_channel_ = std::move(*webhook);
  } else {
    p->handoff_channel_ = std::make_unique<channels::LogChannel>(std::cerr, "hand-off (log channel)");
  }
  std::string bank_secret;
  if (!config.bank_secret_file.empty()) {
    auto secret = read_secret(config.bank_secret_file, "bank.secret_file");
    if (!secret) return tl::unexpected(secret.error());
    bank_secret = *secret;
  }
  if (start_options.make_channel) p->bank_channel_ = start_options.make_channel(*p, "bank");
  if (!p->bank_channel_ && !config.bank_webhook_url.empty()) {
    auto webhook = channels::WebhookChannel::create({config.bank_webhook_url, bank_secret}, p->clock_);
    if (!webhook) return fail(Code::kInvalid, "bank: " + webhook.error().message);
    p->bank_channel_ = std::move(*webhook);
  } else if (!p->bank_channel_) {
    p->bank_channel_ = std::make_unique<channels::LogChannel>(std::cerr, "stop-payment to bank (log channel)");
  }
  if (start_options.make_channel) {
    p->sms_channel_ = start_options.make_channel(*p, "sms");
    p->robocall_channel_ = start_options.make_channel(*p, "robocall");
  }
  if (!p->sms_channel_ && !config.sms_smsc.empty()) {
    channels::SmppOptions sms;
    const size_t colon = config.sms_smsc.rfind(':');
    sms.host = config.sms_smsc.substr(0, colon);
    if (colon != std::string::npos) {
      const int port = std::atoi(config.sms_smsc.c_str() + colon + 1);
      if (port <= 0 || port > 65535) return fail(Code::kInvalid, "sms.smsc: \"" + config.sms_smsc + "\" is not host:port");
      sms.port = static_cast<std::uint16_t>(port);
    }
    sms.system_id = config.sms_system_id;
    if (!config.sms_password_file.empty()) {
      auto password = read_secret(config.sms_password_file, "sms.password_file", 0);
      if (!password) return tl::unexpected(password.error());
      sms.password = *password;
    }
    sms.system_type = config.sms_system_type;
    sms.source_addr = config.sms_source_addr;
    sms.window = config.sms_window;
    sms.max_per_second = config.sms_max_per_second;
    if (!config.sms_template.empty()) sms.templates.default_template = config.sms_template;
    for (const auto& [scam, text] : config.sms_templates) {
      if (scam == "default") sms.templates.default_template = text;
      else sms.templates.by_scam_type[scam] = text;
    }
    auto created = channels::SmppChannel::create(
        std::move(sms), [handling = p->handling_.get()](const std::string& ref, const std::string& result,
                                                        std::optional<std::int64_t> seconds) {
          // A repeated receipt is refused by the case (409): nothing to do.
          handling->attempt_result(ref, result, seconds, [](Result<cases::Case>) {});
        });
    if (!created) return fail(Code::kInvalid, "sms: " + created.error().message);
    p->smpp_ = created->get();
    p->sms_channel_ = std::move(*created);
  }
  if (!p->robocall_channel_ && !config.voice_trunk.empty()) {
    channels::voice::VoiceOptions voice;
    voice.trunk = config.voice_trunk;
    voice.transport = config.voice_transport == "tcp" ? channels::voice::SipTransport::kTcp
                                                       : channels::voice::SipTransport::kUdp;
    voice.local_ip = config.voice_local_ip;
    voice.caller_id = config.voice_caller_id;
    voice.username = config.voice_username;
    if (!config.voice_password_file.empty()) {
      auto password = read_secret(config.voice_password_file, "voice.password_file", 0);
      if (!password) return tl::unexpected(password.error());
      voice.password = *password;
    }
    voice.max_calls = config.voice_max_calls;
    voice.ring_timeout = std::chrono::milliseconds(config.voice_ring_timeout_ms);
    voice.ask_acknowledge = config.voice_ask_acknowledge;
    if (!config.voice_recording.empty()) voice.recordings["default"] = config.voice_recording;
    voice.templates = config.voice_templates;
    auto created = channels::voice::VoiceChannel::create(
        std::move(voice), [handling = p->handling_.get()](const std::string& ref, const std::string& result,
                                                          std::optional<std::int64_t> seconds) {
          // A repeated report of one call is refused by the case (409): nothing to do.
          handling->attempt_result(ref, result, seconds, [](Result<cases::Case>) {});
        });
    if (!created) return fail(Code::kInvalid, "voice: " + created.error().message);
    p->voice_ = created->get();
    p->voice_->on_call_end([](const channels::voice::CallRecord& call) {
      std::cerr << "quanzu: robocall " << call.ref << ": " << call.result
                << (call.result == "answered" ? " (" + std::to_string(call.seconds) + " s)" : "")
                << (call.acknowledged ? ", acknowledged (pressed 1)" : "")
                << (call.detail.empty() ? "" : ", " + call.detail) << "\n";
    });
    p->robocall_channel_ = std::move(*created);
  }
  if (!p->sms_channel_) p->sms_channel_ = std::make_unique<channels::LogChannel>(std::cerr, "sms (log channel)");
  if (!p->robocall_channel_) p->robocall_channel_ = std::make_unique<channels::LogChannel>(std::cerr, "robocall (log channel)");
  p->dispatcher_ = std::make_unique<channels::Dispatcher>(
      *p->store_,
      std::map<std::string, channels::Channel*>{{"handoff", p->handoff_channel_.get()},
                                                {"sms", p->sms_channel_.get()},
                                                {"robocall", p->robocall_channel_.get()},
                                                {"bank", p->bank_channel_.get()}},
      p->clock_);
  p->dispatcher_->set_on_delivered([handling = p->handling_.get()](const store::OutboxEntry& entry) {
    if (entry.channel != "sms" && entry.channel != "robocall") return;
    if (std::string ref = ref_of(entry.payload); !ref.empty()) handling->attempt_placed(ref, [](Result<cases::Case>) {});
  });
  p->dispatcher_->start();
  p->timer_worker_ = std::make_unique<handling::TimerWorker>(*p->handling_);
  p->store_->set_change_listener(
      [stream = p->stream_.get()](const std::vector<store::Change>& changes) {
        stream->publish(changes);
      });
  api::ApiOptions options;
  options.utc_offset_minutes = config.utc_offset_minutes;
  options.limits.max_items = config.max_batch_items;
  p->api_ = std::make_unique<api::Api>(*p->service_, *p->store_, p->stations_, *p->stream_,
                                       p->clock_, options);
  p->api_->set_handling(p->handling_.get(), p->documents_.get(), bank_secret);
  {
    auto users = auth::SqliteUserStore::open((std::filesystem::path(config.data_dir) / "quanzu.sqlite").string());
    if (!users) return fail(users.error().code, "user store: " + users.error().message);
    p->users_ = std::move(*users);
    auth::LoginOptions login;
    login.max_failures = config.max_failed_logins;
    login.lock_for = Millis{config.lock_minutes} * 60'000;
    p->login_ = std::make_unique<auth::LoginPolicy>(*p->users_, p->clock_, login);
    auth::SessionOptions sessions;
    sessions.idle_timeout = Millis{config.idle_timeout_minutes} * 60'000;
    sessions.max_age = Millis{config.session_max_hours} * 3'600'000;
    p->sessions_ = std::make_unique<auth::SessionManager>(*p->users_, p->clock_, sessions);
    auto audit = auth::AuditLog::open(audit_log_file(config));
    if (!audit) return fail(audit.error().code, "[auth] audit_log: " + audit.error().message);
    p->audit_ = std::move(*audit);
    // Sessions idle past the time-out are only refused by the check; drop old rows at start.
    (void)p->users_->delete_sessions_idle_since(p->clock_.now() - sessions.idle_timeout);
    api::AccessSetup access;
    access.users = p->users_.get();
    access.login = p->login_.get();
    access.sessions = p->sessions_.get();
    access.audit = p->audit_.get();
    access.cookie_secure = config.cookie_secure;
    p->api_->set_access(access);
  }
  p->api_->set_extra_health([voice = p->voice_, smpp = p->smpp_] {
    boost::json::object channels;
    if (smpp) {
      const auto s = smpp->health();
      channels["sms"] = boost::json::object{{"up", s.link == channels::SmppLinkState::kBound},
                                            {"link", channels::link_state_name(s.link)},
                                            {"queue", s.queue_depth},
                                            {"last_error", s.last_error}};
    }
    if (voice) {
      const auto h = voice->health();
      channels["robocall"] = boost::json::object{{"up", h.running}, {"calls_in_progress", h.in_progress}};
    }
    return channels;
  });
  p->api_->set_extra_metrics([voice = p->voice_, smpp = p->smpp_] {
    std::string out;
    if (smpp) {
      const auto s = smpp->health();
      out += "# HELP quanzu_sms_link_up Whether the SMPP link to the SMSC is bound.\n# TYPE quanzu_sms_link_up gauge\n"
             "quanzu_sms_link_up " + std::to_string(s.link == channels::SmppLinkState::kBound ? 1 : 0) + "\n"
             "# HELP quanzu_sms_queue SMS parts waiting, and submits awaiting the SMSC's answer.\n# TYPE quanzu_sms_queue gauge\n"
             "quanzu_sms_queue{state=\"waiting\"} " + std::to_string(s.queue_depth) + "\n"
             "quanzu_sms_queue{state=\"in_window\"} " + std::to_string(s.window_in_use) + "\n"
             "# HELP quanzu_sms_total SMS parts submitted, refused, receipts, failures, binds, link losses.\n"
             "# TYPE quanzu_sms_total counter\n";
      for (const auto& [name, n] : {std::pair<const char*, std::int64_t>{"submitted", static_cast<std::int64_t>(s.submitted)},
                                    {"rejected", static_cast<std::int64_t>(s.rejected)},
                                    {"receipts", static_cast<std::int64_t>(s.receipts)},
                                    {"failures", static_cast<std::int64_t>(s.failures)},
                                    {"binds", static_cast<std::int64_t>(s.binds)},
                                    {"link_failures", static_cast<std::int64_t>(s.link_failures)}}) {
        out += std::string("quanzu_sms_total{what=\"") + name + "\"} " + std::to_string(n) + "\n";
      }
    }
    if (!voice) return out;
    const auto h = voice->health();
    out +=
        "# HELP quanzu_voice_up Whether the SIP robocall channel runs.\n# TYPE quanzu_voice_up gauge\n"
        "quanzu_voice_up " + std::to_string(h.running ? 1 : 0) + "\n"
        "# HELP quanzu_voice_calls_in_progress Robocalls ringing or answered now.\n"
        "# TYPE quanzu_voice_calls_in_progress gauge\nquanzu_voice_calls_in_progress " + std::to_string(h.in_progress) + "\n"
        "# HELP quanzu_voice_calls_total Robocalls by result.\n# TYPE quanzu_voice_calls_total counter\n";
    for (const auto& [name, n] : {std::pair<const char*, std::int64_t>{"placed", h.placed}, {"answered", h.answered},
                                  {"busy", h.busy}, {"rejected", h.rejected}, {"no_answer", h.no_answer},
                                  {"unreachable", h.unreachable}, {"acknowledged", h.acknowledged},
                                  {"refused_at_limit", h.refused_at_limit}}) {
      out += std::string("quanzu_voice_calls_total{result=\"") + name + "\"} " + std::to_string(n) + "\n";
    }
    return out;
  });
  p->api_->set_rules(p->rules_.get(), [rules = p->rules_.get(), path = rules_file(config)](
                                          const std::string& text) {
    return save_and_activate_rules(*rules, path, text);
  });
  api::ServerOptions server_options;
  server_options.body_limit = config.body_limit_bytes;
  server_options.rate_limit = {static_cast<double>(config.rate_limit_per_second),
                               static_cast<double>(config.rate_limit_burst)};
  server_options.max_connections_per_address =
      static_cast<size_t>(config.max_connections_per_address);
  p->server_ = std::make_unique<api::HttpServer>(
      p->io_,
      [api = p->api_.get(), console = p->console_.get()](api::Request&& request,
                                                          std::shared_ptr<api::Exchange> exchange) {
        if (console && console->handle(request, *exchange)) return;
        api->handle(std::move(request), std::move(exchange));
      },
      server_options, p->clock_);
  if (!config.tls_cert.empty() || !config.tls_key.empty()) {
    api::TlsSettings tls{
        config.tls_cert, config.tls_key,
        config.tls_min_version == "1.3" ? api::TlsVersion::kTls13 : api::TlsVersion::kTls12};
    if (auto r = p->server_->use_tls(tls); !r)
      return fail(Code::kInvalid, "server." + r.error().message);
  }
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
  timer_worker_.reset();
  dispatcher_.reset();
  // Channels report results into the handling service and so the store: they go first.
  voice_ = nullptr;
  smpp_ = nullptr;
  sms_channel_.reset();
  robocall_channel_.reset();
  bank_channel_.reset();
  // The store goes first, while the io_context it posts answers to and the live stream it
  // publishes to still exist: its destructor writes what is still queued.
  store_.reset();
}

std::string Platform::url() const {
  std::string host = endpoint_.address().to_string();
  if (endpoint_.address().is_v6()) host = "[" + host + "]";
  const bool tls = server_ && server_->tls();
  return (tls ? "https://" : "http://") + host + ":" + std::to_string(endpoint_.port());
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
