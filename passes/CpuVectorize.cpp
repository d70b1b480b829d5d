//===- CpuVectorize.cpp - tile and vectorize linalg for the CPU -----------===//
//
// The scalar loops convert-linalg-to-loops makes keep a contraction's
// accumulator in memory, and LLVM cannot keep it in registers or vectorize
// it. This pass tiles each static-shaped linalg.generic and vectorizes the
// tile, choosing one of three plans:
//
// - register block: the innermost loop is parallel and there is a
//   reduction (a contraction such as P x V). The tile is a block of vector
//   registers of accumulators over the parallel loops (16 of them, 4 along
//   the innermost loop, unless the options say otherwise); the
//   reduction loops become the innermost scf.for loops with tile size 1,
//   and the accumulator block is hoisted out of them into loop-carried
//   vectors, so each step is a few loads and a block of FMAs. The block
//   grows first along the loops a weight does not use (the tokens), and a
//   large weight's rows are first cut into blocks of an scf.forall for the
//   threads.
// - whole reduction: the innermost loop is a reduction (a row max, a dot
//   product). The tile spans it, or power-of-two chunks of it, and is
//   reduced in vector registers.
// - elementwise: no reduction. The tile is 16 lanes of the innermost loop.
//
// With `bf16-dot`, a pair contraction (passes/PairDots.h: bf16 inputs, the
// innermost loop a reduction over 2) keeps the pair whole in its tile: into
// lanes (P x V), the register block of the loops before the pair; whole dot
// products (the scores), a block of outputs with every reduction whole.
// passes/CpuPairDots.cpp turns the vectorized tile's pair sums into
// AVX512-BF16 dot products, 16 lanes each. An f32 lane contraction (whole
// dot products over rows of 16 lanes, the scores without pair dots) gets
// the same block of outputs, and CpuPairDots.cpp makes its sums FMAs into
// 16 lanes per output, summed across at the end.
//
//===----------------------------------------------------------------------===//

#include "passes/AmxTiles.h"
#include "passes/PairDots.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLACPUVECTORIZE
#include "passes/Passes.h.inc"
} // namespace mlir::mla

using namespace mlir;
using namespace mlir::mla;

namespace {

using utils::IteratorType;

// Vector lanes (f32 in a 512-bit register) and the most elements a
// whole-reduction tile may hold.
constexpr int64_t kLanes = 16;
constexpr int64_t kMaxTileElements = 512;
// An input of at least this many elements (512 KiB in bf16) is a weight
// streaming from memory: a register block over it holds every token it
// can, and is spread over threads in at most kMaxThreadBlocks blocks.
constexpr int64_t kThreadedElements = int64_t(1) << 18;
constexpr int64_t kMaxThreadBlocks = 64;
constexpr llvm::StringLiteral kRegisterLoop = "mla.register_loop";

/// The register block's shape (the pass options): vector registers of
/// accumulators in all, and at most how many along the innermost loop.
struct BlockShape {
  int64_t registers = 16;
  int64_t innerRegisters = 4;
};

/// How one linalg.generic is tiled: a size per loop, the loop order, and
/// how many of the innermost tiled loops carry the accumulator in registers.
struct TilePlan {
  SmallVector<int64_t> sizes;
  SmallVector<int64_t> interchange;
  unsigned registerLoops = 0;
  /// Where a weight streams through the block: first cut this loop into
  /// `threadBlocks` blocks of an scf.forall (iterations the threads share),
  /// each tiled as above.
  std::optional<unsigned> threadLoop;
  int64_t threadBlocks = 1;
};

/// The widest multiple of the lanes, up to `limit`, that divides `range`;
/// the whole range when it is short, or nothing.
std::optional<int64_t> laneTile(int64_t range, int64_t limit) {
  if (range % kLanes != 0)
    return range <= limit ? std::optional<int64_t>(range) : std::nullopt;
  int64_t tile = kLanes;
  while (tile * 2 <= limit && range % (tile * 2) == 0)
    tile *= 2;
  return tile;
}

/// Register block: the innermost loop in lanes (up to the shape's inner
/// registers wide), the other parallel loops grown by powers of two that
/// divide them until the block holds the shape's registers, the reductions
/// one step at a time and innermost. The loops a streamed weight does not
/// depend on (the tokens of a projection: `shared` loops) grow first and in
/// full where they fit, so that each element of the weight is loaded once
/// per block of tokens rather than once per token; the others grow in turn.
std::optional<TilePlan> planRegisterBlock(ArrayRef<int64_t> ranges,
                                          ArrayRef<IteratorType> iterators,
                                          ArrayRef<bool> shared,
                                          BlockShape shape) {
  unsigned last = ranges.size() - 1;
  int64_t blockElements = shape.registers * kLanes;
  std::optional<int64_t> inner = laneTile(
      ranges[last], std::min(shape.innerRegisters, shape.registers) * kLanes);
  if (!inner)
    return std::nullopt;
  TilePlan plan;
  plan.sizes.assign(ranges.size(), 1);
  plan.sizes[last] = *inner;
  int64_t elements = *inner;
  for (int64_t d = last - 1; d >= 0; --d) {
    if (iterators[d] != IteratorType::parallel || !shared[d])
      continue;
    while (ranges[d] % (plan.sizes[d] * 2) == 0 &&
           elements * 2 <= blockElements) {
      plan.sizes[d] *= 2;
      elements *= 2;
    }
  }
  for (bool grew = true; grew;) {
    grew = false;
    for (int64_t d = last - 1; d >= 0; --d) {
      if (iterators[d] != IteratorType::parallel || shared[d])
        continue;
      int64_t next = plan.sizes[d] * 2;
      if (ranges[d] % next == 0 && elements * 2 <= blockElements) {
        plan.sizes[d] = next;
        elements *= 2;
        grew = true;
      }
    }
  }
  for (unsigned d = 0; d < ranges.size(); ++d)
    if (iterators[d] == IteratorType::parallel)
      plan.interchange.push_back(d);
  for (unsigned d = 0; d < ranges.size(); ++d)
    if (iterators[d] == IteratorType::reduction) {
      plan.interchange.push_back(d);
      ++plan.registerLoops;
    }
  return plan;
}

/// Whole reduction: the innermost reduction whole or in power-of-two
/// chunks (a projection from d_model accumulates chunk by chunk), outer
/// reductions whole while they fit the budget, parallel loops one by one.
std::optional<TilePlan> planWholeReduction(ArrayRef<int64_t> ranges,
                                           ArrayRef<IteratorType> iterators) {
  unsigned last = ranges.size() - 1;
  TilePlan plan;
  plan.sizes.assign(ranges.size(), 1);
  plan.sizes[last] = ranges[last];
  for (int64_t chunk = 512;
       plan.sizes[last] > kMaxTileElements && chunk >= kLanes; chunk /= 2)
    if (ranges[last] % chunk == 0)
      plan.sizes[last] = chunk;
  if (plan.sizes[last] > kMaxTileElements)
    return std::nullopt;
  int64_t elements = plan.sizes[last];
  for (int64_t d = last - 1; d >= 0; --d) {
    if (iterators[d] == IteratorType::reduction &&
        elements * ranges[d] <= kMaxTileElements) {
      plan.sizes[d] = ranges[d];
      elements *= ranges[d];
    }
  }
  return plan;
}

/// The loop along which the input of `op` with 32-bit elements that it
/// reads across its rows (a transposition) is contiguous, if that loop is
/// not the innermost one and both ranges are whole multiples of the lanes.
std::optional<unsigned> transposedLoop(linalg::GenericOp op,
                                       ArrayRef<int64_t> ranges) {
  unsigned last = ranges.size() - 1;
  if (ranges[last] % kLanes != 0)
    return std::nullopt;
  for (OpOperand *input : op.getDpsInputOperands()) {
    auto type = dyn_cast<ShapedType>(input->get().getType());
    AffineMap map = op.getMatchingIndexingMap(input);
    if (!type || type.getRank() == 0 || type.getElementTypeBitWidth() != 32 ||
        !map.isProjectedPermutation())
      continue;
    unsigned d = cast<AffineDimExpr>(map.getResults().back()).getPosition();
    if (d != last && ranges[d] % kLanes == 0 && map.isFunctionOfDim(last))
      return d;
  }
  return std::nullopt;
}

/// Elementwise: 16 lanes of the innermost loop (or all of a short one). A
/// transposition of 32-bit values reads 16 x 16 blocks instead, which the
/// vector lowering transposes in registers (shuffles), not one lane at a
/// time.
std::optional<TilePlan> planElementwise(linalg::GenericOp op,
                                        ArrayRef<int64_t> ranges) {
  std::optional<int64_t> inner = laneTile(ranges.back(), kLanes);
  if (!inner)
    return std::nullopt;
  TilePlan plan;
  plan.sizes.assign(ranges.size(), 1);
  plan.sizes.back() = *inner;
  if (std::optional<unsigned> d = transposedLoop(op, ranges))
    plan.sizes[*d] = kLanes; // the innermost tile is 16 lanes already
  return plan;
}

/// The input of `op` that is a weight streaming through it: the one with
/// the most (static) elements, if it has at least kThreadedElements; else
/// null (every operand of an attention page step is small enough to stay
/// in cache).
OpOperand *streamedWeight(linalg::GenericOp op) {
  OpOperand *largest = nullptr;
  int64_t most = kThreadedElements - 1;
  for (OpOperand *input : op.getDpsInputOperands()) {
    auto type = dyn_cast<ShapedType>(input->get().getType());
    if (type && type.hasStaticShape() && type.getNumElements() > most) {
      most = type.getNumElements();
      largest = input;
    }
  }
  return largest;
}

/// Per loop of `op`, whether `weight` (if any) is indexed without it.
SmallVector<bool> loopsBesideWeight(linalg::GenericOp op, OpOperand *weight) {
  SmallVector<bool> beside(op.getNumLoops(), false);
  if (!weight)
    return beside;
  AffineMap map = op.getMatchingIndexingMap(weight);
  for (unsigned d = 0; d < op.getNumLoops(); ++d)
    beside[d] = !map.isFunctionOfDim(d);
  return beside;
}

/// A register block that streams a weight, outside any parallel loop, is
/// cut along the weight's outermost parallel loop (not the innermost) into
/// as many blocks as divide its tiles, up to kMaxThreadBlocks, for the
/// threads to share. `shared`: the loops the weight does not use.
void planThreadBlocks(linalg::GenericOp op, ArrayRef<int64_t> ranges,
                      ArrayRef<bool> shared, TilePlan &plan) {
  if (op->getParentOfType<scf::ForallOp>())
    return;
  SmallVector<IteratorType> iterators = op.getIteratorTypesArray();
  for (unsigned d = 0; d + 1 < ranges.size(); ++d) {
    if (iterators[d] != IteratorType::parallel || shared[d])
      continue;
    int64_t tiles = ranges[d] / plan.sizes[d];
    if (tiles < 2)
      continue;
    int64_t blocks = std::min(tiles, kMaxThreadBlocks);
    while (tiles % blocks != 0)
      --blocks;
    plan.threadLoop = d;
    plan.threadBlocks = blocks;
    return;
  }
}

/// The kinds of pair contraction (passes/PairDots.h): two bf16 inputs into
/// f32, the innermost loop a reduction over a pair, after a parallel loop
/// whose elements the lanes take (P x V's latent columns) or after a
/// reduced loop of 16 lanes (whole dot products such as the scores, every
/// parallel loop before every reduction).
enum class PairForm { None, IntoLanes, WholeDots };

PairForm pairForm(linalg::GenericOp op, ArrayRef<int64_t> ranges,
                  ArrayRef<IteratorType> iterators) {
  unsigned last = ranges.size() - 1;
  if (ranges.size() < 2 || ranges[last] != pairs::kPair ||
      iterators[last] != IteratorType::reduction || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return PairForm::None;
  auto bf16 = [](Value v) { return getElementTypeOrSelf(v).isBF16(); };
  if (!llvm::all_of(op.getDpsInputs(), bf16) ||
      !getElementTypeOrSelf(op.getDpsInits()[0]).isF32())
    return PairForm::None;
  if (iterators[last - 1] == IteratorType::parallel)
    return PairForm::IntoLanes;
  if (ranges[last - 1] != pairs::kLanes)
    return PairForm::None;
  for (unsigned d = 0; d + 1 < last; ++d)
    if (iterators[d] == IteratorType::reduction &&
        iterators[d + 1] == IteratorType::parallel)
      return PairForm::None;
  return PairForm::WholeDots;
}

/// Into lanes: the register block of the loops before the pair, the pair
/// whole inside the tile (tile size 0: not tiled).
std::optional<TilePlan> planPairBlock(ArrayRef<int64_t> ranges,
                                      ArrayRef<IteratorType> iterators,
                                      ArrayRef<bool> shared, BlockShape shape) {
  std::optional<TilePlan> plan = planRegisterBlock(
      ranges.drop_back(), iterators.drop_back(), shared.drop_back(), shape);
  if (!plan)
    return std::nullopt;
  plan->sizes.push_back(0);
  plan->interchange.push_back(ranges.size() - 1);
  return plan;
}

/// Whether `op` is an f32 lane contraction: two inputs (f32, or bf16
/// extended) into f32, a reduction over 16 lanes innermost after another
/// reduction, every parallel loop before every reduction (whole dot
/// products over rows of 16, such as the scores without pair dots).
bool isLaneDots(linalg::GenericOp op, ArrayRef<int64_t> ranges,
                ArrayRef<IteratorType> iterators) {
  unsigned last = ranges.size() - 1;
  if (ranges.size() < 3 || ranges[last] != pairs::kLanes ||
      iterators[last] != IteratorType::reduction ||
      iterators[last - 1] != IteratorType::reduction ||
      op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !getElementTypeOrSelf(op.getDpsInits()[0]).isF32())
    return false;
  for (unsigned d = 0; d + 1 < last; ++d)
    if (iterators[d] == IteratorType::reduction &&
        iterators[d + 1] == IteratorType::parallel)
      return false;
  return true;
}

/// Whole dot products: a block of the parallel loops with one output per
/// accumulator register (its 16 lanes of partial sums), grown by powers of
/// two from the innermost parallel loop (at most the shape's inner
/// registers along it) outward; the reductions whole inside the tile.
TilePlan planWholeDots(ArrayRef<int64_t> ranges,
                       ArrayRef<IteratorType> iterators, BlockShape shape) {
  TilePlan plan;
  plan.sizes.assign(ranges.size(), 0);
  int64_t outputs = 1;
  bool innermost = true;
  for (int64_t d = ranges.size() - 1; d >= 0; --d) {
    if (iterators[d] != IteratorType::parallel)
      continue;
    int64_t size = 1;
    int64_t limit = innermost ? shape.innerRegisters : shape.registers;
    while (ranges[d] % (size * 2) == 0 && size * 2 <= limit &&
           outputs * 2 <= shape.registers) {
      size *= 2;
      outputs *= 2;
    }
    plan.sizes[d] = size;
    innermost = false;
  }
  return plan;
}

std::optional<TilePlan> planTiles(linalg::GenericOp op, BlockShape shape,
                                  bool pairDots) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ranges.empty() || llvm::any_of(ranges, ShapedType::isDynamic))
    return std::nullopt;
  SmallVector<IteratorType> iterators = op.getIteratorTypesArray();
  if (op.getNumReductionLoops() == 0)
    return planElementwise(op, ranges);
  if (isLaneDots(op, ranges, iterators))
    return planWholeDots(ranges, iterators, shape);
  if (pairDots) {
    switch (pairForm(op, ranges, iterators)) {
    case PairForm::IntoLanes:
      return planPairBlock(ranges, iterators,
                           loopsBesideWeight(op, streamedWeight(op)), shape);
    case PairForm::WholeDots:
      return planWholeDots(ranges, iterators, shape);
    case PairForm::None:
      break;
    }
  }
  if (iterators.back() == IteratorType::parallel) {
    OpOperand *weight = streamedWeight(op);
    SmallVector<bool> shared = loopsBesideWeight(op, weight);
    std::optional<TilePlan> plan =
        planRegisterBlock(ranges, iterators, shared, shape);
    if (plan && weight)
      planThreadBlocks(op, ranges, shared, *plan);
    return plan;
  }
  return planWholeReduction(ranges, iterators);
}

/// Tiles `op` by `plan`, vectorizes the tile and hoists the accumulator
/// out of the register-carrying loops.
void tileAndVectorize(IRRewriter &rewriter, linalg::GenericOp op,
                      const TilePlan &plan) {
  if (plan.threadLoop) {
    rewriter.setInsertionPoint(op);
    SmallVector<int64_t> blockSizes(plan.sizes.size(), 0);
    unsigned d = *plan.threadLoop;
    blockSizes[d] = op.getStaticLoopRanges()[d] / plan.threadBlocks;
    scf::SCFTilingOptions threads;
    threads.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
    threads.setTileSizes(
        getAsIndexOpFoldResult(rewriter.getContext(), blockSizes));
    // Where the blocks cannot be cut, the op is tiled for registers whole.
    FailureOr<scf::SCFTilingResult> blocked = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), threads);
    if (succeeded(blocked) && blocked->tiledOps.size() == 1) {
      rewriter.replaceOp(op, blocked->replacements);
      op = cast<linalg::GenericOp>(blocked->tiledOps.front());
    }
  }
  rewriter.setInsertionPoint(op);
  scf::SCFTilingOptions options;
  options.setTileSizes(
      getAsIndexOpFoldResult(rewriter.getContext(), plan.sizes));
  if (!plan.interchange.empty())
    options.setInterchange(plan.interchange);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled))
    return;
  rewriter.replaceOp(op, tiled->replacements);
  for (Operation *tile : tiled->tiledOps) {
    rewriter.setInsertionPoint(tile);
    FailureOr<linalg::VectorizationResult> vectorized =
        linalg::vectorize(rewriter, tile);
    if (succeeded(vectorized))
      rewriter.replaceOp(tile, vectorized->replacements);
  }
  // Mark the loops that will carry the accumulator block (the reductions,
  // innermost after the interchange); it is hoisted once the vector cleanup
  // has given its reads and writes their final form.
  unsigned marked = 0;
  for (Operation *loop : llvm::reverse(tiled->loops)) {
    if (marked++ == plan.registerLoops)
      break;
    loop->setAttr(kRegisterLoop, rewriter.getUnitAttr());
  }
}

/// Hoists the accumulator block out of every marked loop, innermost first,
/// into loop-carried vectors.
void hoistRegisterBlocks(IRRewriter &rewriter, Operation *root) {
  SmallVector<LoopLikeOpInterface> loops;
  root->walk([&](LoopLikeOpInterface loop) {
    if (loop->hasAttr(kRegisterLoop))
      loops.push_back(loop);
  });
  for (LoopLikeOpInterface loop : loops) {
    loop->removeAttr(kRegisterLoop);
    // Once for the tensor slice, once for the vector read and write of it.
    hoistLoopInvariantSubsets(rewriter,
                              hoistLoopInvariantSubsets(rewriter, loop));
  }
}

/// Lets LLVM fuse every multiply and add into an FMA: the cleanup above
/// makes new adds without the contract flag the lowering put on its
/// multiply-adds, and LLVM fuses only flagged pairs unless its target is
/// told otherwise (the runtime's JIT is; code from mla-opt may not be).
void allowContraction(Operation *root) {
  root->walk([](Operation *op) {
    if (!isa<arith::AddFOp, arith::SubFOp, arith::MulFOp>(op))
      return;
    auto fastmath = cast<arith::ArithFastMathInterface>(op);
    op->setAttr(
        fastmath.getFastMathAttrName(),
        arith::FastMathFlagsAttr::get(
            op->getContext(), fastmath.getFastMathFlagsAttr().getValue() |
                                  arith::FastMathFlags::contract));
  });
}

struct CpuVectorizePass
    : public mla::impl::MlaCpuVectorizeBase<CpuVectorizePass> {
  using MlaCpuVectorizeBase::MlaCpuVectorizeBase;

  void runOnOperation() override {
    if (!isValidRegisterBlock(accumulatorRegisters, innerRegisters)) {
      getOperation()->emitError()
          << "mla-cpu-vectorize: accumulator-registers must be a power of "
             "two in [1, 32] and inner-registers one in [1, 8] (got "
          << int64_t(accumulatorRegisters) << " and " << int64_t(innerRegisters)
          << ")";
      return signalPassFailure();
    }
    BlockShape shape{accumulatorRegisters, innerRegisters};
    SmallVector<std::pair<linalg::GenericOp, TilePlan>> targets;
    getOperation()->walk([&](linalg::GenericOp op) {
      // A product left to mla-cpu-amx keeps its generic form.
      if (!op.hasPureTensorSemantics() || op->hasAttr(tiles::kMarker))
        return;
      if (std::optional<TilePlan> plan = planTiles(op, shape, bf16Dot))
        targets.push_back({op, std::move(*plan)});
    });
    IRRewriter rewriter(&getContext());
    for (auto &[op, plan] : targets)
      tileAndVectorize(rewriter, op, plan);
    if (bf16Dot && failed(rewritePairSumsAsDots(getOperation())))
      return signalPassFailure();
    if (failed(rewriteLaneSumsAsFmas(getOperation())))
      return signalPassFailure();

    // First unit dimensions away (a reduction over the unit step of a
    // register block becomes a plain add), then innermost reductions into
    // vector.reduction, and exp and log on vectors as polynomials rather than
    // a libm call per lane.
    RewritePatternSet unitDims(&getContext());
    vector::populateCastAwayVectorLeadingOneDimPatterns(unitDims);
    vector::populateVectorTransferDropUnitDimsPatterns(unitDims);
    vector::MultiDimReductionOp::getCanonicalizationPatterns(unitDims,
                                                             &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(unitDims))))
      return signalPassFailure();
    RewritePatternSet lowering(&getContext());
    vector::populateVectorMultiReductionLoweringPatterns(
        lowering, vector::VectorMultiReductionLowering::InnerReduction);
    populateMathPolynomialApproximationPatterns(lowering, [](StringRef name) {
      return name == math::ExpOp::getOperationName() ||
             name == math::LogOp::getOperationName();
    });
    if (failed(applyPatternsGreedily(getOperation(), std::move(lowering))))
      return signalPassFailure();
    hoistRegisterBlocks(rewriter, getOperation());
    // A transposing read becomes a read in memory order and a transpose,
    // which for 16 x 16 blocks of 32-bit values is a network of shuffles
    // (the read of one lane at a time it would otherwise become is what
    // the elementwise plan tiles such reads to avoid).
    RewritePatternSet transposes(&getContext());
    vector::populateVectorTransferPermutationMapLoweringPatterns(transposes);
    vector::populateVectorTransposeLoweringPatterns(
        transposes, vector::VectorTransposeLowering::Shuffle16x16);
    if (failed(applyPatternsGreedily(getOperation(), std::move(transposes))))
      return signalPassFailure();
    allowContraction(getOperation());
  }
};

} // namespace
