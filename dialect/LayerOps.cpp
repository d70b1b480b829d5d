//===- LayerOps.cpp - verifier of the whole-layer op ----------------------===//

#include "dialect/LayerShapeVerifier.h"
#include "dialect/MlaOps.h"

using namespace mlir;
using namespace mlir::mla;

using Dim = ShapeVerifier::Dim;

LogicalResult DecodeStepOp::verify() {
  ConfigAttr config = getConfig();
  LayerShapeVerifier v(*this, config);
  Dim b = v.batch, s = v.queryTokens, h = v.heads;
  Dim queryInput = v.fixed(config.getQueryInputDim(),
                           config.hasQueryCompression()
                               ? "q_lora_rank"
                               : "d_model, the config has no q_lora_rank");
  Dim queryRows = v.fixed(config.getQkNopeHeadDim() + config.getQkRopeHeadDim(),
                          "qk_nope_head_dim + qk_rope_head_dim");
  Dim latentRows =
      v.fixed(config.getLatentRowWidth(), "kv_lora_rank + qk_rope_head_dim");

  // Query compression weights come exactly when the config compresses.
  for (auto [name, weight] :
       {std::pair{"w_dq", getWDq()}, {"q_norm", getQNorm()}}) {
    if (config.hasQueryCompression() && !weight)
      return emitOpError("'")
             << name << "' is required: the config has q_lora_rank "
             << config.getQLoraRank() << " (write q_compress(w_dq, q_norm))";
    if (!config.hasQueryCompression() && weight)
      return emitOpError("'")
             << name << "' is given but the config has no q_lora_rank";
  }
  if (config.hasQueryCompression() &&
      (failed(v.tensor("w_dq", getWDq(), {queryInput, v.dModel})) ||
       failed(v.tensor("q_norm", getQNorm(), {queryInput}))))
    return failure();

  return failure(
      failed(v.tensor("hidden", getHidden(), {b, s, v.dModel})) ||
      failed(v.cache("cache", getCache())) ||
      failed(v.indexTensor("block_table", getBlockTable(),
                           {b, v.blockTableWidth})) ||
      failed(v.indexTensor("seq_lens", getSeqLens(), {b})) ||
      failed(v.tensor("w_uq", getWUq(), {h, queryRows, queryInput})) ||
      failed(v.tensor("w_dkv", getWDkv(), {latentRows, v.dModel})) ||
      failed(v.tensor("kv_norm", getKvNorm(), {v.kvLoraRank})) ||
      failed(v.tensor("w_uk", getWUk(), {h, v.nopeDim, v.kvLoraRank})) ||
      failed(v.tensor("w_uv", getWUv(), {h, v.vDim, v.kvLoraRank})) ||
      failed(v.tensor("w_o", getWO(), {v.dModel, h, v.vDim})) ||
      failed(v.tensor("out", getOut(), {b, s, v.dModel})));
}
