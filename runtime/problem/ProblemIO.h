//===- ProblemIO.h - a problem and its results on disk ----------*- C++ -*-===//
//
// A directory of .npy files plus manifest.json, documented in the README
// ("The --save format") so that another program can recompute the result:
// every float array as float32 holding exactly the values used (already
// rounded to the storage type), block table and lengths as int32.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_PROBLEM_PROBLEMIO_H
#define MLAGEN_RUNTIME_PROBLEM_PROBLEMIO_H

#include "mlagen/Problem.h"

namespace mlagen {

/// Writes the problem's inputs, `result`'s outputs and manifest.json into
/// `directory` (created if missing).
llvm::Error saveProblem(llvm::StringRef directory, const Problem &problem,
                        const StepResult &result);

/// Reads a problem saved by saveProblem (its outputs are ignored). Every
/// file's shape is checked against the manifest's config, the block table
/// against the cache, and values are rounded to the storage type.
llvm::Expected<Problem> loadProblem(llvm::StringRef directory);

} // namespace mlagen

#endif // MLAGEN_RUNTIME_PROBLEM_PROBLEMIO_H
