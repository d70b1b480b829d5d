//===- CudaTranslation.cpp - mla IR to a CUDA translation unit ------------===//

#include "passes/cuda/CudaTranslation.h"
#include "passes/cuda/KernelSource.h"

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

constexpr llvm::StringLiteral kPrimitives =
#include "passes/cuda/Primitives.inc"
    ;
constexpr llvm::StringLiteral kHopperPrimitives =
#include "passes/cuda/HopperPrimitives.inc"
    ;
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

/// Whether `op` is an mla op the printer makes kernels of.
bool hasKernels(Operation *op) {
  return isa<LatentAttentionOp, PartialLatentAttentionOp, CombineOp,
             CacheAppendOp, AbsorbQueryOp, AbsorbOutputOp, MhaAttentionOp,
             CompressQueryOp, CompressKvOp, UpProjectQueryOp,
             OutputProjectionOp, RopeOp>(op);
}

/// The kernels of `op`, in launch order (a compression is a linear map
/// then an RMSNorm); none for an op that needs none, an error for one the
/// printer cannot generate.
FailureOr<std::vector<KernelSource>> printKernels(Operation *op,
                                                  unsigned index) {
  std::vector<KernelSource> kernels;
  if (!hasKernels(op)) {
    if (op->getDialect() && isa<MlaDialect>(op->getDialect()))
      return op->emitOpError("has no CUDA kernel; the CUDA printer takes "
                             "latent attention, MHA (prefill) attention, "
                             "combine, cache append, the absorptions, the "
                             "projections and RoPE");
    return kernels;
  }
  auto tiling = op->getAttrOfType<CudaTilingAttr>(kCudaTilingAttrName);
  if (!tiling)
    return op->emitOpError("has no mla.cuda_tiling; run mla-cuda-tile "
                           "before printing CUDA");
  std::string name = llvm::formatv("mla_kernel_{0}", index);
  auto add = [&](FailureOr<KernelSource> kernel) {
    if (failed(kernel))
      return false;
    kernel->code = llvm::formatv("\n// {0} at {1}\n// tiling {2}\n// "
                                 "pipeline: {3}{4}",
                                 kernel->op, printed(op->getLoc()),
                                 printed(tiling), kPipeline, kernel->code);
    kernels.push_back(std::move(*kernel));
    return true;
  };
  bool ok;
  if (auto combine = dyn_cast<CombineOp>(op))
    ok = add(printCombineKernel(combine, tiling, name + "_combine"));
  else if (auto append = dyn_cast<CacheAppendOp>(op))
    ok = add(printAppendKernel(append, tiling, name + "_cache_append"));
  else if (auto absorb = dyn_cast<AbsorbQueryOp>(op))
    ok = add(printAbsorbQueryKernel(absorb, tiling, name + "_absorb_query"));
  else if (auto absorb = dyn_cast<AbsorbOutputOp>(op))
    ok = add(printAbsorbOutputKernel(absorb, tiling, name + "_absorb_output"));
  else if (auto mha = dyn_cast<MhaAttentionOp>(op))
    ok = add(printPrefillKernel(mha, tiling, name + "_prefill"));
  else if (auto rope = dyn_cast<RopeOp>(op))
    ok = add(printRopeKernel(rope, tiling, name + "_rope"));
  else if (isa<CompressQueryOp, CompressKvOp>(op))
    ok = add(printLinearKernel(op, tiling, name + "_compress")) &&
         add(printRmsNormKernel(op, tiling, name + "_norm"));
  else if (isa<UpProjectQueryOp>(op))
    ok = add(printLinearKernel(op, tiling, name + "_up_project_query"));
  else if (isa<OutputProjectionOp>(op))
    ok = add(printLinearKernel(op, tiling, name + "_output_projection"));
  else
    ok = add(printAttentionKernel(op, tiling, name + "_attention"));
  if (!ok)
    return failure();
  return kernels;
}

json::Object launchJson(const KernelSource &k) {
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

StorageNames mlir::mla::storageNames(Type storage) {
  if (storage.isBF16())
    return {"mlagen_u16", "mlagen_bf16_to_f32", "mlagen_f32_to_bf16"};
  if (storage.isF16())
    return {"mlagen_u16", "mlagen_f16_to_f32", "mlagen_f32_to_f16"};
  return {"float", "mlagen_f32_to_f32", "mlagen_f32_to_f32"};
}

std::string
mlir::mla::fillTemplate(StringRef text,
                        ArrayRef<std::pair<StringRef, std::string>> values) {
  std::string filled;
  while (!text.empty()) {
    size_t open = text.find("${");
    filled += text.take_front(open).str();
    if (open == StringRef::npos)
      break;
    size_t close = text.find('}', open);
    assert(close != StringRef::npos && "unterminated placeholder");
    if (close == StringRef::npos) { // kept as written: NVRTC names it
      filled += text.drop_front(open).str();
      break;
    }
    StringRef key = text.slice(open + 2, close);
    const auto *value = llvm::find_if(
        values, [&](const auto &entry) { return entry.first == key; });
    assert(value != values.end() && "placeholder without a value");
    filled += value != values.end() ? value->second
                                    : text.slice(open, close + 1).str();
    text = text.drop_front(close + 1);
  }
  return filled;
}

std::string mlir::mla::ropeFrequencyTable(StringRef name, RopeAttr rope,
                                          int64_t ropeDim) {
  SmallVector<double> values = rope.getInverseFrequencies(ropeDim);
  std::string table =
      llvm::formatv("__constant__ double {0}[{1}] = {{", name, values.size());
  for (auto [i, v] : llvm::enumerate(values))
    table += llvm::formatv("{0}{1:e16}",
                           i ? (i % 3 ? ", " : ",\n    ") : "\n    ", v);
  return table + "};\n";
}

int64_t mlir::mla::sharedMemoryLimit(int64_t capability) {
  switch (capability) {
  case 80:
  case 87:
    return 166912;
  case 90:
  case 100:
  case 103:
    return 232448;
  default:
    return 101376;
  }
}

std::optional<std::string> mlir::mla::sharedMemoryProblem(StringRef what,
                                                          int64_t bytes,
                                                          CudaTilingAttr tiling,
                                                          StringRef fewer) {
  int64_t limit = sharedMemoryLimit(tiling.getComputeCapability());
  if (bytes <= limit)
    return std::nullopt;
  return llvm::formatv("{0} needs {1} bytes of shared memory per CTA, more "
                       "than the {2} {3} offers: use fewer {4}",
                       what, bytes, limit, tiling.getArch(), fewer)
      .str();
}

FailureOr<std::vector<KernelSource>>
mlir::mla::generateCudaKernels(ModuleOp module) {
  std::vector<KernelSource> kernels;
  unsigned index = 0;
  WalkResult walk = module.walk([&](Operation *op) {
    FailureOr<std::vector<KernelSource>> printed = printKernels(op, index);
    if (failed(printed))
      return WalkResult::interrupt();
    if (!printed->empty())
      ++index;
    for (KernelSource &kernel : *printed)
      kernels.push_back(std::move(kernel));
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  return kernels;
}

StringRef mlir::mla::cudaPrimitives() { return kPrimitives; }
StringRef mlir::mla::cudaHopperPrimitives() { return kHopperPrimitives; }

void mlir::mla::printTranslationUnit(ArrayRef<KernelSource> kernels,
                                     raw_ostream &os) {
  os << "// Generated by mlagen (" << kPipeline << "): " << kernels.size()
     << " kernel(s). Compile with NVRTC for the tiling's arch; the launch\n"
        "// description is the JSON comment at the end.\n\n"
     << kPrimitives;
  if (llvm::any_of(kernels, [](const KernelSource &k) { return k.hopper; }))
    os << "\n" << kHopperPrimitives;
  llvm::SetVector<StringRef> helpers;
  for (const KernelSource &k : kernels)
    helpers.insert_range(k.helpers);
  for (StringRef helper : helpers)
    os << helper;
  json::Array launches;
  for (const KernelSource &k : kernels) {
    os << k.code;
    launches.push_back(launchJson(k));
  }
  json::Object description{{"format", "mlagen-launch-1"},
                           {"kernels", std::move(launches)}};
  os << "\n/* mlagen-launch\n"
     << llvm::formatv("{0:2}", json::Value(std::move(description))) << "\n*/\n";
}

void mlir::mla::bindParam(KernelSource &kernel, StringRef name, Value value,
                          ArrayRef<int64_t> dims) {
  for (KernelParam &p : kernel.params)
    if (p.name == name) {
      p.value = value;
      p.dims.assign(dims.begin(), dims.end());
      return;
    }
  assert(false && "no such kernel parameter");
}

std::string mlir::mla::printSignature(ArrayRef<KernelParam> params,
                                      StringRef separator) {
  std::string signature;
  for (auto [i, p] : llvm::enumerate(params))
    signature += llvm::formatv(
        "{0}{1} {2}", i ? separator : "",
        StringRef(p.type).ends_with("*") ? p.type + "__restrict__" : p.type,
        p.name);
  return signature;
}

LogicalResult mlir::mla::translateToCuda(ModuleOp module, raw_ostream &os) {
  FailureOr<std::vector<KernelSource>> kernels = generateCudaKernels(module);
  if (failed(kernels))
    return failure();
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
