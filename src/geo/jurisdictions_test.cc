#include "geo/jurisdictions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace quanzu::geo {
namespace {

std::string read_districts_file() {
  const char* root = std::getenv("QUANZU_SOURCE_DIR");
  if (root == nullptr) return {};
  std::ifstream in(std::string(root) + "/data/chongqing-districts.geojson", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Loaded once: the file is 750 KB and every test only reads it.
const std::vector<District>& chongqing() {
  static const std::vector<District> districts = [] {
    Result<std::vector<District>> loaded = load_districts(read_districts_file());
    return loaded ? *loaded : std::vector<District>{};
  }();
  return districts;
}

const District* find(const std::vector<District>& districts, std::string_view adcode) {
  for (const District& d : districts) {
    if (d.adcode == adcode) return &d;
  }
  return nullptr;
}

// Every district holding p; the districts do not overlap, so at most one is expected.
std::vector<std::string> districts_at(Point p) {
  std::vector<std::string> found;
  for (const District& d : chongqing()) {
    if (contains(d, p)) found.push_back(d.adcode);
  }
  return found;
}

Polygon square(double x0, double y0, double x1, double y1) {
  return Polygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}};
}

TEST(LoadDistricts, ReadsTheChongqingFile) {
  ASSERT_NE(std::getenv("QUANZU_SOURCE_DIR"), nullptr) << "the test runner sets it";
  Result<std::vector<District>> loaded = load_districts(read_districts_file());
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->size(), 38u);
  std::set<std::string> adcodes;
  for (const District& d : *loaded) {
    adcodes.insert(d.adcode);
    EXPECT_EQ(d.adcode.size(), 6u);
    EXPECT_EQ(d.adcode.substr(0, 2), "50") << d.name;
    EXPECT_FALSE(d.name.empty());
    EXPECT_FALSE(d.polygons.empty()) << d.name;
  }
  EXPECT_EQ(adcodes.size(), 38u);

  const District* jiangbei = find(*loaded, "500105");
  ASSERT_NE(jiangbei, nullptr);
  EXPECT_EQ(jiangbei->name, "江北区");
  EXPECT_TRUE(contains(*jiangbei, jiangbei->center));
}

TEST(LoadDistricts, EveryCenterLiesInItsOwnDistrictOnly) {
  ASSERT_EQ(chongqing().size(), 38u);
  for (const District& d : chongqing()) {
    EXPECT_EQ(districts_at(d.center), std::vector<std::string>{d.adcode}) << d.name;
  }
}

TEST(Contains, LandmarksLieInTheirDistricts) {
  ASSERT_EQ(chongqing().size(), 38u);
  struct Landmark {
    const char* name;
    Point where;  // GCJ-02
    const char* adcode;
  };
  const Landmark landmarks[] = {
      {"观音桥", {106.532, 29.575}, "500105"},       // 江北区
      {"解放碑", {106.577, 29.557}, "500103"},       // 渝中区
      {"南坪", {106.566, 29.530}, "500108"},         // 南岸区
      {"三峡广场", {106.457, 29.559}, "500106"},     // 沙坪坝区
      {"杨家坪", {106.511, 29.508}, "500107"},       // 九龙坡区
      {"万州 高笋塘", {108.409, 30.811}, "500101"},  // 万州区
  };
  for (const Landmark& l : landmarks) {
    EXPECT_EQ(districts_at(l.where), std::vector<std::string>{l.adcode}) << l.name;
  }
  EXPECT_TRUE(districts_at({116.397, 39.909}).empty()) << "天安门 is not in Chongqing";
  EXPECT_TRUE(districts_at({104.066, 30.572}).empty()) << "成都 is not in Chongqing";
}

TEST(Contains, HolesAreOutside) {
  Polygon frame = square(0, 0, 10, 10);
  frame.rings.push_back(square(4, 4, 6, 6).rings.front());
  EXPECT_TRUE(contains(frame, {1, 1}));
  EXPECT_TRUE(contains(frame, {5, 8}));
  EXPECT_FALSE(contains(frame, {5, 5})) << "inside the hole";
  EXPECT_FALSE(contains(frame, {11, 5}));
  EXPECT_FALSE(contains(frame, {-1, -1}));
  EXPECT_FALSE(contains(Polygon{}, {0, 0}));
}

TEST(Contains, ConcaveRingAndBothOrientations) {
  // A "U": the notch between the arms is outside.
  Polygon u{{{{0, 0}, {3, 0}, {3, 3}, {2, 3}, {2, 1}, {1, 1}, {1, 3}, {0, 3}, {0, 0}}}};
  EXPECT_TRUE(contains(u, {0.5, 2.5}));
  EXPECT_TRUE(contains(u, {2.5, 2.5}));
  EXPECT_TRUE(contains(u, {1.5, 0.5}));
  EXPECT_FALSE(contains(u, {1.5, 2}));
  Polygon reversed = u;
  std::reverse(reversed.rings.front().begin(), reversed.rings.front().end());
  EXPECT_TRUE(contains(reversed, {0.5, 2.5}));
  EXPECT_FALSE(contains(reversed, {1.5, 2}));
}

TEST(Contains, AnyPartOfAMultiPolygon) {
  District d{"500199", "测试区", {0.5, 0.5}, {square(0, 0, 1, 1), square(5, 5, 6, 6)}};
  EXPECT_TRUE(contains(d, {0.5, 0.5}));
  EXPECT_TRUE(contains(d, {5.5, 5.5}));
  EXPECT_FALSE(contains(d, {3, 3}));
  Box box = bounds(d);
  EXPECT_EQ(box.min_lon, 0);
  EXPECT_EQ(box.max_lat, 6);
}

std::string feature_collection(const std::string& features) {
  return R"({"type":"FeatureCollection","features":[)" + features + "]}";
}

const char* kGoodFeature =
    R"({"type":"Feature","properties":{"adcode":500105,"name":"江北区","center":[0.5,0.5]},)"
    R"("geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}})";

TEST(LoadDistricts, AcceptsStringAdcodeAndComputesAMissingCenter) {
  Result<std::vector<District>> loaded = load_districts(feature_collection(
      R"({"type":"Feature","properties":{"adcode":"500106","name":"沙坪坝区"},)"
      R"("geometry":{"type":"MultiPolygon","coordinates":[)"
      R"([[[10,10],[10.1,10],[10.1,10.1],[10,10.1],[10,10]]],)"
      R"([[[0,0],[4,0],[4,2],[0,2],[0,0]],[[1,1],[1.5,1],[1.5,1.5],[1,1],[1,1]]]]}})"));
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->size(), 1u);
  const District& d = loaded->front();
  EXPECT_EQ(d.adcode, "500106");
  EXPECT_EQ(d.polygons.size(), 2u);
  EXPECT_EQ(d.polygons[1].rings.size(), 2u);
  EXPECT_NEAR(d.center.lon, 2, 1e-9) << "centroid of the larger part's outer ring";
  EXPECT_NEAR(d.center.lat, 1, 1e-9);
}

struct BadCase {
  const char* what;
  std::string text;
  std::vector<std::string> expected;  // each must appear in the message
  std::string field;
};

TEST(LoadDistricts, BadInputsGiveClearErrors) {
  auto with_feature = [](const std::string& properties, const std::string& geometry) {
    return feature_collection(R"({"type":"Feature","properties":)" + properties +
                              R"(,"geometry":)" + geometry + "}");
  };
  const std::string good_geometry =
      R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]})";
  const std::string props = R"({"adcode":500105,"name":"江北区"})";
  const std::vector<BadCase> cases = {
      {"not json", "{\"type\":", {"not valid JSON"}, ""},
      {"not a collection", R"({"type":"Feature"})", {"FeatureCollection"}, "type"},
      {"no features", R"({"type":"FeatureCollection"})", {"features"}, "features"},
      {"empty", feature_collection(""), {"features is empty"}, "features"},
      {"missing adcode",
       with_feature(R"({"name":"江北区"})", good_geometry),
       {"feature 0 (江北区)", "adcode is missing"},
       "features[0].properties.adcode"},
      {"short adcode",
       with_feature(R"({"adcode":"5001","name":"江北区"})", good_geometry),
       {"feature 0 (江北区)", "\"5001\"", "6-digit"},
       "features[0].properties.adcode"},
      {"adcode float",
       with_feature(R"({"adcode":500105.5,"name":"江北区"})", good_geometry),
       {"adcode", "a number"},
       "features[0].properties.adcode"},
      {"missing name",
       with_feature(R"({"adcode":500105})", good_geometry),
       {"feature 0:", "properties.name is missing"},
       "features[0].properties.name"},
      {"name not string",
       with_feature(R"({"adcode":500105,"name":7})", good_geometry),
       {"properties.name is a number"},
       "features[0].properties.name"},
      {"point geometry",
       with_feature(props, R"({"type":"Point","coordinates":[0,0]})"),
       {"feature 0 (江北区)", "geometry.type is \"Point\"", "Polygon"},
       "features[0].geometry.type"},
      {"no geometry", with_feature(props, "null"), {"geometry is missing"}, "features[0].geometry"},
      {"three-point ring",
       with_feature(props, R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]})"),
       {"feature 0 (江北区)", "coordinates[0]", "has 3 points", "at least 4"},
       "features[0].geometry.coordinates[0]"},
      {"unclosed ring",
       with_feature(props,
                    R"({"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1]]]]})"),
       {"coordinates[0][0]", "not closed"},
       "features[0].geometry.coordinates[0][0]"},
      {"string coordinate",
       with_feature(props,
                    R"({"type":"Polygon","coordinates":[[[0,0],[1,"0"],[1,1],[0,1],[0,0]]]})"),
       {"coordinates[0][1]", "non-numeric"},
       "features[0].geometry.coordinates[0][1]"},
      {"coordinate out of range",
       with_feature(props,
                    R"({"type":"Polygon","coordinates":[[[0,0],[1,95],[1,1],[0,1],[0,0]]]})"),
       {"coordinates[0][1]", "outside"},
       "features[0].geometry.coordinates[0][1]"},
      {"bad center",
       with_feature(R"({"adcode":500105,"name":"江北区","center":"middle"})", good_geometry),
       {"properties.center", "a string"},
       "features[0].properties.center"},
      {"second feature",
       feature_collection(std::string(kGoodFeature) + "," +
                          R"({"type":"Feature","properties":{"adcode":500103,"name":"渝中区"},)"
                          R"("geometry":{"type":"Polygon","coordinates":[]}})"),
       {"feature 1 (渝中区)", "without rings"},
       "features[1].geometry.coordinates"},
      {"repeated adcode",
       feature_collection(std::string(kGoodFeature) + "," + kGoodFeature),
       {"feature 1 (江北区)", "500105 repeats feature 0"},
       "features[1].properties.adcode"},
  };
  for (const BadCase& c : cases) {
    Result<std::vector<District>> loaded = load_districts(c.text);
    ASSERT_FALSE(loaded) << c.what;
    EXPECT_EQ(loaded.error().code, Code::kInvalid) << c.what;
    for (const std::string& part : c.expected) {
      EXPECT_NE(loaded.error().message.find(part), std::string::npos)
          << c.what << ": \"" << part << "\" not in: " << loaded.error().message;
    }
    if (!c.field.empty()) {
      ASSERT_EQ(loaded.error().fields.size(), 1u) << c.what;
      EXPECT_EQ(loaded.error().fields.front().field, c.field) << c.what;
    }
  }
}

TEST(StationDirectory, SyntheticStationsLieInsideTheirDistricts) {
  ASSERT_EQ(chongqing().size(), 38u);
  StationDirectory directory = StationDirectory::synthetic(chongqing(), 4);
  EXPECT_EQ(directory.districts().size(), 38u);
  ASSERT_EQ(directory.stations().size(), 38u * 4);
  std::set<std::string> codes;
  for (const StationInfo& s : directory.stations()) {
    codes.insert(s.station.code);
    const District* d = directory.district(s.station.district_adcode);
    ASSERT_NE(d, nullptr) << s.station.code;
    EXPECT_TRUE(contains(*d, s.position)) << s.station.name;
    EXPECT_EQ(s.station.code.substr(0, 7), d->adcode + "-");
    EXPECT_EQ(s.station.name.substr(0, d->name.size()), d->name);
  }
  EXPECT_EQ(codes.size(), directory.stations().size()) << "codes are unique";

  const StationInfo* jiangbei = directory.default_station("500105");
  ASSERT_NE(jiangbei, nullptr);
  EXPECT_EQ(jiangbei->station.code, "500105-01");
  EXPECT_EQ(jiangbei->station.name, "江北区第1派出所");
  EXPECT_EQ(jiangbei->station.district_adcode, "500105");
  EXPECT_EQ(jiangbei->position.lon, directory.district("500105")->center.lon)
      << "the default station stands at the center, which is inside";

  const StationInfo* fourth = directory.station("500105-04");
  ASSERT_NE(fourth, nullptr);
  EXPECT_EQ(fourth->station.name, "江北区第4派出所");
  EXPECT_EQ(directory.station("500105-05"), nullptr);
  EXPECT_EQ(directory.default_station("110101"), nullptr);
  EXPECT_EQ(directory.default_station(""), nullptr);
  EXPECT_EQ(directory.district("110101"), nullptr);
  EXPECT_EQ(directory.district("500103")->name, "渝中区");
}

TEST(StationDirectory, SyntheticIsDeterministicAndSpreadOut) {
  ASSERT_EQ(chongqing().size(), 38u);
  StationDirectory a = StationDirectory::synthetic(chongqing(), 5);
  StationDirectory b = StationDirectory::synthetic(chongqing(), 5);
  ASSERT_EQ(a.stations().size(), b.stations().size());
  for (size_t i = 0; i < a.stations().size(); ++i) {
    EXPECT_EQ(a.stations()[i].position.lon, b.stations()[i].position.lon);
    EXPECT_EQ(a.stations()[i].position.lat, b.stations()[i].position.lat);
  }
  // 渝中区 is about 20 km²; five stations placed by best candidate stay apart.
  std::vector<Point> yuzhong;
  for (const StationInfo& s : a.stations()) {
    if (s.station.district_adcode == "500103") yuzhong.push_back(s.position);
  }
  ASSERT_EQ(yuzhong.size(), 5u);
  for (size_t i = 0; i < yuzhong.size(); ++i) {
    for (size_t j = i + 1; j < yuzhong.size(); ++j) {
      double dlon = yuzhong[i].lon - yuzhong[j].lon, dlat = yuzhong[i].lat - yuzhong[j].lat;
      EXPECT_GT(dlon * dlon + dlat * dlat, 0.004 * 0.004) << i << " and " << j;
    }
  }
}

TEST(StationDirectory, GroupsGivenStationsByDistrict) {
  std::vector<District> districts = {
      {"500105", "江北区", {0.5, 0.5}, {square(0, 0, 1, 1)}},
      {"500103", "渝中区", {2.5, 0.5}, {square(2, 0, 3, 1)}},
  };
  auto station = [](const std::string& code, const std::string& adcode) {
    return StationInfo{cases::Station{code, code + "所", adcode}, {}};
  };
  StationDirectory directory(districts, {station("石门", "500105"), station("解放碑", "500103"),
                                         station("外地", "110101"), station("观音桥", "500105")});
  ASSERT_EQ(directory.stations().size(), 4u);
  EXPECT_EQ(directory.stations()[0].station.code, "石门");
  EXPECT_EQ(directory.stations()[1].station.code, "观音桥");
  EXPECT_EQ(directory.stations()[2].station.code, "解放碑");
  EXPECT_EQ(directory.stations()[3].station.code, "外地");
  EXPECT_EQ(directory.default_station("500105")->station.code, "石门");
  EXPECT_EQ(directory.default_station("500103")->station.code, "解放碑");
  EXPECT_EQ(directory.default_station("110101"), nullptr) << "not one of our districts";
  EXPECT_EQ(directory.station("外地")->station.district_adcode, "110101");

  StationDirectory empty;
  EXPECT_EQ(empty.default_station("500105"), nullptr);
  EXPECT_EQ(empty.station("500105-01"), nullptr);
  StationDirectory none = StationDirectory::synthetic(districts, 0);
  EXPECT_EQ(none.default_station("500105"), nullptr);
  EXPECT_NE(none.district("500105"), nullptr);
}

}  // namespace
}  // namespace quanzu::geo
