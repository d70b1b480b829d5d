//===- ProjectionOps.cpp - verifiers of the projection ops ----------------===//

#include "dialect/LayerShapeVerifier.h"
#include "dialect/MlaOps.h"

using namespace mlir;
using namespace mlir::mla;

using Dim = ShapeVerifier::Dim;

LogicalResult CompressQueryOp::verify() {
  ConfigAttr config = getConfig();
  if (!config.hasQueryCompression())
    return emitOpError("needs a config with q_lora_rank > 0; a model without "
                       "query compression up-projects the hidden state "
                       "directly (mla.up_project_query)");
  LayerShapeVerifier v(*this, config);
  Dim rank = v.fixed(config.getQLoraRank(), "q_lora_rank");
  return failure(
      failed(v.tensor("hidden", getHidden(),
                      {v.batch, v.queryTokens, v.dModel})) ||
      failed(v.tensor("w_dq", getWDq(), {rank, v.dModel})) ||
      failed(v.tensor("norm_weight", getNormWeight(), {rank})) ||
      failed(v.tensor("c_q", getCQ(), {v.batch, v.queryTokens, rank})));
}

LogicalResult CompressKvOp::verify() {
  ConfigAttr config = getConfig();
  LayerShapeVerifier v(*this, config);
  Dim rows =
      v.fixed(config.getLatentRowWidth(), "kv_lora_rank + qk_rope_head_dim");
  return failure(
      failed(v.tensor("hidden", getHidden(),
                      {v.batch, v.queryTokens, v.dModel})) ||
      failed(v.tensor("w_dkv", getWDkv(), {rows, v.dModel})) ||
      failed(v.tensor("norm_weight", getNormWeight(), {v.kvLoraRank})) ||
      failed(
          v.tensor("c_kv", getCKv(), {v.batch, v.queryTokens, v.kvLoraRank})) ||
      failed(
          v.tensor("k_rope", getKRope(), {v.batch, v.queryTokens, v.ropeDim})));
}

LogicalResult UpProjectQueryOp::verify() {
  ConfigAttr config = getConfig();
  LayerShapeVerifier v(*this, config);
  Dim input = v.fixed(config.getQueryInputDim(),
                      config.hasQueryCompression()
                          ? "q_lora_rank"
                          : "d_model, the config has no q_lora_rank");
  Dim rows = v.fixed(config.getQkNopeHeadDim() + config.getQkRopeHeadDim(),
                     "qk_nope_head_dim + qk_rope_head_dim");
  return failure(
      failed(v.tensor("input", getInput(), {v.batch, v.queryTokens, input})) ||
      failed(v.tensor("w_uq", getWUq(), {v.heads, rows, input})) ||
      failed(v.tensor("q_nope", getQNope(),
                      {v.batch, v.queryTokens, v.heads, v.nopeDim})) ||
      failed(v.tensor("q_rope", getQRope(),
                      {v.batch, v.queryTokens, v.heads, v.ropeDim})));
}

LogicalResult UpProjectKOp::verify() {
  LayerShapeVerifier v(*this, getConfig());
  return failure(
      failed(
          v.tensor("c_kv", getCKv(), {v.batch, v.keyTokens, v.kvLoraRank})) ||
      failed(v.tensor("w_uk", getWUk(), {v.heads, v.nopeDim, v.kvLoraRank})) ||
      failed(v.tensor("k_nope", getKNope(),
                      {v.batch, v.keyTokens, v.heads, v.nopeDim})));
}

LogicalResult UpProjectVOp::verify() {
  LayerShapeVerifier v(*this, getConfig());
  return failure(
      failed(
          v.tensor("c_kv", getCKv(), {v.batch, v.keyTokens, v.kvLoraRank})) ||
      failed(v.tensor("w_uv", getWUv(), {v.heads, v.vDim, v.kvLoraRank})) ||
      failed(v.tensor("v", getV(), {v.batch, v.keyTokens, v.heads, v.vDim})));
}

LogicalResult AbsorbQueryOp::verify() {
  LayerShapeVerifier v(*this, getConfig());
  return failure(
      failed(v.tensor("q_nope", getQNope(),
                      {v.batch, v.queryTokens, v.heads, v.nopeDim})) ||
      failed(v.tensor("w_uk", getWUk(), {v.heads, v.nopeDim, v.kvLoraRank})) ||
      failed(v.tensor("q_latent", getQLatent(),
                      {v.batch, v.queryTokens, v.heads, v.kvLoraRank})));
}

LogicalResult AbsorbOutputOp::verify() {
  LayerShapeVerifier v(*this, getConfig());
  return failure(
      failed(v.tensor("o_latent", getOLatent(),
                      {v.batch, v.queryTokens, v.heads, v.kvLoraRank})) ||
      failed(v.tensor("w_uv", getWUv(), {v.heads, v.vDim, v.kvLoraRank})) ||
      failed(v.tensor("out", getOut(),
                      {v.batch, v.queryTokens, v.heads, v.vDim})));
}

LogicalResult OutputProjectionOp::verify() {
  ConfigAttr config = getConfig();
  auto headsOut = cast<RankedTensorType>(getHeadsOut().getType());
  if (headsOut.getRank() != 4)
    return emitOpError("'heads_out' must have rank 4 [batch, query tokens, "
                       "heads, v_head_dim or kv_lora_rank], got ")
           << headsOut;
  int64_t headDim = headsOut.getDimSize(3);
  if (headDim != config.getVHeadDim() && headDim != config.getKvLoraRank())
    return emitOpError("'heads_out' dimension 3 must be v_head_dim (")
           << config.getVHeadDim() << ") or kv_lora_rank ("
           << config.getKvLoraRank()
           << ", with W_UV pre-multiplied into w_o), got "
           << (ShapedType::isDynamic(headDim) ? std::string("?")
                                              : std::to_string(headDim));
  LayerShapeVerifier v(*this, config);
  Dim head = headDim == config.getVHeadDim() ? v.vDim : v.kvLoraRank;
  return failure(
      failed(v.tensor("heads_out", getHeadsOut(),
                      {v.batch, v.queryTokens, v.heads, head})) ||
      failed(v.tensor("w_o", getWO(), {v.dModel, v.heads, head})) ||
      failed(v.tensor("out", getOut(), {v.batch, v.queryTokens, v.dModel})));
}

LogicalResult RopeOp::verify() {
  LayerShapeVerifier v(*this, getConfig());
  auto input = cast<RankedTensorType>(getInput().getType());
  SmallVector<Dim> dims = {v.batch, v.queryTokens, v.ropeDim};
  if (input.getRank() == 4)
    dims.insert(dims.begin() + 2, v.heads);
  else if (input.getRank() != 3)
    return emitOpError("'input' must have rank 3 [batch, tokens, "
                       "qk_rope_head_dim] or 4 [batch, tokens, heads, "
                       "qk_rope_head_dim], got ")
           << input;
  return failure(failed(v.tensor("input", getInput(), dims)) ||
                 failed(v.indexTensor("positions", getPositions(),
                                      {v.batch, v.queryTokens})));
}
