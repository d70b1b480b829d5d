//===- RegularFile.h - read a file only if it is one, bounded ---*- C++ -*-===//
//
// Every file the runtime reads (tuning files, kernel-cache entries, .npy
// arrays, manifests) comes through here: opened without blocking, so a
// FIFO or a device is refused at once rather than waited on; only a regular
// file (or a link to one) is read, and only up to a size the caller bounds.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_PROBLEM_REGULARFILE_H
#define MLAGEN_RUNTIME_PROBLEM_REGULARFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlagen {

/// The whole of `path`, or an error naming it: not a regular file, larger
/// than `maxBytes`, or unreadable. An empty optional (no error) when it
/// does not exist.
llvm::Expected<std::optional<std::string>> readRegularFile(llvm::StringRef path,
                                                           int64_t maxBytes);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_PROBLEM_REGULARFILE_H
