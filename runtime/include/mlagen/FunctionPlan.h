//===- FunctionPlan.h - binding a function's kernels to buffers -*- C++ -*-===//
//
// How to run the kernels generated for one function: the device buffers it
// needs (its arguments, the tensors its kernels produce, the values index
// arithmetic computes, f32 scratch two kernels of one op pass a value
// through), and for each kernel in launch order the buffer each
// pointer parameter takes and the value of each int parameter. Made from
// the IR the kernels were printed from (static shapes), so a runtime holding
// it launches any function the printer takes.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_FUNCTIONPLAN_H
#define MLAGEN_FUNCTIONPLAN_H

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlagen {

/// A buffer to allocate: an argument (uploaded), one a non-kernel op
/// computes (filled by the runner), or one kernels write first (a result
/// or scratch: argument -1, computedBy empty).
struct PlannedBuffer {
  std::string name; // for messages: "argument 2", "c_kv of mla.compress_kv"
  int64_t bytes = 0;
  int argument = -1;      // the function argument it holds, or -1
  std::string computedBy; // a non-kernel op making it (the runner fills it)
};

struct PlannedParam {
  std::string name;
  int buffer = -1;   // pointer and TMA descriptor parameters
  int64_t count = 0; // int parameters
};

struct PlannedLaunch {
  size_t kernel = 0; // index in the unit's kernels
  std::vector<PlannedParam> params;
};

struct FunctionPlan {
  std::vector<PlannedBuffer> buffers;
  std::vector<PlannedLaunch> launches;
  std::vector<int> results; // the buffer of each function result
};

} // namespace mlagen

#endif // MLAGEN_FUNCTIONPLAN_H
