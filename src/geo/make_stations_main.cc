// quanzu_make_stations: writes the demo's synthetic station areas (and, with --cells, a
// synthetic cell-site table) from the district file. Run from the source tree:
//
//   quanzu_make_stations                      # data/chongqing-stations.geojson
//   quanzu_make_stations --cells data/chongqing-cells.csv
//
// Deterministic: the same districts and seed give the same files, byte for byte.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <numbers>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "geo/coords.h"
#include "geo/jurisdictions.h"
#include "geo/station_areas.h"

namespace {

using quanzu::geo::District;
using quanzu::geo::Point;

constexpr std::uint64_t kDefaultSeed = 500000;

// The demo feed's cell ids: "460-<mnc>-<adcode's last 3><00..39>-<000..999>" (app/demo_feed.cc).
// Carriers' tables come in either datum; here China Mobile's is in WGS84 (GPS), the others
// in GCJ-02, so the demo exercises the router's conversion.
struct Operator {
  std::string_view mnc;
  bool wgs84;
};
constexpr Operator kOperators[] = {
    {"00", true}, {"01", false}, {"11", false}};  // Mobile, Unicom, Telecom
constexpr int kLacsPerOperator = 6;
constexpr int kCellsPerLac = 5;

struct Options {
  std::string districts = "data/chongqing-districts.geojson";
  std::string stations = "data/chongqing-stations.geojson";
  std::string cells;  // empty: no cell table
  std::uint64_t seed = kDefaultSeed;
  int per_district = 0;  // 0: by area
};

void usage(std::ostream& out) {
  out << "usage: quanzu_make_stations [--districts FILE] [--stations FILE] [--cells FILE]\n"
         "                            [--seed N] [--per-district N]\n"
         "  --districts     district GeoJSON to read (default data/chongqing-districts.geojson)\n"
         "  --stations      station areas GeoJSON to write (default "
         "data/chongqing-stations.geojson)\n"
         "  --cells         also write a synthetic cell-site CSV for the demo feed's cell ids\n"
         "  --seed          seed of the synthetic data (default 500000)\n"
         "  --per-district  stations in every district (default: 3 to 8 by area)\n";
}

std::optional<Options> parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      usage(std::cout);
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::cerr << "quanzu_make_stations: " << flag << " needs a value\n";
      return std::nullopt;
    }
    std::string value = argv[++i];
    try {
      if (flag == "--districts") {
        options.districts = value;
      } else if (flag == "--stations") {
        options.stations = value;
      } else if (flag == "--cells") {
        options.cells = value;
      } else if (flag == "--seed") {
        options.seed = std::stoull(value);
      } else if (flag == "--per-district") {
        options.per_district = std::stoi(value);
        if (options.per_district < 1 || options.per_district > 99) throw std::out_of_range(value);
      } else {
        std::cerr << "quanzu_make_stations: unknown option " << flag << "\n";
        usage(std::cerr);
        return std::nullopt;
      }
    } catch (const std::exception&) {
      std::cerr << "quanzu_make_stations: bad value for " << flag << ": " << value << "\n";
      return std::nullopt;
    }
  }
  return options;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

double normal(std::mt19937_64& rng) {
  double u = 1.0 - unit(rng);  // (0, 1], so the log is finite
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * std::numbers::pi * unit(rng));
}

double round6(double v) { return std::round(v * 1e6) / 1e6; }

std::string fixed6(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6f", v);
  return buffer;
}

std::string zero_padded(int v, int width) {
  std::string s = std::to_string(v);
  return std::string(static_cast<size_t>(std::max(0, width - static_cast<int>(s.size()))), '0') + s;
}

// `count` distinct values from [0, n), in increasing order.
std::vector<int> distinct(std::mt19937_64& rng, int n, int count) {
  std::set<int> chosen;
  while (static_cast<int>(chosen.size()) < std::min(n, count)) {
    chosen.insert(static_cast<int>(rng() % static_cast<std::uint64_t>(n)));
  }
  return {chosen.begin(), chosen.end()};
}

std::optional<Point> uniform_in(const District& district, std::mt19937_64& rng) {
  const quanzu::geo::Box box = quanzu::geo::bounds(district);
  for (int i = 0; i < 10000; ++i) {
    Point p{round6(box.min_lon + unit(rng) * (box.max_lon - box.min_lon)),
            round6(box.min_lat + unit(rng) * (box.max_lat - box.min_lat))};
    if (quanzu::geo::contains(district, p)) return p;
  }
  return std::nullopt;
}

// A synthetic cell-site table: per district and operator a few location areas, each a
// cluster of cells around a point of the district, all inside it (after conversion to
// GCJ-02, the districts' datum). Small urban districts get small cells, rural counties large
// ones. nullopt when a district has no room for a cell.
std::optional<std::string> cells_csv(const std::vector<District>& districts, std::uint64_t seed) {
  std::map<std::string, std::string> rows;  // cell id -> row, so the file is sorted
  for (const District& district : districts) {
    if (district.adcode.size() != 6) continue;
    std::uint64_t h = seed ^ 0xce115173ULL;
    for (char c : district.adcode) h = h * 1099511628211ULL + static_cast<unsigned char>(c);
    std::mt19937_64 rng(h);
    const quanzu::geo::Box box = quanzu::geo::bounds(district);
    const double sigma = std::clamp(
        0.1 * std::min(box.max_lon - box.min_lon, box.max_lat - box.min_lat), 0.005, 0.05);
    const bool urban = quanzu::geo::area_km2(district) < 500;
    for (const Operator& op : kOperators) {
      for (int lac : distinct(rng, 40, kLacsPerOperator)) {
        std::optional<Point> hub = uniform_in(district, rng);
        if (!hub) return std::nullopt;
        for (int cell : distinct(rng, 1000, kCellsPerLac)) {
          // The position as written (WGS84 rounded to 6 decimals, or GCJ-02) must still
          // convert to a point inside the district.
          auto written = [&](Point gcj02) {
            if (!op.wgs84) return gcj02;
            Point w = quanzu::geo::gcj02_to_wgs84(gcj02);
            return Point{round6(w.lon), round6(w.lat)};
          };
          auto fits = [&](Point p) {
            return quanzu::geo::contains(district, op.wgs84 ? quanzu::geo::wgs84_to_gcj02(p) : p);
          };
          std::optional<Point> at;
          for (int tries = 0; tries < 100 && !at; ++tries) {
            Point p = written(
                {round6(hub->lon + sigma * normal(rng)), round6(hub->lat + sigma * normal(rng))});
            if (fits(p)) at = p;
          }
          if (!at && fits(written(*hub))) at = written(*hub);
          if (!at) return std::nullopt;
          const double median = urban ? 500 : 1800;
          const int radius = static_cast<int>(
              std::clamp(std::round(median * std::exp(0.4 * normal(rng))), 100.0, 8000.0));
          std::string id = "460-" + std::string(op.mnc) + "-" + district.adcode.substr(3) +
                           zero_padded(lac, 2) + "-" + zero_padded(cell, 3);
          rows[id] = id + "," + fixed6(at->lat) + "," + fixed6(at->lon) +
                     (op.wgs84 ? ",wgs84," : ",gcj02,") + std::to_string(radius);
        }
      }
    }
  }
  std::string out = "cell_id,lat,lon,crs,radius_m\n";
  for (const auto& [id, row] : rows) out += row + "\n";
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<Options> options = parse_options(argc, argv);
  if (!options) return 2;

  std::optional<std::string> text = read_file(options->districts);
  if (!text) {
    std::cerr << "quanzu_make_stations: cannot read " << options->districts << "\n";
    return 1;
  }
  quanzu::Result<std::vector<District>> districts = quanzu::geo::load_districts(*text);
  if (!districts) {
    std::cerr << "quanzu_make_stations: " << options->districts << ": " << districts.error().message
              << "\n";
    return 1;
  }
  quanzu::Result<std::vector<quanzu::geo::StationArea>> areas =
      quanzu::geo::make_station_areas(*districts, options->per_district, options->seed);
  if (!areas) {
    std::cerr << "quanzu_make_stations: " << areas.error().message << "\n";
    return 1;
  }
  std::string geojson = quanzu::geo::station_areas_geojson(*areas);
  if (!write_file(options->stations, geojson)) {
    std::cerr << "quanzu_make_stations: cannot write " << options->stations << "\n";
    return 1;
  }
  size_t points = 0;
  size_t parts = 0;
  for (const quanzu::geo::StationArea& area : *areas) {
    parts += area.polygons.size();
    for (const quanzu::geo::Polygon& polygon : area.polygons) {
      for (const auto& ring : polygon.rings) points += ring.size();
    }
  }
  std::cout << options->stations << ": " << areas->size() << " stations in " << districts->size()
            << " districts, " << parts << " parts, " << points << " points, " << geojson.size()
            << " bytes\n";

  if (!options->cells.empty()) {
    std::optional<std::string> csv = cells_csv(*districts, options->seed);
    if (!csv) {
      std::cerr << "quanzu_make_stations: a district has no area to place cells in\n";
      return 1;
    }
    if (!write_file(options->cells, *csv)) {
      std::cerr << "quanzu_make_stations: cannot write " << options->cells << "\n";
      return 1;
    }
    std::cout << options->cells << ": " << std::count(csv->begin(), csv->end(), '\n') - 1
              << " cell sites, " << csv->size() << " bytes\n";
  }
  return 0;
}
