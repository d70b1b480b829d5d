//===- CacheOps.cpp - verifiers of the paged cache ops --------------------===//

#include "dialect/LayerShapeVerifier.h"
#include "dialect/MlaOps.h"

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
  return failure(failed(v.cache("cache", getCache())) ||
                 failed(v.indexTensor("block_table", getBlockTable(),
                                      {b, v.blockTableWidth})) ||
                 failed(v.indexTensor("seq_lens", getSeqLens(), {b})) ||
                 failed(v.tensor("c_kv", getCKv(), {b, t, v.kvLoraRank})) ||
                 failed(v.tensor("k_rope", getKRope(), {b, t, v.ropeDim})));
}
