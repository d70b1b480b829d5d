//===- Passes.h - the MLA rewrite passes and pipelines ----------*- C++ -*-===//

#ifndef MLAGEN_PASSES_PASSES_H
#define MLAGEN_PASSES_PASSES_H

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir {
class RewritePatternSet;
namespace mla {
class BypassedProducers;

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

/// mla.decode_step -> primitive ops in the naive MHA form.
void populateDecomposePatterns(RewritePatternSet &patterns);
/// Naive MHA attention over a gathered cache -> absorbed latent attention,
/// and constant W_UV x W_O pre-multiplication up to `premultiplyLimit`
/// elements of fused weight. Producers the rewrites leave unused are
/// recorded in `bypassed` (see BypassedProducers.h) when given, else left
/// for dead-code elimination.
void populateAbsorbWeightsPatterns(RewritePatternSet &patterns,
                                   int64_t premultiplyLimit,
                                   BypassedProducers *bypassed = nullptr);
/// RoPE + append, and (with `absorptions`) absorption prologue/epilogue
/// fusion.
void populateFusePatterns(RewritePatternSet &patterns,
                          BypassedProducers *bypassed = nullptr,
                          bool absorptions = true);
/// Fused absorptions (W_UK prologue, W_UV epilogue) -> absorb_query /
/// absorb_output around the unfused attention or combine.
void populateUnfuseAbsorptionsPatterns(RewritePatternSet &patterns);
/// The split rule every back end's choice follows: at most one KV split per
/// kMinKeysPerSplit keys (below that a split does not pay for its
/// combine), and at most kMaxChosenSplits when the count is chosen.
inline constexpr int64_t kMinKeysPerSplit = 256;
inline constexpr int64_t kMaxChosenSplits = 64;

/// The balanced decode schedule mla-split-kv sets (#mla.decode_schedule):
/// a unit is 64 keys, a sequence's fixed work (its queries, its partial
/// result and merge) costs 5 units, and each block of query rows gets
/// smCount / row blocks parts (at least 1), so the CTAs fill the GPU once.
inline constexpr int64_t kScheduleKeysPerUnit = 64;
inline constexpr int64_t kScheduleOverheadUnits = 5;
inline int64_t balancedParts(int64_t smCount, int64_t rowBlocks) {
  return std::max<int64_t>(1, smCount / std::max<int64_t>(1, rowBlocks));
}

/// Whether mla-cpu-vectorize takes a register block of `accumulators`
/// vector registers, at most `inner` along the innermost loop: powers of
/// two in [1, 32] and [1, 8].
inline bool isValidRegisterBlock(int64_t accumulators, int64_t inner) {
  auto powerOfTwoIn = [](int64_t v, int64_t most) {
    return v >= 1 && v <= most && (v & (v - 1)) == 0;
  };
  return powerOfTwoIn(accumulators, 32) && powerOfTwoIn(inner, 8);
}

/// latent_attention -> partial_latent_attention + combine. `numSplits` 0
/// chooses from the shape for `smCount` multiprocessors. `balanced`
/// instead sets each latent_attention's #mla.decode_schedule for
/// `smCount` multiprocessors.
void populateSplitKvPatterns(RewritePatternSet &patterns, int64_t numSplits,
                             int64_t smCount, bool balanced = false);

/// Converts !mla.paged_cache to tensor<pages x page_size x row x element>
/// and leaves every other type alone.
class PagedCacheTypeConverter : public TypeConverter {
public:
  PagedCacheTypeConverter();
};

/// How latent attention's page steps multiply on the CPU: on AMX tiles,
/// written for mla-cpu-amx where their shapes allow (passes/AmxTiles.h);
/// else as bf16 pair contractions for AVX512-BF16 dot products where they
/// allow (passes/PairDots.h); else in f32 vector FMAs.
struct PageStepProducts {
  bool amxTiles = false;
  bool bf16Dot = false;
};

/// mla-cpu-vectorize's `bf16-dot` rewrite (passes/CpuPairDots.cpp) of the
/// vectorized pair contractions under `root`: rows of bf16 pairs read
/// whole, sums over pairs as AVX512-BF16 dot products.
LogicalResult rewritePairSumsAsDots(Operation *root);

/// mla-cpu-vectorize's rewrite (passes/CpuPairDots.cpp) of the vectorized
/// f32 lane contractions under `root` (whole dot products over rows of 16
/// lanes): an FMA per row into 16 lanes of partial sums, summed across.
LogicalResult rewriteLaneSumsAsFmas(Operation *root);

/// Lowerings of the mla ops to linalg/tensor/scf (convert-mla-to-linalg).
void populateMlaToLinalgConversionPatterns(const TypeConverter &converter,
                                           RewritePatternSet &patterns,
                                           PageStepProducts products = {});
/// The attention family: MHA, latent, partial and combine.
void populateAttentionLoweringPatterns(const TypeConverter &converter,
                                       RewritePatternSet &patterns,
                                       PageStepProducts products);
/// Compressions (with RMSNorm), up-projections, absorptions, RoPE, output
/// projection.
void populateProjectionLoweringPatterns(const TypeConverter &converter,
                                        RewritePatternSet &patterns);
/// cache_append (with fused RoPE) and cache_read, through the block table.
void populateCacheLoweringPatterns(const TypeConverter &converter,
                                   RewritePatternSet &patterns);

/// Options of the `mla-rewrite` pipeline.
struct RewritePipelineOptions
    : public PassPipelineOptions<RewritePipelineOptions> {
  Option<int64_t> numSplits{*this, "num-splits",
                            llvm::cl::desc("KV splits; 0 chooses"),
                            llvm::cl::init(0)};
  Option<int64_t> smCount{*this, "sm-count",
                          llvm::cl::desc("Multiprocessors to fill"),
                          llvm::cl::init(132)};
  Option<std::string> schedule{
      *this, "schedule",
      llvm::cl::desc("even (num-splits per sequence) or balanced (the "
                     "batch's KV work cut evenly over the multiprocessors)"),
      llvm::cl::init("even")};
  Option<int64_t> premultiplyLimit{
      *this, "premultiply-limit",
      llvm::cl::desc("Largest fused W_O x W_UV weight to pre-multiply"),
      llvm::cl::init(1 << 24)};
  Option<bool> fuseAbsorptions{
      *this, "fuse-absorptions",
      llvm::cl::desc("Fuse the absorptions into latent attention"),
      llvm::cl::init(true)};
};

/// mla-decompose, mla-absorb-weights, mla-fuse, mla-split-kv, then
/// canonicalize and cse.
void buildRewritePipeline(OpPassManager &pm,
                          const RewritePipelineOptions &options);

struct CudaPipelineOptions : public PassPipelineOptions<CudaPipelineOptions> {
  Option<std::string> arch{*this, "arch",
                           llvm::cl::desc("Target architecture (sm_80 ...)"),
                           llvm::cl::init("sm_90a")};
  Option<int64_t> rowsPerCta{*this, "rows-per-cta",
                             llvm::cl::desc("Query rows per CTA; 0 chooses"),
                             llvm::cl::init(0)};
  Option<int64_t> keysPerTile{*this, "keys-per-tile",
                              llvm::cl::desc("Keys per KV tile; 0 chooses"),
                              llvm::cl::init(0)};
  Option<int64_t> warps{*this, "warps",
                        llvm::cl::desc("Warps per CTA; 0 chooses"),
                        llvm::cl::init(0)};
  Option<int64_t> stages{*this, "stages",
                         llvm::cl::desc("KV tile buffers in flight"),
                         llvm::cl::init(2)};
  Option<std::string> mma{*this, "mma",
                          llvm::cl::desc("mma_sync, wgmma or auto"),
                          llvm::cl::init("auto")};
};

/// After mla-rewrite: mla-unfuse-absorptions, mla-cuda-tile with these
/// options, then canonicalize, so that the module is what the
/// `--mla-to-cuda` translation prints.
void buildCudaPipeline(OpPassManager &pm, const CudaPipelineOptions &options);

/// The dialects and interface implementations the CPU lowering needs; add
/// them to a context's registry before running it.
void registerCpuLoweringDialects(DialectRegistry &registry);

/// Options of the `mla-to-cpu` pipeline: the CPU back end's code-shaping
/// choices (the KV split count is mla-rewrite's).
struct CpuPipelineOptions : public PassPipelineOptions<CpuPipelineOptions> {
  Option<unsigned> threads{
      *this, "threads",
      llvm::cl::desc("Threads that share each parallel loop (its iterations "
                     "in equal blocks); 0: the OpenMP runtime's default"),
      llvm::cl::init(0)};
  Option<int64_t> accumulatorRegisters{
      *this, "accumulator-registers",
      llvm::cl::desc("mla-cpu-vectorize: vector registers of accumulators"),
      llvm::cl::init(16)};
  Option<int64_t> innerRegisters{
      *this, "inner-registers",
      llvm::cl::desc("mla-cpu-vectorize: most registers along the innermost "
                     "loop"),
      llvm::cl::init(4)};
  Option<bool> amx{
      *this, "amx",
      llvm::cl::desc("Latent attention's matrix products on AMX tiles "
                     "where their shapes fit (convert-mla-to-linalg's amx, "
                     "then mla-cpu-amx); the CPU must have AMX-BF16"),
      llvm::cl::init(false)};
  Option<bool> bf16Dot{
      *this, "bf16-dot",
      llvm::cl::desc("The vector page step's products as AVX512-BF16 dot "
                     "products over bf16 pairs where their shapes fit "
                     "(convert-mla-to-linalg's and mla-cpu-vectorize's "
                     "bf16-dot); the CPU must have AVX512-BF16"),
      llvm::cl::init(false)};
  Option<bool> nativeBf16{
      *this, "native-bf16",
      llvm::cl::desc("Round f32 to bf16 with the target's own instruction "
                     "(AVX512-BF16's vcvtneps2bf16, which the target must "
                     "have); else with integer operations, which need no "
                     "instruction or runtime function (__truncsfbf2) of "
                     "the target"),
      llvm::cl::init(false)};
  Option<bool> checkedAllocation{
      *this, "checked-allocation",
      llvm::cl::desc("Allocate and free through _mlir_memref_to_llvm_alloc, "
                     "_aligned_alloc and _free (the JIT defines them to "
                     "report a failed allocation) instead of malloc and free"),
      llvm::cl::init(false)};
};

/// mla-decompose (so that a remaining whole-layer op lowers too),
/// convert-mla-to-linalg and cleanups: mla ops to linalg on tensors,
/// vectorized with the options' register block.
void buildCpuFrontEndPipeline(OpPassManager &pm,
                              const CpuPipelineOptions &options);
/// buildCpuFrontEndPipeline, then buildCpuCodegenPipeline. Run after the
/// rewrite pipeline (or on its own, for the naive form).
void buildCpuLoweringPipeline(OpPassManager &pm,
                              const CpuPipelineOptions &options);
/// From linalg/tensor/scf on tensors (no mla ops left) to the LLVM dialect
/// for the host CPU: buildCpuBufferizePipeline, then buildCpuToLLVMPipeline.
void buildCpuCodegenPipeline(OpPassManager &pm,
                             const CpuPipelineOptions &options);
/// One-shot bufferization across functions: memrefs, not yet deallocated.
void buildCpuBufferizePipeline(OpPassManager &pm);
/// From bufferized linalg/scf/vector to the LLVM dialect: results equal to
/// an argument's buffer dropped, deallocation, loops (the parallel ones as
/// OpenMP worksharing loops over the options' threads), LLVM.
void buildCpuToLLVMPipeline(OpPassManager &pm,
                            const CpuPipelineOptions &options);

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// Registers the named pipelines (`mla-rewrite`, `mla-to-cpu`).
void registerMlaPipelines();

} // namespace mla
} // namespace mlir

#endif // MLAGEN_PASSES_PASSES_H
