//===- EmulatedTensorCores.h - mma, ldmatrix and wgmma, emulated *- C++ -*-===//
//
// The tensor-core instructions of emulated kernels (EmulatedCuda.h), from
// the PTX ISA's definitions: mma.m16n8k16 (row.col, f32 accumulators) and
// ldmatrix.m8n8 (.x2, .x4, .trans) with their fragment layouts; wgmma
// m64nNk16 with A from a shared-memory descriptor or registers and B
// K-major or N-major (128-byte swizzle applied to the computed byte
// address, as the hardware does). A wgmma's accumulators read NaN from its
// issue until the wgmma.wait_group that retires it, and every thread of
// the warpgroup must issue it with the same descriptors. Plus the
// round-to-nearest-even conversions. What this cannot show: that the
// hardware reads a descriptor's byte offsets as this file does.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TEST_EMULATION_EMULATEDTENSORCORES_H
#define MLAGEN_TEST_EMULATION_EMULATEDTENSORCORES_H

#include "EmulatedAsync.h"

#include <cmath>
#include <optional>

namespace mlagen_emu {

// ---- 16-bit floats ---------------------------------------------------------

inline unsigned floatBits(float x) {
  unsigned u;
  std::memcpy(&u, &x, 4);
  return u;
}

inline float bitsFloat(unsigned u) {
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

inline unsigned short toBf16(float x) {
  unsigned u = floatBits(x);
  if ((u & 0x7fffffffu) > 0x7f800000u) // NaN: keep it a quiet NaN
    return (unsigned short)((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1); // round to nearest even
  return (unsigned short)(u >> 16);
}

inline unsigned short toF16(float x) {
  _Float16 h = (_Float16)x;
  unsigned short bits;
  std::memcpy(&bits, &h, 2);
  return bits;
}

inline float fromF16(unsigned short bits) {
  _Float16 h;
  std::memcpy(&h, &bits, 2);
  return (float)h;
}

inline float fromBf16(unsigned short bits) {
  return bitsFloat(unsigned(bits) << 16);
}

/// The 16-bit element `index` (0 low, 1 high) of a 32-bit register.
inline unsigned short half(unsigned reg, int index) {
  return (unsigned short)(index ? reg >> 16 : reg & 0xffffu);
}

/// Element (row, k) of a 16 x 16 A tile from the fragments of a warp's
/// lanes, in mma.m16n8k16's layout (group = lane / 4, t = lane % 4):
/// a[0..3] hold A(group, 2t..), A(group + 8, 2t..), A(group, 2t + 8..),
/// A(group + 8, 2t + 8..). wgmma's register A uses it per warp.
template <class Of, class ToFloat>
float fragmentA(Of &of, int row, int k, ToFloat toFloat) {
  int group = row % 8, t = (k % 8) / 2;
  int reg = (row >= 8 ? 1 : 0) + (k >= 8 ? 2 : 0);
  return toFloat(half(of(group * 4 + t).a[reg], k % 2));
}

// ---- mma_sync and ldmatrix -------------------------------------------------

/// d += a * b for m16n8k16: b[0..1] hold B(2t.., group), B(2t + 8.., group);
/// d[0..3] hold D(group, 2t), D(group, 2t + 1), D(group + 8, 2t),
/// D(group + 8, 2t + 1).
template <class ToFloat>
void mma(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2],
         ToFloat toFloat) {
  struct Fragments {
    unsigned a[4], b[2];
  } mine = {{a[0], a[1], a[2], a[3]}, {b[0], b[1]}};
  groupExchange(kMma, false, mine, [&](auto of) {
    auto B = [&](int k, int n) {
      int t = (k % 8) / 2;
      return toFloat(half(of(n * 4 + t).b[k >= 8 ? 1 : 0], k % 2));
    };
    int group = lane() / 4, t = lane() % 4;
    for (int i = 0; i < 4; ++i) {
      int row = group + (i >= 2 ? 8 : 0), col = 2 * t + i % 2;
      float sum = d[i];
      for (int k = 0; k < 16; ++k)
        sum += fragmentA(of, row, k, toFloat) * B(k, col);
      d[i] = sum;
    }
    return 0;
  });
}

/// ldmatrix.m8n8 of `Count` matrices: lanes 8i..8i+7 give the row
/// addresses of matrix i (16-byte aligned, in shared memory); lane l
/// receives row l / 4, columns 2 (l % 4) and 2 (l % 4) + 1 of each (with
/// `transposed`, column l / 4, rows 2 (l % 4) and 2 (l % 4) + 1).
template <int Count>
void ldmatrix(unsigned (&r)[Count], const void *row, bool transposed) {
  if (lane() < 8 * Count) {
    checkAligned(row, 16, "an ldmatrix row not 16-byte aligned");
    checkShared(row, 16);
  }
  groupExchange(kLdmatrix, false, row, [&](auto of) {
    int l = lane();
    for (int i = 0; i < Count; ++i) {
      unsigned short e[2];
      for (int j = 0; j < 2; ++j) {
        int matrixRow = transposed ? 2 * (l % 4) + j : l / 4;
        int column = transposed ? l / 4 : 2 * (l % 4) + j;
        e[j] =
            static_cast<const unsigned short *>(of(8 * i + matrixRow))[column];
      }
      r[i] = unsigned(e[0]) | (unsigned(e[1]) << 16);
    }
    return 0;
  });
}

// ---- wgmma -----------------------------------------------------------------

/// A wgmma shared-memory operand with the 128-byte swizzle: element
/// (outer, k) of a K-major matrix (outer: M of A, N of B; 8-row groups SBO
/// apart), or (k, n) of an N-major one (64-column atoms LBO apart, 8-row
/// groups of k SBO apart).
struct Descriptor {
  unsigned start, leading, stride;
  explicit Descriptor(unsigned long long d)
      : start(unsigned(d & 0x3fff) << 4),
        leading(unsigned((d >> 16) & 0x3fff) << 4),
        stride(unsigned((d >> 32) & 0x3fff) << 4) {
    if ((d >> 62) != 1 || ((d >> 49) & 7) != 0)
      fail("a wgmma descriptor other than 128-byte swizzle, base offset 0");
    if ((start >> 7) & 7)
      fail("a swizzled wgmma operand starting mid-atom needs a base offset");
  }
  unsigned short at(unsigned offset) const {
    unsigned short value;
    std::memcpy(&value, sharedAt(swizzled(offset), 2), 2);
    return value;
  }
  unsigned short kMajor(int outer, int k) const {
    return at(start + (outer / 8) * stride + (outer % 8) * 128 + k * 2);
  }
  unsigned short nMajor(int k, int n) const {
    return at(start + (n / 64) * leading + (k / 8) * stride + (k % 8) * 128 +
              (n % 64) * 2);
  }
};

/// wgmma.mma_async m64nNk16 into this thread's accumulators `d`: its warp
/// (of four in the warpgroup) owns rows 16 (warp % 4) .. + 15, laid out as
/// mma.m16n8k16's D per 8 columns: d[4j + 2h + e] is row lane / 4 + 8h,
/// column 8j + 2 (lane % 4) + e. A comes from `a` (a descriptor, K-major)
/// or, when `registers`, from the warp's A fragments; B from `b`, K-major
/// or (`transposedB`) N-major. `d` reads NaN until the result is retired.
template <int N, class ToFloat>
void wgmma(float (&d)[N / 2], const unsigned *registers, unsigned long long a,
           unsigned long long b, bool transposedB, int accumulate,
           ToFloat toFloat) {
  struct Issue {
    unsigned long long a, b;
    int n, transposedB, accumulate, registers;
    bool operator!=(const Issue &o) const {
      return a != o.a || b != o.b || n != o.n || transposedB != o.transposedB ||
             accumulate != o.accumulate || registers != o.registers;
    }
  } issue = {registers ? 0 : a,   b, N, transposedB, accumulate != 0,
             registers != nullptr};
  groupExchange(kWgmma, true, issue, [&](auto of) {
    for (int i = 0; i < 128; ++i)
      if (of(i) != of(0))
        fail("threads of a warpgroup issue one wgmma with different "
             "operands");
    return 0;
  });
  Fiber &f = self();
  auto pending = f.wgmmaResults.find(d);
  std::vector<float> in = pending != f.wgmmaResults.end()
                              ? pending->second
                              : std::vector<float>(d, d + N / 2);
  std::vector<float> out(N / 2);
  struct Fragments {
    unsigned a[4];
  } mine = {};
  if (registers)
    std::memcpy(mine.a, registers, sizeof mine.a);
  std::optional<Descriptor> aDesc; // A in shared memory
  if (!registers)
    aDesc.emplace(a);
  Descriptor bDesc(b);
  groupExchange(kWgmma, false, mine, [&](auto of) {
    int rowBase = 16 * (warp() % 4), l = lane();
    auto A = [&](int localRow, int k) {
      return registers ? fragmentA(of, localRow, k, toFloat)
                       : toFloat(aDesc->kMajor(rowBase + localRow, k));
    };
    auto B = [&](int k, int n) {
      return toFloat(transposedB ? bDesc.nMajor(k, n) : bDesc.kMajor(n, k));
    };
    for (int j = 0; j < N / 8; ++j)
      for (int h = 0; h < 2; ++h)
        for (int e = 0; e < 2; ++e) {
          int localRow = l / 4 + 8 * h, column = 8 * j + 2 * (l % 4) + e;
          int i = 4 * j + 2 * h + e;
          float sum = accumulate ? in[i] : 0.0f;
          for (int k = 0; k < 16; ++k)
            sum += A(localRow, k) * B(k, column);
          out[i] = sum;
        }
    return 0;
  });
  f.wgmmaResults[d] = std::move(out);
  for (float &x : d)
    x = NAN;
  f.openWgmma.push_back({d, N / 2});
}

inline void wgmmaCommit() {
  Fiber &f = self();
  f.wgmmaGroups.push_back(std::move(f.openWgmma));
  f.openWgmma.clear();
}

/// Retires all committed groups but the newest `pending`: their
/// accumulators get their results (unless a newer wgmma still owns them).
inline void wgmmaWait(int pending) {
  Fiber &f = self();
  while (int(f.wgmmaGroups.size()) > pending) {
    std::vector<PendingWgmma> retired = std::move(f.wgmmaGroups.front());
    f.wgmmaGroups.erase(f.wgmmaGroups.begin());
    for (const PendingWgmma &w : retired) {
      bool newer = false;
      for (const auto &group : f.wgmmaGroups)
        for (const PendingWgmma &other : group)
          newer |= other.d == w.d;
      for (const PendingWgmma &other : f.openWgmma)
        newer |= other.d == w.d;
      auto result = f.wgmmaResults.find(w.d);
      if (newer || result == f.wgmmaResults.end())
        continue;
      std::memcpy(w.d, result->second.data(), sizeof(float) * w.count);
      f.wgmmaResults.erase(result);
    }
  }
}

} // namespace mlagen_emu

#endif // MLAGEN_TEST_EMULATION_EMULATEDTENSORCORES_H
