//===- DeviceSources.cpp - passes/cuda/device/ embedded in the binary -----===//
//
// The build embeds each device source as a string (DeviceSource.inc.in), so
// a unit needs no include path under NVRTC; the same files compile as host
// C++ against the emulation headers (test/emulation/KernelTemplates.cpp).
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/CudaTranslation.h"
#include "passes/cuda/KernelDescription.h"

using namespace mlir;
using namespace mlir::mla;

namespace {

constexpr llvm::StringLiteral kCommon =
#include "passes/cuda/device/Common.inc"
    ;
constexpr llvm::StringLiteral kPrimitives =
#include "passes/cuda/device/Primitives.inc"
    ;
constexpr llvm::StringLiteral kHopperPrimitives =
#include "passes/cuda/device/HopperPrimitives.inc"
    ;
constexpr llvm::StringLiteral kStorage =
#include "passes/cuda/device/Storage.inc"
    ;
constexpr llvm::StringLiteral kFragmentSoftmax =
#include "passes/cuda/device/FragmentSoftmax.inc"
    ;
constexpr llvm::StringLiteral kRope =
#include "passes/cuda/device/Rope.inc"
    ;
constexpr llvm::StringLiteral kAppend =
#include "passes/cuda/device/Append.inc"
    ;
constexpr llvm::StringLiteral kSchedule =
#include "passes/cuda/device/Schedule.inc"
    ;
constexpr llvm::StringLiteral kCombine =
#include "passes/cuda/device/Combine.inc"
    ;
constexpr llvm::StringLiteral kAbsorb =
#include "passes/cuda/device/Absorb.inc"
    ;
constexpr llvm::StringLiteral kLinear =
#include "passes/cuda/device/Linear.inc"
    ;
constexpr llvm::StringLiteral kRmsNorm =
#include "passes/cuda/device/RmsNorm.inc"
    ;
constexpr llvm::StringLiteral kDecodeMmaSync =
#include "passes/cuda/device/DecodeMmaSync.inc"
    ;
constexpr llvm::StringLiteral kDecodeWgmma =
#include "passes/cuda/device/DecodeWgmma.inc"
    ;
constexpr llvm::StringLiteral kPrefill =
#include "passes/cuda/device/Prefill.inc"
    ;

} // namespace

StringRef mlir::mla::cudaCommon() { return kCommon; }
StringRef mlir::mla::cudaPrimitives() { return kPrimitives; }
StringRef mlir::mla::cudaHopperPrimitives() { return kHopperPrimitives; }

StringRef mlir::mla::cudaDeviceSource(DeviceSource source) {
  switch (source) {
  case DeviceSource::Storage:
    return kStorage;
  case DeviceSource::FragmentSoftmax:
    return kFragmentSoftmax;
  case DeviceSource::Rope:
    return kRope;
  case DeviceSource::Append:
    return kAppend;
  case DeviceSource::Schedule:
    return kSchedule;
  case DeviceSource::Combine:
    return kCombine;
  case DeviceSource::Absorb:
    return kAbsorb;
  case DeviceSource::Linear:
    return kLinear;
  case DeviceSource::RmsNorm:
    return kRmsNorm;
  case DeviceSource::DecodeMmaSync:
    return kDecodeMmaSync;
  case DeviceSource::DecodeWgmma:
    return kDecodeWgmma;
  case DeviceSource::Prefill:
    return kPrefill;
  }
  llvm_unreachable("every device source is listed");
}
