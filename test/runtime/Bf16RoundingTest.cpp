//===- Bf16RoundingTest.cpp - the JIT's __truncsfbf2 rounds as bf16 should ===//
//
// LLVM calls this function for the f32 to bf16 conversions it makes itself
// on CPUs without AVX512-BF16 (the naive layer's bf16 vectors): round to
// nearest, ties to even, and a NaN that stays a NaN.
//
//===----------------------------------------------------------------------===//

#include "runtime/cpu/Bf16Rounding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace mlagen;

namespace {

float fromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

TEST(Bf16Rounding, RoundsToNearestTiesToEven) {
  EXPECT_EQ(bf16Bits(1.0f), 0x3f80);
  EXPECT_EQ(bf16Bits(-2.0f), 0xc000);
  // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: to the even one, 1.
  EXPECT_EQ(bf16Bits(fromBits(0x3f808000u)), 0x3f80);
  // 1 + 3 x 2^-8 lies halfway between 1 + 2^-7 and 1 + 2^-6: up, to even.
  EXPECT_EQ(bf16Bits(fromBits(0x3f818000u)), 0x3f82);
  // Just above halfway rounds up.
  EXPECT_EQ(bf16Bits(fromBits(0x3f808001u)), 0x3f81);
  // The largest finite float rounds to infinity.
  EXPECT_EQ(bf16Bits(std::numeric_limits<float>::max()), 0x7f80);
}

TEST(Bf16Rounding, KeepsInfinitiesAndNaNs) {
  EXPECT_EQ(bf16Bits(std::numeric_limits<float>::infinity()), 0x7f80);
  EXPECT_EQ(bf16Bits(-std::numeric_limits<float>::infinity()), 0xff80);
  // A NaN whose payload is only in the low bits would truncate to an
  // infinity: it must stay a NaN, of its sign.
  uint16_t low = bf16Bits(fromBits(0x7f800001u));
  EXPECT_EQ(low & 0x7f80, 0x7f80);
  EXPECT_NE(low & 0x007f, 0);
  EXPECT_EQ(bf16Bits(fromBits(0xffc00000u)) & 0x8000, 0x8000);
  EXPECT_TRUE(std::isnan(fromBits(uint32_t(bf16Bits(NAN)) << 16)));
}

} // namespace
