//===- OpenMpRuntime.h - the few OpenMP runtime calls the CPU path uses -*- C++
//-*-===//
//
// Generated CPU code runs its parallel loops on LLVM's OpenMP runtime
// (libomp), which the runtime library links; its omp.h belongs to clang and
// is not meant for GCC, so the two C entry points used here are declared.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_RUNTIME_CPU_OPENMPRUNTIME_H
#define MLAGEN_RUNTIME_CPU_OPENMPRUNTIME_H

extern "C" {
int omp_get_num_procs(void);
}

namespace mlagen::openmp {
/// Processors available to this process.
inline int processors() { return omp_get_num_procs(); }
} // namespace mlagen::openmp

#endif // MLAGEN_RUNTIME_CPU_OPENMPRUNTIME_H
