#include "instruction/parser.h"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <new>
#include <optional>
#include <string>
#include <utility>

namespace quanzu::instruction {
namespace {

namespace json = boost::json;

// Field size limits fixed by the format (SPEC "Instruction format"); Limits holds the
// operational ones.
constexpr size_t kMaxIdChars = 128;
constexpr size_t kMaxNameBytes = 64;
constexpr size_t kMaxCellIdBytes = 64;
constexpr size_t kMaxAddressBytes = 512;
constexpr double kMaxCny = 1e11;
constexpr int kMaxAge = 130;
// Boost.JSON's parser recurses once per nesting level, so even the body-level syntax check
// needs a bound. Bodies nested deeper than this fail as a whole; items nested deeper than
// Limits::max_depth (but within this) are rejected one by one.
constexpr size_t kMinBodyDepth = 128;
// A rejected item lists at most this many duplicate keys.
constexpr size_t kMaxDuplicateReports = 16;

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s, size_t* leading = nullptr) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && is_ws(s[b])) ++b;
  while (e > b && is_ws(s[e - 1])) --e;
  if (leading != nullptr) *leading = b;
  return s.substr(b, e - b);
}

// "line 3, column 7 (byte 41)" for a byte offset into text; 1-based like editors.
std::string where(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(offset - line_start + 1) +
         " (byte " + std::to_string(offset) + ")";
}

std::string describe(const json::error_code& ec) {
  if (ec == json::error::extra_data) return "unexpected data after the JSON value";
  if (ec == json::error::incomplete) return "unexpected end of input";
  if (ec == json::error::too_deep) return "nesting too deep";
  return ec.message();
}

tl::unexpected<Error> reject(std::string field, std::string message) {
  std::vector<FieldError> fields;
  fields.push_back(FieldError{std::move(field), std::move(message)});
  return fail_fields(std::move(fields));
}

size_t plus_one(size_t n) { return n == std::numeric_limits<size_t>::max() ? n : n + 1; }

size_t body_depth(const Limits& limits) {
  return std::max(plus_one(limits.max_depth), kMinBodyDepth);
}

// Accepts every event: used to check syntax only (whole bodies, and lines of NDJSON).
struct SyntaxHandler {
  static constexpr size_t max_object_size = json::object::max_size();
  static constexpr size_t max_array_size = json::array::max_size();
  static constexpr size_t max_key_size = json::string::max_size();
  static constexpr size_t max_string_size = json::string::max_size();
  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(size_t, json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(size_t, json::error_code&) { return true; }
  bool on_string_part(json::string_view, size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, size_t, json::error_code&) { return true; }
  bool on_key_part(json::string_view, size_t, json::error_code&) { return true; }
  bool on_key(json::string_view, size_t, json::error_code&) { return true; }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return true; }
  bool on_double(double, json::string_view, json::error_code&) { return true; }
  bool on_bool(bool, json::error_code&) { return true; }
  bool on_null(json::error_code&) { return true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

json::parse_options strict_options(size_t max_depth) {
  json::parse_options opt;
  opt.max_depth = max_depth;
  opt.allow_comments = false;
  opt.allow_trailing_commas = false;
  opt.allow_invalid_utf8 = false;
  return opt;
}

struct SyntaxCheck {
  json::error_code ec;
  size_t offset = 0;  // of the error, in the checked text
};

SyntaxCheck check_syntax(std::string_view text, size_t max_depth) {
  json::basic_parser<SyntaxHandler> parser(strict_options(max_depth));
  SyntaxCheck check;
  check.offset = parser.write_some(false, text.data(), text.size(), check.ec);
  // write_some stops after the first value; the DOM parser calls what follows extra data.
  if (!check.ec && check.offset < text.size()) check.ec = json::error::extra_data;
  return check;
}

// Builds a json::value like Boost's own parser does, and also finds what Boost.JSON 1.81
// lets pass: duplicate keys (it keeps the last silently) and nesting beyond the item limit
// (reported with the path of the offending container).
class TreeHandler {
 public:
  static constexpr size_t max_object_size = json::object::max_size();
  static constexpr size_t max_array_size = json::array::max_size();
  static constexpr size_t max_key_size = json::string::max_size();
  static constexpr size_t max_string_size = json::string::max_size();

  explicit TreeHandler(size_t max_depth)
      : max_depth_(max_depth), stack_(json::storage_ptr(), stack_buffer_, sizeof stack_buffer_) {
    frames_.reserve(16);
    key_refs_.reserve(64);
    key_text_.reserve(512);
  }

  // Prepares for a new document whose values are allocated from `storage`.
  void start(json::storage_ptr storage) {
    storage_ = std::move(storage);
    frames_.clear();
    key_refs_.clear();
    key_text_.clear();
    key_open_ = false;
    duplicates_.clear();
    too_deep_ = false;
    deep_path_.clear();
  }
  // Drops any partial document; must run before the storage it was built in goes away.
  void discard() { stack_.reset(); }
  json::value release() { return stack_.release(); }

  const std::vector<FieldError>& duplicates() const { return duplicates_; }
  bool too_deep() const { return too_deep_; }
  const std::string& deep_path() const { return deep_path_; }

  bool on_document_begin(json::error_code&) {
    stack_.reset(storage_);
    return true;
  }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code& ec) { return enter(false, ec); }
  bool on_array_end(size_t n, json::error_code&) {
    frames_.pop_back();
    stack_.push_array(n);
    return true;
  }
  bool on_object_begin(json::error_code& ec) { return enter(true, ec); }
  bool on_object_end(size_t n, json::error_code&) {
    const size_t first = frames_.back().first_key;
    find_duplicates(first);
    if (first < key_refs_.size()) key_text_.resize(key_refs_[first].offset);
    key_refs_.resize(first);
    frames_.pop_back();
    stack_.push_object(n);
    return true;
  }
  bool on_string_part(json::string_view s, size_t, json::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, size_t, json::error_code&) {
    note_value();
    stack_.push_string(s);
    return true;
  }
  bool on_key_part(json::string_view s, size_t, json::error_code&) {
    append_key(s);
    stack_.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, size_t, json::error_code&) {
    append_key(s);
    const std::string_view k = std::string_view(key_text_).substr(key_start_);
    key_refs_.push_back(KeyRef{key_start_, k.size(), fingerprint(k)});
    key_open_ = false;
    ++frames_.back().count;
    stack_.push_key(s);
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    note_value();
    stack_.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    note_value();
    stack_.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view, json::error_code&) {
    note_value();
    stack_.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    note_value();
    stack_.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    note_value();
    stack_.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  struct Frame {
    bool object;
    size_t count;      // keys seen (object) or elements started (array)
    size_t first_key;  // this object's keys are key_refs_[first_key, next frame's first_key)
  };
  struct KeyRef {
    size_t offset;
    size_t size;
    std::uint32_t hash;  // compared before the bytes
  };

  std::string_view key(size_t i) const {
    return std::string_view(key_text_).substr(key_refs_[i].offset, key_refs_[i].size);
  }

  void append_key(json::string_view s) {
    if (!key_open_) {
      key_open_ = true;
      key_start_ = key_text_.size();
    }
    key_text_.append(s.data(), s.size());
  }

  // Counts array elements so a path can name "[i]".
  void note_value() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().count;
  }

  bool enter(bool object, json::error_code& ec) {
    note_value();
    if (frames_.size() >= max_depth_) {
      too_deep_ = true;
      deep_path_ = path(frames_.size());
      ec = json::error::too_deep;
      return false;
    }
    frames_.push_back(Frame{object, 0, key_refs_.size()});
    return true;
  }

  // Dotted path of the current child of each of the first `n` open containers.
  std::string path(size_t n) const {
    std::string out;
    for (size_t i = 0; i < n; ++i) {
      const Frame& f = frames_[i];
      if (f.count == 0) break;
      if (f.object) {
        const size_t end = i + 1 < frames_.size() ? frames_[i + 1].first_key : key_refs_.size();
        if (!out.empty()) out += '.';
        out += key(end - 1);
      } else {
        out += '[' + std::to_string(f.count - 1) + ']';
      }
    }
    return out;
  }

  void report_duplicate(std::string_view k) {
    if (duplicates_.size() >= kMaxDuplicateReports) return;
    std::string field = path(frames_.size() - 1);
    if (!field.empty()) field += '.';
    field += k;
    duplicates_.push_back(FieldError{std::move(field), "duplicate key"});
  }

  // Reports each key of the innermost object that occurs more than once (once per key).
  void find_duplicates(size_t first) {
    const size_t end = key_refs_.size();
    if (end - first < 2) return;
    if (end - first <= 16) {
      for (size_t i = first + 1; i < end; ++i) {
        size_t earlier = 0;
        for (size_t j = first; j < i; ++j) {
          earlier += key_refs_[j].hash == key_refs_[i].hash && key(j) == key(i) ? 1 : 0;
        }
        if (earlier == 1) report_duplicate(key(i));
      }
      return;
    }
    // Large objects: sort instead of comparing every pair.
    sorted_.clear();
    for (size_t i = first; i < end; ++i) sorted_.push_back(key(i));
    std::sort(sorted_.begin(), sorted_.end());
    for (size_t i = 1; i < sorted_.size(); ++i) {
      if (sorted_[i] == sorted_[i - 1] && (i < 2 || sorted_[i - 2] != sorted_[i])) {
        report_duplicate(sorted_[i]);
      }
    }
  }

  // Length and three sample bytes: enough to tell almost all distinct keys apart cheaply.
  static std::uint32_t fingerprint(std::string_view s) {
    if (s.empty()) return 0;
    const auto at = [&s](size_t i) {
      return static_cast<std::uint32_t>(static_cast<unsigned char>(s[i]));
    };
    return (static_cast<std::uint32_t>(s.size()) << 24) ^ (at(0) << 16) ^ (at(s.size() / 2) << 8) ^
           at(s.size() - 1);
  }

  size_t max_depth_;
  json::storage_ptr storage_;
  // Holds the values under construction; spills to the heap only for large items.
  alignas(std::max_align_t) unsigned char stack_buffer_[4096];
  json::value_stack stack_;
  std::vector<Frame> frames_;
  std::vector<KeyRef> key_refs_;
  std::string key_text_;  // the keys of every open object, back to back
  size_t key_start_ = 0;
  bool key_open_ = false;
  std::vector<std::string_view> sorted_;
  std::vector<FieldError> duplicates_;
  bool too_deep_ = false;
  std::string deep_path_;
};

// Parses one item's text into a tree. Reused across the items of a batch so its buffers
// are allocated once; the tree of the last parse stays valid until the next.
class ItemParser {
 public:
  explicit ItemParser(const Limits& limits)
      : parser_(strict_options(plus_one(limits.max_depth)), limits.max_depth) {}
  ItemParser(const ItemParser&) = delete;
  ItemParser& operator=(const ItemParser&) = delete;
  ~ItemParser() { clear(); }

  enum class Status { kParsed, kNotJson, kTooDeep };

  Status parse(std::string_view text) {
    clear();
    // A fresh resource per item: a reused one would keep doubling its next block size.
    resource_.emplace(buffer_, sizeof buffer_);
    parser_.reset();
    TreeHandler& h = parser_.handler();
    h.start(json::storage_ptr(&*resource_));
    ec_ = {};
    offset_ = parser_.write_some(false, text.data(), text.size(), ec_);
    if (!ec_ && offset_ < text.size()) ec_ = json::error::extra_data;
    if (ec_) {
      h.discard();
      return h.too_deep() ? Status::kTooDeep : Status::kNotJson;
    }
    value_.emplace(h.release());
    return Status::kParsed;
  }

  const json::value& value() const { return *value_; }
  const std::vector<FieldError>& duplicates() const { return parser_.handler().duplicates(); }
  const std::string& deep_path() const { return parser_.handler().deep_path(); }
  const json::error_code& error() const { return ec_; }
  size_t error_offset() const { return offset_; }

 private:
  void clear() {
    value_.reset();
    parser_.handler().discard();
    resource_.reset();
  }

  alignas(std::max_align_t) unsigned char buffer_[16384];
  std::optional<json::monotonic_resource> resource_;
  std::optional<json::value> value_;  // allocated from resource_; destroyed before it
  json::basic_parser<TreeHandler> parser_;
  json::error_code ec_;
  size_t offset_ = 0;
};

// ---- Validation of one parsed object ---------------------------------------------------

// `"xyz"` for messages: JSON-style escapes, cut at a character boundary after 40 bytes.
std::string quote(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out = "\"";
  size_t n = s.size();
  bool cut = false;
  if (n > kMax) {
    n = kMax;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    cut = true;
  }
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (cut) out += "...";
  out += '"';
  return out;
}

template <typename E>
std::string one_of() {
  std::string out;
  for (int i = 0;; ++i) {
    const std::string_view n = name(static_cast<E>(i));
    if (n.empty()) break;
    if (i > 0) out += ", ";
    out += n;
  }
  return out;
}

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string_view as_view(const json::string& s) { return std::string_view(s.data(), s.size()); }

// Collects every problem of one item. Field paths are built only when a problem is found.
class Validator {
 public:
  explicit Validator(const Limits& limits) : limits_(limits) {}

  std::vector<FieldError> take_errors() { return std::move(errors_); }
  bool ok() const { return errors_.empty(); }

  void add(std::string_view prefix, std::string_view key, std::string message) {
    std::string field;
    field.reserve(prefix.size() + key.size() + 1);
    field += prefix;
    if (!prefix.empty() && !key.empty()) field += '.';
    field += key;
    errors_.push_back(FieldError{std::move(field), std::move(message)});
  }

  // The member, or nullptr when absent or null (null means absent in this format).
  static const json::value* member(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }

  const json::object* object(const json::object& o, std::string_view prefix, std::string_view key) {
    const json::value* v = member(o, key);
    if (v == nullptr) return nullptr;
    if (!v->is_object()) {
      add(prefix, key, "must be an object");
      return nullptr;
    }
    return &v->get_object();
  }

  // A string member within max_bytes; records "is required" when asked to.
  std::optional<std::string_view> string(const json::object& o, std::string_view prefix,
                                         std::string_view key, bool required, size_t max_bytes) {
    const json::value* v = member(o, key);
    if (v == nullptr) {
      if (required) add(prefix, key, "is required");
      return std::nullopt;
    }
    if (!v->is_string()) {
      add(prefix, key, "must be a string");
      return std::nullopt;
    }
    const std::string_view s = as_view(v->get_string());
    if (s.size() > max_bytes) {
      add(prefix, key, "is longer than " + std::to_string(max_bytes) + " bytes");
      return std::nullopt;
    }
    return s;
  }

  template <typename E>
  std::optional<E> enumeration(const json::object& o, std::string_view prefix, std::string_view key,
                               bool required, std::optional<E> (*parse)(std::string_view)) {
    const json::value* v = member(o, key);
    if (v == nullptr) {
      if (required) add(prefix, key, "is required");
      return std::nullopt;
    }
    if (!v->is_string()) {
      add(prefix, key, "must be a string");
      return std::nullopt;
    }
    const std::string_view s = as_view(v->get_string());
    std::optional<E> e = parse(s);
    if (!e) add(prefix, key, "unknown value " + quote(s) + "; expected one of: " + one_of<E>());
    return e;
  }

  std::optional<double> number(const json::object& o, std::string_view prefix, std::string_view key,
                               double lo, double hi, const char* range_text) {
    const json::value* v = member(o, key);
    if (v == nullptr) return std::nullopt;
    double d;
    if (v->is_double()) {
      d = v->get_double();
    } else if (v->is_int64()) {
      d = static_cast<double>(v->get_int64());
    } else if (v->is_uint64()) {
      d = static_cast<double>(v->get_uint64());
    } else {
      add(prefix, key, "must be a number");
      return std::nullopt;
    }
    if (!(d >= lo && d <= hi)) {
      add(prefix, key, std::string("must be between ") + range_text);
      return std::nullopt;
    }
    return d;
  }

  // A whole number in [lo, hi]; 3.0 counts as 3, as JSON does not tell them apart.
  std::optional<std::int64_t> integer(const json::object& o, std::string_view prefix,
                                      std::string_view key, std::int64_t lo, std::int64_t hi) {
    const json::value* v = member(o, key);
    if (v == nullptr) return std::nullopt;
    std::int64_t i;
    bool in_range = true;
    if (v->is_int64()) {
      i = v->get_int64();
    } else if (v->is_uint64()) {
      i = std::numeric_limits<std::int64_t>::max();
      in_range = false;
    } else if (v->is_double()) {
      const double d = v->get_double();
      if (std::trunc(d) != d) {
        add(prefix, key, "must be an integer");
        return std::nullopt;
      }
      // Beyond 2^62 the exact value does not matter: it is out of every range we use.
      if (std::fabs(d) > 4.6e18) {
        i = d < 0 ? std::numeric_limits<std::int64_t>::min()
                  : std::numeric_limits<std::int64_t>::max();
        in_range = false;
      } else {
        i = static_cast<std::int64_t>(d);
      }
    } else {
      add(prefix, key, "must be an integer");
      return std::nullopt;
    }
    if (!in_range || i < lo || i > hi) {
      if (hi == std::numeric_limits<std::int64_t>::max()) {
        add(prefix, key, i < lo ? "must not be negative" : "is too large");
      } else {
        add(prefix, key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
      }
      return std::nullopt;
    }
    return i;
  }

  // CNY amount as fen, 0 to 1e11 CNY.
  std::optional<Fen> money(const json::object& o, std::string_view prefix, std::string_view key) {
    const json::value* v = member(o, key);
    if (v == nullptr) return std::nullopt;
    if (v->is_int64()) {
      const std::int64_t i = v->get_int64();
      if (i >= 0 && i <= static_cast<std::int64_t>(kMaxCny)) return i * 100;
    } else if (v->is_uint64()) {
      // Always above kMaxCny: Boost.JSON uses uint64 only beyond the int64 range.
    } else if (v->is_double()) {
      const double d = v->get_double();
      if (d >= 0 && d <= kMaxCny) return static_cast<Fen>(std::llround(d * 100));
    } else {
      add(prefix, key, "must be a number");
      return std::nullopt;
    }
    add(prefix, key, "must be between 0 and 100000000000");
    return std::nullopt;
  }

  const Limits& limits() const { return limits_; }

 private:
  const Limits& limits_;
  std::vector<FieldError> errors_;
};

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdChars || id.front() == ' ' || id.back() == ' ') {
    return false;
  }
  for (char c : id) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

// Optional '+', then 5-20 digits, ignoring spaces and '-' anywhere.
bool valid_phone(std::string_view phone) {
  size_t digits = 0;
  bool plus_allowed = true;
  for (char c : phone) {
    if (c == ' ' || c == '-') continue;
    if (c == '+' && plus_allowed) {
      plus_allowed = false;
      continue;
    }
    if (c < '0' || c > '9') return false;
    plus_allowed = false;
    ++digits;
  }
  return digits >= 5 && digits <= 20;
}

// Resident identity card number: 15 digits (first generation) or 17 digits and a check
// character that is a digit or X.
bool valid_id_number(std::string_view s) {
  if (s.size() == 15) return all_digits(s);
  if (s.size() != 18) return false;
  const char last = s[17];
  return all_digits(s.substr(0, 17)) &&
         ((last >= '0' && last <= '9') || last == 'X' || last == 'x');
}

void validate_subject(Validator& v, const json::object& root, Instruction& out) {
  const json::value* sv = Validator::member(root, "subject");
  if (sv == nullptr) {
    v.add("subject", "phone", "is required");
    return;
  }
  if (!sv->is_object()) {
    v.add("", "subject", "must be an object");
    return;
  }
  const json::object& s = sv->get_object();
  const size_t max = v.limits().max_string_bytes;
  if (auto phone = v.string(s, "subject", "phone", true, max)) {
    if (valid_phone(*phone)) {
      out.subject.phone.assign(*phone);
    } else {
      v.add("subject", "phone", "must be a phone number: optional +, then 5-20 digits");
    }
  }
  if (auto name = v.string(s, "subject", "name", false, kMaxNameBytes)) {
    out.subject.name.emplace(*name);
  }
  if (auto id_number = v.string(s, "subject", "id_number", false, max)) {
    if (valid_id_number(*id_number)) {
      out.subject.id_number.emplace(*id_number);
    } else {
      v.add("subject", "id_number", "must be 15 digits, or 17 digits then a digit or X");
    }
  }
  if (auto age = v.integer(s, "subject", "age", 0, kMaxAge)) {
    out.subject.age = static_cast<int>(*age);
  }
  out.subject.gender = v.enumeration<Gender>(s, "subject", "gender", false, parse_gender);
}

void validate_location(Validator& v, const json::object& root, Instruction& out) {
  constexpr std::string_view kAccepted = "lat and lon, adcode or cell_id";
  const json::value* lv = Validator::member(root, "location");
  if (lv == nullptr) {
    v.add("", "location", "is required, with " + std::string(kAccepted));
    return;
  }
  if (!lv->is_object()) {
    v.add("", "location", "must be an object");
    return;
  }
  const json::object& l = lv->get_object();
  Location& loc = out.location;
  const bool has_lat = Validator::member(l, "lat") != nullptr;
  const bool has_lon = Validator::member(l, "lon") != nullptr;
  loc.lat = v.number(l, "location", "lat", -90, 90, "-90 and 90");
  loc.lon = v.number(l, "location", "lon", -180, 180, "-180 and 180");
  if (has_lat && !has_lon) v.add("location", "lon", "is required when location.lat is given");
  if (has_lon && !has_lat) v.add("location", "lat", "is required when location.lon is given");
  if (auto crs = v.enumeration<Crs>(l, "location", "crs", false, parse_crs)) loc.crs = *crs;

  const json::value* adcode = Validator::member(l, "adcode");
  if (adcode != nullptr) {
    constexpr const char* kSixDigits = "must be 6 digits";
    if (adcode->is_string()) {
      const std::string_view s = as_view(adcode->get_string());
      if (s.size() == 6 && all_digits(s)) {
        loc.adcode.emplace(s);
      } else {
        v.add("location", "adcode", kSixDigits);
      }
    } else if (adcode->is_int64() && adcode->get_int64() >= 100000 &&
               adcode->get_int64() <= 999999) {
      loc.adcode = std::to_string(adcode->get_int64());
    } else if (adcode->is_number()) {
      v.add("location", "adcode", kSixDigits);
    } else {
      v.add("location", "adcode", "must be a string");
    }
  }
  if (auto cell = v.string(l, "location", "cell_id", false, kMaxCellIdBytes)) {
    if (cell->empty()) {
      v.add("location", "cell_id", "must not be empty");
    } else {
      loc.cell_id.emplace(*cell);
    }
  }
  if (auto address = v.string(l, "location", "address", false, kMaxAddressBytes)) {
    loc.address.emplace(*address);
  }
  if (!has_lat && !has_lon && adcode == nullptr && Validator::member(l, "cell_id") == nullptr) {
    v.add("", "location", "needs " + std::string(kAccepted));
  }
}

void validate_indicators(Validator& v, const json::object& root, Instruction& out) {
  const json::value* iv = Validator::member(root, "indicators");
  if (iv == nullptr) return;
  if (!iv->is_array()) {
    v.add("", "indicators", "must be an array");
    return;
  }
  const json::array& a = iv->get_array();
  const Limits& limits = v.limits();
  if (a.size() > limits.max_indicators) {
    v.add("", "indicators",
          "must have at most " + std::to_string(limits.max_indicators) + " entries");
    return;
  }
  out.indicators.reserve(a.size());
  std::string prefix;
  for (size_t i = 0; i < a.size(); ++i) {
    prefix = "indicators[" + std::to_string(i) + "]";
    if (!a[i].is_object()) {
      v.add(prefix, "", "must be an object");
      continue;
    }
    const json::object& o = a[i].get_object();
    Indicator ind;
    const auto kind = v.enumeration<IndicatorKind>(o, prefix, "kind", true, parse_indicator_kind);
    const auto value = v.string(o, prefix, "value", true, limits.max_string_bytes);
    constexpr std::int64_t kAny = std::numeric_limits<std::int64_t>::max();
    ind.contact_count = v.integer(o, prefix, "contact_count", 0, kAny);
    ind.call_seconds = v.integer(o, prefix, "call_seconds", 0, kAny);
    if (kind && value) {
      ind.kind = *kind;
      ind.value.assign(*value);
      out.indicators.push_back(std::move(ind));
    }
  }
}

void validate_funds(Validator& v, const json::object& root, Instruction& out) {
  const json::object* f = v.object(root, "", "funds");
  if (f == nullptr) return;
  out.funds.at_risk = v.money(*f, "funds", "at_risk_cny");
  out.funds.transferred = v.money(*f, "funds", "transferred_cny");
  if (const json::object* acct = v.object(*f, "funds", "victim_account")) {
    const size_t max = v.limits().max_string_bytes;
    if (auto bank = v.string(*acct, "funds.victim_account", "bank", false, max)) {
      out.funds.victim_bank.emplace(*bank);
    }
    if (auto number = v.string(*acct, "funds.victim_account", "number", false, max)) {
      out.funds.victim_account.emplace(*number);
    }
  }
}

Result<Instruction> validate(const json::object& root, std::string_view text,
                             const Limits& limits) {
  Validator v(limits);
  Instruction out;
  if (auto id = v.string(root, "", "id", true, std::numeric_limits<size_t>::max())) {
    if (valid_id(*id)) {
      out.id.assign(*id);
    } else {
      v.add("", "id", "must be 1-128 printable characters");
    }
  }
  if (auto at = v.string(root, "", "issued_at", true, limits.max_string_bytes)) {
    if (auto ms = parse_rfc3339(*at)) {
      out.issued_at = *ms;
    } else {
      v.add("", "issued_at", "is not an RFC 3339 date-time");
    }
  }
  out.source = v.enumeration<Source>(root, "", "source", false, parse_source);
  if (auto t = v.enumeration<Trigger>(root, "", "trigger", true, parse_trigger)) out.trigger = *t;
  if (auto s = v.enumeration<ScamType>(root, "", "scam_type", false, parse_scam_type)) {
    out.scam_type = *s;
  }
  validate_indicators(v, root, out);
  validate_subject(v, root, out);
  validate_location(v, root, out);
  validate_funds(v, root, out);
  out.upstream_level = v.enumeration<Level>(root, "", "upstream_level", false, parse_level);
  if (!v.ok()) return fail_fields(v.take_errors());
  out.raw.assign(text);
  return out;
}

std::string item_id(const json::value& root) {
  if (!root.is_object()) return {};
  const json::value* id = root.get_object().if_contains("id");
  if (id == nullptr || !id->is_string()) return {};
  return std::string(as_view(id->get_string()));
}

std::string too_long(const Limits& limits) {
  return "is longer than " + std::to_string(limits.max_item_bytes) + " bytes";
}

// The item from a tree the parser has just built from `text`.
ParsedItem from_tree(const ItemParser& parser, std::string_view text, const Limits& limits) {
  const json::value& root = parser.value();
  if (!root.is_object()) return ParsedItem{{}, reject("", "must be a JSON object")};
  // With duplicates, which value was meant is unknowable, so nothing else is checked.
  return ParsedItem{item_id(root), parser.duplicates().empty()
                                       ? validate(root.get_object(), text, limits)
                                       : fail_fields(parser.duplicates())};
}

ParsedItem too_deep_item(const ItemParser& parser, const Limits& limits) {
  return ParsedItem{{},
                    reject(parser.deep_path(), "is nested deeper than " +
                                                   std::to_string(limits.max_depth) + " levels")};
}

// One item whose text is known to be a JSON value (trimmed).
ParsedItem parse_known_json(ItemParser& parser, std::string_view text, const Limits& limits) {
  if (text.size() > limits.max_item_bytes) return ParsedItem{{}, reject("", too_long(limits))};
  if (text.empty() || text.front() != '{') {
    return ParsedItem{{}, reject("", "must be a JSON object")};
  }
  switch (parser.parse(text)) {
    case ItemParser::Status::kParsed:
      return from_tree(parser, text, limits);
    case ItemParser::Status::kTooDeep:
      return too_deep_item(parser, limits);
    case ItemParser::Status::kNotJson:
      break;
  }
  // Unreachable when the caller checked the syntax; kept as a rejection, not a crash.
  return ParsedItem{{}, reject("", "invalid JSON: " + describe(parser.error()))};
}

Result<std::vector<ParsedItem>> invalid_body(std::string_view body, size_t offset,
                                             const json::error_code& ec, const Limits& limits) {
  if (ec == json::error::too_deep) {
    return fail(Code::kInvalid, "body is nested deeper than " + std::to_string(body_depth(limits)) +
                                    " levels at " + where(body, offset));
  }
  return fail(Code::kInvalid, "not JSON: " + describe(ec) + " at " + where(body, offset));
}

tl::unexpected<Error> too_many(const Limits& limits) {
  return fail(Code::kTooLarge,
              "more than " + std::to_string(limits.max_items) + " items (limit max_items)");
}

Result<std::vector<ParsedItem>> parse_ndjson(ItemParser& parser, std::string_view body,
                                             const Limits& limits) {
  struct Line {
    size_t number;
    size_t indent;  // bytes of whitespace before text
    std::string_view text;
  };
  std::vector<Line> lines;
  size_t number = 0;
  for (size_t pos = 0; pos <= body.size();) {
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    ++number;
    size_t indent = 0;
    const std::string_view text = trim(body.substr(pos, end - pos), &indent);
    if (!text.empty()) {
      if (lines.size() == limits.max_items) return too_many(limits);
      lines.push_back(Line{number, indent, text});
    }
    pos = end + 1;
  }
  if (lines.empty()) return fail(Code::kInvalid, "empty body: no JSON object on any line");

  std::vector<ParsedItem> items;
  items.reserve(lines.size());
  size_t json_lines = 0;
  std::string first_error;
  for (const Line& line : lines) {
    auto prefix = [&line] { return "line " + std::to_string(line.number) + ": "; };
    std::optional<SyntaxCheck> bad;
    if (line.text.size() > limits.max_item_bytes) {
      SyntaxCheck check = check_syntax(line.text, body_depth(limits));
      if (check.ec) {
        bad = check;
      } else {
        items.push_back(ParsedItem{{}, reject("", prefix() + too_long(limits))});
      }
    } else {
      switch (parser.parse(line.text)) {
        case ItemParser::Status::kParsed:
          items.push_back(from_tree(parser, line.text, limits));
          break;
        case ItemParser::Status::kTooDeep: {
          SyntaxCheck check = check_syntax(line.text, body_depth(limits));
          if (check.ec) {
            bad = check;
          } else {
            items.push_back(too_deep_item(parser, limits));
          }
          break;
        }
        case ItemParser::Status::kNotJson:
          bad = SyntaxCheck{parser.error(), parser.error_offset()};
          break;
      }
    }
    if (bad) {
      std::string message = prefix() + "invalid JSON: " + describe(bad->ec) + " at column " +
                            std::to_string(line.indent + bad->offset + 1);
      if (first_error.empty()) first_error = message;
      items.push_back(ParsedItem{{}, reject("", std::move(message))});
    } else {
      ++json_lines;
    }
  }
  if (json_lines == 0) {
    return fail(Code::kInvalid,
                "not JSON or NDJSON: no line is valid JSON (first: " + first_error + ")");
  }
  return items;
}

// Spans of the elements of `a`, which must be a syntactically valid JSON array.
Result<std::vector<std::string_view>> element_spans(std::string_view a, const Limits& limits) {
  std::vector<std::string_view> spans;
  size_t i = 1;  // past '['
  const size_t n = a.size();
  auto skip_ws = [&] {
    while (i < n && is_ws(a[i])) ++i;
  };
  skip_ws();
  if (i < n && a[i] == ']') return spans;
  while (i < n) {
    const size_t start = i;
    const char c = a[i];
    if (c == '{' || c == '[' || c == '"') {
      size_t depth = 0;
      bool in_string = false;
      bool escape = false;
      for (; i < n; ++i) {
        const char ch = a[i];
        if (in_string) {
          if (escape) {
            escape = false;
          } else if (ch == '\\') {
            escape = true;
          } else if (ch == '"') {
            in_string = false;
            if (depth == 0) {
              ++i;
              break;
            }
          }
        } else if (ch == '"') {
          in_string = true;
        } else if (ch == '{' || ch == '[') {
          ++depth;
        } else if (ch == '}' || ch == ']') {
          if (--depth == 0) {
            ++i;
            break;
          }
        }
      }
    } else {
      while (i < n && a[i] != ',' && a[i] != ']' && !is_ws(a[i])) ++i;
    }
    if (spans.size() == limits.max_items) return too_many(limits);
    spans.push_back(a.substr(start, i - start));
    skip_ws();
    if (i >= n || a[i] != ',') break;
    ++i;
    skip_ws();
  }
  return spans;
}

Result<std::vector<ParsedItem>> parse_body(std::string_view body, Format format,
                                           const Limits& limits) {
  size_t lead = 0;
  const std::string_view text = trim(body, &lead);
  if (text.empty()) {
    return fail(Code::kInvalid, "empty body: expected a JSON object, an array or NDJSON");
  }
  ItemParser parser(limits);
  if (format == Format::kNdjson) return parse_ndjson(parser, body, limits);

  // The common case, one object, takes a single pass.
  if (text.front() == '{' && text.size() <= limits.max_item_bytes) {
    switch (parser.parse(text)) {
      case ItemParser::Status::kParsed: {
        std::vector<ParsedItem> items;
        items.push_back(from_tree(parser, text, limits));
        return items;
      }
      case ItemParser::Status::kNotJson:
        if (parser.error() != json::error::extra_data) {
          return invalid_body(body, lead + parser.error_offset(), parser.error(), limits);
        }
        break;
      case ItemParser::Status::kTooDeep:
        break;
    }
  }

  const SyntaxCheck check = check_syntax(text, body_depth(limits));
  if (check.ec == json::error::extra_data && format == Format::kAuto) {
    return parse_ndjson(parser, body, limits);
  }
  if (check.ec) return invalid_body(body, lead + check.offset, check.ec, limits);

  std::vector<ParsedItem> items;
  if (text.front() == '{') {
    items.push_back(parse_known_json(parser, text, limits));
    return items;
  }
  if (text.front() != '[') {
    return fail(Code::kInvalid, "expected a JSON object, an array of objects or NDJSON");
  }
  auto spans = element_spans(text, limits);
  if (!spans) return tl::unexpected<Error>(std::move(spans.error()));
  items.reserve(spans->size());
  for (std::string_view span : *spans) items.push_back(parse_known_json(parser, span, limits));
  return items;
}

}  // namespace

Result<std::vector<ParsedItem>> parse_batch(std::string_view body, Format format,
                                            const Limits& limits) {
  // Boost.JSON reports allocation failure by throwing; exceptions stop at this module.
  try {
    return parse_body(body, format, limits);
  } catch (const std::bad_alloc&) {
    return fail(Code::kTooLarge, "out of memory while parsing the body");
  } catch (const std::exception& e) {
    return fail(Code::kInternal, std::string("parsing failed: ") + e.what());
  }
}

Result<Instruction> parse_instruction(std::string_view object_text, const Limits& limits) {
  try {
    size_t lead = 0;
    const std::string_view text = trim(object_text, &lead);
    if (text.size() > limits.max_item_bytes) {
      return fail(Code::kTooLarge, "instruction " + too_long(limits));
    }
    ItemParser parser(limits);
    switch (parser.parse(text)) {
      case ItemParser::Status::kParsed:
        return std::move(from_tree(parser, text, limits).instruction);
      case ItemParser::Status::kTooDeep:
        return std::move(too_deep_item(parser, limits).instruction);
      case ItemParser::Status::kNotJson:
        break;
    }
    return fail(Code::kInvalid, "not JSON: " + describe(parser.error()) + " at " +
                                    where(object_text, lead + parser.error_offset()));
  } catch (const std::bad_alloc&) {
    return fail(Code::kTooLarge, "out of memory while parsing the instruction");
  } catch (const std::exception& e) {
    return fail(Code::kInternal, std::string("parsing failed: ") + e.what());
  }
}

}  // namespace quanzu::instruction
