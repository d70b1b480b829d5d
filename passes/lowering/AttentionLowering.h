//===- AttentionLowering.h - latent attention as linalg over pages -*- C++ -*-//
//
// Flash-decoding over the paged cache: for one sequence, an scf.for walks the
// pages its keys live on, reads each page in place (a slice of the cache, no
// gathered copy), and keeps the online-softmax state (running max, running
// sum, unnormalized output) of every query row of all S tokens and H heads,
// so each page is read once for all of them.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_LOWERING_ATTENTIONLOWERING_H
#define MLAGEN_PASSES_LOWERING_ATTENTIONLOWERING_H

#include "dialect/MlaDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "passes/Passes.h"
#include "passes/lowering/LinalgEmitter.h"

namespace mlir::mla {

/// Inputs of the attention of one sequence.
struct SequenceKeys {
  Value cache;      // tensor [pages, page_size, latent + rope] (storage)
  Value blockTable; // tensor [B, P] i32
  Value sequence;   // index b
  Value length;     // index: keys of the sequence
  Value keyBegin;   // index: first key this attention covers
  Value keyEnd;     // index: one past the last key it covers
  bool causal;
};

/// Output [S, H, kv_lora_rank] (normalized, 0 where a row sees no key) and
/// LSE [S, H] (-inf there), both f32.
struct SequenceAttention {
  Value out, lse;
};

/// Attention of qLatent [S, H, kv_lora_rank] and qRope [S, H, d_r] (any
/// float types) over the keys [keyBegin, keyEnd) of one sequence, its page
/// steps multiplied as `products` says where the shapes allow it
/// (tiles::pageStepFits with S static, pairs::pageStepFits).
SequenceAttention attendSequence(LinalgEmitter &emit, ConfigAttr config,
                                 int64_t pageSize, Value qLatent, Value qRope,
                                 const SequenceKeys &keys,
                                 PageStepProducts products);

/// out = weighted / sum (0 where the sum is 0) over [..., D] and
/// lse = max + log(sum) (-inf where the sum is 0) over [...], in f32.
std::pair<Value, Value> normalizeBySum(LinalgEmitter &emit, Value weighted,
                                       Value max, Value sum);

/// exp(x - max), or 0 when max is -inf (a row that has seen no key).
Value expRelativeTo(OpBuilder &b, Location loc, Value x, Value max);

/// Whether query row `s` of the `tokens` new ones sees key `key` of a
/// sequence of `length` keys (index values): key < length and, when causal
/// (bottom-right), key < length - tokens + 1 + s.
Value keyVisible(OpBuilder &b, Location loc, Value key, Value length,
                 Value tokens, Value s, bool causal);

/// q_latent[..., h, c] = sum_n q_nope[..., h, n] W_UK[h, n, c], in f32.
Value emitAbsorbQuery(LinalgEmitter &emit, Value qNope, Value wUk);
/// o[..., h, v] = sum_c W_UV[h, v, c] o_latent[..., h, c], in f32.
Value emitAbsorbOutput(LinalgEmitter &emit, Value oLatent, Value wUv);

/// The slice at `indices` of `tensor`'s leading dimensions, which it drops.
Value sliceLeading(LinalgEmitter &emit, Value tensor, ValueRange indices);
/// Writes each of `slices` into the matching shared output of `loop` at
/// `indices` of its leading dimensions (in the loop's in_parallel
/// terminator).
void parallelInsertLeading(LinalgEmitter &emit, scf::ForallOp loop,
                           ArrayRef<Value> slices, ValueRange indices);

} // namespace mlir::mla

#endif // MLAGEN_PASSES_LOWERING_ATTENTIONLOWERING_H
