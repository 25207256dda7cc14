// Result<T>: the value, or an Error saying what went wrong and, for bad input, which field.
// Expected failures travel as Result; bugs are asserts; exceptions never cross modules.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace quanzu {

// Kept few on purpose: api/ maps each to exactly one HTTP status.
enum class Code {
  kInvalid,      // bad input; see Error::fields
  kNotFound,     // no such thing
  kConflict,     // illegal transition, or already exists
  kTooLarge,     // over a configured limit
  kUnavailable,  // peer or store down, retry later
  kInternal,     // a failure we cannot explain to the caller
};

const char* code_name(Code code);

struct FieldError {
  std::string field;  // dotted path, e.g. "subject.phone" or "indicators[2].kind"
  std::string message;
};

struct Error {
  Code code = Code::kInternal;
  std::string message;
  std::vector<FieldError> fields;
};

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(Code code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message), {}});
}

inline tl::unexpected<Error> fail_fields(std::vector<FieldError> fields) {
  std::string message = fields.empty() ? "invalid" : fields.front().field + ": " + fields.front().message;
  return tl::unexpected<Error>(Error{Code::kInvalid, std::move(message), std::move(fields)});
}

}  // namespace quanzu
