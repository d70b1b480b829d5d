//===- PtxasReport.h - a kernel's resources from the ptxas log --*- C++ -*-===//
//
// NVRTC run with `-Xptxas -v` logs, for each entry function, the registers,
// shared and constant memory, stack frame and spill bytes ptxas gave it.
// parsePtxasReport turns that log into one record per kernel.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PTXASREPORT_H
#define MLAGEN_PTXASREPORT_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlagen {

struct ResourceRecord {
  std::string kernel, arch;
  int64_t registers = 0, barriers = 0;
  int64_t sharedBytes = 0;   // static shared memory
  int64_t constantBytes = 0; // cmem[0], the kernel's parameters and constants
  int64_t stackBytes = 0;
  int64_t spillStoreBytes = 0, spillLoadBytes = 0;
};

/// One record per "Compiling entry function" in `log`, in order.
std::vector<ResourceRecord> parsePtxasReport(llvm::StringRef log);

} // namespace mlagen

#endif // MLAGEN_PTXASREPORT_H
