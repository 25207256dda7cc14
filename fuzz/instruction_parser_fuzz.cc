// Feeds arbitrary bytes to the instruction parser in every body format. Beyond "no crash,
// no sanitizer report", it checks the parser's own promises: accepted items carry their
// exact input bytes and parse again on their own, rejected items say why, and the item
// count respects the limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "instruction/parser.h"

namespace {

using quanzu::instruction::Format;
using quanzu::instruction::Limits;

void check(std::string_view body,
           const quanzu::Result<std::vector<quanzu::instruction::ParsedItem>>& r,
           const Limits& limits) {
  if (!r.has_value()) {
    if (r.error().message.empty()) std::abort();
    return;
  }
  if (r->size() > limits.max_items) std::abort();
  for (const auto& item : *r) {
    if (item.instruction.has_value()) {
      const std::string& raw = item.instruction->raw;
      // raw is a substring of the body, and the id was read from it.
      if (raw.empty() || body.find(raw) == std::string_view::npos) std::abort();
      if (item.id != item.instruction->id) std::abort();
      // An accepted item stands on its own.
      auto again = quanzu::instruction::parse_instruction(raw, limits);
      if (!again.has_value() || again->raw != raw) std::abort();
    } else if (item.instruction.error().fields.empty()) {
      std::abort();
    }
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name is libFuzzer's.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  Limits small;
  small.max_items = 8;
  small.max_depth = 6;
  small.max_indicators = 4;
  small.max_item_bytes = 4096;
  for (const Limits& limits : {Limits{}, small}) {
    check(body, quanzu::instruction::parse_batch(body, Format::kAuto, limits), limits);
    check(body, quanzu::instruction::parse_batch(body, Format::kNdjson, limits), limits);
  }
  check(body, quanzu::instruction::parse_batch(body, Format::kJson), Limits{});
  auto one = quanzu::instruction::parse_instruction(body);
  if (!one.has_value() && one.error().message.empty()) std::abort();
  return 0;
}
