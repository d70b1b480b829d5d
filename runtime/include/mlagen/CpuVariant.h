//===- CpuVariant.h - the CPU back end's code and schedule choices -*- C++
//-*-===//
//
// What the CPU back end may vary without changing a result: how many KV
// splits mla-split-kv makes (merged exactly by the combine), how the work is
// spread over threads (batch chunks, one kernel call each, and the OpenMP
// threads that share each call's parallel loops), and mla-cpu-vectorize's
// register-block shape. The autotuner searches these; chooseCpuVariant is
// the heuristic used where nothing is tuned or set.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_CPUVARIANT_H
#define MLAGEN_CPUVARIANT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <string>

namespace mlagen {

struct Problem;

struct CpuVariant {
  /// KV splits of the latent attention (1: none).
  int64_t splits = 1;
  /// Kernel calls the batch is cut into, each on its own thread (a divisor
  /// of the batch).
  int64_t chunks = 1;
  /// OpenMP threads of each call's parallel loops (per-sequence and
  /// per-split iterations, shared in equal blocks); 0: the OpenMP runtime's
  /// default (every core, unless OMP_NUM_THREADS says otherwise).
  int64_t threads = 0;
  /// mla-cpu-vectorize's register block: vector registers of accumulators,
  /// and the most of them along the innermost loop (powers of two).
  int64_t accumulatorRegisters = 16;
  int64_t innerRegisters = 4;
  /// 1: latent attention's matrix products on AMX tiles (bf16 storage,
  /// pages a multiple of 16 keys; elsewhere they stay on vector FMAs); 0:
  /// vector FMAs only. 1 needs a CPU with AMX-BF16 that the OS lets use it.
  int64_t amx = 0;
  /// 1: latent attention's products that are not on tiles as AVX512-BF16
  /// dot products over bf16 pairs (bf16 storage, widths multiples of 32,
  /// even pages: passes/PairDots.h; elsewhere f32 FMAs); 0: f32 FMAs. 1
  /// needs a CPU with AVX512-BF16.
  int64_t dot = 0;

  /// "splits=2,chunks=1,threads=2,acc=16,inner=4,amx=0,dot=1": what mla-run
  /// prints and the tuning database stores.
  std::string str() const;
  /// The inverse of str(): `base` with the fields `text` names (in any
  /// order) set. Errors name the field.
  static llvm::Expected<CpuVariant> parse(llvm::StringRef text,
                                          const CpuVariant &base);
  /// Whether the values are in range for `problem` (chunks divide the
  /// batch, powers of two in range, 1 to 1024 splits, 0 to 1024 threads); an
  /// error naming the first that is not.
  llvm::Error check(const Problem &problem) const;

  bool operator==(const CpuVariant &other) const {
    return str() == other.str();
  }
};

/// A variant and how it was chosen ("heuristic (...)", a tuning entry's
/// key, flags).
struct CpuChoice {
  CpuVariant variant;
  std::string source;
};

/// The cores of this machine (at least 1), as the OpenMP runtime counts
/// them.
int64_t cpuCores();

/// Whether this CPU has AMX-BF16 tiles and the OS lets this process use
/// them (on Linux the first call asks for the tile state with arch_prctl).
bool hostHasAmxTiles();

/// Whether this CPU has AVX-512 (32 vector registers of 16 f32 lanes).
bool hostHasAvx512();

/// Whether this CPU has AVX512-BF16: it rounds f32 to bf16 in one
/// instruction (elsewhere the JIT rounds with integer operations) and
/// multiplies bf16 pairs into f32 (vdpbf16ps, the variant's `dot`).
bool hostHasAvx512Bf16();

/// Whether the attention of `problem` has page steps AMX tiles can take
/// (bf16 storage, whole tile rows and columns: passes/AmxTiles.h).
bool amxTilesFit(const Problem &problem);
/// Whether they can run on bf16 pair dots (passes/PairDots.h).
bool pairDotsFit(const Problem &problem);

/// The heuristic: with C cores, B sequences and the longest attended length
/// L (cached keys, plus the step's new ones in a layer step), the step runs
/// as one call on C threads (a layer's projections share out their weight
/// rows, so each weight is read once). The attention is split into the
/// fewest splits that give every thread one (split, sequence) item, at most
/// one split per 256 keys of L and at most 64. The register block is 16
/// accumulators (of 16 f32 lanes), 4 along the innermost loop, with
/// AVX-512; without it (AVX2: 16 registers of 8 lanes) 4 accumulators, 1
/// along the innermost loop. AMX tiles are used where the host has them and
/// the problem fits them; else bf16 dot products where the host has
/// AVX512-BF16 and the problem fits them.
CpuVariant chooseCpuVariant(const Problem &problem, int64_t cores);

/// The inputs chooseCpuVariant used, as text (for --stats).
std::string describeCpuHeuristic(const Problem &problem, int64_t cores);

} // namespace mlagen

#endif // MLAGEN_CPUVARIANT_H
