//===- CpuRunner.cpp - a Problem's decode step on the CPU -----------------===//

#include "mlagen/CpuRunner.h"
#include "dialect/MlaDialect.h"
#include "passes/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <algorithm>
#include <thread>

using namespace mlagen;

llvm::Expected<std::unique_ptr<CpuRunner>>
CpuRunner::create(const Problem &p, bool rewrite, int64_t splits) {
  std::unique_ptr<CpuRunner> runner(new CpuRunner());
  runner->problem = &p;
  mlir::DialectRegistry registry;
  registry.insert<mlir::mla::MlaDialect>();
  mlir::mla::registerCpuLoweringDialects(registry);
  runner->context.appendDialectRegistry(registry);

  // Sequences are independent (a layer step appends each to its own
  // pages): split the batch evenly across the cores, one call of a kernel
  // compiled for the chunk each.
  int64_t b = p.shape.batch(), chunks = 1;
  int64_t cores = std::max(1u, std::thread::hardware_concurrency());
  for (int64_t n = std::min(cores, b); n > 1 && chunks == 1; --n)
    if (b % n == 0)
      chunks = n;
  int64_t perChunk = b / chunks;
  std::string source = buildStepModule(p, perChunk);
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
    // Each kernel call runs on one core: with splits left to the pass, it
    // splits only where one core would otherwise sit idle (never, here).
    options.smCount = 1;
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
  int64_t s = p.shape.queryTokens, h = c.heads;
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
  }

  // Chunk k of the batch: element offsets into every batch-major buffer;
  // the cache and the weights are shared.
  size_t element = sizeOf(t);
  auto at = [&](void *base, int64_t elements, size_t size = 0) {
    return static_cast<char *>(base) + elements * (size ? size : element);
  };
  int64_t width = p.table.width;
  for (int64_t k = 0; k < chunks; ++k) {
    int64_t first = k * perChunk, n = perChunk;
    std::vector<MemRefArg> &args = runner->chunkArgs.emplace_back();
    auto table = [&] {
      args.emplace_back(runner->blockTable.data() + first * width,
                        llvm::ArrayRef<int64_t>{n, width});
      args.emplace_back(runner->seqLens.data() + first,
                        llvm::ArrayRef<int64_t>{n});
    };
    if (p.shape.mode == RunMode::Attention) {
      int64_t dc = c.kvLoraRank, dr = c.qkRopeHeadDim;
      args.emplace_back(at(runner->buffers[0].data(), first * s * h * dc),
                        llvm::ArrayRef<int64_t>{n, s, h, dc});
      args.emplace_back(at(runner->buffers[1].data(), first * s * h * dr),
                        llvm::ArrayRef<int64_t>{n, s, h, dr});
      args.emplace_back(runner->buffers[2].data(), cacheShape);
      table();
      args.emplace_back(at(runner->buffers[3].data(), first * s * h * dc),
                        llvm::ArrayRef<int64_t>{n, s, h, dc});
      args.emplace_back(runner->lse.data() + first * s * h,
                        llvm::ArrayRef<int64_t>{n, s, h});
      continue;
    }
    int64_t dm = c.dModel;
    args.emplace_back(at(runner->buffers[0].data(), first * s * dm),
                      llvm::ArrayRef<int64_t>{n, s, dm}); // hidden
    // The step appends to the cache buffer in place; each run writes the
    // same new rows, as the lengths do not move.
    args.emplace_back(runner->buffers[1].data(), cacheShape);
    table();
    size_t weights = runner->buffers.size() - 1;
    for (size_t i = 2; i < weights; ++i)
      args.emplace_back(runner->buffers[i].data(), shapes[i]);
    args.emplace_back(at(runner->buffers[weights].data(), first * s * dm),
                      llvm::ArrayRef<int64_t>{n, s, dm}); // out
  }
  return runner;
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
  if (problem->shape.mode == RunMode::Attention) {
    result.out = buffers.back().values();
    result.lse = lse;
    return result;
  }
  result.out = buffers.back().values();
  result.cache = buffers[1].values();
  return result;
}
