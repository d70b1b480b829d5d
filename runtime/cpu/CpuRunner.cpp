//===- CpuRunner.cpp - a Problem's decode step on the CPU -----------------===//

#include "mlagen/CpuRunner.h"
#include "dialect/MlaDialect.h"
#include "passes/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <algorithm>
#include <map>
#include <thread>

using namespace mlagen;

namespace {

/// Whether two chunks of `perChunk` sequences reach a common page in a
/// layer step (rows below length + the appended tokens): one would append
/// where the other reads.
bool chunksSharePages(const Problem &p, int64_t perChunk) {
  std::map<int32_t, int64_t> owner; // page -> chunk
  int64_t width = p.table.width, pageSize = p.cache.pageSize;
  for (int64_t b = 0; b < p.shape.batch(); ++b) {
    int64_t rows = p.table.seqLens[b] + p.shape.queryTokens;
    for (int64_t i = 0; i * pageSize < rows; ++i) {
      auto [it, inserted] =
          owner.emplace(p.table.blockTable[b * width + i], b / perChunk);
      if (!inserted && it->second != b / perChunk)
        return true;
    }
  }
  return false;
}

/// Chunks of the batch, one per core where the batch divides evenly:
/// sequences are independent, unless a layer step's chunks share a page.
int64_t chooseChunks(const Problem &p) {
  int64_t b = p.shape.batch(), chunks = 1;
  int64_t cores = std::max(1u, std::thread::hardware_concurrency());
  for (int64_t n = std::min(cores, b); n > 1 && chunks == 1; --n)
    if (b % n == 0)
      chunks = n;
  if (chunks > 1 && p.shape.mode == RunMode::Layer &&
      chunksSharePages(p, b / chunks))
    return 1;
  return chunks;
}

} // namespace

llvm::Expected<std::unique_ptr<CpuRunner>>
CpuRunner::create(const Problem &p, bool rewrite, int64_t splits) {
  std::unique_ptr<CpuRunner> runner(new CpuRunner());
  runner->problem = &p;
  mlir::DialectRegistry registry;
  registry.insert<mlir::mla::MlaDialect>();
  mlir::mla::registerCpuLoweringDialects(registry);
  runner->context.appendDialectRegistry(registry);

  int64_t chunks = chooseChunks(p), perChunk = p.shape.batch() / chunks;
  if (llvm::Error e = runner->compileStep(rewrite, splits, perChunk))
    return std::move(e);
  runner->holdBuffers();
  for (int64_t k = 0; k < chunks; ++k)
    runner->describeChunk(k * perChunk, perChunk);
  return runner;
}

llvm::Error CpuRunner::compileStep(bool rewrite, int64_t splits,
                                   int64_t batch) {
  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> parsed =
      parseStepModule(*problem, context, batch);
  if (!parsed)
    return parsed.takeError();
  mlir::OwningOpRef<mlir::ModuleOp> module = std::move(*parsed);
  if (rewrite) {
    mlir::PassManager pm(&context);
    mlir::mla::RewritePipelineOptions options;
    options.numSplits = splits;
    // Each kernel call runs on one core: with splits left to the pass, it
    // splits only where one core would otherwise sit idle (never, here).
    options.smCount = 1;
    mlir::mla::buildRewritePipeline(pm, options);
    if (mlir::failed(pm.run(*module)))
      return llvm::createStringError("the mla-rewrite pipeline failed");
  }
  llvm::raw_string_ostream os(ir);
  module->print(os);
  llvm::Expected<std::unique_ptr<CpuKernel>> compiled =
      CpuKernel::compile(*module, "step");
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
