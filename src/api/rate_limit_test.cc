#include "api/rate_limit.h"

#include <gtest/gtest.h>

#include <string>

namespace quanzu::api {
namespace {

constexpr Millis kStart = 1'700'000'000'000;

TEST(TokenBucket, BurstThenRefusedWithTheWaitUntilTheNextToken) {
  const RateLimit limit{10, 3};  // one token every 100 ms
  TokenBucket bucket(limit, kStart);
  EXPECT_EQ(bucket.take(limit, kStart), 0);
  EXPECT_EQ(bucket.take(limit, kStart), 0);
  EXPECT_EQ(bucket.take(limit, kStart), 0);
  EXPECT_EQ(bucket.take(limit, kStart), 100);
  EXPECT_EQ(bucket.take(limit, kStart + 40), 60);
  EXPECT_EQ(bucket.take(limit, kStart + 100), 0);
  EXPECT_EQ(bucket.take(limit, kStart + 100), 100);
}

TEST(TokenBucket, RefillsNoHigherThanTheBurst) {
  const RateLimit limit{10, 3};
  TokenBucket bucket(limit, kStart);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(bucket.take(limit, kStart), 0);
  EXPECT_EQ(bucket.full_at(limit), kStart + 300);
  const Millis later = kStart + 3'600'000;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bucket.take(limit, later), 0) << i;
  EXPECT_GT(bucket.take(limit, later), 0);
}

TEST(TokenBucket, AClockGoingBackAddsNothing) {
  const RateLimit limit{1, 1};
  TokenBucket bucket(limit, kStart);
  ASSERT_EQ(bucket.take(limit, kStart), 0);
  EXPECT_EQ(bucket.take(limit, kStart - 60'000), 1000);
  EXPECT_EQ(bucket.take(limit, kStart + 999), 1);
  EXPECT_EQ(bucket.take(limit, kStart + 1000), 0);
}

TEST(TokenBucket, SlowRatesAskForLongWaits) {
  const RateLimit limit{0.5, 1};  // one token every 2 s
  TokenBucket bucket(limit, kStart);
  ASSERT_EQ(bucket.take(limit, kStart), 0);
  EXPECT_EQ(bucket.take(limit, kStart), 2000);
}

TEST(AddressRateLimiter, EachAddressHasItsOwnBucket) {
  ManualClock clock(kStart);
  AddressRateLimiter limiter(clock, {5, 2});
  EXPECT_TRUE(limiter.take("10.0.0.1").allowed);
  EXPECT_TRUE(limiter.take("10.0.0.1").allowed);
  RateDecision refused = limiter.take("10.0.0.1");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_ms, 200);
  EXPECT_TRUE(limiter.take("10.0.0.2").allowed);
  clock.advance(200);
  EXPECT_TRUE(limiter.take("10.0.0.1").allowed);
  EXPECT_FALSE(limiter.take("10.0.0.1").allowed);
}

TEST(AddressRateLimiter, ZeroRateDisablesTheLimit) {
  ManualClock clock(kStart);
  AddressRateLimiter limiter(clock, {0, 0});
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(limiter.take("10.0.0.1").allowed);
  EXPECT_EQ(limiter.tracked(), 0u);
}

TEST(AddressRateLimiter, IdleAddressesAreForgottenAtTheCap) {
  ManualClock clock(kStart);
  AddressRateLimiter limiter(clock, {100, 10}, 50);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(limiter.take("10.0.1." + std::to_string(i)).allowed);
  EXPECT_EQ(limiter.tracked(), 50u);
  clock.advance(1000);  // every bucket has refilled
  EXPECT_TRUE(limiter.take("10.0.2.1").allowed);
  EXPECT_EQ(limiter.tracked(), 1u);
}

TEST(AddressRateLimiter, ActiveAddressesAtTheCapLoseTheLeastRecentlySeen) {
  ManualClock clock(kStart);
  AddressRateLimiter limiter(clock, {1, 1}, 20);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(limiter.take("10.0.1." + std::to_string(i)).allowed);
    clock.advance(1);
  }
  // All empty and none refilled: the next new address pushes out the oldest tenth.
  EXPECT_TRUE(limiter.take("10.0.2.1").allowed);
  EXPECT_LE(limiter.tracked(), 20u);
  EXPECT_GE(limiter.tracked(), 18u);
  // The oldest (10.0.1.0) starts afresh; a recent one is still limited.
  EXPECT_TRUE(limiter.take("10.0.1.0").allowed);
  EXPECT_FALSE(limiter.take("10.0.1.19").allowed);
}

TEST(AddressRateLimiter, MemoryStaysBoundedUnderManyAddresses) {
  ManualClock clock(kStart);
  AddressRateLimiter limiter(clock, {1, 5}, 1000);
  for (int i = 0; i < 20000; ++i) {
    limiter.take("a" + std::to_string(i));
    ASSERT_LE(limiter.tracked(), 1000u);
  }
}

}  // namespace
}  // namespace quanzu::api
