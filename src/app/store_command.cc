#include "app/store_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "app/config.h"
#include "store/crypt/cipher.h"
#include "store/sqlite/rekey.h"

namespace quanzu::app {
namespace {

constexpr int kUsageExit = 64;

constexpr const char* kStoreUsage =
    "usage: quanzu store keygen FILE [--id ID] [--index]\n"
    "       quanzu store rekey [--data DIR] [--config FILE] [--key-file FILE] [--batch N]\n"
    "\n"
    "keygen: without FILE present, writes a new key file (mode 600) with an index key and a\n"
    "        data key; with FILE present, appends a new data key, which becomes the current one\n"
    "        (--index: replaces the index key instead; the store then needs a rekey).\n"
    "        Ids default to k1, k2, ... and i1, i2, ...\n"
    "rekey:  with every quanzu using the store stopped, seals every personal value of\n"
    "        DIR/quanzu.sqlite with the current key of the key file ([store] key_file, or\n"
    "        --key-file), recomputes the blind indexes with its index key and compacts the file;\n"
    "        also encrypts a store written without a key file. Afterwards the keys it names as\n"
    "        retired can be removed from the key file. Safe to run again after an interruption.\n"
    "Exit status: 0 done, 1 refused or failed, 64 bad command line.\n";

int usage_error(const std::string& error, std::ostream& err) {
  err << "quanzu store: " << error << "\n\n" << kStoreUsage;
  return kUsageExit;
}

struct Parsed {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
  std::string error;
  std::optional<std::string> one(const std::string& flag) const {
    auto it = options.find(flag);
    if (it == options.end()) return std::nullopt;
    return it->second;
  }
};

// Options that take a value, and flags.
const std::vector<std::string> kWithValue{"--config", "--data", "--key-file", "--batch", "--id"};
const std::vector<std::string> kFlags{"--index", "--help"};

Parsed parse(const std::vector<std::string>& args) {
  Parsed p;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i] == "-h" ? "--help" : args[i];
    if (!a.starts_with("--")) {
      p.positional.push_back(a);
      continue;
    }
    std::string value;
    std::string name = a.substr(0, a.find('='));
    bool with_value = std::find(kWithValue.begin(), kWithValue.end(), name) != kWithValue.end();
    if (!with_value && std::find(kFlags.begin(), kFlags.end(), a) == kFlags.end()) {
      p.error = "unknown option " + a;
      return p;
    }
    if (with_value) {
      if (size_t eq = a.find('='); eq != std::string::npos) {
        value = a.substr(eq + 1);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        p.error = a + " needs a value";
        return p;
      }
    }
    p.options[name] = value;
  }
  return p;
}

// The next free id "<prefix><n>" among the entries of that kind in the key file text.
std::string next_id(const std::string& text, const std::string& kind, const std::string& prefix) {
  int max = 0;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string k, id;
    if (!(words >> k >> id) || k != kind || !id.starts_with(prefix)) continue;
    try {
      max = std::max(max, std::stoi(id.substr(prefix.size())));
    } catch (const std::exception&) {  // not <prefix><number>: not ours to count
    }
  }
  return prefix + std::to_string(max + 1);
}

// Writes `text` to `path` with mode 600, replacing it atomically.
bool write_private(const std::string& path, const std::string& text, std::ostream& err) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    err << "quanzu store keygen: cannot write " << tmp << ": " << std::strerror(errno) << "\n";
    return false;
  }
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    err << "quanzu store keygen: cannot write " << path << ": " << std::strerror(errno) << "\n";
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

int keygen(const Parsed& p, std::ostream& out, std::ostream& err) {
  if (p.positional.size() != 2) return usage_error("keygen needs the key file's name", err);
  const std::string& path = p.positional[1];
  const bool index = p.options.count("--index") != 0;
  auto id = p.one("--id");
  if (id && !store::crypt::valid_key_id(*id)) {
    err << "quanzu store keygen: --id must be 1-32 characters of A-Z a-z 0-9 _ -\n";
    return 1;
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (index) {
      err << "quanzu store keygen: " << path
          << " does not exist; run without --index to create it\n";
      return 1;
    }
    std::string text =
        "# Quanzu store keys ([store] key_file). Keep this file private (mode 600) and back it up\n"
        "# apart from the database: without it the personal data in the store cannot be read.\n"
        "# 'index': the key of the blind indexes (look-ups); 'key': data keys, the last one "
        "seals.\n"
        "index i1 " +
        store::crypt::new_key_base64() + "\n" + "key " + id.value_or("k1") + " " +
        store::crypt::new_key_base64() + "\n";
    if (!write_private(path, text, err)) return 1;
    out << "wrote " << path << " (index key i1, data key " << id.value_or("k1") << ")\n";
    return 0;
  }
  auto current = store::crypt::Cipher::load(path);
  if (!current) {
    err << "quanzu store keygen: " << current.error().message << "\n";
    return 1;
  }
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (!text.empty() && text.back() != '\n') text += '\n';
  if (index) {
    const std::string new_id = id.value_or(next_id(text, "index", "i"));
    std::istringstream lines(text);
    std::string line, kept;
    while (std::getline(lines, line)) {
      std::istringstream words(line);
      std::string kind;
      words >> kind;
      kept += kind == "index" ? "index " + new_id + " " + store::crypt::new_key_base64() : line;
      kept += '\n';
    }
    if (auto check = store::crypt::Cipher::parse(kept, path); !check) {
      err << "quanzu store keygen: " << check.error().message << "\n";
      return 1;
    }
    if (!write_private(path, kept, err)) return 1;
    out << "replaced the index key of " << path << " with " << new_id
        << "; run 'quanzu store rekey' (server stopped) before the next start\n";
    return 0;
  }
  const std::string new_id = id.value_or(next_id(text, "key", "k"));
  text += "key " + new_id + " " + store::crypt::new_key_base64() + "\n";
  if (auto check = store::crypt::Cipher::parse(text, path); !check) {
    err << "quanzu store keygen: " << check.error().message << "\n";
    return 1;
  }
  if (!write_private(path, text, err)) return 1;
  out << "added data key " << new_id << " to " << path
      << "; it seals new values from the next start. Run 'quanzu store rekey' (server stopped) to "
         "re-encrypt the rest, then remove the retired keys\n";
  return 0;
}

int rekey(const Parsed& p, std::ostream& out, std::ostream& err) {
  if (p.positional.size() != 1)
    return usage_error("rekey takes no file name (use --data, --config)", err);
  Config config;
  if (auto file = p.one("--config")) {
    if (auto r = load_config_file(*file, config); !r) {
      err << "quanzu store rekey: " << r.error().message << "\n";
      return 1;
    }
  }
  if (auto dir = p.one("--data")) config.data_dir = *dir;
  if (auto file = p.one("--key-file")) config.store_key_file = *file;
  size_t batch = 1000;
  if (auto b = p.one("--batch")) {
    try {
      batch = static_cast<size_t>(std::stoul(*b));
    } catch (const std::exception&) {
      batch = 0;
    }
    if (batch == 0 || batch > 1000000)
      return usage_error("--batch must be a number of rows from 1 to 1000000", err);
  }
  if (config.store_key_file.empty()) {
    err << "quanzu store rekey: no key file: set [store] key_file in --config FILE, or "
           "--key-file\n";
    return 1;
  }
  auto cipher = store::crypt::Cipher::load(config.store_key_file);
  if (!cipher) {
    err << "quanzu store rekey: " << cipher.error().message << "\n";
    return 1;
  }
  const std::string path = (std::filesystem::path(config.data_dir) / "quanzu.sqlite").string();
  auto report =
      store::sqlite::rekey(path, **cipher, batch, [&](const store::sqlite::RekeyTable& t) {
        err << "  " << t.table << ": " << t.rewritten + t.unchanged << " rows so far\r"
            << std::flush;
      });
  if (!report) {
    err << "\nquanzu store rekey: " << report.error().message << "\n";
    return 1;
  }
  err << "\n";
  out << "store " << path << " (was " << (report->from == "none" ? "not encrypted" : "encrypted")
      << ") is now sealed with key " << (*cipher)->current_key_id()
      << ", blind indexes with index key " << (*cipher)->index_key_id()
      << (report->index_recomputed ? " (recomputed)" : "") << "\n";
  for (const auto& t : report->tables) {
    out << "  " << t.table << ": " << t.rewritten << " rewritten, " << t.unchanged
        << " already current\n";
  }
  if (!report->retired_keys.empty()) {
    out << "keys no stored value needs any more:";
    for (const auto& k : report->retired_keys) out << " " << k;
    out << " (remove them from " << config.store_key_file
        << " once no backup made before now needs them)\n";
  }
  return 0;
}

}  // namespace

int run_store_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Parsed p = parse(args);
  if (!p.error.empty()) return usage_error(p.error, err);
  if (p.options.count("--help")) {
    out << kStoreUsage;
    return 0;
  }
  if (p.positional.empty()) return usage_error("store needs keygen or rekey", err);
  if (p.positional[0] == "keygen") {
    for (const auto& flag : {"--data", "--config", "--key-file", "--batch"}) {
      if (p.options.count(flag))
        return usage_error(std::string(flag) + " does not apply to keygen", err);
    }
    return keygen(p, out, err);
  }
  if (p.positional[0] == "rekey") {
    for (const auto& flag : {"--id", "--index"}) {
      if (p.options.count(flag))
        return usage_error(std::string(flag) + " does not apply to rekey", err);
    }
    return rekey(p, out, err);
  }
  return usage_error("unknown store command " + p.positional[0], err);
}

}  // namespace quanzu::app
