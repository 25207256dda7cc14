#include "base/mask.h"

#include <gtest/gtest.h>

namespace quanzu {
namespace {

TEST(Mask, HidesTheMiddle) {
  EXPECT_EQ(mask_phone("13800138000"), "138****8000");
  EXPECT_EQ(mask_id_number("500105199001011234"), "500105********1234");
  EXPECT_EQ(mask_account("6222021234567890123"), "6222 **** 0123");
  EXPECT_EQ(mask_name("何某某"), "何**");
  EXPECT_EQ(mask_name("Li"), "L**");
}

TEST(Mask, ShortValuesRevealAtMostTwoCharacters) {
  EXPECT_EQ(mask_phone("12345"), "***45");
  EXPECT_EQ(mask_phone("12"), "12");
  EXPECT_EQ(mask_account("1234"), "****34");
}

}  // namespace
}  // namespace quanzu
