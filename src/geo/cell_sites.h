// The cell-site table (基站表) the centre receives from the carriers: where each cell is, so a
// case known only by its cell id can still be routed. Pure: parsed from CSV text, no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "geo/jurisdictions.h"
#include "instruction/instruction.h"

namespace quanzu::geo {

struct CellSite {
  std::string cell_id;  // "460-00-10512-345", as the carrier writes it
  Point point;          // in `crs`, as given: the router converts
  instruction::Crs crs = instruction::Crs::kGcj02;
  double radius_m = 0;  // the cell's reach, > 0
};

// Cell sites by id. Immutable once parsed; safe to read from several threads.
class CellSites {
 public:
  CellSites() = default;

  // Reads CSV text whose first (non-blank) line is a header naming at least the columns
  // cell_id, lat, lon, crs, radius_m, in any order (other columns are ignored). Fields are
  // not quoted; spaces around them are ignored, as are blank lines, lines starting with '#',
  // a UTF-8 byte order mark and CR line ends. crs is "gcj02" or "wgs84". Fails with
  // Code::kInvalid listing every problem (up to 20) in Error::fields, each with
  // field "line N: column" (N counts from 1, the header included), and the first in the
  // message, prefixed by `source` ("chongqing-cells.csv line 7: lat: bad number \"x\""):
  // a missing column or value, a bad number, lat/lon out of range, an unknown crs,
  // radius_m <= 0, an empty or repeated cell_id.
  static Result<CellSites> parse(std::string_view csv_text,
                                 std::string_view source = "cell-site table");

  // The site with this exact id; O(1) expected.
  std::optional<CellSite> find(std::string_view cell_id) const;
  size_t size() const { return sites_.size(); }
  const std::vector<CellSite>& sites() const { return sites_; }  // in file order

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::vector<CellSite> sites_;
  std::unordered_map<std::string, size_t, Hash, std::equal_to<>> index_;  // id -> sites_ index
};

}  // namespace quanzu::geo
