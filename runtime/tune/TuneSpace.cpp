//===- TuneSpace.cpp - the variants mla-tune considers for a bucket -------===//

#include "runtime/tune/TuneSpace.h"
#include "dialect/MlaOps.h"
#include "mlagen/CpuRunner.h"
#include "mlagen/Problem.h"
#include "passes/cuda/KernelFamily.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlagen;

namespace {

/// A problem with the bucket's shapes and no data: enough to build the
/// step's IR (the tuner never runs it on the CPU).
Problem shapeOnlyProblem(const LayerConfig &config, const Bucket &bucket) {
  Problem p;
  p.config = config;
  p.shape.queryTokens = bucket.queryTokens;
  p.shape.pageSize = bucket.pageSize;
  p.shape.storage = bucket.storage;
  p.shape.seqLens.assign(bucket.batch, int32_t(bucket.length));
  int64_t width = (bucket.length + bucket.pageSize - 1) / bucket.pageSize;
  p.cache.numPages = bucket.batch * width;
  p.cache.pageSize = bucket.pageSize;
  p.cache.latentDim = config.kvLoraRank;
  p.cache.ropeDim = config.qkRopeHeadDim;
  p.table.batch = bucket.batch;
  p.table.width = width;
  return p;
}

std::string printed(mlir::Attribute attr) {
  std::string text;
  llvm::raw_string_ostream os(text);
  attr.print(os);
  return text;
}

/// The name the printer gives `op`'s kernel in `unit`: the kernel whose op
/// is `op`'s and whose family made it (one per tunable op in a step).
std::string kernelOf(const CudaUnit &unit, mlir::Operation *op) {
  for (const KernelLaunch &k : unit.kernels)
    if (k.op == op->getName().getStringRef())
      return k.name;
  return "";
}

} // namespace

std::string mlagen::describe(const Bucket &b) {
  return llvm::formatv("batch {0}, {1} keys, {2} query token(s), page {3}, {4}",
                       b.batch, b.length, b.queryTokens, b.pageSize,
                       toString(b.storage))
      .str();
}

llvm::Expected<BucketSpace> mlagen::enumerateBucket(const LayerConfig &config,
                                                    const Bucket &bucket,
                                                    llvm::StringRef arch,
                                                    int64_t smCount) {
  Problem problem = shapeOnlyProblem(config, bucket);
  mlir::MLIRContext context;
  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> module =
      parseStepModule(problem, context);
  if (!module)
    return module.takeError();
  CudaUnitOptions options;
  options.arch = arch.str();
  options.smCount = smCount;
  options.plan = true;
  // Rewritten and tiled once (the defaults); then each candidate replaces
  // one op's tiling.
  llvm::Expected<CudaUnit> defaults = generateCudaUnit(**module, options);
  if (!defaults)
    return defaults.takeError();
  options.rewrite = false;
  BucketSpace space;
  space.bucket = bucket;
  std::vector<mlir::Operation *> tunable;
  (*module)->walk([&](mlir::Operation *op) {
    if (auto partial = mlir::dyn_cast<mlir::mla::PartialLatentAttentionOp>(op))
      space.splits = partial.getNumSplits();
    if (op->hasAttr(mlir::mla::kCudaTilingAttrName))
      tunable.push_back(op);
  });
  for (mlir::Operation *op : tunable) {
    auto chosen = op->getAttrOfType<mlir::mla::CudaTilingAttr>(
        mlir::mla::kCudaTilingAttrName);
    for (const mlir::mla::KernelFamily *family : mlir::mla::kernelFamilies()) {
      if (!family->takes(op))
        continue;
      for (mlir::mla::CudaTilingAttr tiling : family->candidates(op, arch)) {
        TuneCandidate c;
        c.op = op->getName().getStringRef().str();
        c.family = family->name().str();
        c.tiling = printed(tiling);
        c.isDefault = tiling == chosen;
        c.rowsPerCta = tiling.getRowsPerCta();
        c.splits = space.splits;
        // The family that prints a tiling is the one for its flavour.
        const mlir::mla::KernelFamily *printing =
            mlir::mla::kernelFamilyOf(op, tiling.getMma());
        c.pruned = printing ? printing->problem(op, tiling)
                            : std::optional<std::string>("no kernel family");
        if (!c.pruned) {
          op->setAttr(mlir::mla::kCudaTilingAttrName, tiling);
          llvm::Expected<CudaUnit> unit = generateCudaUnit(**module, options);
          op->setAttr(mlir::mla::kCudaTilingAttrName, chosen);
          if (!unit)
            return unit.takeError();
          c.kernel = kernelOf(*unit, op);
          c.unit = std::move(*unit);
        }
        space.candidates.push_back(std::move(c));
      }
    }
  }
  return space;
}
