//===- LaunchDescription.h - how to launch generated kernels ----*- C++ -*-===//
//
// The CUDA printer ends each translation unit with a JSON launch
// description (format mlagen-launch-1) in a closing /* mlagen-launch ... */
// comment: per kernel its name, op, parameters in order (name, C type,
// meaning; a TMA descriptor's layout), grid, block and dynamic shared
// memory. The runtime launches from it, so a unit can be compiled, cached
// and launched without the IR it came from.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_LAUNCHDESCRIPTION_H
#define MLAGEN_LAUNCHDESCRIPTION_H

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace mlagen {

/// A 2-D TMA descriptor parameter: `columns` elements per row, `rows` (a
/// meaning such as "pages x 64"), rows `rowStrideBytes` apart, boxes of
/// box[0] columns x box[1] rows, 128-byte swizzle, zero fill.
struct TensorMapDescription {
  std::string tensor, element, rows;
  int64_t columns = 0, rowStrideBytes = 0;
  std::array<int64_t, 2> box = {0, 0};

  bool operator==(const TensorMapDescription &other) const {
    return tensor == other.tensor && element == other.element &&
           rows == other.rows && columns == other.columns &&
           rowStrideBytes == other.rowStrideBytes && box == other.box;
  }
};

struct LaunchParam {
  std::string name, type, meaning;
  std::optional<TensorMapDescription> tensorMap;

  bool isPointer() const { return !type.empty() && type.back() == '*'; }
  bool isInt() const { return type == "int"; }
};

/// ceil(count / perBlock), where count is the int parameter `countParam`
/// or, when that is empty, `count`.
struct LaunchDim {
  std::string countParam;
  int64_t count = 1, perBlock = 1;
};

struct KernelLaunch {
  std::string name, op;
  std::vector<LaunchParam> params;
  std::array<LaunchDim, 3> grid;
  int64_t block = 0, dynamicSharedBytes = 0;
};

/// The kernels of a generated translation unit, from its closing launch
/// description; a missing, malformed or foreign description is an error
/// naming the JSON path at fault.
llvm::Expected<std::vector<KernelLaunch>>
parseLaunchDescription(llvm::StringRef source);

} // namespace mlagen

#endif // MLAGEN_LAUNCHDESCRIPTION_H
