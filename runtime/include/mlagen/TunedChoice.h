//===- TunedChoice.h - a step's variant: tuned entry or heuristic -*- C++
//-*-===//
//
// How the JIT picks the CPU variant of a step: the tuning database's entry
// nearest the step's bucket (TuneDatabase::nearest) for this CPU and this
// build, else the heuristic (chooseCpuVariant). The choice says which, so
// that mla-run and the tuner can report it.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TUNEDCHOICE_H
#define MLAGEN_TUNEDCHOICE_H

#include "mlagen/CpuVariant.h"
#include "mlagen/Problem.h"
#include "mlagen/TuneDatabase.h"

namespace mlagen {

/// This machine's CPU.
DeviceKey thisCpu();

/// The tuned entry nearest `problem` on `cpu` if `db` has one that fits the
/// problem, else the heuristic for `cpu`'s cores; the source names the
/// entry's key or the heuristic's inputs (and why an entry did not fit).
CpuChoice chooseCpuStepVariant(const Problem &problem, const TuneDatabase &db,
                               const DeviceKey &cpu);

} // namespace mlagen

#endif // MLAGEN_TUNEDCHOICE_H
