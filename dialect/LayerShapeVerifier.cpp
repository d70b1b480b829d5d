//===- LayerShapeVerifier.cpp - shape checks against an MLA config --------===//

#include "dialect/LayerShapeVerifier.h"

using namespace mlir;
using namespace mlir::mla;

LayerShapeVerifier::LayerShapeVerifier(Operation *op, ConfigAttr config)
    : ShapeVerifier(op), config(config),
      heads(fixed(config.getHeads(), "heads")),
      dModel(fixed(config.getDModel(), "d_model")),
      kvLoraRank(fixed(config.getKvLoraRank(), "kv_lora_rank")),
      nopeDim(fixed(config.getQkNopeHeadDim(), "qk_nope_head_dim")),
      ropeDim(fixed(config.getQkRopeHeadDim(), "qk_rope_head_dim")),
      vDim(fixed(config.getVHeadDim(), "v_head_dim")), batch(symbol("batch")),
      queryTokens(symbol("query tokens")), keyTokens(symbol("key tokens")),
      blockTableWidth(symbol("pages per sequence")), splits(symbol("splits")) {}

LogicalResult LayerShapeVerifier::tensor(StringRef name, Value value,
                                         ArrayRef<Dim> dims) {
  if (failed(check(name, value.getType(), dims)))
    return failure();
  return checkElementType(name, value.getType(), config.getStorageType(),
                          "the config's storage type");
}

LogicalResult LayerShapeVerifier::accumTensor(StringRef name, Value value,
                                              ArrayRef<Dim> dims) {
  if (failed(check(name, value.getType(), dims)))
    return failure();
  return checkElementType(name, value.getType(), config.getAccumType(),
                          "the config's accumulation type");
}

LogicalResult LayerShapeVerifier::indexTensor(StringRef name, Value value,
                                              ArrayRef<Dim> dims) {
  return check(name, value.getType(), dims);
}

LogicalResult LayerShapeVerifier::cache(StringRef name, Value value) {
  auto type = cast<PagedCacheType>(value.getType());
  if (type.getLatentDim() != config.getKvLoraRank())
    return op->emitOpError()
           << "'" << name << "' latent width " << type.getLatentDim()
           << " must match the config's kv_lora_rank "
           << config.getKvLoraRank();
  if (type.getRopeDim() != config.getQkRopeHeadDim())
    return op->emitOpError()
           << "'" << name << "' rope width " << type.getRopeDim()
           << " must match the config's qk_rope_head_dim "
           << config.getQkRopeHeadDim();
  if (type.getElementType() != config.getStorageType())
    return op->emitOpError()
           << "'" << name << "' element type must be "
           << config.getStorageType() << " (the config's storage type), got "
           << type.getElementType();
  return success();
}
