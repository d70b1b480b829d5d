//===- CpuPairDots.cpp - bf16 pair contractions as AVX512-BF16 dots -------===//
//
// The vector patterns of mla-cpu-vectorize's `bf16-dot` (passes/PairDots.h):
// applied to the vectorized tiles of pair contractions, they read rows of
// pairs whole and turn each sum over pairs into x86vector.avx512.dot ops,
// 16 f32 lanes each. The f32 lane contractions' tiles (whole dot products
// over rows of 16, on every CPU) share their block of outputs and the sum
// across lanes, with an FMA per row where the pairs take a dot.
//
//===----------------------------------------------------------------------===//

#include "passes/PairDots.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;
using namespace mlir::mla;

namespace {

/// A read of bf16 [..., 16, 2] whose last two dims are the source's last
/// two, whole, as a read of [..., 32] from the source with those dims
/// merged: the later lowering unrolls reads into 1-D rows of the innermost
/// dim, and rows of 2 would be loaded a pair at a time.
struct ReadPairsAsRows : OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    VectorType type = read.getVectorType();
    auto source = dyn_cast<RankedTensorType>(read.getBase().getType());
    int64_t rank = type.getRank();
    if (!source || read.getMask() || rank < 2 ||
        !type.getElementType().isBF16() ||
        type.getShape().take_back(2) !=
            ArrayRef<int64_t>{pairs::kLanes, pairs::kPair} ||
        source.getShape().take_back(2) != type.getShape().take_back(2))
      return failure();
    AffineMap map = read.getPermutationMap();
    int64_t sourceRank = source.getRank();
    auto isDim = [&](int64_t result, int64_t dim) {
      auto expr = dyn_cast<AffineDimExpr>(map.getResult(result));
      return expr && expr.getPosition() == dim;
    };
    if (!isDim(rank - 2, sourceRank - 2) || !isDim(rank - 1, sourceRank - 1))
      return failure();
    for (int64_t d = 0; d + 2 < rank; ++d)
      if (map.getResult(d).isFunctionOfDim(sourceRank - 2) ||
          map.getResult(d).isFunctionOfDim(sourceRank - 1))
        return failure();
    ValueRange indices = read.getIndices();
    if (!isZeroInteger(indices[sourceRank - 2]) ||
        !isZeroInteger(indices[sourceRank - 1]))
      return failure();

    Location loc = read.getLoc();
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d + 2 < sourceRank; ++d)
      groups.push_back({d});
    groups.push_back({sourceRank - 2, sourceRank - 1});
    Value rows =
        tensor::CollapseShapeOp::create(rewriter, loc, read.getBase(), groups);
    SmallVector<AffineExpr> results(map.getResults().drop_back(2));
    results.push_back(rewriter.getAffineDimExpr(sourceRank - 2));
    AffineMap rowMap =
        AffineMap::get(sourceRank - 1, 0, results, rewriter.getContext());
    SmallVector<int64_t> shape(type.getShape().drop_back(2));
    shape.push_back(pairs::kDepth);
    SmallVector<bool> inBounds(read.getInBoundsValues());
    inBounds.pop_back();
    auto rowRead = vector::TransferReadOp::create(
        rewriter, loc, VectorType::get(shape, type.getElementType()), rows,
        indices.drop_back(), read.getPadding(), rowMap,
        ArrayRef<bool>(inBounds));
    rewriter.replaceOpWithNewOp<vector::ShapeCastOp>(read, type, rowRead);
    return success();
  }
};

/// The bf16 operand that `v` extends to f32, or null.
Value extendedBf16(Value v) {
  auto extend = v.getDefiningOp<arith::ExtFOp>();
  if (!extend || !getElementTypeOrSelf(extend.getIn()).isBF16())
    return nullptr;
  return extend.getIn();
}

/// Row `position` (an index of every dim but the last two) of `v`, a bf16
/// vector [..., 16, 2], as the 32 elements one dot product reads. A
/// row-wise view of a read (ReadPairsAsRows) is looked through.
Value rowOf(PatternRewriter &rewriter, Location loc, Value v,
            ArrayRef<int64_t> position) {
  if (auto view = v.getDefiningOp<vector::ShapeCastOp>()) {
    VectorType rows = view.getSourceVectorType();
    if (rows.getRank() == int64_t(position.size()) + 1 &&
        rows.getShape().back() == pairs::kDepth)
      return vector::ExtractOp::create(rewriter, loc, view.getSource(),
                                       position);
  }
  Value pairsOfRow = vector::ExtractOp::create(rewriter, loc, v, position);
  return vector::ShapeCastOp::create(
      rewriter, loc, VectorType::get({pairs::kDepth}, rewriter.getBF16Type()),
      pairsOfRow);
}

/// One vector whose lane j is the sum of the 16 lanes of `vectors[j]` (16
/// vectors of 16 f32): four rounds that each add the halves of every
/// group of lanes of two vectors, interleaved, into one vector (15 times
/// two shuffles and an add, where 16 separate reductions take four
/// shuffle-and-add steps each), then one shuffle into order.
Value sumEachOf16(PatternRewriter &rewriter, Location loc,
                  SmallVector<Value> vectors) {
  constexpr int64_t n = pairs::kLanes;
  // Which sum each lane of each vector adds to.
  SmallVector<SmallVector<int64_t>> owner;
  for (int64_t j = 0; j < n; ++j)
    owner.push_back(SmallVector<int64_t>(n, j));
  for (int64_t group = n; group > 1; group /= 2) {
    int64_t half = group / 2;
    SmallVector<Value> next;
    SmallVector<SmallVector<int64_t>> nextOwner;
    for (size_t i = 0; i + 1 < vectors.size(); i += 2) {
      // Lanes [0, n) are the first vector's, [n, 2n) the second's.
      SmallVector<int64_t> low, high, owners;
      for (int64_t start = 0; start < n; start += group) {
        for (int64_t side = 0; side < 2; ++side) {
          for (int64_t k = 0; k < half; ++k) {
            low.push_back(side * n + start + k);
            high.push_back(side * n + start + half + k);
            owners.push_back(owner[i + side][start + k]);
          }
        }
      }
      Value lo = vector::ShuffleOp::create(rewriter, loc, vectors[i],
                                           vectors[i + 1], low);
      Value hi = vector::ShuffleOp::create(rewriter, loc, vectors[i],
                                           vectors[i + 1], high);
      next.push_back(arith::AddFOp::create(rewriter, loc, lo, hi));
      nextOwner.push_back(owners);
    }
    vectors = std::move(next);
    owner = std::move(nextOwner);
  }
  SmallVector<int64_t> order(n);
  for (int64_t lane = 0; lane < n; ++lane)
    order[owner[0][lane]] = lane;
  return vector::ShuffleOp::create(rewriter, loc, vectors[0], vectors[0],
                                   order);
}

/// Into lanes: acc [..., n] + the sum over the innermost pair, the other
/// reduced dims of size 1, so the source's elements lie in the
/// accumulator's order, a pair each: one dot product per 16 lanes.
Value dotsIntoLanes(PatternRewriter &rewriter, Location loc, Value a, Value b,
                    Value acc) {
  int64_t rows =
      cast<VectorType>(acc.getType()).getNumElements() / pairs::kLanes;
  auto pairRows =
      VectorType::get({rows, pairs::kDepth}, rewriter.getBF16Type());
  auto laneRows = VectorType::get({rows, pairs::kLanes}, rewriter.getF32Type());
  Value aRows = vector::ShapeCastOp::create(rewriter, loc, pairRows, a);
  Value bRows = vector::ShapeCastOp::create(rewriter, loc, pairRows, b);
  Value sums = vector::ShapeCastOp::create(rewriter, loc, laneRows, acc);
  for (int64_t r = 0; r < rows; ++r) {
    auto row = [&](Value v) {
      return vector::ExtractOp::create(rewriter, loc, v, r).getResult();
    };
    Value dot = x86vector::DotBF16Op::create(rewriter, loc, row(sums),
                                             row(aRows), row(bRows));
    sums = vector::InsertOp::create(rewriter, loc, dot, sums, r);
  }
  return sums;
}

/// Whole dot products: acc [kept dims] + the sum over the reduced dims
/// (after every kept one) and the rows of 16 lanes x 2. Each kept element
/// gets 16 lanes of partial sums that go through its rows, the rows of all
/// kept elements in turn (independent dot products in flight), and are
/// then summed across lanes into the accumulator, 16 elements at a time.
/// `step(lanes, position)` adds the products of the row at `position` (an
/// index of every dim of `rowShape`) to an element's lanes.
using RowStep =
    llvm::function_ref<Value(Value lanes, ArrayRef<int64_t> position)>;

Value wholeDots(PatternRewriter &rewriter, Location loc, Value acc,
                ArrayRef<int64_t> rowShape, unsigned keptDims, RowStep step) {
  SmallVector<int64_t> keptShape(rowShape.take_front(keptDims));
  SmallVector<int64_t> stepShape(rowShape.drop_front(keptDims));
  int64_t kept = computeProduct(keptShape);
  auto laneType = VectorType::get({pairs::kLanes}, rewriter.getF32Type());
  Value zero =
      arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(laneType));
  SmallVector<Value> lanes(kept, zero);
  SmallVector<int64_t> keptStrides = computeStrides(keptShape);
  SmallVector<int64_t> stepStrides = computeStrides(stepShape);
  for (int64_t row = 0, rows = computeProduct(stepShape); row < rows; ++row) {
    for (int64_t k = 0; k < kept; ++k) {
      SmallVector<int64_t> position = delinearize(k, keptStrides);
      llvm::append_range(position, delinearize(row, stepStrides));
      lanes[k] = step(lanes[k], position);
    }
  }
  Value flat = vector::ShapeCastOp::create(
      rewriter, loc, VectorType::get({kept}, rewriter.getF32Type()), acc);
  Value result = flat;
  int64_t k = 0;
  for (; k + pairs::kLanes <= kept; k += pairs::kLanes) {
    Value sums =
        sumEachOf16(rewriter, loc,
                    SmallVector<Value>(lanes.begin() + k,
                                       lanes.begin() + k + pairs::kLanes));
    Value before = vector::ExtractStridedSliceOp::create(
        rewriter, loc, flat, ArrayRef<int64_t>{k},
        ArrayRef<int64_t>{pairs::kLanes}, ArrayRef<int64_t>{1});
    result = vector::InsertStridedSliceOp::create(
        rewriter, loc, arith::AddFOp::create(rewriter, loc, before, sums),
        result, ArrayRef<int64_t>{k}, ArrayRef<int64_t>{1});
  }
  for (; k < kept; ++k) {
    Value before = vector::ExtractOp::create(rewriter, loc, flat, k);
    Value sum = vector::ReductionOp::create(
        rewriter, loc, vector::CombiningKind::ADD, lanes[k], before);
    result = vector::InsertOp::create(rewriter, loc, sum, result, k);
  }
  return result;
}

/// The dims of a reduction mask kept before its reduced ones (every kept
/// dim before every reduced one, the last `reducedAtLeast` reduced), or
/// none.
std::optional<unsigned> keptBeforeReduced(ArrayRef<bool> reduced,
                                          unsigned reducedAtLeast) {
  unsigned rank = reduced.size();
  unsigned kept = 0;
  while (kept + reducedAtLeast < rank && !reduced[kept])
    ++kept;
  for (unsigned d = kept; d < rank; ++d)
    if (!reduced[d])
      return std::nullopt;
  return kept;
}

/// A vectorized tile's sum of products: acc (f32) + the sum over the
/// reduced dims of lhs * rhs, the source's innermost dim `innermost` long
/// and reduced.
struct ProductSum {
  VectorType accType;
  ArrayRef<int64_t> shape;
  SmallVector<bool> reduced;
  arith::MulFOp product;
};

std::optional<ProductSum> matchProductSum(vector::MultiDimReductionOp op,
                                          int64_t innermost) {
  auto accType = dyn_cast<VectorType>(op.getAcc().getType());
  ArrayRef<int64_t> shape = op.getSourceVectorType().getShape();
  SmallVector<bool> reduced = op.getReductionMask();
  auto product = op.getSource().getDefiningOp<arith::MulFOp>();
  if (op.getKind() != vector::CombiningKind::ADD || !accType ||
      !accType.getElementType().isF32() || shape.size() < 2 ||
      shape.back() != innermost || !reduced.back() || !product)
    return std::nullopt;
  return ProductSum{accType, shape, std::move(reduced), product};
}

/// acc + the sum over the innermost pair (and the reduced dims before it)
/// of extf(a) * extf(b), a and b bf16 (the vectorized tile of a pair
/// contraction, passes/PairDots.h), as x86vector.avx512.dot ops on rows of
/// 32 elements: dotsIntoLanes or wholeDots.
struct PairSumToDot : OpRewritePattern<vector::MultiDimReductionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::MultiDimReductionOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<ProductSum> sum = matchProductSum(op, pairs::kPair);
    if (!sum)
      return failure();
    auto [accType, shape, reduced, product] = *sum;
    int64_t rank = shape.size();
    Value a = extendedBf16(product.getLhs());
    Value b = extendedBf16(product.getRhs());
    if (!a || !b)
      return failure();
    Location loc = op.getLoc();
    Value result;
    if (!reduced[rank - 2]) {
      if (accType.getNumElements() % pairs::kLanes != 0)
        return failure();
      for (int64_t d = 0; d + 1 < rank; ++d)
        if (reduced[d] && shape[d] != 1)
          return failure();
      result = dotsIntoLanes(rewriter, loc, a, b, op.getAcc());
    } else {
      if (shape[rank - 2] != pairs::kLanes)
        return failure();
      std::optional<unsigned> keptDims = keptBeforeReduced(reduced, 2);
      if (!keptDims)
        return failure();
      result = wholeDots(
          rewriter, loc, op.getAcc(), shape.drop_back(2), *keptDims,
          [&](Value lanes, ArrayRef<int64_t> position) -> Value {
            return x86vector::DotBF16Op::create(
                rewriter, loc, lanes, rowOf(rewriter, loc, a, position),
                rowOf(rewriter, loc, b, position));
          });
    }
    rewriter.replaceOpWithNewOp<vector::ShapeCastOp>(op, accType, result);
    return success();
  }
};

/// acc + the sum over the reduced dims (after every kept one, the last of
/// 16 lanes) of a * b in f32, each input f32 or extended from bf16 (the
/// vectorized tile of an f32 lane contraction, such as the scores without
/// pair dots): 16 lanes of partial sums per kept element in registers,
/// one FMA per row of 16, summed across lanes at the end.
struct LaneSumToFma : OpRewritePattern<vector::MultiDimReductionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::MultiDimReductionOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<ProductSum> sum = matchProductSum(op, pairs::kLanes);
    std::optional<unsigned> keptDims =
        sum ? keptBeforeReduced(sum->reduced, 2) : std::nullopt;
    if (!keptDims)
      return failure();
    auto [accType, shape, reduced, product] = *sum;
    Location loc = op.getLoc();
    // Row `position` of an input, in f32.
    auto rowOf = [&](Value input, ArrayRef<int64_t> position) -> Value {
      Value narrow = extendedBf16(input);
      Value row = vector::ExtractOp::create(rewriter, loc,
                                            narrow ? narrow : input, position);
      if (!narrow)
        return row;
      return arith::ExtFOp::create(
          rewriter, loc,
          VectorType::get({pairs::kLanes}, rewriter.getF32Type()), row);
    };
    Value result =
        wholeDots(rewriter, loc, op.getAcc(), shape.drop_back(), *keptDims,
                  [&](Value lanes, ArrayRef<int64_t> position) -> Value {
                    return vector::FMAOp::create(
                        rewriter, loc, rowOf(product.getLhs(), position),
                        rowOf(product.getRhs(), position), lanes);
                  });
    rewriter.replaceOpWithNewOp<vector::ShapeCastOp>(op, accType, result);
    return success();
  }
};

} // namespace

LogicalResult mlir::mla::rewriteLaneSumsAsFmas(Operation *root) {
  RewritePatternSet patterns(root->getContext());
  patterns.add<LaneSumToFma>(root->getContext());
  return applyPatternsGreedily(root, std::move(patterns));
}

LogicalResult mlir::mla::rewritePairSumsAsDots(Operation *root) {
  // The reads first, so that each dot product reads its row straight from
  // a row-wise read.
  RewritePatternSet reads(root->getContext()), dots(root->getContext());
  reads.add<ReadPairsAsRows>(root->getContext());
  dots.add<PairSumToDot>(root->getContext());
  if (failed(applyPatternsGreedily(root, std::move(reads))))
    return failure();
  return applyPatternsGreedily(root, std::move(dots));
}
