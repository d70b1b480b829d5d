//===- EngineUnit.cpp - the kernels an Engine generates -------------------===//

#include "EngineUnit.h"
#include "dialect/MlaDialect.h"
#include "mlagen/LayerConfig.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlagen;

std::string mlagen::engineModule(const EngineOptions &o) {
  const LayerConfig &c = o.config;
  std::string t = toString(o.storage).str();
  int64_t b = o.maxBatch, s = o.queryTokens, h = c.heads;
  int64_t dc = c.kvLoraRank, dr = c.qkRopeHeadDim;
  return llvm::formatv(
      R"mlir(!cache = !mla.paged_cache<pages = ?, page_size = {0}, latent = {1}, rope = {2}, {3}>
#cfg = {4}
func.func @append(%c_kv: tensor<{5}x{6}x{1}x{3}>, %k_rope: tensor<{5}x{6}x{2}x{3}>,
                  %cache: !cache, %bt: tensor<{5}x?xi32>, %starts: tensor<{5}xi32>,
                  %positions: tensor<{5}x{6}xi32>) -> !cache {{
  %new = mla.cache_append %c_kv, %k_rope into %cache[%bt, %starts] rope(%positions)
      {{config = #cfg} : tensor<{5}x{6}x{1}x{3}>, tensor<{5}x{6}x{2}x{3}>
      into !cache[tensor<{5}x?xi32>, tensor<{5}xi32>] rope(tensor<{5}x{6}xi32>)
  return %new : !cache
}
func.func @decode(%q: tensor<{5}x{6}x{7}x{1}x{3}>, %qr: tensor<{5}x{6}x{7}x{2}x{3}>,
                  %cache: !cache, %bt: tensor<{5}x?xi32>, %lens: tensor<{5}xi32>)
    -> (tensor<{5}x{6}x{7}x{1}x{3}>, tensor<{5}x{6}x{7}xf32>) {{
  %o, %l = mla.latent_attention %q, %qr, %cache[%bt, %lens] {{causal, config = #cfg}
      : (tensor<{5}x{6}x{7}x{1}x{3}>, tensor<{5}x{6}x{7}x{2}x{3}>, !cache,
         tensor<{5}x?xi32>, tensor<{5}xi32>)
      -> (tensor<{5}x{6}x{7}x{1}x{3}>, tensor<{5}x{6}x{7}xf32>)
  return %o, %l : tensor<{5}x{6}x{7}x{1}x{3}>, tensor<{5}x{6}x{7}xf32>
}
func.func @prefill(%qn: tensor<?x?x{7}x{8}x{3}>, %qr: tensor<?x?x{7}x{2}x{3}>,
                   %kn: tensor<?x?x{7}x{8}x{3}>, %kr: tensor<?x?x{2}x{3}>,
                   %v: tensor<?x?x{7}x{9}x{3}>, %lens: tensor<?xi32>)
    -> (tensor<?x?x{7}x{9}x{3}>, tensor<?x?x{7}xf32>) {{
  %o, %l = mla.mha_attention %qn, %qr, %kn, %kr, %v, %lens {{causal, config = #cfg}
      : (tensor<?x?x{7}x{8}x{3}>, tensor<?x?x{7}x{2}x{3}>, tensor<?x?x{7}x{8}x{3}>,
         tensor<?x?x{2}x{3}>, tensor<?x?x{7}x{9}x{3}>, tensor<?xi32>)
      -> (tensor<?x?x{7}x{9}x{3}>, tensor<?x?x{7}xf32>)
  return %o, %l : tensor<?x?x{7}x{9}x{3}>, tensor<?x?x{7}xf32>
}
)mlir",
      o.pageSize, dc, dr, t, configText(c, o.storage), b, s, h, c.qkNopeHeadDim,
      c.vHeadDim);
}

llvm::Expected<CudaUnit>
mlagen::generateEngineUnit(const EngineOptions &options, llvm::StringRef arch,
                           int64_t smCount, llvm::ArrayRef<OpTiling> tilings) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::mla::MlaDialect, mlir::func::FuncDialect>();
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(engineModule(options), &context);
  if (!module)
    return llvm::createStringError("engine: internal error: its IR does not "
                                   "parse");
  CudaUnitOptions unitOptions;
  unitOptions.arch = arch.str();
  unitOptions.splits = options.splits;
  unitOptions.balanced = options.splits == 0;
  unitOptions.smCount = smCount;
  unitOptions.tilings.assign(tilings.begin(), tilings.end());
  return generateCudaUnit(*module, unitOptions);
}
