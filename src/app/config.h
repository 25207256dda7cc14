// Settings of `quanzu serve` and `quanzu demo`: defaults, then the TOML file, then flags.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/result.h"

namespace quanzu::app {

struct Config {
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  int threads = 2;                                  // HTTP worker threads
  std::uint64_t body_limit_bytes = 16 * 1024 * 1024;
  std::uint64_t max_batch_items = 10000;
  // HTTPS: both PEM files set, or neither (plain HTTP). tls_cert may hold the chain too.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_min_version = "1.2";  // "1.2" | "1.3"
  // Requests per client address (token bucket; /healthz exempt); 0 disables.
  int rate_limit_per_second = 200;
  int rate_limit_burst = 400;
  int max_connections_per_address = 256;
  std::string data_dir = "./quanzu-data";
  // The web console: a folder with app/ and node_modules/ (npm ci); empty: the web/ folder
  // shipped with quanzu. Served when it exists.
  std::string console_dir;
  // Encryption at rest of personal data in the store: the key file (store/crypt/cipher.h);
  // empty: none.
  std::string store_key_file;
  std::string districts_file;                       // empty: the copy shipped with quanzu
  std::string rules_file;  // empty: DATA_DIR/rules.toml, made from the shipped defaults
  int stations_per_district = 3;                   // only without a station areas file
  std::string stations_file;  // station areas GeoJSON; empty: the shipped Chongqing demo file
  std::string cells_file;     // cell-site table CSV; empty: the shipped demo table
  bool synthetic_stations = false;                  // ignore station areas: N per district
  // Hand-off notices: a signed webhook, or the log when no URL is set.
  std::string handoff_webhook_url;
  std::string handoff_secret_file;
  // Action plans (处置预案); empty: the shipped config/plans.toml.
  std::string plans_file;
  // Stop-payment requests to the bank: a signed webhook, or the log when no URL is set.
  // The bank's answers to POST /api/v1/bank/callback are checked with the same secret.
  std::string bank_webhook_url;
  std::string bank_secret_file;
  // SMS over SMPP 3.4; without an SMSC they go to the log (or the demo's simulation).
  std::string sms_smsc;                 // "host:port"
  std::string sms_system_id;
  std::string sms_password_file;
  std::string sms_system_type;
  std::string sms_source_addr = "96110";
  int sms_window = 10;
  int sms_max_per_second = 20;
  std::string sms_template;             // default text; {station}, {scam}, {phone}
  // [sms.templates] / [voice.templates]: scam type (or "default") -> text.
  std::map<std::string, std::string> sms_templates, voice_templates;
  // Robocalls over SIP; without a trunk they go to the log (or the demo's simulation).
  std::string voice_trunk;              // "host:port"
  std::string voice_transport = "udp";  // udp | tcp
  std::string voice_local_ip;           // the address the trunk sees; empty: the kernel's pick
  std::string voice_caller_id = "96110";
  std::string voice_username;
  std::string voice_password_file;
  int voice_max_calls = 8;
  std::int64_t voice_ring_timeout_ms = 45000;
  bool voice_ask_acknowledge = false;   // "听清楚请按1"
  std::string voice_recording;          // a WAV played instead of the synthesized warning
  int utc_offset_minutes = 480;
  // [auth]: people's sessions and the audit log.
  std::string audit_log;              // empty: DATA_DIR/audit.jsonl
  bool cookie_secure = true;          // false only behind plain HTTP on a trusted network
  int idle_timeout_minutes = 30;
  int session_max_hours = 12;
  int max_failed_logins = 5;          // then the account locks for lock_minutes
  int lock_minutes = 15;
  // demo only
  double demo_rate_per_minute = 30;
  std::uint64_t demo_seed = 0;                      // 0: a new seed each run
  bool demo_malformed = true;                       // a few broken instructions, as in life
  bool demo_simulate_handling = true;               // simulated operators record attempts
};

// Reads a TOML file over `into`. Unknown keys and wrong types are errors naming
// file:line and the key.
Result<bool> load_config_file(const std::string& path, Config& into);

// "127.0.0.1:8080" -> address and port.
Result<bool> parse_listen(const std::string& text, Config& into);

// The shipped districts GeoJSON: $QUANZU_SHARE_DIR, then next to the binary
// (../share/quanzu), then the source tree this binary was built from.
std::string default_districts_file();
std::string default_stations_file();
std::string default_cells_file();
// The shipped default grading rules (rules.toml), found the same way.
std::string default_rules_file();
// The shipped default action plans (plans.toml).
std::string default_plans_file();
// The audit log: config.audit_log, else DATA_DIR/audit.jsonl.
std::string audit_log_file(const Config& config);
// The shipped web console folder (web/), found the same way.
std::string default_console_dir();
// The rules file in force: config.rules_file, else DATA_DIR/rules.toml.
std::string rules_file(const Config& config);

}  // namespace quanzu::app
