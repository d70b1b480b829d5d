//===- AttentionOps.cpp - verifiers of the attention ops ------------------===//

#include "dialect/LayerShapeVerifier.h"
#include "dialect/MlaOps.h"

using namespace mlir;
using namespace mlir::mla;

using Dim = ShapeVerifier::Dim;

LogicalResult MhaAttentionOp::verify() {
  LayerShapeVerifier v(*this, getConfig());
  Dim b = v.batch, s = v.queryTokens, t = v.keyTokens, h = v.heads;
  return failure(failed(v.tensor("q_nope", getQNope(), {b, s, h, v.nopeDim})) ||
                 failed(v.tensor("q_rope", getQRope(), {b, s, h, v.ropeDim})) ||
                 failed(v.tensor("k_nope", getKNope(), {b, t, h, v.nopeDim})) ||
                 failed(v.tensor("k_rope", getKRope(), {b, t, v.ropeDim})) ||
                 failed(v.tensor("v", getV(), {b, t, h, v.vDim})) ||
                 failed(v.indexTensor("seq_lens", getSeqLens(), {b})) ||
                 failed(v.tensor("out", getOut(), {b, s, h, v.vDim})) ||
                 failed(v.accumTensor("lse", getLse(), {b, s, h})));
}

/// The inputs latent_attention and partial_latent_attention share. With
/// `wUk` the query is q_nope and W_UK^T is applied in the prologue.
static LogicalResult verifyLatentInputs(LayerShapeVerifier &v, Value query,
                                        Value qRope, Value cache,
                                        Value blockTable, Value seqLens,
                                        Value wUk) {
  Dim b = v.batch, s = v.queryTokens, h = v.heads;
  Dim queryDim = wUk ? v.nopeDim : v.kvLoraRank;
  return failure(
      failed(v.tensor("query", query, {b, s, h, queryDim})) ||
      failed(v.tensor("q_rope", qRope, {b, s, h, v.ropeDim})) ||
      failed(v.cache("cache", cache)) ||
      failed(
          v.indexTensor("block_table", blockTable, {b, v.blockTableWidth})) ||
      failed(v.indexTensor("seq_lens", seqLens, {b})) ||
      (wUk && failed(v.tensor("w_uk", wUk, {h, v.nopeDim, v.kvLoraRank}))));
}

LogicalResult LatentAttentionOp::verify() {
  LayerShapeVerifier v(*this, getConfig());
  Dim b = v.batch, s = v.queryTokens, h = v.heads;
  Value wUv = getWUv();
  Dim outDim = wUv ? v.vDim : v.kvLoraRank;
  return failure(
      failed(verifyLatentInputs(v, getQuery(), getQRope(), getCache(),
                                getBlockTable(), getSeqLens(), getWUk())) ||
      (wUv && failed(v.tensor("w_uv", wUv, {h, v.vDim, v.kvLoraRank}))) ||
      failed(v.tensor("out", getOut(), {b, s, h, outDim})) ||
      failed(v.accumTensor("lse", getLse(), {b, s, h})));
}

LogicalResult PartialLatentAttentionOp::verify() {
  LayerShapeVerifier v(*this, getConfig());
  Dim n = v.fixed(getNumSplits(), "num_splits");
  Dim b = v.batch, s = v.queryTokens, h = v.heads;
  return failure(
      failed(verifyLatentInputs(v, getQuery(), getQRope(), getCache(),
                                getBlockTable(), getSeqLens(), getWUk())) ||
      failed(v.accumTensor("partial_out", getPartialOut(),
                           {n, b, s, h, v.kvLoraRank})) ||
      failed(v.accumTensor("partial_lse", getPartialLse(), {n, b, s, h})));
}

LogicalResult CombineOp::verify() {
  LayerShapeVerifier v(*this, getConfig());
  Dim n = v.splits, b = v.batch, s = v.queryTokens, h = v.heads;
  Value wUv = getWUv();
  Dim outDim = wUv ? v.vDim : v.kvLoraRank;
  return failure(
      failed(v.accumTensor("partial_out", getPartialOut(),
                           {n, b, s, h, v.kvLoraRank})) ||
      failed(v.accumTensor("partial_lse", getPartialLse(), {n, b, s, h})) ||
      (wUv && failed(v.tensor("w_uv", wUv, {h, v.vDim, v.kvLoraRank}))) ||
      failed(v.tensor("out", getOut(), {b, s, h, outDim})) ||
      failed(v.accumTensor("lse", getLse(), {b, s, h})));
}
