//===- DecodeScheduleTest.cpp - the balanced decode schedule --------------===//
//
// Over many length mixes: every key of every sequence is attended by
// exactly one (sequence, part) segment, every sequence meets a part, the
// partial-result slots are distinct and within the workspace, and no part
// gets more than the quota plus two overheads (a piece carried in from the
// part before it, and one whose overhead it shares with the part after),
// so the most loaded part is within (1 + 2c) parts / total units of the
// mean.
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/DecodeSchedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

using namespace mlir::mla;

namespace {

struct Mix {
  std::string name;
  std::vector<int> lengths;
};

std::vector<Mix> mixes() {
  std::mt19937 random(5);
  auto uniform = [&](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random);
  };
  std::vector<Mix> all;
  all.push_back({"all empty", std::vector<int>(128, 0)});
  all.push_back({"one", {1}});
  all.push_back({"one long", {32768}});
  Mix longAmongShort{"one 32k among 127 short", {32768}};
  for (int i = 0; i < 127; ++i)
    longAmongShort.lengths.push_back(uniform(1, 512));
  all.push_back(longAmongShort);
  // FlashMLA's variable-length grid: batch 128, uniform in [L/2, 3L/2].
  for (int l : {4096, 8192, 16384, 32768}) {
    Mix varlen{"varlen " + std::to_string(l), {}};
    for (int i = 0; i < 128; ++i)
      varlen.lengths.push_back(uniform(l / 2, 3 * l / 2));
    all.push_back(varlen);
  }
  for (int trial = 0; trial < 20; ++trial) {
    Mix random{"random " + std::to_string(trial), {}};
    int batch = uniform(1, 300);
    for (int i = 0; i < batch; ++i)
      random.lengths.push_back(uniform(0, 1) ? uniform(0, 70)
                                             : uniform(0, 9000));
    all.push_back(random);
  }
  return all;
}

long long totalUnits(const std::vector<int> &lengths,
                     const mlagen_schedule &s) {
  long long total = 0;
  for (int l : lengths)
    total += mlagen_sequence_cost(s, l);
  return total;
}

TEST(DecodeSchedule, EveryKeyOnceAndBalanced) {
  for (const Mix &mix : mixes())
    for (int parts : {1, 7, 132, 264})
      for (auto [tile, overhead] : {std::pair{64, 1}, {64, 5}, {16, 2}}) {
        mlagen_schedule s{parts, tile, overhead};
        std::string where = mix.name + ", " + std::to_string(parts) +
                            " parts, T " + std::to_string(tile) + ", c " +
                            std::to_string(overhead);
        std::vector<ScheduleSegment> segments =
            scheduleSegments(mix.lengths, s);
        int batch = mix.lengths.size();
        std::vector<std::vector<mlagen_key_range>> perSequence(batch);
        std::set<int> slots;
        for (const ScheduleSegment &g : segments) {
          ASSERT_GE(g.sequence, 0) << where;
          ASSERT_LT(g.sequence, batch) << where;
          ASSERT_GE(g.part, 0) << where;
          ASSERT_LT(g.part, parts) << where;
          EXPECT_TRUE(slots.insert(g.slot).second) << where << ": slot reused";
          EXPECT_LT(g.slot, schedulePartialSlots(batch, parts)) << where;
          perSequence[g.sequence].push_back(g.keys);
        }
        for (int b = 0; b < batch; ++b) {
          std::vector<mlagen_key_range> &ranges = perSequence[b];
          ASSERT_FALSE(ranges.empty()) << where << ": sequence " << b;
          std::sort(ranges.begin(), ranges.end(),
                    [](auto x, auto y) { return x.begin < y.begin; });
          int covered = 0;
          for (mlagen_key_range r : ranges) {
            if (r.begin == r.end)
              continue; // a part that met only the overhead
            EXPECT_EQ(r.begin, covered) << where << ": sequence " << b;
            covered = r.end;
          }
          EXPECT_EQ(covered, mix.lengths[b]) << where << ": sequence " << b;
        }
        long long total = totalUnits(mix.lengths, s);
        long long quota = mlagen_part_quota(s, total);
        ScheduleLoad load = balancedLoad(mix.lengths, s);
        EXPECT_LE(load.max, quota + 2 * overhead) << where;
        EXPECT_LE(load.balance(),
                  1.0 + double(1 + 2 * overhead) * parts / total + 1e-9)
            << where;
      }
}

TEST(DecodeSchedule, LongAmongShortBeatsTheEvenSplit) {
  std::vector<Mix> all = mixes();
  auto found = std::find_if(all.begin(), all.end(), [](const Mix &m) {
    return m.name == "one 32k among 127 short";
  });
  ASSERT_NE(found, all.end());
  {
    const Mix &mix = *found;
    mlagen_schedule s{132, 64, 5};
    double balanced = balancedLoad(mix.lengths, s).balance();
    // The fixed split an engine for batch 128 on 132 SMs would pick: 2.
    double even = evenSplitLoad(mix.lengths, 2, s).balance();
    EXPECT_LT(balanced, 1.4) << "even split: " << even;
    EXPECT_GT(even, 5 * balanced);
  }
}

TEST(DecodeSchedule, PartKeysAreTheSequencesTiles) {
  mlagen_schedule s{4, 64, 2};
  // One sequence of 640 keys: 10 tiles + 2 overhead = 12 units, 3 a part.
  EXPECT_EQ(mlagen_sequence_cost(s, 640), 12);
  long long quota = mlagen_part_quota(s, 12);
  EXPECT_EQ(quota, 3);
  mlagen_key_range first = mlagen_part_keys(s, 0, 12, 640, 0, quota);
  EXPECT_EQ(first.begin, 0);
  EXPECT_EQ(first.end, 64); // units 0, 1 overhead, unit 2 tile 0
  mlagen_key_range last = mlagen_part_keys(s, 0, 12, 640, 3, quota);
  EXPECT_EQ(last.begin, 448);
  EXPECT_EQ(last.end, 640);
  // A short last tile is clamped to the length.
  EXPECT_EQ(mlagen_part_keys(s, 0, 12, 600, 3, quota).end, 600);
  long long starts[] = {0, 3, 3 + 12, 40};
  EXPECT_EQ(mlagen_sequence_of_unit(starts, 4, 0), 0);
  EXPECT_EQ(mlagen_sequence_of_unit(starts, 4, 14), 1);
  EXPECT_EQ(mlagen_sequence_of_unit(starts, 4, 15), 2);
  EXPECT_EQ(mlagen_sequence_of_unit(starts, 4, 1000), 3);
}

} // namespace
