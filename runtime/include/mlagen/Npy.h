//===- Npy.h - NumPy .npy arrays --------------------------------*- C++ -*-===//
//
// Reads and writes the float32 and int32 arrays the runtime exchanges with
// Python. Shapes are row-major (C order); a 0-D shape () holds one value.
// Every error message starts with the file's path followed by ": ".
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_NPY_H
#define MLAGEN_NPY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace mlagen::npy {

/// Writes a little-endian float32 / int32 array in .npy format (version 1.0,
/// or 2.0 when the header needs more than 65535 bytes; C order) with the
/// header bytes np.save writes. Fails if a dimension is negative or
/// `values.size()` is not the shape's element count.
llvm::Error writeF32(llvm::StringRef path, llvm::ArrayRef<int64_t> shape,
                     llvm::ArrayRef<float> values);
llvm::Error writeI32(llvm::StringRef path, llvm::ArrayRef<int64_t> shape,
                     llvm::ArrayRef<int32_t> values);

/// Reads a float32 ('<f4') / int32 ('<i4') C-order array of format version
/// 1.0, 2.0 or 3.0 whose shape must equal `expectedShape`. Fails on any
/// other dtype, a malformed or truncated file, or trailing bytes.
llvm::Expected<std::vector<float>>
readF32(llvm::StringRef path, llvm::ArrayRef<int64_t> expectedShape);
llvm::Expected<std::vector<int32_t>>
readI32(llvm::StringRef path, llvm::ArrayRef<int64_t> expectedShape);

} // namespace mlagen::npy

#endif // MLAGEN_NPY_H
