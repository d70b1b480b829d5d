//===- CpuRunner.cpp - a Problem's decode step on the CPU -----------------===//

#include "mlagen/CpuRunner.h"
#include "dialect/MlaDialect.h"
#include "mlagen/MemoryEstimate.h"
#include "passes/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <thread>

using namespace mlagen;

llvm::Expected<std::unique_ptr<CpuRunner>>
CpuRunner::create(const Problem &p, bool rewrite, const CpuVariant &variant) {
  if (llvm::Error e = variant.check(p))
    return std::move(e);
  int64_t splits = rewrite ? variant.splits : 1;
  if (llvm::Error e = checkHostMemory(cpuStepMemory(p.config, p.shape, splits),
                                      "the CPU step's buffers"))
    return std::move(e);
  std::unique_ptr<CpuRunner> runner(new CpuRunner());
  runner->problem = &p;
  runner->chosen = variant;
  mlir::DialectRegistry registry;
  registry.insert<mlir::mla::MlaDialect>();
  mlir::mla::registerCpuLoweringDialects(registry);
  runner->context.appendDialectRegistry(registry);

  int64_t chunks = variant.chunks, perChunk = p.shape.batch() / chunks;
  if (llvm::Error e = runner->compileStep(rewrite, perChunk))
    return std::move(e);
  runner->holdBuffers();
  for (int64_t k = 0; k < chunks; ++k)
    runner->describeChunk(k * perChunk, perChunk);
  return runner;
}

llvm::Error CpuRunner::compileStep(bool rewrite, int64_t batch) {
  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> parsed =
      parseStepModule(*problem, context, batch);
  if (!parsed)
    return parsed.takeError();
  mlir::OwningOpRef<mlir::ModuleOp> module = std::move(*parsed);
  if (rewrite) {
    mlir::PassManager pm(&context);
    mlir::mla::RewritePipelineOptions options;
    options.numSplits = chosen.splits;
    mlir::mla::buildRewritePipeline(pm, options);
    if (mlir::failed(pm.run(*module)))
      return llvm::createStringError("the mla-rewrite pipeline failed");
  }
  llvm::raw_string_ostream os(ir);
  module->print(os);
  llvm::Expected<std::unique_ptr<CpuKernel>> compiled =
      CpuKernel::compile(*module, "step", chosen);
  if (!compiled)
    return compiled.takeError();
  kernel = std::move(*compiled);
  return llvm::Error::success();
}

void CpuRunner::holdBuffers() {
  const Problem &p = *problem;
  const LayerConfig &c = p.config;
  StorageType t = p.shape.storage;
  int64_t b = p.shape.batch(), s = p.shape.queryTokens, h = c.heads;
  auto add = [&](const std::vector<float> &values, std::vector<int64_t> shape) {
    buffers.emplace_back(t, values);
    shapes.push_back(std::move(shape));
  };
  blockTable = p.table.blockTable;
  seqLens = p.table.seqLens;
  if (p.shape.mode == RunMode::Attention) {
    add(p.qLatent, {b, s, h, c.kvLoraRank});
    add(p.qRope, {b, s, h, c.qkRopeHeadDim});
    add(p.cache.rows, cacheShape());
    add(std::vector<float>(b * s * h * c.kvLoraRank), {b, s, h, c.kvLoraRank});
    lse.assign(b * s * h, 0.0f);
    return;
  }
  int64_t dn = c.qkNopeHeadDim, dr = c.qkRopeHeadDim, dc = c.kvLoraRank;
  int64_t dv = c.vHeadDim, dm = c.dModel;
  const reference::LayerWeights &w = p.weights;
  add(p.hidden, {b, s, dm});
  add(p.cache.rows, cacheShape());
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
  add(std::vector<float>(b * s * dm), {b, s, dm});
}

std::vector<int64_t> CpuRunner::cacheShape() const {
  return {problem->cache.numPages, problem->cache.pageSize,
          problem->cache.rowWidth()};
}

void CpuRunner::describeChunk(int64_t first, int64_t n) {
  std::vector<MemRefArg> &args = chunkArgs.emplace_back();
  size_t element = sizeOf(problem->shape.storage);
  // Buffer i from sequence `first` on: batch-major, so an offset of `first`
  // sequences and a leading dimension of n.
  auto batchSlice = [&](size_t i) {
    std::vector<int64_t> shape = shapes[i];
    int64_t perSequence = 1;
    for (size_t d = 1; d < shape.size(); ++d)
      perSequence *= shape[d];
    shape[0] = n;
    args.emplace_back(static_cast<char *>(buffers[i].data()) +
                          first * perSequence * element,
                      shape);
  };
  auto shared = [&](size_t i) {
    args.emplace_back(buffers[i].data(), shapes[i]);
  };
  auto table = [&] {
    int64_t width = problem->table.width;
    args.emplace_back(blockTable.data() + first * width,
                      llvm::ArrayRef<int64_t>{n, width});
    args.emplace_back(seqLens.data() + first, llvm::ArrayRef<int64_t>{n});
  };
  if (problem->shape.mode == RunMode::Attention) {
    int64_t s = problem->shape.queryTokens, h = problem->config.heads;
    batchSlice(0); // q_latent
    batchSlice(1); // q_rope
    shared(2);     // the cache
    table();
    batchSlice(3); // out
    args.emplace_back(lse.data() + first * s * h,
                      llvm::ArrayRef<int64_t>{n, s, h});
    return;
  }
  batchSlice(0); // hidden
  // The step appends to the cache buffer in place; each run writes the
  // same new rows, as the lengths do not move.
  shared(1);
  table();
  for (size_t i = 2; i + 1 < buffers.size(); ++i)
    shared(i);                    // the weights
  batchSlice(buffers.size() - 1); // out
}

llvm::Error CpuRunner::run() {
  if (chunkArgs.size() == 1)
    return kernel->run(chunkArgs[0]);
  std::vector<llvm::Error> errors;
  for (size_t k = 0; k < chunkArgs.size(); ++k)
    errors.push_back(llvm::Error::success());
  std::vector<std::thread> workers;
  for (size_t k = 1; k < chunkArgs.size(); ++k)
    workers.emplace_back(
        [this, k, &errors] { errors[k] = kernel->run(chunkArgs[k]); });
  errors[0] = kernel->run(chunkArgs[0]);
  for (std::thread &worker : workers)
    worker.join();
  llvm::Error all = llvm::Error::success();
  for (llvm::Error &error : errors)
    all = llvm::joinErrors(std::move(all), std::move(error));
  return all;
}

StepResult CpuRunner::result() const {
  StepResult result;
  result.out = buffers.back().values();
  if (problem->shape.mode == RunMode::Attention)
    result.lse = lse;
  else
    result.cache = buffers[1].values();
  return result;
}
