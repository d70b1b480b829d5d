//===- KernelTemplates.cpp - every kernel template compiled on the host ---===//
//
// Built with the project (not run): each template of passes/cuda/device/ is
// instantiated here as host C++ against the emulation headers, in the
// order a unit holds them, for the forms its families generate (both
// storage types, whole and split, causal, TMA and cp.async, every linear
// store). A typo or type error in a kernel template fails the build rather
// than a user's JIT compile.
//
//===----------------------------------------------------------------------===//

// The order of a generated unit.
// clang-format off
#include "EmulatedCuda.h"
#include "passes/cuda/device/Common.cuh"
#include "EmulatedPrimitives.h"
#include "EmulatedHopperPrimitives.h"
#include "passes/cuda/device/Storage.cuh"
#include "passes/cuda/device/FragmentSoftmax.cuh"
#include "passes/cuda/device/Rope.cuh"
#include "passes/cuda/device/Append.cuh"
#include "passes/cuda/device/Schedule.cuh"
#include "passes/cuda/device/Combine.cuh"
#include "passes/cuda/device/Absorb.cuh"
#include "passes/cuda/device/Linear.cuh"
#include "passes/cuda/device/RmsNorm.cuh"
#include "passes/cuda/device/DecodeMmaSync.cuh"
#include "passes/cuda/device/DecodeWgmma.cuh"
#include "passes/cuda/device/Prefill.cuh"
// clang-format on

namespace {

using u16 = mlagen_u16;

template <mlagen_decode_mma_sync_shape S> void decodeMmaSync() {
  using Out = typename mlagen_if<S.partial, float, u16>::type;
  mlagen_decode_mma_sync<S>(nullptr, nullptr, nullptr, nullptr, nullptr,
                            static_cast<Out *>(nullptr), nullptr, 0, 0, 0);
}

template <mlagen_decode_wgmma_shape S> void decodeWgmma() {
  using Out = typename mlagen_if<S.partial, float, u16>::type;
  if constexpr (S.tma()) {
    const mlagen_tensor_map map = {};
    mlagen_decode_wgmma<S>(nullptr, nullptr, map, nullptr, nullptr,
                           static_cast<Out *>(nullptr), nullptr, 0, 0, 0);
  } else {
    const u16 *cache = nullptr;
    mlagen_decode_wgmma<S>(nullptr, nullptr, cache, nullptr, nullptr,
                           static_cast<Out *>(nullptr), nullptr, 0, 0, 0);
  }
}

template <mlagen_decode_mma_sync_shape S> void decodeMmaSyncScheduled() {
  mlagen_decode_mma_sync_scheduled<S>(nullptr, nullptr, nullptr, nullptr,
                                      nullptr, nullptr, nullptr, nullptr,
                                      nullptr, nullptr, 0, 0, 0);
}

template <mlagen_decode_wgmma_shape S> void decodeWgmmaScheduled() {
  const mlagen_tensor_map map = {};
  mlagen_decode_wgmma_scheduled<S>(nullptr, nullptr, map, nullptr, nullptr,
                                   nullptr, nullptr, nullptr, nullptr, nullptr,
                                   0, 0, 0);
}

} // namespace

/// Never called: its calls make the compiler instantiate every template.
void mlagenInstantiateKernelTemplates() {
  decodeMmaSync<mlagen_decode_mma_sync_shape{.storage = mlagen_bf16,
                                             .rows = 64,
                                             .keys = 32,
                                             .warps = 16,
                                             .stages = 2,
                                             .latent = 512,
                                             .rope = 64,
                                             .heads = 128,
                                             .tokens = 1,
                                             .page_size = 64,
                                             .splits = 4,
                                             .causal = false,
                                             .partial = true,
                                             .scale = 0.1f}>();
  decodeMmaSync<mlagen_decode_mma_sync_shape{.storage = mlagen_f16,
                                             .rows = 16,
                                             .keys = 64,
                                             .warps = 4,
                                             .stages = 1,
                                             .latent = 512,
                                             .rope = 64,
                                             .heads = 16,
                                             .tokens = 2,
                                             .page_size = 1,
                                             .splits = 1,
                                             .causal = true,
                                             .partial = false,
                                             .scale = 0.1f}>();
  decodeMmaSyncScheduled<mlagen_decode_mma_sync_shape{
      .storage = mlagen_bf16,
      .rows = 64,
      .keys = 32,
      .warps = 16,
      .stages = 2,
      .latent = 512,
      .rope = 64,
      .heads = 128,
      .tokens = 1,
      .page_size = 64,
      .splits = 1,
      .causal = true,
      .partial = true,
      .scale = 0.1f,
      .schedule = {.parts = 66, .keys_per_unit = 32, .overhead_units = 2}}>();
  decodeWgmma<mlagen_decode_wgmma_shape{.storage = mlagen_bf16,
                                        .keys = 32,
                                        .warps = 8,
                                        .stages = 2,
                                        .latent = 512,
                                        .rope = 64,
                                        .heads = 128,
                                        .tokens = 1,
                                        .page_size = 64,
                                        .splits = 4,
                                        .causal = false,
                                        .partial = true,
                                        .scale_log2 = 0.1f}>();
  decodeWgmma<mlagen_decode_wgmma_shape{.storage = mlagen_f16,
                                        .keys = 32,
                                        .warps = 16,
                                        .stages = 3,
                                        .latent = 512,
                                        .rope = 64,
                                        .heads = 64,
                                        .tokens = 2,
                                        .page_size = 1,
                                        .splits = 1,
                                        .causal = true,
                                        .partial = false,
                                        .scale_log2 = 0.1f}>();
  decodeWgmmaScheduled<mlagen_decode_wgmma_shape{
      .storage = mlagen_bf16,
      .keys = 32,
      .warps = 8,
      .stages = 2,
      .latent = 512,
      .rope = 64,
      .heads = 128,
      .tokens = 1,
      .page_size = 64,
      .splits = 1,
      .causal = true,
      .partial = true,
      .scale_log2 = 0.1f,
      .schedule = {.parts = 66, .keys_per_unit = 64, .overhead_units = 2}}>();
  mlagen_schedule_starts<mlagen_schedule_shape{
      .schedule = {.parts = 132, .keys_per_unit = 64, .overhead_units = 2},
      .page_size = 64}>(nullptr, nullptr, 0, 0);
  mlagen_combine_scheduled<mlagen_combine_shape{
      .storage = mlagen_bf16,
      .warps = 4,
      .splits = 1,
      .width = 512,
      .schedule = {.parts = 132, .keys_per_unit = 64, .overhead_units = 2},
      .sequence_rows = 128}>(nullptr, nullptr, nullptr, nullptr, nullptr, 0);
  mlagen_prefill<mlagen_prefill_shape{.storage = mlagen_bf16,
                                      .rows = 64,
                                      .keys = 64,
                                      .warps = 4,
                                      .stages = 2,
                                      .heads = 128,
                                      .nope = 128,
                                      .rope = 64,
                                      .value = 128,
                                      .causal = true,
                                      .scale_log2 = 0.1f}>(
      nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 0,
      0, 0);
  mlagen_append<mlagen_append_shape{.storage = mlagen_bf16,
                                    .warps = 4,
                                    .latent = 512,
                                    .rope = 64,
                                    .page_size = 64,
                                    .tokens = 2,
                                    .rotate = true,
                                    .interleaved = true,
                                    .cos_sin_scale = 1.0}>(
      nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 0, 0, nullptr, 0);
  mlagen_append<mlagen_append_shape{.storage = mlagen_f16,
                                    .warps = 1,
                                    .latent = 16,
                                    .rope = 4,
                                    .page_size = 1,
                                    .tokens = 3,
                                    .rotate = false,
                                    .interleaved = false,
                                    .cos_sin_scale = 1.0}>(
      nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 0, 0, nullptr, 0);
  mlagen_rope<mlagen_rope_shape{.storage = mlagen_bf16,
                                .warps = 4,
                                .per_token = 8192,
                                .rope = 64,
                                .interleaved = false,
                                .cos_sin_scale = 1.0}>(nullptr, nullptr,
                                                       nullptr, 0, nullptr);
  mlagen_combine<mlagen_combine_shape{
      .storage = mlagen_bf16, .warps = 4, .splits = 8, .width = 512}>(
      nullptr, nullptr, nullptr, nullptr, 0);
  constexpr mlagen_absorb_shape kAbsorb = {.input = mlagen_bf16,
                                           .weight = mlagen_bf16,
                                           .result = mlagen_bf16,
                                           .warps = 4,
                                           .heads = 128,
                                           .in = 128,
                                           .out = 512};
  mlagen_absorb_query<kAbsorb>(nullptr, nullptr, nullptr, 0);
  mlagen_absorb_output<kAbsorb>(nullptr, nullptr, nullptr, 0);
  constexpr mlagen_linear_shape kLinear = {.storage = mlagen_bf16,
                                           .warps = 4,
                                           .in = 7168,
                                           .out = 576,
                                           .split = 512,
                                           .heads = 128,
                                           .nope = 128};
  mlagen_compress_query<kLinear>(nullptr, nullptr, nullptr, 0);
  mlagen_compress_kv<kLinear>(nullptr, nullptr, nullptr, nullptr, 0);
  mlagen_up_project_query<kLinear>(nullptr, nullptr, nullptr, nullptr, 0);
  mlagen_output_projection<kLinear>(nullptr, nullptr, nullptr, 0);
  mlagen_output_projection<mlagen_linear_shape{.storage = mlagen_f32,
                                               .warps = 4,
                                               .in = 64,
                                               .out = 32,
                                               .split = 0,
                                               .heads = 0,
                                               .nope = 0}>(nullptr, nullptr,
                                                           nullptr, 0);
  mlagen_rms_norm<mlagen_rms_norm_shape{.storage = mlagen_bf16,
                                        .weight = mlagen_f32,
                                        .warps = 4,
                                        .width = 512,
                                        .epsilon = 1e-6f}>(nullptr, nullptr,
                                                           nullptr, 0);
}
