//===- CudaUnit.cpp - mla IR to a CUDA translation unit -------------------===//

#include "mlagen/CudaUnit.h"
#include "passes/Passes.h"
#include "passes/cuda/CudaTranslation.h"
#include "passes/cuda/KernelDescription.h"
#include "passes/cuda/KernelFamily.h"

#include "dialect/MlaOps.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"

#include <chrono>

using namespace mlagen;

namespace {

/// Bytes of a tensor or cache with static dims, or an error naming it.
llvm::Expected<int64_t> bytesOf(mlir::Value value, llvm::StringRef name) {
  mlir::Type type = value.getType();
  auto elementBytes = [](mlir::Type element) -> int64_t {
    if (element.isF32() || element.isInteger(32))
      return 4;
    if (element.isBF16() || element.isF16())
      return 2;
    return 0;
  };
  auto unsupported = [&](mlir::Type element) {
    std::string text;
    llvm::raw_string_ostream os(text);
    element.print(os);
    return llvm::createStringError("plan: " + name + " holds " + text +
                                   ", which the GPU runtime does not keep");
  };
  if (auto cache = mlir::dyn_cast<mlir::mla::PagedCacheType>(type)) {
    if (mlir::ShapedType::isDynamic(cache.getNumPages()))
      return llvm::createStringError(
          ("plan: " + name + " has a dynamic page count").str());
    if (!elementBytes(cache.getElementType()))
      return unsupported(cache.getElementType());
    return cache.getNumPages() * cache.getPageSize() * cache.getRowWidth() *
           elementBytes(cache.getElementType());
  }
  auto tensor = mlir::cast<mlir::RankedTensorType>(type);
  if (!tensor.hasStaticShape())
    return llvm::createStringError(
        ("plan: " + name + " has a dynamic shape").str());
  if (!elementBytes(tensor.getElementType()))
    return unsupported(tensor.getElementType());
  return tensor.getNumElements() * elementBytes(tensor.getElementType());
}

/// The plan of `function`'s kernels (see FunctionPlan.h).
llvm::Expected<FunctionPlan>
planFunction(mlir::func::FuncOp function,
             llvm::ArrayRef<mlir::mla::KernelDescription> kernels) {
  FunctionPlan plan;
  llvm::DenseMap<mlir::Value, int> buffers;
  auto bufferOf = [&](mlir::Value value) -> llvm::Expected<int> {
    // A cache append writes its operand's buffer in place (through any
    // chain of appends).
    while (auto append = value.getDefiningOp<mlir::mla::CacheAppendOp>())
      value = append.getCache();
    auto found = buffers.find(value);
    if (found != buffers.end())
      return found->second;
    PlannedBuffer buffer;
    if (auto argument = mlir::dyn_cast<mlir::BlockArgument>(value)) {
      buffer.argument = argument.getArgNumber();
      buffer.name = "argument " + std::to_string(buffer.argument);
    } else {
      mlir::Operation *op = value.getDefiningOp();
      buffer.name =
          "result " +
          std::to_string(mlir::cast<mlir::OpResult>(value).getResultNumber()) +
          " of " + op->getName().getStringRef().str();
      if (!mlir::isa<mlir::mla::MlaDialect>(op->getDialect()))
        buffer.computedBy = op->getName().getStringRef().str();
    }
    llvm::Expected<int64_t> bytes = bytesOf(value, buffer.name);
    if (!bytes)
      return bytes.takeError();
    buffer.bytes = *bytes;
    plan.buffers.push_back(std::move(buffer));
    buffers[value] = plan.buffers.size() - 1;
    return int(plan.buffers.size() - 1);
  };
  // Scratch: f32 shaped like the value, one per (value, parameter name).
  struct Scratch {
    mlir::Value value;
    std::string name;
    int buffer;
  };
  llvm::SmallVector<Scratch> scratch;
  auto scratchOf = [&](const mlir::mla::KernelDescription &kernel,
                       const mlir::mla::KernelParam &p) -> llvm::Expected<int> {
    for (const Scratch &s : scratch)
      if (s.value == p.value && s.name == p.name)
        return s.buffer;
    auto type = mlir::dyn_cast<mlir::RankedTensorType>(p.value.getType());
    if (!p.scratchWords && (!type || !type.hasStaticShape()))
      return llvm::createStringError(kernel.name + ": scratch '" + p.name +
                                     "' is shaped like no static tensor");
    PlannedBuffer buffer;
    buffer.name = "scratch " + p.name + " of " + kernel.op;
    buffer.bytes =
        (p.scratchWords ? p.scratchWords : type.getNumElements()) * 4;
    plan.buffers.push_back(std::move(buffer));
    scratch.push_back({p.value, p.name, int(plan.buffers.size() - 1)});
    return scratch.back().buffer;
  };
  for (mlir::BlockArgument argument : function.getArguments())
    if (llvm::Error e = bufferOf(argument).takeError())
      return std::move(e);
  for (auto [index, kernel] : llvm::enumerate(kernels)) {
    PlannedLaunch launch;
    launch.kernel = index;
    for (const mlir::mla::KernelParam &p : kernel.params) {
      PlannedParam param;
      param.name = p.name;
      if (!p.value)
        return llvm::createStringError(kernel.name + ": parameter '" + p.name +
                                       "' is bound to nothing");
      if (p.type == "int" && mlir::isa<mlir::mla::PagedCacheType>(
                                 p.value.getType())) { // its pages
        int64_t pages = mlir::cast<mlir::mla::PagedCacheType>(p.value.getType())
                            .getNumPages();
        if (mlir::ShapedType::isDynamic(pages))
          return llvm::createStringError(kernel.name + ": '" + p.name +
                                         "' comes from a dynamic dim");
        param.count = pages;
      } else if (p.type == "int") {
        auto shape = mlir::dyn_cast<mlir::ShapedType>(p.value.getType());
        if (!shape || p.dims.empty())
          return llvm::createStringError(kernel.name + ": int parameter '" +
                                         p.name +
                                         "' is bound to no tensor dims");
        param.count = 1;
        for (int64_t dim : p.dims) {
          if (shape.isDynamicDim(dim))
            return llvm::createStringError(kernel.name + ": '" + p.name +
                                           "' comes from a dynamic dim");
          param.count *= shape.getDimSize(dim);
        }
      } else {
        llvm::Expected<int> buffer =
            p.scratch ? scratchOf(kernel, p) : bufferOf(p.value);
        if (!buffer)
          return buffer.takeError();
        param.buffer = *buffer;
      }
      launch.params.push_back(std::move(param));
    }
    plan.launches.push_back(std::move(launch));
  }
  mlir::Operation *terminator = function.getBody().front().getTerminator();
  for (mlir::Value result : terminator->getOperands()) {
    llvm::Expected<int> buffer = bufferOf(result);
    if (!buffer)
      return buffer.takeError();
    plan.results.push_back(*buffer);
  }
  return plan;
}

/// Whether a tiling for ops named `tuned` is for `op`: latent attention,
/// whole (an engine's, on the balanced schedule) or split, is one op to a
/// tiling, as the same kernel families take both.
bool tilingIsFor(mlir::Operation *op, llvm::StringRef tuned) {
  llvm::StringRef name = op->getName().getStringRef();
  if (name == tuned)
    return true;
  auto latent = [](llvm::StringRef n) {
    return n == mlir::mla::LatentAttentionOp::getOperationName() ||
           n == mlir::mla::PartialLatentAttentionOp::getOperationName();
  };
  return latent(name) && latent(tuned);
}

/// Sets each of `tilings` on every op it is for in `module` that its
/// kernel family can generate it for; the notes say what was left out.
std::vector<std::string> applyTilings(mlir::ModuleOp module,
                                      llvm::ArrayRef<OpTiling> tilings,
                                      llvm::StringRef arch) {
  std::vector<std::string> notes;
  for (const OpTiling &t : tilings) {
    std::string parseError;
    mlir::Attribute parsed;
    {
      mlir::ScopedDiagnosticHandler capture(module.getContext(),
                                            [&](mlir::Diagnostic &d) {
                                              parseError = d.str();
                                              return mlir::success();
                                            });
      parsed = mlir::parseAttribute(t.tiling, module.getContext());
    }
    auto tiling = mlir::dyn_cast_or_null<mlir::mla::CudaTilingAttr>(parsed);
    std::string what = "tuned tiling " + t.tiling + " of " + t.op;
    if (!tiling) {
      notes.push_back(what + ": not a #mla.cuda_tiling" +
                      (parseError.empty() ? "" : " (" + parseError + ")"));
      continue;
    }
    if (tiling.getArch() != arch) {
      notes.push_back(what + ": it is for " + tiling.getArch().str() +
                      ", the unit for " + arch.str());
      continue;
    }
    int64_t ops = 0;
    module.walk([&](mlir::Operation *op) {
      if (!tilingIsFor(op, t.op))
        return;
      ++ops;
      const mlir::mla::KernelFamily *family =
          mlir::mla::kernelFamilyOf(op, tiling.getMma());
      std::optional<std::string> why =
          family ? family->problem(op, tiling)
                 : std::optional<std::string>("no kernel family takes it");
      if (why) {
        std::string location;
        llvm::raw_string_ostream os(location);
        op->getLoc().print(os);
        notes.push_back(what + " at " + location + ": " + *why);
        return;
      }
      op->setAttr(mlir::mla::kCudaTilingAttrName, tiling);
    });
    if (!ops)
      notes.push_back(what + ": the step has no " + t.op);
  }
  return notes;
}

/// The split count and the tilings `module`'s ops carry.
CudaVariant variantOf(mlir::ModuleOp module) {
  CudaVariant variant;
  module.walk([&](mlir::Operation *op) {
    if (auto partial = mlir::dyn_cast<mlir::mla::PartialLatentAttentionOp>(op))
      variant.splits = partial.getNumSplits();
    auto tiling = op->getAttrOfType<mlir::mla::CudaTilingAttr>(
        mlir::mla::kCudaTilingAttrName);
    if (!tiling)
      return;
    OpTiling t{op->getName().getStringRef().str(), ""};
    llvm::raw_string_ostream os(t.tiling);
    mlir::Attribute(tiling).print(os);
    for (const OpTiling &seen : variant.tilings)
      if (seen.op == t.op && seen.tiling == t.tiling)
        return;
    variant.tilings.push_back(std::move(t));
  });
  return variant;
}

} // namespace

llvm::Expected<CudaUnit>
mlagen::generateCudaUnit(mlir::ModuleOp module,
                         const CudaUnitOptions &options) {
  auto start = std::chrono::steady_clock::now();
  mlir::MLIRContext &context = *module.getContext();
  std::string diagnostics;
  llvm::raw_string_ostream diagnosticStream(diagnostics);
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
    diagnosticStream << d.getLocation() << ": " << d << "\n";
    return mlir::success();
  });
  // The rewrite and the absorptions' own ops first, so that tuned tilings
  // find the ops mla-cuda-tile tiles.
  mlir::PassManager prepare(&context);
  if (options.rewrite) {
    mlir::mla::RewritePipelineOptions rewrite;
    rewrite.numSplits = options.splits;
    rewrite.smCount = options.smCount;
    rewrite.schedule = options.balanced ? "balanced" : "even";
    mlir::mla::buildRewritePipeline(prepare, rewrite);
  }
  if (!options.tilings.empty())
    prepare.addPass(mlir::mla::createMlaUnfuseAbsorptions());
  if (mlir::failed(prepare.run(module)))
    return llvm::createStringError("the CUDA pipeline failed:\n" + diagnostics);
  CudaUnit unit;
  unit.notes = applyTilings(module, options.tilings, options.arch);
  mlir::PassManager pm(&context);
  mlir::mla::CudaPipelineOptions cuda;
  cuda.arch = options.arch;
  mlir::mla::buildCudaPipeline(pm, cuda);
  if (mlir::failed(pm.run(module)))
    return llvm::createStringError("the CUDA pipeline failed:\n" + diagnostics);
  llvm::FailureOr<std::vector<mlir::mla::KernelDescription>> kernels =
      mlir::mla::generateCudaKernels(module);
  if (mlir::failed(kernels))
    return llvm::createStringError("the CUDA printer failed:\n" + diagnostics);
  unit.variant = variantOf(module);
  if (options.plan) {
    auto functions = llvm::to_vector(module.getOps<mlir::func::FuncOp>());
    if (functions.size() != 1)
      return llvm::createStringError("plan: the module must hold one "
                                     "function");
    llvm::Expected<FunctionPlan> plan = planFunction(functions[0], *kernels);
    if (!plan)
      return plan.takeError();
    unit.plan = std::move(*plan);
  }
  llvm::raw_string_ostream sourceStream(unit.source);
  mlir::mla::printTranslationUnit(*kernels, sourceStream);
  llvm::Expected<std::vector<KernelLaunch>> launches =
      parseLaunchDescription(unit.source);
  if (!launches)
    return launches.takeError();
  unit.kernels = std::move(*launches);
  unit.generateSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return unit;
}
