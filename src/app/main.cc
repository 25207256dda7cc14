// quanzu: the command line. serve, demo, ingest; --help everywhere.
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "app/audit_command.h"
#include "app/config.h"
#include "app/demo.h"
#include "app/ingest_command.h"
#include "app/platform.h"
#include "app/rules_command.h"
#include "app/store_command.h"
#include "app/user_command.h"
#include "base/clock.h"

namespace {

using quanzu::app::Config;

constexpr const char* kUsage =
    "quanzu — anti-fraud early-warning and dissuasion platform (预警劝阻平台)\n"
    "\n"
    "usage: quanzu COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  serve          run the platform (HTTP API) on the embedded store\n"
    "  demo           serve with a simulated upstream feed and simulated operators\n"
    "  ingest FILE    load a JSON or NDJSON file of instructions into a data directory\n"
    "  rules check FILE | rules whatif DRAFT\n"
    "                 validate a grading rules file; show what a draft would change\n"
    "  user add|disable|enable|reset|list\n"
    "                 people's logins (passwords read from standard input)\n"
    "  token create|revoke|list\n"
    "                 API tokens for machine clients (scopes ingest, read, bank_callback)\n"
    "  store keygen FILE | store rekey\n"
    "                 keys of encryption at rest; re-encrypt the store with the current key\n"
    "  audit verify FILE | audit export FILE\n"
    "                 check the audit log's hash chain; export its entries for auditors\n"
    "  version        print the version\n"
    "\n"
    "Run 'quanzu COMMAND --help' for a command's options.\n";

constexpr const char* kServeUsage =
    "usage: quanzu serve [--config FILE] [--listen ADDRESS:PORT] [--data DIR] [--districts FILE]\n"
    "\n"
    "Runs the HTTP API (/api/v1/...) on the embedded SQLite store in DIR/quanzu.sqlite.\n"
    "Prints 'listening on http://ADDRESS:PORT' once it accepts connections (https:// when\n"
    "the config's [server] tls_cert and tls_key are set: then it speaks only HTTPS).\n"
    "\n"
    "  --config FILE         TOML settings (see config/quanzu.example.toml); flags override it\n"
    "  --listen A:P          address and port (default 127.0.0.1:8080; port 0 picks a free one)\n"
    "  --data DIR            data directory (default ./quanzu-data)\n"
    "  --districts FILE      district GeoJSON (default: the Chongqing file shipped with quanzu)\n"
    "  --threads N           HTTP worker threads (default 2)\n"
    "  --rate-limit N        requests a second per client address (default 200; 0: no limit)\n";

constexpr const char* kDemoUsage =
    "usage: quanzu demo [--config FILE] [--listen ADDRESS:PORT] [--data DIR] [--rate N]\n"
    "                   [--seed N] [--no-malformed] [--no-handling]\n"
    "\n"
    "Runs the platform with a simulated upstream feed of warning instructions across\n"
    "Chongqing's 38 districts and simulated station operators, and prints the URLs.\n"
    "\n"
    "  --rate N              mean instructions per minute (default 30; day/night rhythm, bursts)\n"
    "  --seed N              make the feed repeatable\n"
    "  --no-malformed        do not send the occasional broken instruction\n"
    "  --no-handling         do not simulate operators recording calls and outcomes\n"
    "  (and every option of 'quanzu serve')\n";

constexpr const char* kIngestUsage =
    "usage: quanzu ingest FILE [--data DIR] [--format json|ndjson] [--batch N] [--config FILE]\n"
    "\n"
    "Loads instructions from FILE ('-' for standard input: a JSON object, a JSON array or\n"
    "NDJSON) into the store of DIR, as the API would: replays answer 'duplicate', invalid items\n"
    "are reported with the field at fault. Shows a progress bar on a terminal.\n"
    "Exit status: 0 all stored, 2 some items rejected (the others stored), 1 failure.\n";

constexpr const char* kRulesUsage =
    "usage: quanzu rules check FILE\n"
    "       quanzu rules whatif DRAFT [--since 30d] [--until TIME] [--sample N] [--data DIR]\n"
    "                                 [--config FILE]\n"
    "\n"
    "check:  validates a grading rules file (TOML) and lists its rules, or prints every\n"
    "        problem as FILE:LINE: message. Exit status 0 good, 1 refused.\n"
    "whatif: re-grades the instructions stored in DIR (created since --since: an RFC 3339\n"
    "        time or a duration back from now) with DRAFT and prints how many cases would\n"
    "        change level, between which levels, each station's high+extreme workload, and\n"
    "        a sample of changed cases with both explanations. Changes nothing.\n"
    "The rules in force live in DIR/rules.toml (or [grading] rules in the config file);\n"
    "edit it and send SIGHUP to the server, or POST it to /api/v1/rules.\n";

constexpr const char* kAuditUsage =
    "usage: quanzu audit verify FILE [--anchor SEQ:HASH]\n"
    "       quanzu audit export FILE [--since TIME] [--until TIME] [--format jsonl|csv]\n"
    "\n"
    "verify: checks every line of the hash-chained audit log and names each changed, deleted,\n"
    "        reordered or malformed entry as FILE:LINE. A tail cut off the file cannot be seen\n"
    "        from the file alone: give --anchor with the chain_last_seq:chain_last_hash of an\n"
    "        earlier export. Exit status 0 intact, 1 tampered, 2 unreadable.\n"
    "export: writes the entries with --since <= time < --until (RFC 3339 or a duration back\n"
    "        from now, like 30d) as JSON lines exactly as stored, or CSV, then a last line with\n"
    "        the chain's last seq and hash for the auditor to keep as the next anchor.\n"
    "        Exit status 0 done, 1 done but the log fails verification, 2 failure.\n";

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // "--data" -> "DIR"; flags -> ""
};

// Options that take a value; everything else starting with "--" is a flag.
bool takes_value(const std::string& name) {
  static const std::vector<std::string> kWithValue{"--config", "--listen", "--data", "--districts",
                                                   "--threads", "--rate", "--seed", "--format",
                                                   "--batch", "--since", "--until", "--sample",
                                                   "--anchor", "--rate-limit"};
  for (const auto& n : kWithValue) {
    if (n == name) return true;
  }
  return false;
}

bool parse_args(int argc, char** argv, int first, Args& args, std::string& error) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h") a = "--help";
    if (a.starts_with("--") && a.size() > 2) {
      std::string value;
      size_t eq = a.find('=');
      if (eq != std::string::npos) {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
      } else if (takes_value(a)) {
        if (i + 1 >= argc) {
          error = a + " needs a value";
          return false;
        }
        value = argv[++i];
      }
      args.options[a] = value;
    } else {
      args.positional.push_back(a);
    }
  }
  return true;
}

bool apply_common(const Args& args, Config& config, std::string& error) {
  if (auto it = args.options.find("--config"); it != args.options.end()) {
    if (auto r = quanzu::app::load_config_file(it->second, config); !r) {
      error = r.error().message;
      return false;
    }
  }
  if (auto it = args.options.find("--listen"); it != args.options.end()) {
    if (auto r = quanzu::app::parse_listen(it->second, config); !r) {
      error = r.error().message;
      return false;
    }
  }
  if (auto it = args.options.find("--data"); it != args.options.end()) config.data_dir = it->second;
  if (auto it = args.options.find("--districts"); it != args.options.end()) config.districts_file = it->second;
  if (auto it = args.options.find("--threads"); it != args.options.end()) {
    try {
      config.threads = std::stoi(it->second);
    } catch (...) {
      config.threads = 0;
    }
    if (config.threads < 1 || config.threads > 64) {
      error = "--threads must be an integer from 1 to 64";
      return false;
    }
  }
  if (auto it = args.options.find("--rate-limit"); it != args.options.end()) {
    const std::string& v = it->second;
    if (v.empty() || v.size() > 7 || v.find_first_not_of("0123456789") != std::string::npos) {
      error = "--rate-limit must be an integer from 0 (no limit) to 1000000";
      return false;
    }
    config.rate_limit_per_second = std::stoi(v);
  }
  return true;
}

bool check_known(const Args& args, const std::vector<std::string>& known, std::string& error) {
  for (const auto& [name, value] : args.options) {
    bool ok = false;
    for (const auto& k : known) ok = ok || k == name;
    if (!ok) {
      error = "unknown option " + name;
      return false;
    }
  }
  return true;
}

int usage_error(const std::string& command, const std::string& error, const char* usage) {
  std::cerr << "quanzu " << command << ": " << error << "\n\n" << usage;
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 64;
  }
  const std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (command == "version" || command == "--version") {
    std::cout << "quanzu " << QUANZU_VERSION << "\n";
    return 0;
  }
  if (command == "store") {
    return quanzu::app::run_store_command({argv + 2, argv + argc}, std::cout, std::cerr);
  }
  if (command == "user" || command == "token") {
    quanzu::SystemClock clock;
    quanzu::app::UserCommandEnv env{std::cin, std::cout, std::cerr, clock};
    env.terminal = isatty(STDIN_FILENO) != 0;
    const std::vector<std::string> rest(argv + 2, argv + argc);
    return command == "user" ? quanzu::app::run_user_command(rest, env)
                             : quanzu::app::run_token_command(rest, env);
  }
  Args args;
  std::string error;
  const char* usage = command == "serve" ? kServeUsage
                      : command == "demo" ? kDemoUsage
                      : command == "ingest" ? kIngestUsage
                      : command == "rules"  ? kRulesUsage
                      : command == "audit"  ? kAuditUsage
                                            : nullptr;
  if (!usage) {
    std::cerr << "quanzu: unknown command '" << command << "'\n\n" << kUsage;
    return 64;
  }
  if (!parse_args(argc, argv, 2, args, error)) return usage_error(command, error, usage);
  if (args.options.count("--help")) {
    std::cout << usage;
    return 0;
  }
  Config config;
  const std::vector<std::string> common{"--config", "--listen", "--data", "--districts", "--threads",
                                        "--rate-limit"};

  if (command == "serve") {
    if (!check_known(args, common, error) || !args.positional.empty()) {
      return usage_error(command, error.empty() ? "unexpected argument " + args.positional[0] : error, usage);
    }
    if (!apply_common(args, config, error)) return usage_error(command, error, usage);
    auto platform = quanzu::app::Platform::start(config);
    if (!platform) {
      std::cerr << "quanzu serve: " << platform.error().message << "\n";
      return 1;
    }
    std::cout << "listening on " << (*platform)->url() << std::endl;
    (*platform)->run_until_signal();
    return 0;
  }

  if (command == "demo") {
    auto known = common;
    known.insert(known.end(), {"--rate", "--seed", "--no-malformed", "--no-handling"});
    if (!check_known(args, known, error) || !args.positional.empty()) {
      return usage_error(command, error.empty() ? "unexpected argument " + args.positional[0] : error, usage);
    }
    if (!apply_common(args, config, error)) return usage_error(command, error, usage);
    try {
      if (auto it = args.options.find("--rate"); it != args.options.end()) {
        config.demo_rate_per_minute = std::stod(it->second);
        if (!(config.demo_rate_per_minute > 0 && config.demo_rate_per_minute <= 100000)) throw 1;
      }
    } catch (...) {
      return usage_error(command, "--rate must be a number of instructions per minute, 0 < N <= 100000", usage);
    }
    try {
      if (auto it = args.options.find("--seed"); it != args.options.end()) config.demo_seed = std::stoull(it->second);
    } catch (...) {
      return usage_error(command, "--seed must be a non-negative integer", usage);
    }
    if (args.options.count("--no-malformed")) config.demo_malformed = false;
    if (args.options.count("--no-handling")) config.demo_simulate_handling = false;
    return quanzu::app::run_demo(config);
  }

  if (command == "rules") {
    const std::string verb = args.positional.empty() ? "" : args.positional[0];
    if (verb == "check") {
      if (!check_known(args, {}, error)) return usage_error(command, error, usage);
      if (args.positional.size() != 2) return usage_error(command, "give exactly one FILE", usage);
      return quanzu::app::run_rules_check(args.positional[1]);
    }
    if (verb == "whatif") {
      if (!check_known(args, {"--config", "--data", "--since", "--until", "--sample"}, error)) {
        return usage_error(command, error, usage);
      }
      if (args.positional.size() != 2) return usage_error(command, "give exactly one DRAFT file", usage);
      if (!apply_common(args, config, error)) return usage_error(command, error, usage);
      quanzu::app::WhatIfOptions options;
      options.draft = args.positional[1];
      if (auto it = args.options.find("--since"); it != args.options.end()) options.since = it->second;
      if (auto it = args.options.find("--until"); it != args.options.end()) options.until = it->second;
      if (auto it = args.options.find("--sample"); it != args.options.end()) {
        try {
          options.sample = std::stoul(it->second);
        } catch (...) {
          return usage_error(command, "--sample must be a non-negative integer", usage);
        }
      }
      return quanzu::app::run_rules_whatif(config, options);
    }
    return usage_error(command, "say 'check' or 'whatif'", usage);
  }

  if (command == "audit") {
    const std::string verb = args.positional.empty() ? "" : args.positional[0];
    if (verb != "verify" && verb != "export")
      return usage_error(command, "say 'verify' or 'export'", usage);
    if (args.positional.size() != 2) return usage_error(command, "give exactly one FILE", usage);
    auto option = [&](const char* name) {
      auto it = args.options.find(name);
      return it == args.options.end() ? std::string() : it->second;
    };
    if (verb == "verify") {
      if (!check_known(args, {"--anchor"}, error)) return usage_error(command, error, usage);
      return quanzu::app::run_audit_verify(args.positional[1], option("--anchor"), std::cout,
                                           std::cerr);
    }
    if (!check_known(args, {"--since", "--until", "--format"}, error))
      return usage_error(command, error, usage);
    quanzu::app::AuditExportOptions options{
        args.positional[1], option("--since"), option("--until"),
        args.options.count("--format") ? option("--format") : "jsonl"};
    return quanzu::app::run_audit_export(options, std::cout, std::cerr);
  }

  // ingest
  if (!check_known(args, {"--config", "--data", "--districts", "--format", "--batch"}, error)) {
    return usage_error(command, error, usage);
  }
  if (args.positional.size() != 1) return usage_error(command, "give exactly one FILE", usage);
  if (!apply_common(args, config, error)) return usage_error(command, error, usage);
  quanzu::app::IngestOptions options;
  options.file = args.positional[0];
  if (auto it = args.options.find("--format"); it != args.options.end()) {
    if (it->second != "json" && it->second != "ndjson") {
      return usage_error(command, "--format must be json or ndjson", usage);
    }
    options.format = it->second;
  }
  if (auto it = args.options.find("--batch"); it != args.options.end()) {
    try {
      options.batch = std::stoul(it->second);
    } catch (...) {
      options.batch = 0;
    }
    if (options.batch < 1 || options.batch > 100000) {
      return usage_error(command, "--batch must be an integer from 1 to 100000", usage);
    }
  }
  return quanzu::app::run_ingest(config, options);
}
