//===- KernelDescription.h - one generated CUDA kernel ----------*- C++ -*-===//
//
// What a kernel family (KernelFamily.h) says of one kernel it makes of an
// op: the template it instantiates and with which shape, and what a runtime
// needs to launch it (the launch description). The printer
// (CudaTranslation.cpp) writes the kernel's entry from this alone.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PASSES_CUDA_KERNELDESCRIPTION_H
#define MLAGEN_PASSES_CUDA_KERNELDESCRIPTION_H

#include "dialect/MlaOps.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::mla {

/// How the runtime encodes a TMA descriptor parameter (cuTensorMapEncodeTiled)
/// for a 2-D row-major tensor: `columns` elements per row (innermost),
/// `rows` rows (a meaning, e.g. "pages x 64", known at run time), rows
/// `rowStrideBytes` apart; boxes of boxColumns x boxRows, 128-byte swizzle,
/// zero fill out of bounds.
struct TensorMapLayout {
  std::string tensor, element, rows;
  int64_t columns = 0, rowStrideBytes = 0, boxColumns = 0, boxRows = 0;
};

/// A kernel parameter, in launch order. `value` is the IR value it carries:
/// for a pointer (or TMA descriptor) the tensor or cache whose buffer it
/// points at; for an int, the value whose static dims `dims` multiply to
/// it. A `scratch` pointer instead takes a buffer of f32 shaped like
/// `value` (or of `scratchWords` 4-byte words, when not 0), private to the
/// op's kernels (shared by those naming it alike): a value in flight
/// between two kernels of one op, kept unrounded. A runtime holding the IR
/// binds launches with these.
struct KernelParam {
  std::string name, type, meaning;
  std::optional<TensorMapLayout> tensorMap = std::nullopt;
  Value value = nullptr;
  SmallVector<int64_t, 3> dims = {};
  bool scratch = false;
  int64_t scratchWords = 0;
};

/// One grid dimension: ceil(count / perBlock), where count is the value of
/// the int parameter `countParam`, or `count` when that is empty.
struct GridDim {
  std::string countParam;
  int64_t count = 1, perBlock = 1;
};

/// The device sources of passes/cuda/device/ a unit may hold past the
/// primitives, in the order a unit prints them (each after what it uses).
enum class DeviceSource {
  Storage,
  FragmentSoftmax,
  Rope,
  Append,
  Schedule,
  Combine,
  Absorb,
  Linear,
  RmsNorm,
  DecodeMmaSync,
  DecodeWgmma,
  Prefill,
};

/// A field of a kernel's shape struct as the entry initializes it
/// (`.name = value`, in the struct's order).
struct ShapeField {
  std::string name, value;
};

struct KernelDescription {
  std::string name, op;
  /// The comment the printer writes above the kernel: the op's location,
  /// its tiling and the pipeline (set by generateCudaKernels).
  std::string origin;
  /// The kernel family that made it (KernelFamily::name()).
  std::string family;
  std::vector<KernelParam> params;
  std::vector<GridDim> grid; // x, y, z
  int64_t threadsPerBlock = 32;
  int64_t dynamicSharedBytes = 0;
  /// __launch_bounds__'s minimum CTAs per SM, or 0 for none.
  int64_t minBlocks = 0;

  /// The entry calls `templateName<kShape>(arguments...)` with kShape a
  /// `shapeType` made of `shape`. `arguments` are expressions over the
  /// parameters (empty: the parameters in order).
  std::string templateName, shapeType;
  std::vector<ShapeField> shape;
  std::vector<std::string> arguments;
  /// The device sources the template needs (the unit prints each once).
  std::vector<DeviceSource> sources;
  /// Needs the Hopper primitives (passes/cuda/device/HopperPrimitives.cuh).
  bool hopper = false;
  /// Per-module definitions the template reads, printed once per unit
  /// before the kernels: wgmma wrappers of the shapes it uses.
  std::vector<std::string> helpers;
  /// Data printed just before the entry (RoPE frequency tables).
  std::string prelude;
};

/// A parameter carrying `value` (for an int, the product of its dims
/// `dims`).
KernelParam boundParam(StringRef name, StringRef type, std::string meaning,
                       Value value, ArrayRef<int64_t> dims = {});

/// Sets what parameter `name` of `kernel` carries (see KernelParam).
void bindParam(KernelDescription &kernel, StringRef name, Value value,
               ArrayRef<int64_t> dims = {});

/// Shape field values as C++ literals.
std::string shapeValue(int64_t value);
std::string shapeValue(bool value);
/// A float with every digit that survives the f32 rounding (`1.5e-01f`).
std::string shapeFloat(double value);
/// A double with every digit a double keeps.
std::string shapeDouble(double value);
/// mlagen_bf16, mlagen_f16 or mlagen_f32 for `storage`.
std::string shapeStorage(Type storage);

/// The C type a buffer of `storage` is passed as (mlagen_u16 or float).
std::string elementName(Type storage);

/// `__constant__ double <name>[rope dim / 2] = {...};`: RoPE's inverse
/// frequencies with every digit a double keeps.
std::string ropeFrequencyTable(StringRef name, RopeAttr rope, int64_t ropeDim);

/// The specialization of mlagen_wgmma_ss (A in shared memory, B K-major) or
/// mlagen_wgmma_rs_tb (A in registers, B N-major) for N = `n` on bf16 or
/// f16 (HopperPrimitives.cuh declares them); see WgmmaWrapper.cpp.
std::string printWgmmaWrapper(int64_t n, bool aInRegisters, Type storage);

} // namespace mlir::mla

#endif // MLAGEN_PASSES_CUDA_KERNELDESCRIPTION_H
