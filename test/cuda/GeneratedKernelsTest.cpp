//===- GeneratedKernelsTest.cpp - generated CUDA compiles with NVRTC ------===//
//
// Every kernel the CUDA printer generates today (cache append with and
// without fused RoPE, both pairings; the mma_sync decode attention with the
// default tiling for 128 heads, bf16 and f16; the split-KV combine; f32
// where a kernel takes it) compiles with NVRTC for sm_80, sm_90a and
// sm_100a with no spills, and the ptxas report names each kernel of the
// launch description. So does the prefill (MHA) kernel, bf16 and f16.
//
//===----------------------------------------------------------------------===//

#include "dialect/MlaDialect.h"
#include "mlagen/CudaUnit.h"
#include "mlagen/KernelCompiler.h"
#include "passes/Passes.h"
#include "passes/cuda/CudaTranslation.h"
#include "passes/cuda/VariantSpace.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FormatVariadic.h"

#include <gtest/gtest.h>

using namespace mlagen;

namespace {

/// An append (RoPE fused or not), a causal split attention over the cache
/// (bf16 and f16 only) and the combine, at DeepSeek-V3 widths (128 heads, 2
/// query tokens).
std::string stepModule(llvm::StringRef storage, llvm::StringRef pairing,
                       bool fusedRope) {
  bool attention = storage != "f32";
  std::string partials =
      attention
          ? llvm::formatv(
                R"mlir(%po, %pl = mla.partial_latent_attention %q, %qr, %new[%block_table, %seq_lens]
      {{causal, config = #cfg, num_splits = 8 : i64}
      : (tensor<?x2x128x512x{0}>, tensor<?x2x128x64x{0}>, !cache, tensor<?x?xi32>,
         tensor<?xi32>) -> (tensor<8x?x2x128x512xf32>, tensor<8x?x2x128xf32>))mlir",
                storage)
                .str()
          : "%po = tensor.empty(%n) : tensor<8x?x2x128x512xf32>\n"
            "  %pl = tensor.empty(%n) : tensor<8x?x2x128xf32>";
  return llvm::formatv(
      R"mlir(
#cfg = #mla.config<"deepseek-v3", rope = #mla.rope<theta = 10000.0, pairing = {1}>, storage = {0}>
!cache = !mla.paged_cache<pages = ?, page_size = 64, latent = 512, rope = 64, {0}>
func.func @step(%c_kv: tensor<?x2x512x{0}>, %k_rope: tensor<?x2x64x{0}>,
                %cache: !cache, %block_table: tensor<?x?xi32>,
                %seq_lens: tensor<?xi32>, %positions: tensor<?x2xi32>,
                %q: tensor<?x2x128x512x{0}>, %qr: tensor<?x2x128x64x{0}>,
                %n: index)
    -> (!cache, tensor<?x2x128x512x{0}>, tensor<?x2x128xf32>) {{
  %new = mla.cache_append %c_kv, %k_rope into %cache[%block_table, %seq_lens] {2}
      {{config = #cfg}
      : tensor<?x2x512x{0}>, tensor<?x2x64x{0}> into !cache[tensor<?x?xi32>, tensor<?xi32>] {3}
  {4}
  %out, %lse = mla.combine %po, %pl {{config = #cfg}
      : (tensor<8x?x2x128x512xf32>, tensor<8x?x2x128xf32>) -> (tensor<?x2x128x512x{0}>, tensor<?x2x128xf32>)
  return %new, %out, %lse : !cache, tensor<?x2x128x512x{0}>, tensor<?x2x128xf32>
}
)mlir",
      storage, pairing, fusedRope ? "rope(%positions)" : "",
      fusedRope ? "rope(tensor<?x2xi32>)" : "", partials);
}

/// The CUDA the printer makes of `source` after mla-cuda-tile for `arch`.
std::string generate(const std::string &source, llvm::StringRef arch) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::mla::MlaDialect, mlir::func::FuncDialect,
                  mlir::tensor::TensorDialect>();
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  EXPECT_TRUE(module) << source;
  if (!module)
    return "";
  mlir::PassManager pm(&context);
  mlir::mla::MlaCudaTileOptions options;
  options.arch = arch.str();
  pm.addPass(mlir::mla::createMlaCudaTile(options));
  EXPECT_TRUE(mlir::succeeded(pm.run(*module)));
  std::string cuda;
  llvm::raw_string_ostream os(cuda);
  EXPECT_TRUE(mlir::succeeded(mlir::mla::translateToCuda(*module, os)));
  return cuda;
}

TEST(GeneratedKernels, CompileForEveryTargetWithoutSpills) {
  KernelCompiler compiler(std::nullopt);
  for (const char *arch : {"sm_80", "sm_90a", "sm_100a"})
    for (const char *storage : {"bf16", "f16", "f32"})
      for (const char *pairing : {"interleaved", "half"})
        for (bool fused : {true, false}) {
          SCOPED_TRACE(llvm::formatv("{0} {1} {2} fused={3}", arch, storage,
                                     pairing, fused)
                           .str());
          std::string cuda =
              generate(stepModule(storage, pairing, fused), arch);
          llvm::Expected<CompileResult> compiled =
              compiler.compile({cuda, arch, {}});
          ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
          const std::vector<ResourceRecord> &resources =
              compiled->kernel->resources;
          ASSERT_EQ(resources.size(),
                    llvm::StringRef(storage) == "f32" ? 2u : 3u)
              << compiled->kernel->log;
          for (const ResourceRecord &r : resources) {
            EXPECT_EQ(r.arch, arch);
            EXPECT_EQ(r.spillStoreBytes, 0) << r.kernel;
            EXPECT_EQ(r.spillLoadBytes, 0) << r.kernel;
            EXPECT_NE(cuda.find("\"name\": \"" + r.kernel + "\""),
                      std::string::npos)
                << r.kernel << " is not in the launch description";
          }
        }
}

/// Whole causal V3 attention (128 heads x 1 token) over pages of
/// `pageSize` keys, for the wgmma kernel.
std::string pagedAttentionModule(llvm::StringRef storage, int pageSize) {
  return llvm::formatv(R"mlir(
#cfg = #mla.config<"deepseek-v3", storage = {0}>
!cache = !mla.paged_cache<pages = ?, page_size = {1}, latent = 512, rope = 64, {0}>
func.func @attention(%q: tensor<?x1x128x512x{0}>, %qr: tensor<?x1x128x64x{0}>,
                     %cache: !cache, %bt: tensor<?x?xi32>, %lens: tensor<?xi32>)
    -> (tensor<?x1x128x512x{0}>, tensor<?x1x128xf32>) {{
  %out, %lse = mla.latent_attention %q, %qr, %cache[%bt, %lens] {{causal, config = #cfg}
      : (tensor<?x1x128x512x{0}>, tensor<?x1x128x64x{0}>, !cache,
         tensor<?x?xi32>, tensor<?xi32>) -> (tensor<?x1x128x512x{0}>, tensor<?x1x128xf32>)
  return %out, %lse : tensor<?x1x128x512x{0}>, tensor<?x1x128xf32>
}
)mlir",
                       storage, pageSize);
}

// The Hopper family by its default tiling (32-key tiles): TMA boxes for
// pages of 8 keys or more that a tile divides or that divide a tile,
// cp.async for the others (smaller pages, 48 keys); bf16 and f16; no
// spills.
TEST(GeneratedKernels, WgmmaCompilesForEveryPageSizeWithoutSpills) {
  KernelCompiler compiler(std::nullopt);
  for (const char *storage : {"bf16", "f16"})
    for (int pageSize : {1, 4, 8, 48, 64, 256}) {
      SCOPED_TRACE(llvm::formatv("{0} page {1}", storage, pageSize).str());
      std::string cuda =
          generate(pagedAttentionModule(storage, pageSize), "sm_90a");
      ASSERT_NE(cuda.find("mma = wgmma"), std::string::npos);
      bool tma =
          pageSize % 8 == 0 && (pageSize % 32 == 0 || 32 % pageSize == 0);
      EXPECT_EQ(cuda.find("cache_map") != std::string::npos, tma);
      llvm::Expected<CompileResult> compiled =
          compiler.compile({cuda, "sm_90a", {}});
      ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
      ASSERT_EQ(compiled->kernel->resources.size(), 1u);
      EXPECT_EQ(compiled->kernel->resources[0].spillStoreBytes, 0);
      EXPECT_EQ(compiled->kernel->resources[0].spillLoadBytes, 0);
    }
}

/// A whole decode layer (DeepSeek-V3 with query compression, or V2-Lite
/// without), for mla-rewrite and mla-to-cuda.
std::string layerModule(bool v3, llvm::StringRef storage) {
  if (v3)
    return llvm::formatv(R"mlir(
#cfg = #mla.config<"deepseek-v3", storage = {0}>
!cache = !mla.paged_cache<pages = ?, page_size = 64, latent = 512, rope = 64, {0}>
func.func @layer(%h: tensor<4x2x7168x{0}>, %cache: !cache, %bt: tensor<4x?xi32>,
                 %lens: tensor<4xi32>, %w_dq: tensor<1536x7168x{0}>,
                 %q_norm: tensor<1536x{0}>, %w_uq: tensor<128x192x1536x{0}>,
                 %w_dkv: tensor<576x7168x{0}>, %kv_norm: tensor<512x{0}>,
                 %w_uk: tensor<128x128x512x{0}>, %w_uv: tensor<128x128x512x{0}>,
                 %w_o: tensor<7168x128x128x{0}>) -> (tensor<4x2x7168x{0}>, !cache) {{
  %out, %new = mla.decode_step %h, %cache[%bt, %lens]
      q_compress(%w_dq, %q_norm) weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o)
      {{config = #cfg}
      : (tensor<4x2x7168x{0}>, !cache, tensor<4x?xi32>, tensor<4xi32>,
         tensor<1536x7168x{0}>, tensor<1536x{0}>, tensor<128x192x1536x{0}>,
         tensor<576x7168x{0}>, tensor<512x{0}>, tensor<128x128x512x{0}>,
         tensor<128x128x512x{0}>, tensor<7168x128x128x{0}>)
      -> (tensor<4x2x7168x{0}>, !cache)
  return %out, %new : tensor<4x2x7168x{0}>, !cache
}
)mlir",
                         storage);
  return llvm::formatv(R"mlir(
#cfg = #mla.config<"deepseek-v2-lite", storage = {0}>
!cache = !mla.paged_cache<pages = ?, page_size = 16, latent = 512, rope = 64, {0}>
func.func @layer(%h: tensor<?x1x2048x{0}>, %cache: !cache, %bt: tensor<?x?xi32>,
                 %lens: tensor<?xi32>, %w_uq: tensor<16x192x2048x{0}>,
                 %w_dkv: tensor<576x2048x{0}>, %kv_norm: tensor<512x{0}>,
                 %w_uk: tensor<16x128x512x{0}>, %w_uv: tensor<16x128x512x{0}>,
                 %w_o: tensor<2048x16x128x{0}>) -> (tensor<?x1x2048x{0}>, !cache) {{
  %out, %new = mla.decode_step %h, %cache[%bt, %lens]
      weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) {{config = #cfg}
      : (tensor<?x1x2048x{0}>, !cache, tensor<?x?xi32>, tensor<?xi32>,
         tensor<16x192x2048x{0}>, tensor<576x2048x{0}>, tensor<512x{0}>,
         tensor<16x128x512x{0}>, tensor<16x128x512x{0}>, tensor<2048x16x128x{0}>)
      -> (tensor<?x1x2048x{0}>, !cache)
  return %out, %new : tensor<?x1x2048x{0}>, !cache
}
)mlir",
                       storage);
}

// The whole layer's kernels (projections, norms, RoPE, append,
// absorptions, attention, combine) through mla-rewrite and mla-to-cuda
// compile for every target, bf16 and f16, without spills.
TEST(GeneratedKernels, LayerCompilesForEveryTargetWithoutSpills) {
  KernelCompiler compiler(std::nullopt);
  mlir::DialectRegistry registry;
  registry.insert<mlir::mla::MlaDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect>();
  for (bool v3 : {true, false})
    for (const char *storage : {"bf16", "f16"})
      for (const char *arch : {"sm_80", "sm_90a", "sm_100a"}) {
        SCOPED_TRACE(
            llvm::formatv("{0} {1} {2}", v3 ? "V3" : "V2-Lite", storage, arch)
                .str());
        mlir::MLIRContext context(registry);
        mlir::OwningOpRef<mlir::ModuleOp> module =
            mlir::parseSourceString<mlir::ModuleOp>(layerModule(v3, storage),
                                                    &context);
        ASSERT_TRUE(module);
        CudaUnitOptions options;
        options.arch = arch;
        llvm::Expected<CudaUnit> unit = generateCudaUnit(*module, options);
        ASSERT_TRUE(bool(unit)) << llvm::toString(unit.takeError());
        llvm::Expected<CompileResult> compiled =
            compiler.compile({unit->source, arch, {}});
        ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
        EXPECT_EQ(compiled->kernel->resources.size(), unit->kernels.size());
        for (const ResourceRecord &r : compiled->kernel->resources)
          EXPECT_EQ(r.spillStoreBytes, 0) << r.kernel;
      }
}

/// The absorptions as their own ops, at DeepSeek-V3 widths.
std::string absorbModule(llvm::StringRef storage) {
  return llvm::formatv(R"mlir(
#cfg = #mla.config<"deepseek-v3", storage = {0}>
func.func @absorb(%q_nope: tensor<?x2x128x128x{0}>, %w_uk: tensor<128x128x512x{0}>,
                  %o_latent: tensor<?x2x128x512x{0}>, %w_uv: tensor<128x128x512x{0}>)
    -> (tensor<?x2x128x512x{0}>, tensor<?x2x128x128x{0}>) {{
  %q = mla.absorb_query %q_nope, %w_uk {{config = #cfg}
      : (tensor<?x2x128x128x{0}>, tensor<128x128x512x{0}>) -> tensor<?x2x128x512x{0}>
  %o = mla.absorb_output %o_latent, %w_uv {{config = #cfg}
      : (tensor<?x2x128x512x{0}>, tensor<128x128x512x{0}>) -> tensor<?x2x128x128x{0}>
  return %q, %o : tensor<?x2x128x512x{0}>, tensor<?x2x128x128x{0}>
}
)mlir",
                       storage);
}

TEST(GeneratedKernels, AbsorptionsCompileForEveryTarget) {
  KernelCompiler compiler(std::nullopt);
  for (const char *arch : {"sm_80", "sm_90a", "sm_100a"})
    for (const char *storage : {"bf16", "f16", "f32"}) {
      SCOPED_TRACE(llvm::formatv("{0} {1}", arch, storage).str());
      std::string cuda = generate(absorbModule(storage), arch);
      llvm::Expected<CompileResult> compiled =
          compiler.compile({cuda, arch, {}});
      ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
      ASSERT_EQ(compiled->kernel->resources.size(), 2u);
      for (const ResourceRecord &r : compiled->kernel->resources)
        EXPECT_EQ(r.spillStoreBytes, 0) << r.kernel;
    }
}

/// One split attention op at `heads` x `tokens` query rows, bf16.
std::string attentionModule(int heads, int tokens) {
  return llvm::formatv(R"mlir(
#cfg = #mla.config<"deepseek-v3", heads = {0}>
!cache = !mla.paged_cache<pages = ?, page_size = 64, latent = 512, rope = 64, bf16>
func.func @attention(%q: tensor<?x{1}x{0}x512xbf16>, %qr: tensor<?x{1}x{0}x64xbf16>,
                     %cache: !cache, %bt: tensor<?x?xi32>, %lens: tensor<?xi32>)
    -> (tensor<8x?x{1}x{0}x512xf32>, tensor<8x?x{1}x{0}xf32>) {{
  %po, %pl = mla.partial_latent_attention %q, %qr, %cache[%bt, %lens]
      {{causal, config = #cfg, num_splits = 8 : i64}
      : (tensor<?x{1}x{0}x512xbf16>, tensor<?x{1}x{0}x64xbf16>, !cache,
         tensor<?x?xi32>, tensor<?xi32>)
      -> (tensor<8x?x{1}x{0}x512xf32>, tensor<8x?x{1}x{0}xf32>)
  return %po, %pl : tensor<8x?x{1}x{0}x512xf32>, tensor<8x?x{1}x{0}xf32>
}
)mlir",
                       heads, tokens);
}

/// A causal prefill in MHA form, any prompt length, DeepSeek-V3 head dims.
std::string prefillModule(llvm::StringRef storage, int heads) {
  return llvm::formatv(R"mlir(
#cfg = #mla.config<"deepseek-v3", heads = {1}, storage = {0}>
func.func @prefill(%qn: tensor<?x?x{1}x128x{0}>, %qr: tensor<?x?x{1}x64x{0}>,
                   %kn: tensor<?x?x{1}x128x{0}>, %kr: tensor<?x?x64x{0}>,
                   %v: tensor<?x?x{1}x128x{0}>, %lens: tensor<?xi32>)
    -> (tensor<?x?x{1}x128x{0}>, tensor<?x?x{1}xf32>) {{
  %out, %lse = mla.mha_attention %qn, %qr, %kn, %kr, %v, %lens {{causal, config = #cfg}
      : (tensor<?x?x{1}x128x{0}>, tensor<?x?x{1}x64x{0}>, tensor<?x?x{1}x128x{0}>,
         tensor<?x?x64x{0}>, tensor<?x?x{1}x128x{0}>, tensor<?xi32>)
      -> (tensor<?x?x{1}x128x{0}>, tensor<?x?x{1}xf32>)
  return %out, %lse : tensor<?x?x{1}x128x{0}>, tensor<?x?x{1}xf32>
}
)mlir",
                       storage, heads);
}

TEST(GeneratedKernels, PrefillCompilesForEveryTargetWithoutSpills) {
  KernelCompiler compiler(std::nullopt);
  for (const char *arch : {"sm_80", "sm_90a", "sm_100a"})
    for (const char *storage : {"bf16", "f16"}) {
      SCOPED_TRACE(llvm::formatv("{0} {1}", arch, storage).str());
      std::string cuda = generate(prefillModule(storage, 128), arch);
      llvm::Expected<CompileResult> compiled =
          compiler.compile({cuda, arch, {}});
      ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
      ASSERT_EQ(compiled->kernel->resources.size(), 1u);
      const ResourceRecord &r = compiled->kernel->resources[0];
      EXPECT_EQ(r.kernel, "mla_kernel_0_prefill");
      EXPECT_EQ(r.spillStoreBytes, 0);
      EXPECT_EQ(r.spillLoadBytes, 0);
    }
}

/// Compiles every variant of the space of the one `Op` in `source` for
/// each target and prints how many there were and how many spill.
template <typename Op>
void compileEveryVariant(mlir::MLIRContext &context, llvm::StringRef source,
                         llvm::StringRef label) {
  KernelCompiler compiler(std::nullopt);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  ASSERT_TRUE(module);
  mlir::Operation *op = nullptr;
  module->walk([&](Op found) { op = found; });
  ASSERT_TRUE(op);
  for (const char *arch : {"sm_80", "sm_90a", "sm_100a"}) {
    std::vector<mlir::mla::CudaTilingAttr> space =
        mlir::mla::cudaVariantSpace(op, arch);
    ASSERT_FALSE(space.empty()) << arch;
    int spilling = 0;
    for (mlir::mla::CudaTilingAttr tiling : space) {
      op->setAttr(mlir::mla::kCudaTilingAttrName, tiling);
      std::string cuda;
      llvm::raw_string_ostream os(cuda);
      ASSERT_TRUE(mlir::succeeded(mlir::mla::translateToCuda(*module, os)));
      llvm::Expected<CompileResult> compiled =
          compiler.compile({cuda, arch, {}});
      ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
      ASSERT_EQ(compiled->kernel->resources.size(), 1u);
      if (compiled->kernel->resources[0].spillStoreBytes > 0) {
        ++spilling;
        llvm::outs() << "  spills: " << mlir::Attribute(tiling) << "\n";
      }
    }
    llvm::outs() << llvm::formatv("{0} on {1}: {2} variants compiled, {3} "
                                  "with spills\n",
                                  label, arch, space.size(), spilling);
  }
}

// The autotuner's space: every variant the space holds for 128 heads x 2
// tokens (DeepSeek-V3) and 16 heads x 1 token (V2-Lite) decode, and for the
// V3 prefill, compiles for each target. Spills are counted and printed, not
// forbidden (only the default variants must have none, above).
TEST(GeneratedKernels, EveryVariantInTheSpaceCompiles) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::mla::MlaDialect, mlir::func::FuncDialect>();
  mlir::MLIRContext context(registry);
  for (auto [heads, tokens] : {std::pair{128, 2}, std::pair{16, 1}})
    compileEveryVariant<mlir::mla::PartialLatentAttentionOp>(
        context, attentionModule(heads, tokens),
        llvm::formatv("decode, {0} heads x {1} tokens", heads, tokens).str());
  compileEveryVariant<mlir::mla::MhaAttentionOp>(
      context, prefillModule("bf16", 128), "prefill, 128 heads");
}

} // namespace
