//===- CudaTranslation.cpp - mla IR to a CUDA translation unit ------------===//

#include "passes/cuda/CudaTranslation.h"
#include "passes/cuda/KernelFamily.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace mlir::mla;
namespace json = llvm::json;

namespace {

constexpr llvm::StringLiteral kPipeline =
    "mla-rewrite, mla-cuda-tile, mla-to-cuda";

std::string printed(Attribute attr) {
  std::string text;
  llvm::raw_string_ostream os(text);
  attr.print(os);
  return text;
}

std::string printed(Location loc) {
  std::string text;
  llvm::raw_string_ostream os(text);
  loc.print(os);
  return text;
}

/// The kernels of `op`, in launch order; none for an op that needs none, an
/// error for one no family generates.
FailureOr<std::vector<KernelDescription>> describeOp(Operation *op,
                                                     unsigned index) {
  auto tiling = op->getAttrOfType<CudaTilingAttr>(kCudaTilingAttrName);
  const KernelFamily *family =
      kernelFamilyOf(op, tiling ? tiling.getMma() : MmaFlavor::MmaSync);
  if (!family) {
    if (op->getDialect() && isa<MlaDialect>(op->getDialect()))
      return op->emitOpError("has no CUDA kernel; the CUDA printer takes "
                             "latent attention, MHA (prefill) attention, "
                             "combine, cache append, the absorptions, the "
                             "projections and RoPE");
    return std::vector<KernelDescription>{};
  }
  if (!tiling)
    return op->emitOpError("has no mla.cuda_tiling; run mla-cuda-tile "
                           "before printing CUDA");
  FailureOr<std::vector<KernelDescription>> kernels = family->describe(
      op, tiling, llvm::formatv("mla_kernel_{0}", index).str());
  if (failed(kernels))
    return failure();
  for (KernelDescription &k : *kernels)
    k.origin = llvm::formatv("// {0} at {1}\n// tiling {2}\n// family {3}, "
                             "pipeline: {4}\n",
                             k.op, printed(op->getLoc()), printed(tiling),
                             k.family, kPipeline);
  return kernels;
}

/// `type name` for each parameter (pointers `__restrict__`): the entry's
/// parameter list.
std::string printSignature(ArrayRef<KernelParam> params) {
  std::string signature;
  for (auto [i, p] : llvm::enumerate(params))
    signature += llvm::formatv(
        "{0}{1} {2}", i ? ",\n    " : "",
        StringRef(p.type).ends_with("*") ? p.type + "__restrict__" : p.type,
        p.name);
  return signature;
}

/// The kernel's entry: extern "C", its launch bounds and parameters, its
/// shape, and the one call of its template.
void printEntry(const KernelDescription &k, raw_ostream &os) {
  os << "\n" << k.origin << k.prelude;
  os << "extern \"C\" __global__ void __launch_bounds__(" << k.threadsPerBlock;
  if (k.minBlocks)
    os << ", " << k.minBlocks;
  os << ")\n" << k.name << "(" << printSignature(k.params) << ") {\n";
  os << "  constexpr " << k.shapeType << " kShape = {";
  for (auto [i, field] : llvm::enumerate(k.shape))
    os << (i ? ",\n      ." : "\n      .") << field.name << " = "
       << field.value;
  std::vector<std::string> arguments = k.arguments;
  if (arguments.empty())
    for (const KernelParam &p : k.params)
      arguments.push_back(p.name);
  // The call, its arguments wrapped at 80 columns.
  std::string line = "  " + k.templateName + "<kShape>(";
  os << "};\n";
  for (auto [i, argument] : llvm::enumerate(arguments)) {
    std::string piece = argument + (i + 1 < arguments.size() ? "," : ");");
    if (line.size() + 1 + piece.size() > 80 &&
        !StringRef(line).ends_with("(")) {
      os << line << "\n";
      line = "      " + piece;
    } else {
      line += (StringRef(line).ends_with("(") ? "" : " ") + piece;
    }
  }
  os << line << "\n}\n";
}

json::Object launchJson(const KernelDescription &k) {
  json::Array params, grid;
  for (const KernelParam &p : k.params) {
    json::Object param{
        {"name", p.name}, {"type", p.type}, {"meaning", p.meaning}};
    if (const std::optional<TensorMapLayout> &map = p.tensorMap)
      param["tensor_map"] =
          json::Object{{"tensor", map->tensor},
                       {"element", map->element},
                       {"columns", map->columns},
                       {"rows", map->rows},
                       {"row_stride_bytes", map->rowStrideBytes},
                       {"box", json::Array{map->boxColumns, map->boxRows}},
                       {"swizzle", "128B"},
                       {"out_of_bounds", "zero"}};
    params.push_back(std::move(param));
  }
  // Always x, y and z: the dimensions a kernel leaves out are 1.
  std::vector<GridDim> dims(k.grid);
  dims.resize(3);
  for (const GridDim &d : dims) {
    json::Object dim{{"per_block", d.perBlock}};
    if (d.countParam.empty())
      dim["count"] = d.count;
    else
      dim["count_param"] = d.countParam;
    grid.push_back(std::move(dim));
  }
  return json::Object{{"name", k.name},
                      {"op", k.op},
                      {"params", std::move(params)},
                      {"grid", std::move(grid)},
                      {"block", json::Array{k.threadsPerBlock, 1, 1}},
                      {"dynamic_shared_bytes", k.dynamicSharedBytes}};
}

} // namespace

FailureOr<std::vector<KernelDescription>>
mlir::mla::generateCudaKernels(ModuleOp module) {
  std::vector<KernelDescription> kernels;
  unsigned index = 0;
  WalkResult walk = module.walk([&](Operation *op) {
    FailureOr<std::vector<KernelDescription>> described = describeOp(op, index);
    if (failed(described))
      return WalkResult::interrupt();
    if (!described->empty())
      ++index;
    for (KernelDescription &kernel : *described)
      kernels.push_back(std::move(kernel));
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  return kernels;
}

void mlir::mla::printTranslationUnit(ArrayRef<KernelDescription> kernels,
                                     raw_ostream &os) {
  os << "// Generated by mlagen (" << kPipeline << "): " << kernels.size()
     << " kernel(s). Compile with NVRTC for the tiling's arch; the launch\n"
        "// description is the JSON comment at the end. Each kernel's entry\n"
        "// instantiates a template of passes/cuda/device/ with its shape.\n\n"
     << cudaCommon() << "\n"
     << cudaPrimitives();
  if (llvm::any_of(kernels,
                   [](const KernelDescription &k) { return k.hopper; }))
    os << "\n" << cudaHopperPrimitives();
  llvm::SmallSetVector<DeviceSource, 8> sources;
  for (const KernelDescription &k : kernels)
    sources.insert_range(k.sources);
  SmallVector<DeviceSource> ordered(sources.begin(), sources.end());
  llvm::sort(ordered);
  for (DeviceSource source : ordered)
    os << "\n" << cudaDeviceSource(source);
  llvm::SetVector<StringRef> helpers;
  for (const KernelDescription &k : kernels)
    helpers.insert_range(k.helpers);
  if (!helpers.empty()) {
    os << "\n" << kWgmmaBegin;
    for (StringRef helper : helpers)
      os << helper;
    os << kWgmmaEnd;
  }
  json::Array launches;
  for (const KernelDescription &k : kernels) {
    printEntry(k, os);
    launches.push_back(launchJson(k));
  }
  json::Object description{{"format", "mlagen-launch-1"},
                           {"kernels", std::move(launches)}};
  os << "\n/* mlagen-launch\n"
     << llvm::formatv("{0:2}", json::Value(std::move(description))) << "\n*/\n";
}

LogicalResult mlir::mla::translateToCuda(ModuleOp module, raw_ostream &os) {
  FailureOr<std::vector<KernelDescription>> kernels =
      generateCudaKernels(module);
  if (failed(kernels))
    return failure();
  // An empty unit would hide an upstream failure in a pipe (a module not
  // through mla-to-cuda, or with nothing of mla in it).
  if (kernels->empty())
    return emitError(module.getLoc())
           << "--mla-to-cuda: the module has no mla op that needs a kernel; "
              "nothing to print";
  printTranslationUnit(*kernels, os);
  return success();
}

void mlir::mla::registerMlaToCudaTranslation() {
  TranslateFromMLIRRegistration registration(
      "mla-to-cuda",
      "Print a module prepared by mla-cuda-tile as a CUDA C++ translation "
      "unit with its launch description",
      translateToCuda, [](DialectRegistry &registry) {
        // The ops mla-rewrite leaves around the kernels (index arithmetic,
        // constants) parse but print nothing.
        registry.insert<MlaDialect, arith::ArithDialect, func::FuncDialect,
                        tensor::TensorDialect>();
      });
}
