//===- CpuVectorize.cpp - tile and vectorize the reductions for the CPU ---===//
//
// The scalar loops convert-linalg-to-loops makes from a contraction keep
// their accumulator in memory, and without alias information LLVM cannot
// keep it in a register or vectorize it. This pass tiles each static-shaped
// linalg.generic with a reduction so that one tile spans the innermost
// dimension (up to 16 lanes) and the reduction (up to a vector budget), then
// vectorizes the tile: the accumulation happens in vector registers.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLACPUVECTORIZE
#include "passes/Passes.h.inc"
} // namespace mlir::mla

using namespace mlir;
using namespace mlir::mla;

namespace {

// Vector lanes of the innermost dimension, and the most elements one
// vectorized tile may hold (registers plus what LLVM can spill cheaply).
constexpr int64_t kLanes = 16;
constexpr int64_t kMaxTileElements = 512;

/// Tile sizes for `op`, or nothing when it is not worth vectorizing.
std::optional<SmallVector<int64_t>> chooseTileSizes(linalg::GenericOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ranges.empty() || llvm::any_of(ranges, ShapedType::isDynamic) ||
      op.getNumReductionLoops() == 0)
    return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  unsigned last = ranges.size() - 1;
  SmallVector<int64_t> tiles(ranges.size(), 1);
  int64_t elements = 1;
  // The innermost dimension: lanes if parallel; if a reduction, whole or in
  // chunks of a power of two that divides it (a long dot product, such as
  // a projection from d_model, accumulates chunk by chunk).
  if (iterators[last] == utils::IteratorType::parallel) {
    tiles[last] = ranges[last] % kLanes == 0 ? kLanes : ranges[last];
  } else {
    tiles[last] = ranges[last];
    for (int64_t chunk = 512; tiles[last] > kMaxTileElements && chunk >= kLanes;
         chunk /= 2)
      if (ranges[last] % chunk == 0)
        tiles[last] = chunk;
  }
  if (tiles[last] > kMaxTileElements)
    return std::nullopt;
  elements = tiles[last];
  // Reductions, innermost first, whole while they fit the budget.
  for (int64_t d = last - 1; d >= 0; --d) {
    if (iterators[d] != utils::IteratorType::reduction)
      continue;
    if (elements * ranges[d] <= kMaxTileElements) {
      tiles[d] = ranges[d];
      elements *= ranges[d];
    }
  }
  return tiles;
}

struct CpuVectorizePass
    : public mla::impl::MlaCpuVectorizeBase<CpuVectorizePass> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, SmallVector<int64_t>>> targets;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (!op.hasPureTensorSemantics())
        return;
      if (std::optional<SmallVector<int64_t>> sizes = chooseTileSizes(op))
        targets.push_back({op, *sizes});
    });
    IRRewriter rewriter(&getContext());
    for (auto &[op, sizes] : targets) {
      rewriter.setInsertionPoint(op);
      scf::SCFTilingOptions options;
      options.setTileSizes(getAsIndexOpFoldResult(&getContext(), sizes));
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled))
        continue;
      rewriter.replaceOp(op, tiled->replacements);
      for (Operation *tile : tiled->tiledOps) {
        rewriter.setInsertionPoint(tile);
        FailureOr<linalg::VectorizationResult> vectorized =
            linalg::vectorize(rewriter, tile);
        if (succeeded(vectorized))
          rewriter.replaceOp(tile, vectorized->replacements);
      }
    }

    // Unit dimensions away, reductions into lane-wise adds, transfers into
    // plain loads and stores where possible.
    RewritePatternSet patterns(&getContext());
    vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
    vector::populateVectorMultiReductionLoweringPatterns(
        patterns, vector::VectorMultiReductionLowering::InnerParallel);
    vector::populateVectorTransferDropUnitDimsPatterns(patterns);
    vector::populateVectorReductionToContractPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
