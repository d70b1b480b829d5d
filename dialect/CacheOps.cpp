//===- CacheOps.cpp - verifiers of the paged cache ops --------------------===//

#include "dialect/LayerShapeVerifier.h"
#include "dialect/MlaOps.h"
#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;
using namespace mlir::mla;

LogicalResult CacheAppendOp::verify() {
  LayerShapeVerifier v(*this, getConfig());
  auto b = v.batch, s = v.queryTokens;
  return failure(failed(v.cache("cache", getCache())) ||
                 failed(v.indexTensor("block_table", getBlockTable(),
                                      {b, v.blockTableWidth})) ||
                 failed(v.indexTensor("seq_lens", getSeqLens(), {b})) ||
                 failed(v.tensor("c_kv", getCKv(), {b, s, v.kvLoraRank})) ||
                 failed(v.tensor("k_rope", getKRope(), {b, s, v.ropeDim})) ||
                 (getPositions() &&
                  failed(v.indexTensor("positions", getPositions(), {b, s}))));
}

LogicalResult CacheReadOp::verify() {
  LayerShapeVerifier v(*this, getConfig());
  auto b = v.batch, t = v.keyTokens;
  if (failed(v.cache("cache", getCache())) ||
      failed(v.indexTensor("block_table", getBlockTable(),
                           {b, v.blockTableWidth})) ||
      failed(v.indexTensor("seq_lens", getSeqLens(), {b})) ||
      failed(v.tensor("c_kv", getCKv(), {b, t, v.kvLoraRank})) ||
      failed(v.tensor("k_rope", getKRope(), {b, t, v.ropeDim})))
    return failure();
  // T is every key the block table addresses, so that attention over the
  // gathered rows and attention over the pages see the same keys.
  int64_t tableWidth = getBlockTable().getType().getDimSize(1);
  int64_t keys = getCKv().getType().getDimSize(1);
  int64_t pageSize = getCache().getType().getPageSize();
  if (ShapedType::isDynamic(tableWidth) || ShapedType::isDynamic(keys))
    return success();
  std::optional<int64_t> reach = llvm::checkedMul(tableWidth, pageSize);
  if (!reach || *reach != keys)
    return emitOpError("'c_kv' dimension 1 (key tokens) must be the ")
           << tableWidth << " block-table entries x " << pageSize
           << " rows per page the table addresses, got " << keys;
  return success();
}
