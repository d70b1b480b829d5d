//===- EmulatedEngineTest.cpp - the host API's launches, no GPU -----------===//
//
// What Engine::append and Engine::decode launch, run on emulated kernels:
// an engine's unit (generateEngineUnit) bound as Engine::create binds it
// (bindEngineKernels), each call's slots filled as the calls over a cache
// the caller owns fill them (checkAppend and checkDecode of CacheTensors,
// callerCacheView, appendSlots, decodeSlots) over host memory laid out by
// a PageTable (pages, block table, lengths).
// For sm_80 (mma_sync) and sm_90a (wgmma with TMA): an append of new
// tokens (fused RoPE) followed by a decode over the grown cache, checked
// against the reference; the balanced schedule over few and many
// multiprocessors (a sequence of thousands of keys spanning parts beside
// empty and short ones) and an even split, with the engine's workspace and
// with the caller's; a batch below the engine's maxBatch.
//
//===----------------------------------------------------------------------===//

#include "EmulatedTensorMap.h"
#include "KernelEmulator.h"
#include "mlagen/Metrics.h"
#include "mlagen/PageTable.h"
#include "mlagen/Presets.h"
#include "mlagen/StorageBuffer.h"
#include "passes/Passes.h"
#include "passes/cuda/DecodeSchedule.h"
#include "runtime/cuda/EngineLaunches.h"
#include "runtime/cuda/EngineUnit.h"

#include "test/AttentionChecks.h"
#include "test/TestValues.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace mlagen;

namespace {

using mlagen::test::exactValues;

struct Case {
  const char *name, *preset, *arch;
  int queryTokens, pageSize;
  int splits; // 0: the balanced schedule
  bool callersWorkspace;
  int smCount = 132;
  std::vector<int32_t> lengths = {}; // before the append; {0, 1, page - 1, 150}
  int emptySlot = -1; // a slot the decode sees as empty (length 0), if any
  // Where not 0, the longest sequence's first table entry for the decode:
  // a page outside the cache, which must read as zero rows.
  int32_t badEntry = 0;
};

uint64_t address(const void *p) { return uint64_t(uintptr_t(p)); }

class EmulatedEngine : public ::testing::TestWithParam<Case> {};

TEST_P(EmulatedEngine, AppendThenDecodeMatchTheReference) {
  const Case &c = GetParam();
  llvm::Expected<LayerConfig> config = presetLayerConfig(c.preset);
  ASSERT_TRUE(bool(config));
  EngineOptions options;
  options.config = *config;
  options.pageSize = c.pageSize;
  options.queryTokens = c.queryTokens;
  options.maxBatch = 5;
  options.splits = c.splits;
  llvm::Expected<CudaUnit> unit =
      generateEngineUnit(options, c.arch, c.smCount);
  ASSERT_TRUE(bool(unit)) << llvm::toString(unit.takeError());
  llvm::Expected<EngineLaunches> launches = bindEngineKernels(unit->kernels);
  ASSERT_TRUE(bool(launches)) << llvm::toString(launches.takeError());
  const DecodeCut &cut = launches->cut;
  EXPECT_EQ(cut.balanced(), c.splits == 0);
  if (c.splits == 0)
    EXPECT_GE(cut.parts, 1);
  else
    EXPECT_EQ(cut.splits, c.splits);
  llvm::Expected<std::unique_ptr<EmulatedUnit>> emulated =
      EmulatedUnit::compile(*unit);
  ASSERT_TRUE(bool(emulated)) << llvm::toString(emulated.takeError());

  // The cache: a page table of 5 slots, 4 of them in use, each grown by S
  // tokens for the append; rows NaN until written.
  const LayerConfig &cfg = options.config;
  int64_t s = c.queryTokens, width = cfg.rowWidth(), batch = 4;
  std::vector<int32_t> before = c.lengths;
  if (before.empty())
    before = {0, 1, c.pageSize - 1, 150};
  ASSERT_EQ(int64_t(before.size()), batch);
  int32_t longest = *std::max_element(before.begin(), before.end());
  // Pages enough for every sequence, each starting on its own page.
  int64_t pages = 0;
  for (int32_t length : before)
    pages += (length + s + c.pageSize - 1) / c.pageSize;
  llvm::Expected<PageTable> table =
      PageTable::create(pages + 1, c.pageSize, 5, pages + 1);
  ASSERT_TRUE(bool(table));
  StorageType storage = options.storage;
  // What it holds; one more page past the cache's, zero, which only the
  // reference reads (for a bad table entry, below).
  std::vector<float> mirror((pages + 2) * c.pageSize * width, NAN);
  std::fill(mirror.begin() + (pages + 1) * c.pageSize * width, mirror.end(),
            0.0f);
  std::vector<float> cached = exactValues(batch * longest * width + 1, 7);
  for (int64_t b = 0; b < batch; ++b) {
    ASSERT_FALSE(bool(table->extend(b, before[b])));
    for (int64_t t = 0; t < before[b]; ++t) {
      llvm::Expected<int64_t> row = table->rowOf(b, t);
      ASSERT_TRUE(bool(row));
      for (int64_t i = 0; i < width; ++i) {
        mirror[*row * width + i] = cached[(b * longest + t) * width + i];
      }
    }
    ASSERT_FALSE(bool(table->extend(b, s)));
  }
  StorageBuffer rows(storage, mirror); // the cache's memory
  std::vector<int32_t> blockTable = table->blockTable(),
                       lengths = table->lengths(),
                       starts = appendStarts(lengths, s);
  ElementType type = elementTypeOf(storage);
  // The cache as a serving engine owns it: its rows, block table and (for
  // the append: where the new tokens go) lengths.
  CacheTensors tensors{
      {address(rows.data()), type, {pages + 1, c.pageSize, width}},
      {address(blockTable.data()), ElementType::I32, {5, table->width()}},
      {address(starts.data()), ElementType::I32, {5}}};
  mlagen_emu::TensorMap map = {};
  // wgmma loads the cache by TMA where a page fills whole swizzle atoms.
  bool tma = std::string(c.arch) == "sm_90a" && c.pageSize % 8 == 0;
  ASSERT_EQ(launches->cacheMap.has_value(), tma);
  if (tma)
    map = emulatedTensorMap(*launches->cacheMap, rows.data(),
                            (pages + 1) * c.pageSize);
  CacheView view = callerCacheView(tensors, tma ? address(&map) : 0);

  // Append: each new token's c_kv and (rotated on the way) k_rope.
  int64_t dc = cfg.kvLoraRank, dr = cfg.qkRopeHeadDim, h = cfg.heads;
  StorageBuffer cKv(storage, exactValues(batch * s * dc, 1)),
      kRope(storage, exactValues(batch * s * dr, 2));
  std::vector<int32_t> positions;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t k = 0; k < s; ++k)
      positions.push_back(before[b] + k);
  AppendBuffers append{
      {address(cKv.data()), type, {batch, s, dc}},
      {address(kRope.data()), type, {batch, s, dr}},
      {address(positions.data()), ElementType::I32, {batch, s}}};
  ASSERT_EQ(llvm::toString(Engine::checkAppend(options, tensors, append)), "");
  EngineSlots appendValues = appendSlots(options, view, append);
  ASSERT_EQ(llvm::toString(
                (*emulated)->launch(*launches->append, appendValues.all())),
            "");
  // The mirror gets the reference's rows: c_kv as is, k_rope rotated.
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t k = 0; k < s; ++k) {
      llvm::Expected<int64_t> row = table->rowOf(b, before[b] + k);
      ASSERT_TRUE(bool(row));
      std::vector<double> rope(dr);
      for (int64_t i = 0; i < dr; ++i)
        rope[i] = kRope.get((b * s + k) * dr + i);
      reference::applyRope(cfg.rope, rope.data(), dr, before[b] + k);
      for (int64_t i = 0; i < dc; ++i)
        mirror[*row * width + i] = cKv.get((b * s + k) * dc + i);
      for (int64_t i = 0; i < dr; ++i) {
        float expected = roundTo(storage, float(rope[i]));
        mirror[*row * width + dc + i] = expected;
        EXPECT_NEAR(rows.get(*row * width + dc + i), expected,
                    0x1p-7 * std::max(1.0f, std::fabs(expected)))
            << "k_rope of slot " << b << " token " << before[b] + k;
      }
    }
  // Every other row is as it was (NaN where no token is).
  std::vector<float> after = rows.values();
  for (size_t i = 0; i < after.size(); ++i)
    if (i % width >= size_t(dc) && !std::isnan(mirror[i]) &&
        std::fabs(after[i] - mirror[i]) <=
            0x1p-7 * std::max(1.0f, std::fabs(mirror[i])))
      continue; // a rotated k_rope value, checked above
    else
      ASSERT_TRUE(after[i] == mirror[i] ||
                  (std::isnan(after[i]) && std::isnan(mirror[i])))
          << "cache value " << i << " (row " << i / width << ")";

  // Decode over the grown cache, the last S tokens the queries'; the empty
  // slot's length reads 0 on the device.
  std::vector<int32_t> decodeLengths = lengths;
  if (c.emptySlot >= 0)
    decodeLengths[c.emptySlot] = 0;
  tensors.lengths.data = address(decodeLengths.data());
  // The reference reads the bad entry's page as the zero page past the
  // cache; the kernels are given the bad entry.
  std::vector<int32_t> decodeTable = blockTable, referenceTable = blockTable;
  if (c.badEntry) {
    int64_t longestSlot =
        std::max_element(before.begin(), before.end()) - before.begin();
    decodeTable[longestSlot * table->width()] = c.badEntry;
    referenceTable[longestSlot * table->width()] = int32_t(pages + 1);
  }
  tensors.blockTable.data = address(decodeTable.data());
  view = callerCacheView(tensors, tma ? address(&map) : 0);
  if (cut.balanced() && c.smCount <= 8) { // the long sequence spans parts
    mlagen_schedule schedule{int(cut.parts),
                             int(mlir::mla::kScheduleKeysPerUnit),
                             int(mlir::mla::kScheduleOverheadUnits)};
    std::vector<int> attended(decodeLengths.begin(),
                              decodeLengths.begin() + batch);
    std::vector<int> pieces(batch, 0);
    for (const mlir::mla::ScheduleSegment &segment :
         mlir::mla::scheduleSegments(attended, schedule))
      ++pieces[segment.sequence];
    EXPECT_GT(*std::max_element(pieces.begin(), pieces.end()), 1);
  }
  std::vector<float> qLatent = exactValues(batch * s * h * dc, 3),
                     qRope = exactValues(batch * s * h * dr, 4);
  // Outputs and workspaces start as NaN: what the kernels leave unwritten
  // shows.
  StorageBuffer q(storage, qLatent), qr(storage, qRope),
      out(storage, std::vector<float>(batch * s * h * dc, NAN));
  std::vector<float> lse(batch * s * h, NAN);
  int64_t workspaceBytes = Engine::workspaceBytes(options, cut, 5);
  std::vector<uint64_t> engineWorkspace(workspaceBytes / 8 + 2, ~0ull),
      callersWorkspace(workspaceBytes / 8 + 2, ~0ull);
  DecodeBuffers decode{{address(q.data()), type, {batch, s, h, dc}},
                       {address(qr.data()), type, {batch, s, h, dr}},
                       {address(out.data()), type, {batch, s, h, dc}},
                       {address(lse.data()), ElementType::F32, {batch, s, h}}};
  if (c.callersWorkspace) {
    decode.workspace = address(callersWorkspace.data());
    decode.workspaceBytes = Engine::workspaceBytes(options, cut, batch);
  }
  ASSERT_EQ(llvm::toString(Engine::checkDecode(options, cut, tensors, decode)),
            "");
  EngineSlots decodeValues =
      decodeSlots(options, cut, view, decode, address(engineWorkspace.data()));
  for (const BoundLaunch &launch : launches->decode)
    ASSERT_EQ(llvm::toString((*emulated)->launch(launch, decodeValues.all())),
              "");
  if (c.callersWorkspace && workspaceBytes > 0) { // the engine's unused
    EXPECT_TRUE(
        llvm::all_of(engineWorkspace, [](uint64_t w) { return w == ~0ull; }));
  }

  reference::PagedCache mirrorCache{pages + 2, c.pageSize, dc, dr, mirror};
  reference::SequenceTable mirrorTable{
      batch, table->width(),
      std::vector<int32_t>(referenceTable.begin(),
                           referenceTable.begin() + batch * table->width()),
      std::vector<int32_t>(decodeLengths.begin(),
                           decodeLengths.begin() + batch)};
  llvm::Expected<reference::AttentionResult> expected =
      reference::latentAttention(cfg, q.values(), qr.values(), s, mirrorCache,
                                 mirrorTable, /*causal=*/true);
  ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());
  mlagen::test::expectAttentionMatches(out.values(), lse, *expected, storage);
}

INSTANTIATE_TEST_SUITE_P(
    Engines, EmulatedEngine,
    ::testing::Values(
        Case{"sm80_v2lite_split", "deepseek-v2-lite", "sm_80", 1, 16, 3, false},
        Case{"sm80_v2lite_callers_workspace", "deepseek-v2-lite", "sm_80", 2,
             16, 2, true},
        Case{"sm80_v2lite_balanced_long",
             "deepseek-v2-lite",
             "sm_80",
             1,
             16,
             0,
             false,
             6,
             {0, 2100, 1, 130},
             2,
             1 << 28},
        Case{"sm80_v2lite_balanced_page1_callers_workspace",
             "deepseek-v2-lite",
             "sm_80",
             2,
             1,
             0,
             true,
             132,
             {5, 0, 700, 64}},
        Case{"sm80_v2lite_balanced_page256",
             "deepseek-v2-lite",
             "sm_80",
             1,
             256,
             0,
             false,
             3,
             {300, 1000, 0, 255}},
        Case{"sm90a_v3_tma", "deepseek-v3", "sm_90a", 1, 64, 1, false},
        Case{"sm90a_v3_tma_split_callers_workspace", "deepseek-v3", "sm_90a", 2,
             64, 2, true},
        Case{"sm90a_v3_tma_balanced",
             "deepseek-v3",
             "sm_90a",
             1,
             64,
             0,
             false,
             8,
             {1300, 0, 63, 200},
             3,
             -3},
        Case{"sm90a_v3_cp_async_balanced",
             "deepseek-v3",
             "sm_90a",
             2,
             3,
             0,
             true,
             132,
             {10, 400, 0, 2},
             -1,
             1 << 30}),
    [](const ::testing::TestParamInfo<Case> &info) {
      return std::string(info.param.name);
    });

} // namespace
