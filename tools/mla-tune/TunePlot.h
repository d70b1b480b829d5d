//===- TunePlot.h - mla-tune --plot: every candidate's time, in SVG -*- C++
//-*-===//

#ifndef MLAGEN_TOOLS_MLA_TUNE_TUNEPLOT_H
#define MLAGEN_TOOLS_MLA_TUNE_TUNEPLOT_H

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlagen {

struct PlotCandidate {
  std::string variant;
  double seconds = 0;
  bool winner = false, isDefault = false;
};

struct PlotBucket {
  std::string name;
  std::vector<PlotCandidate> candidates; // those that ran
  double boundSeconds = 0; // the roofline's time, if known (else 0)
};

/// One column per bucket, a mark per candidate at its time (log scale);
/// the winner and the default marked apart, and the roofline's time as a
/// line where known.
llvm::Error writeTunePlot(const std::string &path,
                          const std::vector<PlotBucket> &buckets);

} // namespace mlagen

#endif // MLAGEN_TOOLS_MLA_TUNE_TUNEPLOT_H
