// Parse and validate the upstream feed: one JSON object, a JSON array of objects, or NDJSON
// (one object per line). Pure: no I/O, no clock. Safe to call from several threads.
//
// Body-level problems (not JSON at all, too many items, too deep) fail the whole call;
// item-level problems reject only that item, naming each field and why, so the valid
// items of a mixed batch can still be stored.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "instruction/instruction.h"

namespace quanzu::instruction {

struct Limits {
  size_t max_items = 10000;         // per body; over it -> Code::kTooLarge
  size_t max_item_bytes = 65536;    // one instruction's JSON text
  size_t max_depth = 16;            // nesting of arrays/objects inside one item
  size_t max_indicators = 64;
  size_t max_string_bytes = 2048;   // any string not listed below
};

enum class Format { kAuto, kJson, kNdjson };

// One input item, in input order.
struct ParsedItem {
  // The item's "id" when it could be read (a string), even if the item is rejected;
  // empty otherwise.
  std::string id;
  // The instruction, or Code::kInvalid with one FieldError per problem found.
  Result<Instruction> instruction;
};

// kAuto: a body whose first value is followed by more values on later lines is NDJSON.
// Fails with kInvalid (message says where) when the body is not JSON / not NDJSON of
// objects, with kTooLarge when it holds more than limits.max_items items.
// In NDJSON a line that is not JSON rejects only its item ("line N: invalid JSON: ..."),
// unless no line is JSON. An item over max_item_bytes or nested deeper than max_depth, a
// duplicate key anywhere, or an array element that is not an object rejects that item; a
// body nested deeper than max(max_depth + 1, 128) levels fails as a whole (kInvalid).
Result<std::vector<ParsedItem>> parse_batch(std::string_view body, Format format = Format::kAuto,
                                            const Limits& limits = {});

// Validates one JSON object text as an instruction (raw = the text without surrounding
// whitespace). Fails with kTooLarge over limits.max_item_bytes, with kInvalid and no field
// errors when the text is not one JSON value, and with kInvalid and field errors otherwise.
Result<Instruction> parse_instruction(std::string_view object_text, const Limits& limits = {});

}  // namespace quanzu::instruction
