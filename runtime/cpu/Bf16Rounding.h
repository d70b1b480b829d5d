//===- Bf16Rounding.h - bf16 rounding for JIT-compiled code -*- C++ -*-===//
//
// Where the CPU has no instruction that rounds f32 to bf16 (AVX512-BF16's),
// LLVM's code generator calls __truncsfbf2 for the conversions it makes
// itself (widening bf16 vector operations to f32 and back), even after the
// lowering's own conversions are integer operations. That function lives in
// compiler runtimes this process may not have (libgcc has it from GCC 13),
// so the JIT defines it here.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_CPU_BF16ROUNDING_H
#define MLAGEN_RUNTIME_CPU_BF16ROUNDING_H

#include <cstdint>

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace mlagen {

/// The bits of `value` rounded to bf16, to nearest even; a NaN stays a
/// (quiet) NaN of the same sign.
uint16_t bf16Bits(float value);

/// Defines __truncsfbf2 for the code `engine` compiles.
void defineBf16Rounding(mlir::ExecutionEngine &engine);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_CPU_BF16ROUNDING_H
