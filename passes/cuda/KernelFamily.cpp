//===- KernelFamily.cpp - the kernel families and what they share ---------===//

#include "passes/cuda/KernelFamily.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::mla;

TilingRequest KernelFamily::defaultTiling(Operation *,
                                          const TilingRequest &r) const {
  // Kernels without a KV loop use only the warps: 4 unless asked.
  return TilingRequest{r.arch,
                       r.rowsPerCta ? r.rowsPerCta : 16,
                       r.keysPerTile ? r.keysPerTile : 32,
                       r.warps ? r.warps : 4,
                       r.stages,
                       r.mma};
}

std::vector<CudaTilingAttr> KernelFamily::candidates(Operation *,
                                                     StringRef) const {
  return {};
}

std::vector<CudaTilingAttr> KernelFamily::variants(Operation *op,
                                                   StringRef arch) const {
  std::vector<CudaTilingAttr> fitting;
  for (CudaTilingAttr tiling : candidates(op, arch))
    if (!problem(op, tiling))
      fitting.push_back(tiling);
  return fitting;
}

CudaTilingAttr mlir::mla::validTiling(MLIRContext *context,
                                      const TilingRequest &r) {
  // The verifier's message goes to a handler that drops it.
  ScopedDiagnosticHandler quiet(context,
                                [](Diagnostic &) { return success(); });
  return CudaTilingAttr::getChecked(
      [&] { return emitError(UnknownLoc::get(context)); }, context,
      StringRef(r.arch), r.rowsPerCta, r.keysPerTile, r.warps, r.stages, r.mma);
}

ArrayRef<const KernelFamily *> mlir::mla::kernelFamilies() {
  static const KernelFamily *const families[] = {
      &decodeMmaSyncFamily(), &decodeWgmmaFamily(), &prefillFamily(),
      &appendFamily(),        &combineFamily(),     &absorbQueryFamily(),
      &absorbOutputFamily(),  &compressionFamily(), &linearFamily(),
      &ropeFamily()};
  return families;
}

const KernelFamily *mlir::mla::kernelFamilyOf(Operation *op, MmaFlavor mma) {
  if (isa<LatentAttentionOp, PartialLatentAttentionOp>(op))
    return mma == MmaFlavor::Wgmma ? &decodeWgmmaFamily()
                                   : &decodeMmaSyncFamily();
  for (const KernelFamily *family : kernelFamilies())
    if (family->takes(op))
      return family;
  return nullptr;
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

KernelParam mlir::mla::boundParam(StringRef name, StringRef type,
                                  std::string meaning, Value value,
                                  ArrayRef<int64_t> dims) {
  KernelParam p{name.str(), type.str(), std::move(meaning)};
  p.value = value;
  p.dims.assign(dims.begin(), dims.end());
  return p;
}

std::vector<CudaTilingAttr> mlir::mla::warpCandidates(Operation *op,
                                                      StringRef arch) {
  std::vector<CudaTilingAttr> found;
  for (int64_t warps : {1, 2, 4, 8})
    found.push_back(CudaTilingAttr::get(op->getContext(), arch, 16, 32, warps,
                                        1, MmaFlavor::MmaSync));
  return found;
}

void mlir::mla::bindParam(KernelDescription &kernel, StringRef name,
                          Value value, ArrayRef<int64_t> dims) {
  for (KernelParam &p : kernel.params)
    if (p.name == name) {
      p.value = value;
      p.dims.assign(dims.begin(), dims.end());
      return;
    }
  assert(false && "no such kernel parameter");
}

std::string mlir::mla::shapeValue(int64_t value) {
  return std::to_string(value);
}

std::string mlir::mla::shapeValue(bool value) {
  return value ? "true" : "false";
}

std::string mlir::mla::shapeFloat(double value) {
  return llvm::formatv("{0:e9}f", value).str();
}

std::string mlir::mla::shapeDouble(double value) {
  return llvm::formatv("{0:e16}", value).str();
}

std::string mlir::mla::shapeStorage(Type storage) {
  if (storage.isBF16())
    return "mlagen_bf16";
  if (storage.isF16())
    return "mlagen_f16";
  return "mlagen_f32";
}

std::string mlir::mla::elementName(Type storage) {
  return storage.isBF16() || storage.isF16() ? "mlagen_u16" : "float";
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
