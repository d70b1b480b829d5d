//===- Pipelines.cpp - the named MLA pass pipelines -----------------------===//

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"

using namespace mlir;
using namespace mlir::mla;

void mlir::mla::buildRewritePipeline(OpPassManager &pm,
                                     const RewritePipelineOptions &options) {
  pm.addPass(createMlaDecompose());
  pm.addPass(createMlaAbsorbWeights());
  pm.addPass(createMlaFuse());
  pm.addPass(
      createMlaSplitKv(MlaSplitKvOptions{options.numSplits, options.smCount}));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::mla::registerMlaPipelines() {
  PassPipelineRegistration<RewritePipelineOptions>(
      "mla-rewrite",
      "Rewrite MLA programs for decode: decompose whole-layer ops, absorb "
      "weights into latent attention, fuse, split the KV range",
      buildRewritePipeline);
}
