#include "geo/cell_sites.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

namespace quanzu::geo {
namespace {

constexpr size_t kMaxProblems = 20;

enum Column : size_t { kCellId, kLat, kLon, kCrs, kRadius, kColumns };
constexpr std::array<std::string_view, kColumns> kColumnNames = {"cell_id", "lat", "lon", "crs",
                                                                 "radius_m"};

std::string_view trimmed(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    fields.push_back(trimmed(line.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

std::optional<double> to_number(std::string_view s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Collects problems with their line and column; the table is refused if there is any.
class Problems {
 public:
  void add(size_t line, std::string_view column, std::string message) {
    if (list_.size() == kMaxProblems) {
      more_ = true;
      return;
    }
    std::string field = "line " + std::to_string(line);
    if (!column.empty()) field += ", " + std::string(column);
    list_.push_back(FieldError{std::move(field), std::move(message)});
  }
  bool overflowed() const { return more_; }  // a problem past the limit was dropped
  bool empty() const { return list_.empty(); }

  tl::unexpected<Error> error(std::string_view source) && {
    std::string message =
        std::string(source) + " " + list_.front().field + ": " + list_.front().message;
    if (list_.size() > 1 || more_) {
      message += " (and " + std::to_string(list_.size() - 1) + (more_ ? " or more" : "") +
                 " other problems)";
    }
    return tl::unexpected<Error>(Error{Code::kInvalid, std::move(message), std::move(list_)});
  }

 private:
  std::vector<FieldError> list_;
  bool more_ = false;
};

}  // namespace

Result<CellSites> CellSites::parse(std::string_view csv_text, std::string_view source) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (csv_text.substr(0, kBom.size()) == kBom) csv_text.remove_prefix(kBom.size());

  CellSites table;
  Problems problems;
  std::array<size_t, kColumns> position{};  // column -> index in a row
  size_t header_width = 0;                  // 0 until the header is read
  std::unordered_map<std::string, size_t, Hash, std::equal_to<>> first_line;  // id -> line

  size_t line_number = 0;
  size_t start = 0;
  while (start < csv_text.size() && !problems.overflowed()) {
    size_t end = csv_text.find('\n', start);
    if (end == std::string_view::npos) end = csv_text.size();
    std::string_view line = csv_text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trimmed(line).empty() || trimmed(line).front() == '#') continue;
    std::vector<std::string_view> fields = split(line);

    if (header_width == 0) {
      header_width = fields.size();
      position.fill(header_width);
      for (size_t i = 0; i < fields.size(); ++i) {
        for (size_t c = 0; c < kColumns; ++c) {
          if (fields[i] != kColumnNames[c]) continue;
          if (position[c] != header_width) {
            problems.add(line_number, fields[i], "the column is named twice");
          }
          position[c] = i;
        }
      }
      for (size_t c = 0; c < kColumns; ++c) {
        if (position[c] == header_width) {
          problems.add(line_number, kColumnNames[c],
                       "missing column; the header needs cell_id,lat,lon,crs,radius_m");
        }
      }
      if (!problems.empty()) return std::move(problems).error(source);
      continue;
    }

    if (fields.size() > header_width) {
      problems.add(line_number, "",
                   "has " + std::to_string(fields.size()) + " values; the header has " +
                       std::to_string(header_width));
      continue;
    }
    CellSite site;
    bool ok = true;
    auto field = [&](Column c) -> std::optional<std::string_view> {
      if (position[c] >= fields.size()) {
        problems.add(line_number, kColumnNames[c],
                     "missing column (the line has " + std::to_string(fields.size()) +
                         " values; the header has " + std::to_string(header_width) + ")");
        ok = false;
        return std::nullopt;
      }
      return fields[position[c]];
    };
    auto number = [&](Column c, double lo, double hi, bool open_lo) -> double {
      std::optional<std::string_view> text = field(c);
      if (!text) return 0;
      std::optional<double> v = to_number(*text);
      if (!v) {
        problems.add(line_number, kColumnNames[c], "bad number " + quoted(*text));
      } else if (open_lo ? !(*v > lo) : !(*v >= lo && *v <= hi)) {
        problems.add(
            line_number, kColumnNames[c],
            quoted(*text) + (open_lo ? " must be greater than 0"
                                     : " is out of range [" + std::to_string(static_cast<int>(lo)) +
                                           ", " + std::to_string(static_cast<int>(hi)) + "]"));
      } else {
        return *v;
      }
      ok = false;
      return 0;
    };

    if (std::optional<std::string_view> id = field(kCellId)) {
      if (id->empty()) {
        problems.add(line_number, "cell_id", "is empty");
        ok = false;
      } else if (auto [it, fresh] = first_line.emplace(std::string(*id), line_number); !fresh) {
        problems.add(line_number, "cell_id",
                     "duplicate cell_id " + quoted(*id) + " (first on line " +
                         std::to_string(it->second) + ")");
        ok = false;
      }
      site.cell_id = std::string(*id);
    }
    site.point.lat = number(kLat, -90, 90, false);
    site.point.lon = number(kLon, -180, 180, false);
    if (std::optional<std::string_view> crs = field(kCrs)) {
      std::string lower(*crs);
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      std::optional<instruction::Crs> parsed = instruction::parse_crs(lower);
      if (!parsed) {
        problems.add(line_number, "crs",
                     "unknown crs " + quoted(*crs) + "; expected gcj02 or wgs84");
        ok = false;
      } else {
        site.crs = *parsed;
      }
    }
    site.radius_m = number(kRadius, 0, 0, true);
    if (ok) table.sites_.push_back(std::move(site));
  }
  if (!problems.empty()) return std::move(problems).error(source);
  if (header_width == 0) {
    problems.add(1, "", "no header; expected cell_id,lat,lon,crs,radius_m");
    return std::move(problems).error(source);
  }

  table.index_.reserve(table.sites_.size());
  for (size_t i = 0; i < table.sites_.size(); ++i) table.index_.emplace(table.sites_[i].cell_id, i);
  return table;
}

std::optional<CellSite> CellSites::find(std::string_view cell_id) const {
  auto it = index_.find(cell_id);
  if (it == index_.end()) return std::nullopt;
  return sites_[it->second];
}

}  // namespace quanzu::geo
