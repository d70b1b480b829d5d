//===- WgmmaWrapper.cpp - a wgmma specialization per shape ----------------===//
//
// wgmma.mma_async takes its accumulators as one register operand each (128
// for m64n256k16), and an asm statement's operand list cannot be a template
// pack, so the one device code a unit prints per shape is the
// specialization of mlagen_wgmma_ss / mlagen_wgmma_rs_tb
// (HopperPrimitives.cuh) for each N its kernels use: d (64 x N f32 per
// warpgroup) +=, or = when `accumulate` is 0, A (64 x 16) x B (16 x N). A
// comes from shared memory (a descriptor, B K-major) or registers (four b32
// of two 16-bit elements, B N-major).
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/KernelDescription.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::mla;

std::string mlir::mla::printWgmmaWrapper(int64_t n, bool aInRegisters,
                                         Type storage) {
  int64_t outputs = n / 2;
  std::string list, constraints;
  for (int64_t i = 0; i < outputs; ++i) {
    list += llvm::formatv("{0}%{1}", i ? ", " : "", i);
    constraints += llvm::formatv("{0}\"+f\"(d[{1}])", i ? ", " : "", i);
  }
  std::string aOperand =
      aInRegisters ? llvm::formatv("{{%{0}, %{1}, %{2}, %{3}}", outputs,
                                   outputs + 1, outputs + 2, outputs + 3)
                         .str()
                   : llvm::formatv("%{0}", outputs).str();
  int64_t bIndex = outputs + (aInRegisters ? 4 : 1);
  // scale-d is the predicate; then scale-a, scale-b, and the transposes
  // (A's only when A is in shared memory).
  std::string immediates = aInRegisters ? "1, 1, 1" : "1, 1, 0, 0";
  std::string inputs =
      aInRegisters
          ? "\"r\"(a[0]), \"r\"(a[1]), \"r\"(a[2]), \"r\"(a[3]), \"l\"(b), "
            "\"r\"(accumulate)"
          : "\"l\"(a), \"l\"(b), \"r\"(accumulate)";
  std::string type = storage.isBF16() ? "bf16" : "f16";
  return llvm::formatv(
      R"cuda(
// wgmma m64n{0}k16, {1}, for the warpgroup:
// d = (accumulate ? d : 0) + A B (64 x {0} f32, {2} per thread).
template <> struct {3}<{0}, {4}> {{
  static __device__ __forceinline__ void
  run(float (&d)[{2}], {5}, unsigned long long b, int accumulate) {{
    asm volatile("{{\n.reg .pred p;\nsetp.ne.b32 p, %{6}, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n{0}k16.f32.{7}.{7} "
                 "{{{8}}, {9}, %{10}, p, {11};\n}\n"
                 : {12}
                 : {13}
                 : "memory");
  }
};
)cuda",
      n,
      aInRegisters ? "A in registers, B N-major"
                   : "A in shared memory, B K-major",
      outputs, aInRegisters ? "mlagen_wgmma_rs_tb" : "mlagen_wgmma_ss",
      storage.isBF16() ? "mlagen_bf16" : "mlagen_f16",
      aInRegisters ? "const unsigned (&a)[4]" : "unsigned long long a",
      bIndex + 1, type, list, aOperand, bIndex, immediates, constraints,
      inputs);
}
