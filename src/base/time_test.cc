#include "base/time.h"

#include <gtest/gtest.h>

namespace quanzu {
namespace {

TEST(Rfc3339, ParsesOffsetsAndFractions) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("1970-01-01T08:00:00+08:00"), 0);
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(parse_rfc3339("2023-11-29T10:26:00+08:00"), 1701224760000);
  EXPECT_EQ(parse_rfc3339("2023-11-29T02:26:00z"), 1701224760000);
}

TEST(Rfc3339, RejectsWhatIsNotOne) {
  for (const char* bad : {"", "2023-11-29", "2023-11-29T10:26:00", "2023-02-30T00:00:00Z",
                          "2023-13-01T00:00:00Z", "2023-11-29T24:00:00Z", "yesterday",
                          "2023-11-29T10:26:00+8:00", "2023-11-29T10:26:00Zjunk",
                          "2023-11-29T10:26:00.Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
  }
  EXPECT_TRUE(parse_rfc3339("2024-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(parse_rfc3339("2023-02-29T00:00:00Z").has_value());
}

TEST(Rfc3339, FormatsRoundTrip) {
  EXPECT_EQ(format_rfc3339(1701224760000), "2023-11-29T10:26:00.000+08:00");
  EXPECT_EQ(format_rfc3339(1701224760123, 0), "2023-11-29T02:26:00.123+00:00");
  EXPECT_EQ(parse_rfc3339(format_rfc3339(-123456789)), -123456789);
  EXPECT_EQ(day_of(1701273600000), "2023-11-30");  // 00:00 Beijing time
  EXPECT_EQ(day_of(1701273600000, 0), "2023-11-29");
}

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(parse_duration("30d"), 30LL * 86400000);
  EXPECT_EQ(parse_duration("2h"), 7200000);
  EXPECT_EQ(parse_duration("15m"), 900000);
  EXPECT_EQ(parse_duration("45s"), 45000);
  EXPECT_FALSE(parse_duration("d").has_value());
  EXPECT_FALSE(parse_duration("3x").has_value());
  EXPECT_FALSE(parse_duration("-3d").has_value());
}

}  // namespace
}  // namespace quanzu
