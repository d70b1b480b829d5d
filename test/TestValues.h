//===- TestValues.h - test values exact in 16 bits --------------*- C++ -*-===//
//
// Inputs for tests that compare a kernel with the reference: multiples of
// 1/64 in [-1, 1], exact in bf16 and f16, so that storing them rounds
// nothing; `seed` picks the sequence.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TEST_TESTVALUES_H
#define MLAGEN_TEST_TESTVALUES_H

#include <vector>

namespace mlagen::test {

inline std::vector<float> exactValues(size_t count, int seed) {
  std::vector<float> result(count);
  for (size_t i = 0; i < count; ++i)
    result[i] = float(int((i * 2654435761u + seed * 97) % 129) - 64) / 64.0f;
  return result;
}

} // namespace mlagen::test

#endif // MLAGEN_TEST_TESTVALUES_H
