//===- CpuRunner.cpp - a Problem's decode step on the CPU -----------------===//

#include "mlagen/CpuRunner.h"
#include "dialect/MlaDialect.h"
#include "passes/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

using namespace mlagen;

llvm::Expected<std::unique_ptr<CpuRunner>>
CpuRunner::create(const Problem &p, bool rewrite, int64_t splits) {
  std::unique_ptr<CpuRunner> runner(new CpuRunner());
  runner->problem = &p;
  mlir::DialectRegistry registry;
  registry.insert<mlir::mla::MlaDialect>();
  mlir::mla::registerCpuLoweringDialects(registry);
  runner->context.appendDialectRegistry(registry);

  std::string source = buildStepModule(p);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &runner->context);
  if (!module)
    return llvm::createStringError("internal error: the step's IR does not "
                                   "parse:\n" +
                                   source);
  if (rewrite) {
    mlir::PassManager pm(&runner->context);
    mlir::mla::RewritePipelineOptions options;
    options.numSplits = splits;
    mlir::mla::buildRewritePipeline(pm, options);
    if (mlir::failed(pm.run(*module)))
      return llvm::createStringError("the mla-rewrite pipeline failed");
  }
  llvm::raw_string_ostream os(runner->ir);
  module->print(os);

  llvm::Expected<std::unique_ptr<CpuKernel>> kernel =
      CpuKernel::compile(*module, "step");
  if (!kernel)
    return kernel.takeError();
  runner->kernel = std::move(*kernel);

  // Buffers first (their addresses must not move), then the descriptors.
  const LayerConfig &c = p.config;
  StorageType t = p.shape.storage;
  int64_t b = p.shape.batch(), s = p.shape.queryTokens, h = c.heads;
  std::vector<std::vector<int64_t>> shapes;
  auto add = [&](const std::vector<float> &values, std::vector<int64_t> shape) {
    runner->buffers.emplace_back(t, values);
    shapes.push_back(std::move(shape));
  };
  std::vector<int64_t> cacheShape = {p.cache.numPages, p.cache.pageSize,
                                     p.cache.rowWidth()};
  runner->blockTable = p.table.blockTable;
  runner->seqLens = p.table.seqLens;
  if (p.shape.mode == RunMode::Attention) {
    add(p.qLatent, {b, s, h, c.kvLoraRank});
    add(p.qRope, {b, s, h, c.qkRopeHeadDim});
    add(p.cache.rows, cacheShape);
    runner->buffers.emplace_back(t, size_t(b * s * h * c.kvLoraRank));
    runner->lse.assign(b * s * h, 0.0f);
  } else {
    int64_t dn = c.qkNopeHeadDim, dr = c.qkRopeHeadDim, dc = c.kvLoraRank;
    int64_t dv = c.vHeadDim, dm = c.dModel;
    const reference::LayerWeights &w = p.weights;
    add(p.hidden, {b, s, dm});
    add(p.cache.rows, cacheShape);
    if (c.hasQueryCompression()) {
      add(w.wDq, {c.qLoraRank, dm});
      add(w.qNorm, {c.qLoraRank});
    }
    add(w.wUq, {h, dn + dr, c.queryInputDim()});
    add(w.wDkv, {dc + dr, dm});
    add(w.kvNorm, {dc});
    add(w.wUk, {h, dn, dc});
    add(w.wUv, {h, dv, dc});
    add(w.wO, {dm, h, dv});
    runner->buffers.emplace_back(t, size_t(b * s * dm));
    runner->buffers.emplace_back(t, p.cache.rows.size());
  }

  std::vector<MemRefArg> &args = runner->args;
  size_t next = 0;
  auto input = [&]() {
    args.emplace_back(runner->buffers[next].data(), shapes[next]);
    ++next;
  };
  if (p.shape.mode == RunMode::Attention) {
    input(); // q_latent
    input(); // q_rope
    input(); // cache
    args.emplace_back(runner->blockTable.data(),
                      llvm::ArrayRef<int64_t>{b, p.table.width});
    args.emplace_back(runner->seqLens.data(), llvm::ArrayRef<int64_t>{b});
    args.emplace_back(runner->buffers[next].data(),
                      llvm::ArrayRef<int64_t>{b, s, h, c.kvLoraRank});
    args.emplace_back(runner->lse.data(), llvm::ArrayRef<int64_t>{b, s, h});
    return runner;
  }
  input(); // hidden
  input(); // cache
  args.emplace_back(runner->blockTable.data(),
                    llvm::ArrayRef<int64_t>{b, p.table.width});
  args.emplace_back(runner->seqLens.data(), llvm::ArrayRef<int64_t>{b});
  while (next < shapes.size())
    input(); // weights
  args.emplace_back(runner->buffers[next].data(),
                    llvm::ArrayRef<int64_t>{b, s, c.dModel});
  args.emplace_back(runner->buffers[next + 1].data(), cacheShape);
  return runner;
}

llvm::Error CpuRunner::run() { return kernel->run(args); }

StepResult CpuRunner::result() const {
  StepResult result;
  if (problem->shape.mode == RunMode::Attention) {
    result.out = buffers.back().values();
    result.lse = lse;
    return result;
  }
  result.out = buffers[buffers.size() - 2].values();
  result.cache = buffers.back().values();
  return result;
}
