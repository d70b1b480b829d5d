//===- ProjectionLowering.h - linear maps, RMSNorm and RoPE -----*- C++ -*-===//
//
// Builders shared by the lowerings of the projection, RoPE and cache ops.
// Results are f32 unless said otherwise; inputs may be any float type.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_LOWERING_PROJECTIONLOWERING_H
#define MLAGEN_PASSES_LOWERING_PROJECTIONLOWERING_H

#include "dialect/MlaDialect.h"
#include "passes/lowering/LinalgEmitter.h"

namespace mlir::mla {

/// y[lead..., rows...] = sum_k x[lead..., k] w[rows..., k]: a projection
/// with weight w [r, k], or w [h, r, k] (every row of w for every x).
Value emitLinear(LinalgEmitter &emit, Value x, Value w);
/// y[lead..., h, r] = sum_k x[lead..., h, k] w[h, r, k]: one projection per
/// head.
Value emitPerHeadLinear(LinalgEmitter &emit, Value x, Value w);
/// x / sqrt(mean(x^2) + eps) * weight over the last dimension.
Value emitRmsNorm(LinalgEmitter &emit, Value x, Value weight, double eps);
/// `x` restricted to [offset, offset + size) in its last dimension.
Value sliceLast(LinalgEmitter &emit, Value x, int64_t offset, int64_t size);
/// RoPE of input [B, S, (H,) d_r] at positions [B, S] (i32), in the input's
/// element type. Angles are computed in f64 so long contexts keep their
/// precision.
Value emitRope(LinalgEmitter &emit, ConfigAttr config, Value input,
               Value positions);

} // namespace mlir::mla

#endif // MLAGEN_PASSES_LOWERING_PROJECTIONLOWERING_H
