//===- WgmmaWrapper.cpp - a device function per wgmma shape ---------------===//
//
// wgmma.mma_async takes its accumulators as one register operand each (128
// for m64n256k16), so the wrapper a kernel calls is printed for the shape
// it uses rather than kept in the primitives header: d (64 x n f32 per
// warpgroup) +=, or = when `accumulate` is 0, A (64 x 16) x B (16 x n). A
// comes from shared memory (a descriptor) or registers (four b32 of two
// 16-bit elements); B from shared memory, K-major or (transposed) N-major.
//
//===----------------------------------------------------------------------===//

#include "passes/cuda/KernelSource.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::mla;

std::string mlir::mla::printWgmmaWrapper(StringRef name, int64_t n,
                                         bool aInRegisters, bool transposeB,
                                         StringRef type) {
  int64_t outputs = n / 2;
  std::string list;
  for (int64_t i = 0; i < outputs; ++i)
    list += llvm::formatv("{0}%{1}", i ? ", " : "", i);
  std::string constraints;
  for (int64_t i = 0; i < outputs; ++i)
    constraints += llvm::formatv("{0}\"+f\"(d[{1}])", i ? ", " : "", i);
  std::string aOperand =
      aInRegisters ? llvm::formatv("{{%{0}, %{1}, %{2}, %{3}}", outputs,
                                   outputs + 1, outputs + 2, outputs + 3)
                         .str()
                   : llvm::formatv("%{0}", outputs).str();
  int64_t bIndex = outputs + (aInRegisters ? 4 : 1);
  std::string immediates = aInRegisters
                               ? llvm::formatv("1, 1, {0}", int(transposeB))
                               : llvm::formatv("1, 1, 0, {0}", int(transposeB));
  std::string inputs =
      aInRegisters
          ? "\"r\"(a[0]), \"r\"(a[1]), \"r\"(a[2]), \"r\"(a[3]), \"l\"(b), "
            "\"r\"(accumulate)"
          : "\"l\"(a), \"l\"(b), \"r\"(accumulate)";
  return llvm::formatv(
      R"cuda(
// wgmma m64n{1}k16, {2}, {3}: d = {4}A B for the
// warpgroup (64 x {1} f32, {5} per thread).
__device__ __forceinline__ void {0}(float (&d)[{5}], {6},
    unsigned long long b, int accumulate) {{
  asm volatile("{{\n.reg .pred p;\nsetp.ne.b32 p, %{7}, 0;\n"
               "wgmma.mma_async.sync.aligned.m64n{1}k16.f32.{8}.{8} "
               "{{{9}}, {10}, %{11}, p, {12};\n}\n"
               : {13}
               : {14}
               : "memory");
}
)cuda",
      name, n, aInRegisters ? "A in registers" : "A in shared memory",
      transposeB ? "B N-major" : "B K-major", "(accumulate ? d : 0) + ",
      outputs, aInRegisters ? "const unsigned (&a)[4]" : "unsigned long long a",
      bIndex + 1, type, list, aOperand, bIndex, immediates, constraints,
      inputs);
}
