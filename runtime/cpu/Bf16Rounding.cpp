//===- Bf16Rounding.cpp - the bf16 rounding function JIT code may call ----===//

#include "Bf16Rounding.h"
#include "mlagen/StorageType.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"

#include <cmath>
#include <cstring>

using namespace mlagen;

uint16_t mlagen::bf16Bits(float value) {
  uint32_t bits;
  if (std::isnan(value)) {
    std::memcpy(&bits, &value, sizeof bits);
    return uint16_t((bits >> 16) | 0x0040u);
  }
  float rounded = roundTo(StorageType::BF16, value);
  std::memcpy(&bits, &rounded, sizeof bits);
  return uint16_t(bits >> 16);
}

/// The x86-64 ABI passes the float in xmm0 and returns the bf16 in the low
/// 16 bits of xmm0. GCC 12 has no __bf16 type to return, so this returns a
/// float whose low 16 bits are the result's (a bit pattern, never computed
/// with), which travels in xmm0 the same way.
static float truncsfbf2(float value) {
  uint32_t bits = bf16Bits(value);
  float carrier;
  std::memcpy(&carrier, &bits, sizeof carrier);
  return carrier;
}

void mlagen::defineBf16Rounding(mlir::ExecutionEngine &engine) {
#if defined(__x86_64__)
  engine.registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    symbols[interner("__truncsfbf2")] = {
        llvm::orc::ExecutorAddr::fromPtr(&truncsfbf2),
        llvm::JITSymbolFlags::Exported};
    return symbols;
  });
#else
  (void)engine; // other ABIs return bf16 otherwise: left to their runtime
#endif
}
