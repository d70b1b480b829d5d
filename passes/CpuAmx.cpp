//===- CpuAmx.cpp - latent attention's matrix products on AMX tiles -------===//
//
// Lowers the linalg.generic ops convert-mla-to-linalg marked `mla.amx`
// (passes/AmxTiles.h), on buffers, to loops of AMX tile loads, products and
// stores. Every tile's shape is static: the loops step over whole 16-row
// blocks and the last block of query rows gets a tile type of its own.
// The reduction over a tile product's depth is unrolled in one block, so a
// tile value never crosses a loop boundary.
//
// LLVM configures each of the 8 tile registers with one shape for the
// whole function, so the registers are shared out by shape: the sum over
// shapes of the tiles of that shape live at once must stay at most 8. With
// 16 or more query rows every tile is 16 rows (the last block overlaps the
// one before it instead of being shorter): at most 3 live 16 x 64-byte
// tiles, plus 2 of a 16-key depth tail. With fewer rows, the scores add 2
// narrow tiles and P x V 2 short ones (3 with a depth tail): at most 7.
//
//===----------------------------------------------------------------------===//

#include "passes/AmxTiles.h"
#include "passes/Passes.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Dominance.h"

namespace mlir::mla {
#define GEN_PASS_DEF_MLACPUAMX
#include "passes/Passes.h.inc"
} // namespace mlir::mla

using namespace mlir;
using namespace mlir::mla;
using tiles::kTileDepth;
using tiles::kTileRows;

namespace {

/// Builds tile operations at one insertion point.
struct TileBuilder {
  OpBuilder &b;
  Location loc;

  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  Value times(Value value, int64_t factor) {
    return arith::MulIOp::create(b, loc, value, index(factor));
  }
  Value plus(Value value, int64_t offset) {
    return arith::AddIOp::create(b, loc, value, index(offset));
  }
  /// The tile [rows, cols] of the 2-D `buffer` at (row, col).
  Value load(Value buffer, Value row, Value col, int64_t rows, int64_t cols) {
    Type element = cast<MemRefType>(buffer.getType()).getElementType();
    return amx::TileLoadOp::create(b, loc,
                                   amx::TileType::get({rows, cols}, element),
                                   buffer, ValueRange{row, col});
  }
  /// Stores `tile` at (row, col) of `buffer`, then fences: a tile block
  /// ends at its store. Without the fence, LLVM would merge equal tile loads
  /// of consecutive blocks (the same keys for two blocks of query rows),
  /// keeping tiles live from one block into the next, and its tile
  /// register allocation runs out of its 8 registers. The fence is a
  /// compiler barrier only (an empty asm that clobbers memory): no
  /// instruction.
  void store(Value buffer, Value row, Value col, Value tile) {
    amx::TileStoreOp::create(b, loc, buffer, ValueRange{row, col}, tile);
    LLVM::InlineAsmOp::create(b, loc, /*res=*/Type(), ValueRange{},
                              /*asm_string=*/"", /*constraints=*/"~{memory}",
                              /*has_side_effects=*/true,
                              /*is_align_stack=*/false,
                              LLVM::TailCallKind::None, LLVM::AsmDialectAttr(),
                              ArrayAttr());
  }
  Value multiply(Value lhs, Value rhs, Value acc) {
    return amx::TileMulFOp::create(b, loc, acc.getType(), lhs, rhs, acc);
  }
  /// for (i = 0; i < count * step; i += step) body(i), as an scf.for when
  /// count > 1.
  void loop(int64_t count, int64_t step,
            function_ref<void(TileBuilder &, Value)> body) {
    if (count == 0)
      return;
    if (count == 1) {
      body(*this, index(0));
      return;
    }
    scf::ForOp::create(b, loc, index(0), index(count * step), index(step),
                       ValueRange{},
                       [&](OpBuilder &nb, Location nl, Value i, ValueRange) {
                         TileBuilder inner{nb, nl};
                         body(inner, i);
                         scf::YieldOp::create(nb, nl);
                       });
  }
  /// body(first row, source) over `total` rows in blocks of 16 (total at
  /// least 16): a loop over the whole blocks, then, where 16 does not
  /// divide it, one more block of the last 16 rows with source = false.
  /// That block overlaps the one before it: its caller reads it from a copy
  /// in which the overlapping rows contribute zero.
  void rowBlocks(int64_t total,
                 function_ref<void(TileBuilder &, Value, bool)> body) {
    loop(total / kTileRows, kTileRows,
         [&](TileBuilder &tb, Value row) { body(tb, row, true); });
    if (total % kTileRows)
      body(*this, index(total - kTileRows), false);
  }
  /// Copies `rows` x `width` (a multiple of 16) of `source` from
  /// (row, col) into `target` at (0, 0); rows before `firstKept` are
  /// zeroed instead.
  void copyRows(Value source, Value row, Value col, Value target, int64_t rows,
                int64_t width, int64_t firstKept) {
    auto chunk = VectorType::get({kTileRows}, b.getBF16Type());
    Value zeros = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(chunk, b.getZeroAttr(b.getBF16Type())));
    for (int64_t r = 0; r < rows; ++r)
      loop(width / kTileRows, kTileRows, [&](TileBuilder &t, Value c) {
        Value value =
            r < firstKept
                ? zeros
                : vector::LoadOp::create(
                      t.b, t.loc, chunk, source,
                      ValueRange{t.plus(row, r),
                                 arith::AddIOp::create(t.b, t.loc, col, c)});
        vector::StoreOp::create(t.b, t.loc, value, target,
                                ValueRange{t.index(r), c});
      });
  }
};

/// `buffer` viewed as 2-D with `groups` of its dimensions merged, or
/// nothing when its layout does not allow it.
FailureOr<Value> collapse(OpBuilder &b, Location loc, Value buffer,
                          ArrayRef<ReassociationIndices> groups) {
  auto type = cast<MemRefType>(buffer.getType());
  if (!memref::CollapseShapeOp::isGuaranteedCollapsible(type, groups))
    return failure();
  return memref::CollapseShapeOp::create(b, loc, buffer, groups).getResult();
}

/// Whether `buffer` is a static 2-D memref whose rows are contiguous (tile
/// rows are read from it with the stride of its first dimension).
bool isTileSource(Value buffer) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  if (!type || type.getRank() != 2 || !type.hasStaticShape())
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

/// Where a buffer the op needs on every page is allocated: before the
/// outermost scf.for around it (the loop over pages), inside any parallel
/// loop, so that each thread has its own.
Operation *allocationPoint(Operation *op) {
  Operation *point = op;
  while (isa_and_nonnull<scf::ForOp>(point->getParentOp()))
    point = point->getParentOp();
  return point;
}

/// scores: S^T [t, m] += rows [t, k] x q [k / 2, 2 m + k % 2], one 16 x 16
/// tile of S^T at a time over the whole depth. With fewer than 16 query
/// rows, one block of narrower tiles; else whole 16-wide blocks, the last
/// one overlapping the one before it, read from a copy of the query's last
/// 16 columns in which the overlapped ones are zero (made once, before the
/// page loop).
LogicalResult lowerScores(linalg::GenericOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value rows = op.getDpsInputs()[0], query = op.getDpsInputs()[1];
  auto queryType = dyn_cast<MemRefType>(query.getType());
  auto out = dyn_cast<MemRefType>(op.getDpsInits()[0].getType());
  if (!isTileSource(rows) || !queryType || queryType.getRank() != 4 || !out ||
      out.getRank() != 3)
    return op.emitError("mla-cpu-amx: expected scores over a 2-D page, a "
                        "packed 4-D query and a 3-D output");
  int64_t keys = out.getDimSize(0);
  int64_t queryRows = out.getDimSize(1) * out.getDimSize(2);
  int64_t depth = cast<MemRefType>(rows.getType()).getDimSize(1);
  ReassociationIndices all = {1, 2, 3};
  FailureOr<Value> packed = collapse(b, loc, query, {{0}, all});
  FailureOr<Value> scores =
      collapse(b, loc, op.getDpsInits()[0], {{0}, {1, 2}});
  if (failed(packed) || failed(scores) || keys % kTileRows ||
      depth % kTileDepth)
    return op.emitError("mla-cpu-amx: the scores' buffers are not whole "
                        "contiguous tiles");
  int64_t tail = queryRows % kTileRows;
  Value lastColumns;
  if (queryRows > kTileRows && tail) {
    Operation *point = allocationPoint(op);
    if (!DominanceInfo(op).properlyDominates(query, point))
      point = op;
    OpBuilder before(point);
    TileBuilder copy{before, loc};
    lastColumns = memref::AllocOp::create(
        before, loc,
        MemRefType::get({depth / 2, 2 * kTileRows}, b.getBF16Type()));
    Value source = *collapse(before, loc, query, {{0}, all});
    // Row by row (depth / 2 of them), the overlapped columns masked.
    copy.loop(depth / 2, 1, [&](TileBuilder &t, Value r) {
      auto chunk = VectorType::get({2 * kTileRows}, b.getBF16Type());
      SmallVector<bool> keep(2 * kTileRows);
      for (int64_t i = 0; i < 2 * kTileRows; ++i)
        keep[i] = i >= 2 * (kTileRows - tail);
      Value mask = arith::ConstantOp::create(
          t.b, t.loc,
          DenseElementsAttr::get(
              VectorType::get({2 * kTileRows}, t.b.getI1Type()),
              ArrayRef<bool>(keep)));
      Value read = vector::LoadOp::create(
          t.b, t.loc, chunk, source,
          ValueRange{r, t.index(2 * (queryRows - kTileRows))});
      Value zeros = arith::ConstantOp::create(
          t.b, t.loc,
          DenseElementsAttr::get(chunk, t.b.getZeroAttr(t.b.getBF16Type())));
      vector::StoreOp::create(
          t.b, t.loc,
          arith::SelectOp::create(t.b, t.loc, mask, read, zeros).getResult(),
          lastColumns, ValueRange{r, t.index(0)});
    });
  }
  auto block = [&](TileBuilder &t, Value key, Value row, int64_t width,
                   bool fromPacked) {
    Value acc = t.load(*scores, key, row, kTileRows, width);
    Value column = fromPacked ? t.times(row, 2) : t.index(0);
    Value source = fromPacked ? *packed : lastColumns;
    for (int64_t k = 0; k < depth; k += kTileDepth) {
      Value lhs = t.load(rows, key, t.index(k), kTileRows, kTileDepth);
      Value rhs =
          t.load(source, t.index(k / 2), column, kTileDepth / 2, 2 * width);
      acc = t.multiply(lhs, rhs, acc);
    }
    t.store(*scores, key, row, acc);
  };
  TileBuilder top{b, loc};
  top.loop(keys / kTileRows, kTileRows, [&](TileBuilder &tb, Value key) {
    if (queryRows < kTileRows)
      return block(tb, key, tb.index(0), queryRows, true);
    tb.rowBlocks(queryRows, [&](TileBuilder &t, Value row, bool fromPacked) {
      block(t, key, row, kTileRows, fromPacked);
    });
  });
  op.erase();
  return success();
}

/// The page's value rows [t, c] as bf16 pairs: packed [t / 2, 2 c + t % 2],
/// rows outside [lo, hi) zero.
void packValues(TileBuilder &top, Value values, Value lo, Value hi,
                Value packed, int64_t keys, int64_t width) {
  OpBuilder &b = top.b;
  Location loc = top.loc;
  auto chunk = VectorType::get({kTileDepth}, b.getBF16Type());
  Value zeros = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(chunk, b.getZeroAttr(b.getBF16Type())));
  top.loop(keys / 2, 1, [&](TileBuilder &tb, Value pair) {
    Value first = tb.times(pair, 2);
    Value second = tb.plus(first, 1);
    auto inside = [&](Value key) -> Value {
      return arith::AndIOp::create(
          tb.b, tb.loc,
          arith::CmpIOp::create(tb.b, tb.loc, arith::CmpIPredicate::sge, key,
                                lo),
          arith::CmpIOp::create(tb.b, tb.loc, arith::CmpIPredicate::slt, key,
                                hi));
    };
    Value firstInside = inside(first), secondInside = inside(second);
    tb.loop(width / kTileDepth, kTileDepth, [&](TileBuilder &t, Value column) {
      auto row = [&](Value key, Value keep) -> Value {
        Value read = vector::LoadOp::create(t.b, t.loc, chunk, values,
                                            ValueRange{key, column});
        return arith::SelectOp::create(t.b, t.loc, keep, read, zeros);
      };
      Value pairs = vector::InterleaveOp::create(
          t.b, t.loc, row(first, firstInside), row(second, secondInside));
      vector::StoreOp::create(t.b, t.loc, pairs, packed,
                              ValueRange{pair, t.times(column, 2)});
    });
  });
}

/// pack_values: V' [t / 2, c, 2] = the page's rows [t, c] in pairs, rows
/// outside [lo, hi) zero, two rows interleaved per vector of V'.
LogicalResult lowerPackValues(linalg::GenericOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<Value> inputs = op.getDpsInputs();
  auto out = dyn_cast<MemRefType>(op.getDpsInits()[0].getType());
  if (inputs.size() != 3 || !isTileSource(inputs[0]) || !out ||
      out.getRank() != 3 || !out.hasStaticShape())
    return op.emitError("mla-cpu-amx: expected value pairs of a 2-D page "
                        "and its row range into a 3-D buffer");
  int64_t keys = cast<MemRefType>(inputs[0].getType()).getDimSize(0);
  int64_t width = out.getDimSize(1);
  FailureOr<Value> packed =
      collapse(b, loc, op.getDpsInits()[0], {{0}, {1, 2}});
  if (failed(packed) || keys % 2 || keys / 2 != out.getDimSize(0) ||
      width % kTileDepth)
    return op.emitError("mla-cpu-amx: the value pairs' buffers are not whole "
                        "contiguous tile rows");
  TileBuilder top{b, loc};
  packValues(top, inputs[0], inputs[1], inputs[2], *packed, keys, width);
  op.erase();
  return success();
}

/// values: O [m, c] += P [m, t] x V' [t / 2, 2 c + t % 2], one 16 x 16 tile
/// of O at a time over all the step's keys. With fewer than 16 query rows,
/// one block of shorter tiles; else whole 16-row blocks, the last one
/// overlapping the one before it, its weights read from a copy of P's last
/// 16 rows in which the overlapped ones are zero.
LogicalResult lowerValues(linalg::GenericOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<Value> inputs = op.getDpsInputs();
  auto weights = dyn_cast<MemRefType>(inputs[0].getType());
  auto pairs = dyn_cast<MemRefType>(inputs[1].getType());
  auto acc = dyn_cast<MemRefType>(op.getDpsInits()[0].getType());
  if (inputs.size() != 2 || !weights || weights.getRank() != 3 || !pairs ||
      pairs.getRank() != 3 || !acc || acc.getRank() != 3)
    return op.emitError("mla-cpu-amx: expected P x V over 3-D weights, 3-D "
                        "value pairs and a 3-D accumulator");
  int64_t keys = weights.getDimSize(2);
  int64_t width = acc.getDimSize(2);
  int64_t queryRows = acc.getDimSize(0) * acc.getDimSize(1);
  FailureOr<Value> p = collapse(b, loc, inputs[0], {{0, 1}, {2}});
  FailureOr<Value> packed = collapse(b, loc, inputs[1], {{0}, {1, 2}});
  FailureOr<Value> o = collapse(b, loc, op.getDpsInits()[0], {{0, 1}, {2}});
  if (failed(p) || failed(packed) || failed(o) || keys % kTileRows ||
      width % kTileDepth)
    return op.emitError("mla-cpu-amx: P x V's buffers are not whole "
                        "contiguous tiles");

  TileBuilder top{b, loc};
  int64_t tail = queryRows % kTileRows;
  Value lastRows;
  if (queryRows > kTileRows && tail) {
    OpBuilder allocation(allocationPoint(op));
    lastRows = memref::AllocOp::create(
        allocation, loc, MemRefType::get({kTileRows, keys}, b.getBF16Type()));
    top.copyRows(*p, top.index(queryRows - kTileRows), top.index(0), lastRows,
                 kTileRows, keys, kTileRows - tail);
  }
  auto block = [&](TileBuilder &t, Value row, int64_t height,
                   bool fromWeights) {
    t.loop(width / kTileRows, kTileRows, [&](TileBuilder &tc, Value column) {
      Value tile = tc.load(*o, row, column, height, kTileRows);
      Value packedColumn = tc.times(column, 2);
      Value source = fromWeights ? *p : lastRows;
      Value sourceRow = fromWeights ? row : tc.index(0);
      for (int64_t k = 0; k < keys; k += kTileDepth) {
        int64_t depth = std::min(kTileDepth, keys - k);
        Value lhs = tc.load(source, sourceRow, tc.index(k), height, depth);
        Value rhs = tc.load(*packed, tc.index(k / 2), packedColumn, depth / 2,
                            2 * kTileRows);
        tile = tc.multiply(lhs, rhs, tile);
      }
      tc.store(*o, row, column, tile);
    });
  };
  if (queryRows < kTileRows)
    block(top, top.index(0), queryRows, true);
  else
    top.rowBlocks(queryRows, [&](TileBuilder &t, Value row, bool fromWeights) {
      block(t, row, kTileRows, fromWeights);
    });
  op.erase();
  return success();
}

LogicalResult lower(linalg::GenericOp op) {
  auto product = op->getAttrOfType<StringAttr>(tiles::kMarker);
  if (product && product.getValue() == tiles::kScores)
    return lowerScores(op);
  if (product && product.getValue() == tiles::kPackValues)
    return lowerPackValues(op);
  if (product && product.getValue() == tiles::kValues)
    return lowerValues(op);
  return op.emitError("mla-cpu-amx: unknown product ")
         << op->getAttr(tiles::kMarker);
}

struct CpuAmxPass : public mla::impl::MlaCpuAmxBase<CpuAmxPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> marked;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (op->hasAttr(tiles::kMarker))
        marked.push_back(op);
    });
    for (linalg::GenericOp op : marked) {
      if (!op.hasPureBufferSemantics()) {
        op.emitError("mla-cpu-amx: runs after bufferization");
        return signalPassFailure();
      }
      if (failed(lower(op)))
        return signalPassFailure();
    }
  }
};

} // namespace
