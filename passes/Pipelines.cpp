//===- Pipelines.cpp - the named MLA pass pipelines -----------------------===//

#include "passes/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/AMX/Transforms.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/ControlFlow/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/ControlFlow/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/SubsetInsertionOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/Transforms/SubsetOpInterfaceImpl.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::mla;

void mlir::mla::buildRewritePipeline(OpPassManager &pm,
                                     const RewritePipelineOptions &options) {
  pm.addPass(createMlaDecompose());
  pm.addPass(createMlaAbsorbWeights(
      MlaAbsorbWeightsOptions{options.premultiplyLimit}));
  pm.addPass(createMlaFuse(MlaFuseOptions{options.fuseAbsorptions}));
  pm.addPass(createMlaSplitKv(
      MlaSplitKvOptions{options.numSplits, options.smCount, options.schedule}));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::mla::buildCpuFrontEndPipeline(OpPassManager &pm,
                                         const CpuPipelineOptions &options) {
  pm.addPass(createMlaDecompose());
  pm.addPass(createConvertMlaToLinalg(
      ConvertMlaToLinalgOptions{options.amx, options.bf16Dot}));
  // Elementwise arith on tensors (the decomposition's length update).
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createMlaCpuVectorize(MlaCpuVectorizeOptions{
      options.accumulatorRegisters, options.innerRegisters, options.bf16Dot}));
  pm.addPass(createCanonicalizerPass());
}

void mlir::mla::buildCpuLoweringPipeline(OpPassManager &pm,
                                         const CpuPipelineOptions &options) {
  buildCpuFrontEndPipeline(pm, options);
  buildCpuCodegenPipeline(pm, options);
}

void mlir::mla::buildCpuCodegenPipeline(OpPassManager &pm,
                                        const CpuPipelineOptions &options) {
  buildCpuBufferizePipeline(pm);
  buildCpuToLLVMPipeline(pm, options);
}

void mlir::mla::buildCpuBufferizePipeline(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Folds loop-carried buffers that never change, so that a buffer updated
  // in place is returned as the argument it is.
  pm.addPass(createCanonicalizerPass());
}

void mlir::mla::buildCpuToLLVMPipeline(OpPassManager &pm,
                                       const CpuPipelineOptions &options) {
  if (options.amx)
    pm.addPass(createMlaCpuAmx());
  // A private function that appends to a cache in place returns its
  // argument's buffer: drop that result before deallocation, which would
  // otherwise return a copy of the whole cache. (Public functions keep
  // their results: the runtime calls its step through a public entry.)
  pm.addPass(bufferization::createDropEquivalentBufferResultsPass());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
  // The per-sequence (and per-split) loops stay parallel: each becomes an
  // OpenMP parallel region whose iterations the threads share in equal
  // blocks. A parallel loop nested in another runs on its thread.
  pm.addPass(createForallToParallelLoopPass());
  pm.addPass(createConvertSCFToOpenMPPass(
      ConvertSCFToOpenMPPassOptions{options.threads}));
  // Inlines the allocation scope it wraps each loop body in when the body
  // allocates nothing on the stack (a scope must stay one block, which the
  // body's loops will not once they become branches).
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createConvertLinalgToLoopsPass());
  // Unrolled into 1-D transfers: staging n-D vectors through stack buffers
  // inside loops would grow the stack with every iteration.
  pm.addPass(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = !options.nativeBf16;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  // Lane sums may be added in any order: a shuffle tree, not a chain.
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.reassociateFPReductions = true;
  vectorToLLVM.amx = options.amx;
  vectorToLLVM.x86Vector = options.bf16Dot;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = options.checkedAllocation;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::mla::buildCudaPipeline(OpPassManager &pm,
                                  const CudaPipelineOptions &options) {
  pm.addPass(createMlaUnfuseAbsorptions());
  MlaCudaTileOptions tile;
  tile.arch = options.arch;
  tile.rowsPerCta = options.rowsPerCta;
  tile.keysPerTile = options.keysPerTile;
  tile.warps = options.warps;
  tile.stages = options.stages;
  tile.mma = options.mma;
  pm.addPass(createMlaCudaTile(tile));
  pm.addPass(createCanonicalizerPass());
}

void mlir::mla::registerCpuLoweringDialects(DialectRegistry &registry) {
  registry
      .insert<amx::AMXDialect, x86vector::X86VectorDialect, arith::ArithDialect,
              bufferization::BufferizationDialect, cf::ControlFlowDialect,
              func::FuncDialect, linalg::LinalgDialect, LLVM::LLVMDialect,
              math::MathDialect, memref::MemRefDialect, scf::SCFDialect,
              tensor::TensorDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  cf::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerTilingInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  vector::registerBufferizableOpInterfaceExternalModels(registry);
  // Ownership-based deallocation must see through selects, branches and
  // parallel loop bodies, or buffers allocated inside them are never freed
  // (every run of a step would leak them).
  arith::registerBufferDeallocationOpInterfaceExternalModels(registry);
  cf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  scf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  // Lets mla-cpu-vectorize hoist an accumulator block out of its loop.
  tensor::registerSubsetOpInterfaceExternalModels(registry);
  vector::registerSubsetOpInterfaceExternalModels(registry);
}

void mlir::mla::registerMlaPipelines() {
  PassPipelineRegistration<RewritePipelineOptions>(
      "mla-rewrite",
      "Rewrite MLA programs for decode: decompose whole-layer ops, absorb "
      "weights into latent attention, fuse, split the KV range",
      buildRewritePipeline);
  PassPipelineRegistration<CpuPipelineOptions>(
      "mla-to-cpu",
      "Lower rewritten MLA programs to the LLVM dialect for the host CPU: "
      "convert-mla-to-linalg, mla-cpu-vectorize, one-shot bufferization, "
      "loops (parallel ones over OpenMP threads), LLVM",
      buildCpuLoweringPipeline);
  PassPipelineRegistration<CudaPipelineOptions>(
      "mla-to-cuda",
      "Prepare rewritten MLA programs for the CUDA printer: absorptions "
      "into their own ops (mla-unfuse-absorptions), tile each kernel-worthy "
      "op (mla-cuda-tile), canonicalize",
      buildCudaPipeline);
}
