//===- EmulatedTensorMap.h - TMA descriptors, emulated ----------*- C++ -*-===//
//
// What an emulated kernel's TMA descriptor parameter holds (in place of the
// driver's opaque CUtensorMap, with the same 128 bytes): a 2-D tensor of
// `columns` x `rows` elements, rows `rowStrideBytes` apart, loaded in boxes
// of boxColumns x boxRows with the 128-byte swizzle, zero beyond the
// tensor. KernelEmulator.cpp fills it; EmulatedCuda.h's TMA load reads it.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TEST_EMULATION_EMULATEDTENSORMAP_H
#define MLAGEN_TEST_EMULATION_EMULATEDTENSORMAP_H

namespace mlagen_emu {

struct alignas(64) TensorMap {
  const unsigned char *base;
  long long columns, rows, rowStrideBytes;
  int elementBytes, boxColumns, boxRows;
  unsigned char padding[128 - 8 - 3 * 8 - 3 * 4];
};
static_assert(sizeof(TensorMap) == 128, "a CUtensorMap is 128 bytes");

} // namespace mlagen_emu

#endif // MLAGEN_TEST_EMULATION_EMULATEDTENSORMAP_H
