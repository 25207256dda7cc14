#include "base/ids.h"

#include <set>

#include <gtest/gtest.h>

namespace quanzu {
namespace {

TEST(CaseIds, TenRequestsOfTenThousandInOneMillisecondNeverRepeat) {
  // The largest request shares one millisecond: ids must still be distinct.
  std::set<std::string> seen;
  for (int i = 0; i < 100000; ++i) {
    ASSERT_TRUE(seen.insert(new_case_id(1701224760000)).second) << i;
  }
}

TEST(CaseIds, SortByTime) {
  const std::string a = new_case_id(1701224760000);
  const std::string b = new_case_id(1701224760001);
  EXPECT_LT(a.substr(0, 11), b.substr(0, 11));
  EXPECT_EQ(a.size(), 19u);
  EXPECT_EQ(a[0], 'C');
}

}  // namespace
}  // namespace quanzu
