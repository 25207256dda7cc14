#include "app/config.h"

#include <unistd.h>

#include <filesystem>
#include <set>

#include <toml++/toml.h>

#include "base/time.h"
#include "instruction/instruction.h"

namespace quanzu::app {
namespace {

std::string where(const std::string& path, const toml::source_region& src) {
  return path + ":" + std::to_string(src.begin.line);
}

}  // namespace

Result<bool> parse_listen(const std::string& text, Config& into) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return fail(Code::kInvalid, "listen: \"" + text + "\" must be ADDRESS:PORT, e.g. 127.0.0.1:8080");
  }
  std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535) {
    return fail(Code::kInvalid, "listen: port \"" + port + "\" must be a number from 0 to 65535");
  }
  std::string address = text.substr(0, colon);
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  into.listen_address = address;
  into.listen_port = static_cast<std::uint16_t>(std::stoul(port));
  return true;
}

Result<bool> load_config_file(const std::string& path, Config& into) {
  // toml++ from Debian is built with exceptions; they stop here.
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& err) {
    if (err.source().begin.line == 0) {
      return fail(Code::kInvalid, "cannot read config file " + path + ": " + std::string(err.description()));
    }
    return fail(Code::kInvalid, where(path, err.source()) + ": " + std::string(err.description()));
  }
  std::vector<std::string> errors;
  static const std::map<std::string, std::set<std::string>> kKnown{
      {"server", {"listen", "threads", "body_limit_bytes", "max_batch_items", "tls_cert", "tls_key",
                  "tls_min_version", "rate_limit_per_second", "rate_limit_burst",
                  "max_connections_per_address"}},
      {"store", {"data_dir", "key_file"}},
      {"jurisdictions", {"districts", "stations", "cells", "stations_per_district", "synthetic_stations"}},
      {"handoff", {"webhook_url", "secret_file"}},
      {"bank", {"webhook_url", "secret_file"}},
      {"grading", {"rules"}},
      {"handling", {"plans"}},
      {"sms", {"smsc", "system_id", "password_file", "system_type", "source_addr", "window",
               "max_per_second", "template", "templates"}},
      {"voice", {"trunk", "transport", "local_ip", "caller_id", "username", "password_file",
                 "max_calls", "ring_timeout", "ask_acknowledge", "recording", "templates"}},
      {"time", {"utc_offset_minutes"}},
      {"auth", {"audit_log", "cookie_secure", "idle_timeout_minutes", "session_max_hours",
                "max_failed_logins", "lock_minutes"}},
      {"demo", {"rate_per_minute", "seed", "malformed", "simulate_handling"}},
      {"console", {"dir"}},
  };
  for (const auto& [key, node] : root) {
    auto section = kKnown.find(std::string(key.str()));
    if (section == kKnown.end() || !node.is_table()) {
      errors.push_back(where(path, node.source()) + ": unknown section [" + std::string(key.str()) +
                       "]; known: server, store, jurisdictions, grading, handling, handoff, bank, sms, voice, time, demo");
      continue;
    }
    for (const auto& [sub, value] : *node.as_table()) {
      if (!section->second.count(std::string(sub.str()))) {
        errors.push_back(where(path, value.source()) + ": unknown key " + section->first + "." +
                         std::string(sub.str()));
      }
    }
  }
  auto integer = [&](const char* section, const char* key, auto& out, std::int64_t lo,
                     std::int64_t hi) {
    const toml::node* node = root.at_path(std::string(section) + "." + key).node();
    if (!node) return;
    auto v = node->value<std::int64_t>();
    if (!node->is_integer() || !v || *v < lo || *v > hi) {
      errors.push_back(where(path, node->source()) + ": " + section + "." + key +
                       " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
      return;
    }
    out = static_cast<std::remove_reference_t<decltype(out)>>(*v);
  };
  auto string = [&](const char* section, const char* key, std::string& out) {
    const toml::node* node = root.at_path(std::string(section) + "." + key).node();
    if (!node) return;
    if (!node->is_string()) {
      errors.push_back(where(path, node->source()) + ": " + section + "." + key + " must be a string");
      return;
    }
    out = *node->value<std::string>();
  };
  auto boolean = [&](const char* section, const char* key, bool& out) {
    const toml::node* node = root.at_path(std::string(section) + "." + key).node();
    if (!node) return;
    if (!node->is_boolean()) {
      errors.push_back(where(path, node->source()) + ": " + section + "." + key + " must be true or false");
      return;
    }
    out = *node->value<bool>();
  };
  std::string listen;
  string("server", "listen", listen);
  if (!listen.empty()) {
    if (auto r = parse_listen(listen, into); !r) errors.push_back(path + ": server." + r.error().message);
  }
  integer("server", "threads", into.threads, 1, 64);
  integer("server", "body_limit_bytes", into.body_limit_bytes, 1024, 1LL << 30);
  integer("server", "max_batch_items", into.max_batch_items, 1, 1000000);
  string("server", "tls_cert", into.tls_cert);
  string("server", "tls_key", into.tls_key);
  if (into.tls_cert.empty() != into.tls_key.empty()) {
    errors.push_back(path + ": server.tls_cert and server.tls_key go together (HTTPS needs both)");
  }
  if (const toml::node* node = root.at_path("server.tls_min_version").node()) {
    auto v = node->value<std::string>();
    if (!node->is_string() || (*v != "1.2" && *v != "1.3")) {
      errors.push_back(where(path, node->source()) + ": server.tls_min_version must be \"1.2\" or \"1.3\"");
    } else {
      into.tls_min_version = *v;
    }
  }
  integer("server", "rate_limit_per_second", into.rate_limit_per_second, 0, 1000000);
  integer("server", "rate_limit_burst", into.rate_limit_burst, 1, 10000000);
  integer("server", "max_connections_per_address", into.max_connections_per_address, 1, 4096);
  string("store", "data_dir", into.data_dir);
  string("console", "dir", into.console_dir);
  string("store", "key_file", into.store_key_file);
  string("jurisdictions", "districts", into.districts_file);
  string("grading", "rules", into.rules_file);
  string("jurisdictions", "stations", into.stations_file);
  string("jurisdictions", "cells", into.cells_file);
  boolean("jurisdictions", "synthetic_stations", into.synthetic_stations);
  string("handoff", "webhook_url", into.handoff_webhook_url);
  string("handoff", "secret_file", into.handoff_secret_file);
  string("handling", "plans", into.plans_file);
  string("sms", "smsc", into.sms_smsc);
  string("sms", "system_id", into.sms_system_id);
  string("sms", "password_file", into.sms_password_file);
  string("sms", "system_type", into.sms_system_type);
  string("sms", "source_addr", into.sms_source_addr);
  integer("sms", "window", into.sms_window, 1, 1000);
  integer("sms", "max_per_second", into.sms_max_per_second, 0, 10000);
  string("sms", "template", into.sms_template);
  // Message texts per scam type: [sms.templates] and [voice.templates].
  auto templates = [&](const char* section, std::map<std::string, std::string>& out) {
    const toml::node* node = root.at_path(std::string(section) + ".templates").node();
    if (!node) return;
    const toml::table* table = node->as_table();
    if (!table) {
      errors.push_back(where(path, node->source()) + ": " + section + ".templates must be a table [" + section + ".templates]");
      return;
    }
    for (const auto& [key, value] : *table) {
      const std::string k(key.str());
      if (k != "default" && !instruction::parse_scam_type(k)) {
        errors.push_back(where(path, value.source()) + ": " + section + ".templates." + k +
                         ": not a scam type of the feed (or \"default\")");
      } else if (!value.is_string() || value.value<std::string>()->empty()) {
        errors.push_back(where(path, value.source()) + ": " + section + ".templates." + k + " must be a non-empty string");
      } else {
        out[k] = *value.value<std::string>();
      }
    }
  };
  templates("sms", into.sms_templates);
  templates("voice", into.voice_templates);
  string("voice", "trunk", into.voice_trunk);
  string("voice", "transport", into.voice_transport);
  if (into.voice_transport != "udp" && into.voice_transport != "tcp") {
    errors.push_back(path + ": voice.transport must be \"udp\" or \"tcp\"");
  }
  string("voice", "local_ip", into.voice_local_ip);
  string("voice", "caller_id", into.voice_caller_id);
  string("voice", "username", into.voice_username);
  string("voice", "password_file", into.voice_password_file);
  integer("voice", "max_calls", into.voice_max_calls, 1, 1000);
  if (const toml::node* node = root.at_path("voice.ring_timeout").node()) {
    auto text = node->value<std::string>();
    auto d = text ? parse_duration(*text) : std::nullopt;
    if (!d || *d < 1000 || *d > 300000) {
      errors.push_back(where(path, node->source()) + ": voice.ring_timeout must be a duration from \"1s\" to \"5m\"");
    } else {
      into.voice_ring_timeout_ms = *d;
    }
  }
  boolean("voice", "ask_acknowledge", into.voice_ask_acknowledge);
  string("voice", "recording", into.voice_recording);
  string("bank", "webhook_url", into.bank_webhook_url);
  string("bank", "secret_file", into.bank_secret_file);
  if (!into.bank_webhook_url.empty() && into.bank_secret_file.empty()) {
    errors.push_back(path + ": bank.webhook_url needs bank.secret_file (the shared HMAC key)");
  }
  if (!into.handoff_webhook_url.empty() && into.handoff_secret_file.empty()) {
    errors.push_back(path + ": handoff.webhook_url needs handoff.secret_file (the shared HMAC key)");
  }
  integer("jurisdictions", "stations_per_district", into.stations_per_district, 1, 50);
  integer("time", "utc_offset_minutes", into.utc_offset_minutes, -720, 840);
  string("auth", "audit_log", into.audit_log);
  boolean("auth", "cookie_secure", into.cookie_secure);
  integer("auth", "idle_timeout_minutes", into.idle_timeout_minutes, 1, 24 * 60);
  integer("auth", "session_max_hours", into.session_max_hours, 1, 24 * 30);
  integer("auth", "max_failed_logins", into.max_failed_logins, 1, 100);
  integer("auth", "lock_minutes", into.lock_minutes, 1, 24 * 60);
  if (const toml::node* node = root.at_path("demo.rate_per_minute").node()) {
    auto v = node->value<double>();
    if (!v || *v <= 0 || *v > 100000) {
      errors.push_back(where(path, node->source()) + ": demo.rate_per_minute must be a number from 0 to 100000");
    } else {
      into.demo_rate_per_minute = *v;
    }
  }
  integer("demo", "seed", into.demo_seed, 0, INT64_MAX);
  boolean("demo", "malformed", into.demo_malformed);
  boolean("demo", "simulate_handling", into.demo_simulate_handling);
  if (!errors.empty()) {
    std::string message;
    for (const auto& e : errors) message += (message.empty() ? "" : "\n") + e;
    return fail(Code::kInvalid, message);
  }
  return true;
}

namespace {

std::string shipped_file(const char* name, const char* source_subdir) {
  namespace fs = std::filesystem;
  if (const char* dir = std::getenv("QUANZU_SHARE_DIR")) return (fs::path(dir) / name).string();
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = exe.parent_path().parent_path() / "share" / "quanzu" / name;
    if (fs::exists(installed)) return installed.string();
  }
  return (fs::path(QUANZU_SOURCE_DIR) / source_subdir / name).string();
}

}  // namespace

std::string default_districts_file() { return shipped_file("chongqing-districts.geojson", "data"); }

std::string default_stations_file() { return shipped_file("chongqing-stations.geojson", "data"); }

std::string default_cells_file() { return shipped_file("chongqing-cells.csv", "data"); }

std::string default_rules_file() { return shipped_file("rules.toml", "config"); }

std::string default_plans_file() { return shipped_file("plans.toml", "config"); }

std::string audit_log_file(const Config& config) {
  if (!config.audit_log.empty()) return config.audit_log;
  return (std::filesystem::path(config.data_dir) / "audit.jsonl").string();
}

std::string default_console_dir() { return shipped_file("web", ""); }

std::string rules_file(const Config& config) {
  if (!config.rules_file.empty()) return config.rules_file;
  return (std::filesystem::path(config.data_dir) / "rules.toml").string();
}

}  // namespace quanzu::app
