#include "app/ingest_command.h"

#include <unistd.h>

#include <fstream>
#include <future>
#include <iostream>
#include <sstream>

#include <boost/json.hpp>

#include "app/cli_audit.h"
#include "app/platform.h"
#include "instruction/parser.h"

namespace quanzu::app {
namespace {

void progress(size_t done, size_t total) {
  constexpr int kWidth = 40;
  const int filled = total ? static_cast<int>(kWidth * done / total) : kWidth;
  std::cerr << "\r[" << std::string(static_cast<size_t>(filled), '#')
            << std::string(static_cast<size_t>(kWidth - filled), ' ') << "] " << done << "/" << total
            << std::flush;
}

}  // namespace

int run_ingest(const Config& config, const IngestOptions& options) {
  std::string body;
  if (options.file == "-") {
    std::ostringstream text;
    text << std::cin.rdbuf();
    body = text.str();
  } else {
    std::ifstream in(options.file, std::ios::binary);
    if (!in) {
      std::cerr << "quanzu ingest: cannot read " << options.file << "\n";
      return 1;
    }
    std::ostringstream text;
    text << in.rdbuf();
    body = text.str();
  }
  instruction::Format format = instruction::Format::kAuto;
  if (options.format == "ndjson") format = instruction::Format::kNdjson;
  else if (options.format == "json") format = instruction::Format::kJson;
  instruction::Limits limits;
  limits.max_items = SIZE_MAX;  // a file is not a request: no batch limit
  auto parsed = instruction::parse_batch(body, format, limits);
  if (!parsed) {
    std::cerr << "quanzu ingest: " << options.file << ": " << parsed.error().message << "\n";
    return 1;
  }
  std::vector<geo::StationArea> areas;
  auto stations = load_stations(config, &areas);
  if (!stations) {
    std::cerr << "quanzu ingest: " << stations.error().message << "\n";
    return 1;
  }
  auto store = open_store(config);
  if (!store) {
    std::cerr << "quanzu ingest: " << store.error().message << "\n";
    return 1;
  }
  auto rules = load_active_rules(config);
  if (!rules) {
    std::cerr << "quanzu ingest: " << rules.error().message << "\n";
    return 1;
  }
  SystemClock clock;
  auto lookups = load_lookups(config, *stations, std::move(areas));
  if (!lookups) {
    std::cerr << "quanzu ingest: " << lookups.error().message << "\n";
    return 1;
  }
  geo::Router router(*stations, lookups->lookups);
  auto plans = load_plans(config);
  if (!plans) {
    std::cerr << "quanzu ingest: " << plans.error().message << "\n";
    return 1;
  }
  // Cases stored here start their plans too: a server on this data directory sends their
  // messages and fires their deadlines.
  cases::CaseService service(**store, router, **rules, *plans, clock, config.utc_offset_minutes);

  const bool tty = isatty(STDERR_FILENO);
  const size_t total = parsed->size();
  size_t created = 0, duplicate = 0, rejected = 0, done = 0;
  std::vector<std::string> first_errors;
  std::vector<instruction::Instruction> batch;
  auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    std::promise<Result<std::vector<store::IngestOutcome>>> promise;
    auto future = promise.get_future();
    service.ingest(std::move(batch), [&](Result<std::vector<store::IngestOutcome>> r) {
      promise.set_value(std::move(r));
    });
    batch.clear();
    auto r = future.get();
    if (!r) {
      if (tty) std::cerr << "\n";
      std::cerr << "quanzu ingest: store write failed: " << r.error().message << "\n";
      return false;
    }
    for (const auto& o : *r) ++(o.created ? created : duplicate);
    return true;
  };
  // Who brought these instructions in, from which file: before any is stored.
  {
    size_t valid = 0;
    for (const auto& item : *parsed) valid += item.instruction.has_value();
    auto audited = audit_cli_change(config, clock, "ingest_file", "file:" + options.file,
                                    boost::json::object{{"instructions", valid}, {"items", total}});
    if (!audited) {
      std::cerr << "quanzu ingest: cannot write the audit log, nothing stored: " << audited.error().message << "\n";
      return 1;
    }
  }
  for (size_t i = 0; i < total; ++i) {
    auto& item = (*parsed)[i];
    if (item.instruction) {
      batch.push_back(std::move(*item.instruction));
    } else {
      ++rejected;
      if (first_errors.size() < options.show_errors) {
        std::string line = "  item " + std::to_string(i + 1);
        if (!item.id.empty()) line += " (id " + item.id + ")";
        line += ": ";
        const auto& error = item.instruction.error();
        if (error.fields.empty()) {
          line += error.message;
        } else {
          for (size_t f = 0; f < error.fields.size(); ++f) {
            line += (f ? "; " : "") + (error.fields[f].field.empty() ? "" : error.fields[f].field + ": ") +
                    error.fields[f].message;
          }
        }
        first_errors.push_back(std::move(line));
      }
    }
    ++done;
    if (batch.size() >= options.batch) {
      if (!flush()) return 1;
      if (tty) progress(done, total);
    }
  }
  if (!flush()) return 1;
  if (tty) {
    progress(total, total);
    std::cerr << "\n";
  }
  std::cout << "created " << created << ", duplicate " << duplicate << ", rejected " << rejected
            << " (of " << total << ")\n";
  if (!first_errors.empty()) {
    std::cout << "first errors:\n";
    for (const auto& e : first_errors) std::cout << e << "\n";
  }
  return rejected ? 2 : 0;
}

}  // namespace quanzu::app
