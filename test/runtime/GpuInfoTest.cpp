//===- GpuInfoTest.cpp - targets and rooflines from a GPU's attributes ----===//
//
// Without a GPU: the target mlagen generates for each compute capability,
// and the roofline mla-run compares a GPU run with, from the attributes
// the driver reports (an H100 SXM's and an A100's here).
//
//===----------------------------------------------------------------------===//

#include "mlagen/Gpu.h"

#include <gtest/gtest.h>

using namespace mlagen;

namespace {

TEST(GpuInfo, TargetPerComputeCapability) {
  EXPECT_EQ(archForCapability(8, 0), "sm_80");
  EXPECT_EQ(archForCapability(8, 9), "sm_89");
  EXPECT_EQ(archForCapability(9, 0), "sm_90a");
  EXPECT_EQ(archForCapability(10, 0), "sm_100a");
  EXPECT_EQ(archForCapability(10, 3), "sm_103a");
  EXPECT_EQ(archForCapability(12, 0), "sm_120");
}

TEST(GpuInfo, RooflineFromTheDriversPeaks) {
  GpuInfo h100;
  h100.major = 9;
  h100.multiprocessors = 132;
  h100.clockKhz = 1980000;
  h100.memoryClockKhz = 2619000;
  h100.memoryBusBits = 5120;
  GpuRoofline roofline = rooflineOf(h100);
  // 2 x 2.619 GHz x 640 bytes; 132 SMs x 1.98 GHz x 4096 FLOP per clock.
  EXPECT_DOUBLE_EQ(roofline.bytesPerSecond, 2 * 2.619e9 * 640);
  EXPECT_DOUBLE_EQ(roofline.flopsPerSecond, 132 * 1.98e9 * 4096);

  GpuInfo a100;
  a100.major = 8;
  a100.multiprocessors = 108;
  a100.clockKhz = 1410000;
  a100.memoryClockKhz = 1593000;
  a100.memoryBusBits = 5120;
  roofline = rooflineOf(a100);
  EXPECT_NEAR(roofline.bytesPerSecond, 2.039e12, 1e9);
  EXPECT_NEAR(roofline.flopsPerSecond, 312e12, 1e12);

  // A compute capability mlagen has no figure for: bandwidth only.
  GpuInfo other = a100;
  other.major = 12;
  EXPECT_EQ(rooflineOf(other).flopsPerSecond, 0);
  EXPECT_GT(rooflineOf(other).bytesPerSecond, 0);
}

} // namespace
