//===- Problem.h - the inputs of one MLA decode call ------------*- C++ -*-===//
//
// What mla-run (and tests) run: a layer config, a batch of sequences in a
// paged cache, and either the queries of a latent attention (attention mode)
// or the hidden states and weights of a whole layer (layer mode). Values are
// floats already rounded to the storage type, so every back end and the
// reference see exactly the same numbers.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PROBLEM_H
#define MLAGEN_PROBLEM_H

#include "mlagen/LayerConfig.h"
#include "mlagen/Reference.h"
#include "mlagen/StorageType.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

namespace mlagen {

enum class RunMode { Attention, Layer };

/// The sizes of a problem, before any value is made.
struct ProblemShape {
  RunMode mode = RunMode::Attention;
  int64_t queryTokens = 1; // S new tokens per sequence
  int64_t pageSize = 64;
  int64_t numPages = 0;         // 0: exactly what the sequences need
  std::vector<int32_t> seqLens; // cached tokens per sequence before the step
  StorageType storage = StorageType::BF16;

  int64_t batch() const { return seqLens.size(); }
};

struct Problem {
  LayerConfig config;
  ProblemShape shape;
  reference::PagedCache cache;
  reference::SequenceTable table;
  // Attention mode: qLatent [B, S, H, kv_lora_rank], qRope [B, S, H, d_r],
  // attending over seqLens[b] keys (the queries are the last S of them).
  std::vector<float> qLatent, qRope;
  // Layer mode: hidden [B, S, d_model] and the layer's weights; the step
  // appends S tokens after seqLens[b].
  std::vector<float> hidden;
  reference::LayerWeights weights;

  /// Keys attended per sequence: seqLens[b] (attention) or + S (layer).
  int64_t keysAttended(int64_t b) const;
};

/// What a step produced, widened to float: out [B, S, H, kv_lora_rank] and
/// lse [B, S, H] (attention), or out [B, S, d_model] and the cache after
/// the append (layer).
struct StepResult {
  std::vector<float> out, lse, cache;
};

/// `result` against the reference (double accumulation): out and LSE
/// (attention), or out and the cache after the append (layer), each
/// within its tolerance (Metrics.h). Prints each comparison to `log`.
llvm::Expected<bool> verifyStep(const Problem &p, const StepResult &result,
                                llvm::raw_ostream &log);

/// Pages the problem's cache has: what the sequences need (with the tokens
/// a layer step appends), at least shape.numPages and at least one.
int64_t cachePages(const ProblemShape &shape);
/// Block-table entries per sequence: the most pages one sequence needs.
int64_t tableWidth(const ProblemShape &shape);

/// Checks that `shape` fits `config`: sizes in range, lengths >= 0 (an
/// empty sequence is allowed), enough pages for every sequence.
llvm::Error validateShape(const LayerConfig &config, const ProblemShape &shape);

/// A problem with deterministic random values from `seed`: a random page
/// permutation per sequence, unused cache rows NaN, unused block-table
/// entries a huge index, so that reading either shows in the results.
llvm::Expected<Problem> makeRandomProblem(const LayerConfig &config,
                                          const ProblemShape &shape,
                                          uint64_t seed);

/// A problem with its sizes and no values: the cache's and the block
/// table's dimensions, the lengths, empty arrays. What code generation
/// needs (mla-run --compile-only), without the weights it would not use.
llvm::Expected<Problem> makeProblemSizes(const LayerConfig &config,
                                         const ProblemShape &shape);
/// Lengths drawn uniformly from [minLength, maxLength] for `batch`
/// sequences.
std::vector<int32_t> randomLengths(int64_t batch, int32_t minLength,
                                   int32_t maxLength, uint64_t seed);

} // namespace mlagen

#endif // MLAGEN_PROBLEM_H
