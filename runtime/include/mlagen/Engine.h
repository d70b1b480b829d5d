//===- Engine.h - MLA decode on a GPU: the host C++ API ---------*- C++ -*-===//
//
// What a serving engine calls. An Engine holds the kernels generated and
// compiled (or fetched from the kernel cache) for one model config, storage
// type, page size and decode shape on one GPU; a GpuPagedCache is
// a paged latent cache in device memory with its PageTable. Per step:
//
//   cache->table().extend(slot, S) for each sequence (pages handed out),
//   cache->upload(S)                (tables to the device; blocking copy),
//   engine->append(*cache, newTokens, stream)   (fused RoPE + append),
//   engine->decode(*cache, buffers, stream)     (attention, output + LSE).
//
// and for a prompt, engine->prefill(buffers, stream) (MHA form, causal).
//
// append and decode only launch kernels on the user's stream with the
// user's device buffers: no host synchronisation, no allocation, so a step
// can be captured in a CUDA graph and replayed after upload() wrote new
// lengths (the graph keeps the engine's kernels and the cache's memory:
// destroy it first). A decode cuts the batch's KV work by tokens over the
// GPU's multiprocessors from the lengths on the device (a long sequence is
// split, short ones are not; DecodeCut) and keeps the schedule and the
// pieces' partial results in the engine's workspace, so decodes of one
// engine on different streams must not overlap unless each passes its own
// (DecodeBuffers::workspace, workspaceBytes()). An engine is not for
// several host threads at once (its workspace and the TMA descriptor of the
// last caller's cache are its own): use one engine per thread. Arguments are
// checked before anything is launched (each DeviceTensor's address, element
// type and shape among them); an error names the bad one.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_ENGINE_H
#define MLAGEN_ENGINE_H

#include "mlagen/Gpu.h"
#include "mlagen/LayerConfig.h"
#include "mlagen/PageTable.h"
#include "mlagen/StorageType.h"

#include "llvm/ADT/SmallVector.h"

#include <memory>

namespace mlagen {

/// A CUstream (cudaStream_t is the same handle); nullptr: the default one.
using GpuStream = void *;
/// A device address (CUdeviceptr).
using DevicePtr = uint64_t;

struct EngineOptions {
  LayerConfig config;
  /// The GPU (CUDA ordinal) the kernels and caches live on; streams passed
  /// to the calls must be of that GPU (its primary context, the one the
  /// CUDA runtime uses).
  int device = 0;
  StorageType storage = StorageType::BF16; // bf16 or f16
  int64_t pageSize = 64;
  int64_t queryTokens = 1; // S: new tokens per sequence and step, 1 to 8
  int64_t maxBatch = 1;    // sequences per call, at most
  /// 0: the balanced schedule (each step's KV work cut by tokens over the
  /// GPU's multiprocessors, on the device, from the lengths); N >= 1:
  /// every sequence cut into N even pieces (1: whole), for comparison.
  int64_t splits = 0;
  /// The cached length per sequence the kernels are tuned for: the tuning
  /// database's entry nearest (maxBatch, this, queryTokens) gives their
  /// tilings (README, "The tuning database"). The kernels take any length.
  int64_t typicalLength = 4096;
  /// A kernel bundle directory (mla-bundle, mlagen/Bundle.h) to load the
  /// kernels from instead of generating and compiling them: no compiler
  /// runs. Refused, by name, when it is for another engine, architecture or
  /// mlagen version, or a file is not intact.
  std::string bundle;
};

/// How an engine's decode cuts a batch's KV work: the balanced schedule's
/// `parts` per block of query rows when balanced(), else every sequence
/// in `splits` pieces.
struct DecodeCut {
  int64_t parts = 0;
  int64_t splits = 1;
  bool balanced() const { return parts > 0; }
};

/// The element type of a device tensor.
enum class ElementType { BF16, F16, F32, I32 };
llvm::StringRef toString(ElementType type);
ElementType elementTypeOf(StorageType storage);

/// A contiguous row-major array in device memory the caller owns: its
/// address, element type and dims. Every call checks each tensor's type and
/// shape against what its kernels read and write before launching.
struct DeviceTensor {
  DevicePtr data = 0;
  ElementType type = ElementType::BF16;
  llvm::SmallVector<int64_t, 4> shape;
};

/// A paged latent cache in device memory the caller owns (a serving
/// engine's own KV memory, block tables and lengths), as one call sees it.
/// Any engine of the same config, storage type and page size reads it.
///
/// Checked before launch: each tensor's address, alignment, element type
/// and dims (rows [pages, page size, row width], at least `batch` table
/// rows and lengths, int32 indexing in range). Not checked (the host cannot
/// read device tables without a synchronisation), but never read or
/// written out of bounds: a length is clamped to [0, width x page size]
/// (the keys its table row names); a table entry outside [0, pages) reads
/// as a row of zeros (a key of score 0 and value 0) and an append to it
/// writes nothing.
struct CacheTensors {
  /// [pages, page size, kv_lora_rank + rope dim], storage type: each row a
  /// token's normalized latent then its rotated rope key.
  DeviceTensor rows;
  /// [>= batch, width] i32: sequence b's page for tokens [i x page size,
  /// (i + 1) x page size) is blockTable[b][i].
  DeviceTensor blockTable;
  /// [>= batch] i32. For decode: keys per sequence, the step's S new
  /// tokens included (FlashMLA's cache_seqlens); for append: where the new
  /// tokens go, each sequence's length before them.
  DeviceTensor lengths;
};

/// The new tokens of cache slots [0, batch): their rows go after the first
/// length - S tokens of each slot (upload(S) made room for them). The
/// batch is cKv's dim 0.
struct AppendBuffers {
  DeviceTensor cKv;       // [batch, S, kv_lora_rank], storage type
  DeviceTensor kRope;     // [batch, S, rope dim], storage type, unrotated
  DeviceTensor positions; // [batch, S] i32, the RoPE positions
};

/// One decode call over cache slots [0, batch), the last S tokens of each
/// being the queries' (bottom-right causal). The batch is qLatent's dim 0.
struct DecodeBuffers {
  DeviceTensor qLatent; // [batch, S, heads, kv_lora_rank] absorbed queries
  DeviceTensor qRope;   // [batch, S, heads, rope dim] rotated
  DeviceTensor out;     // [batch, S, heads, kv_lora_rank], storage type
  DeviceTensor lse;     // [batch, S, heads] f32, natural log
  /// Optional, 16-byte aligned: at least workspaceBytes(batch) bytes of the
  /// caller's for the split-KV partial results; 0 uses the engine's own.
  DevicePtr workspace = 0;
  int64_t workspaceBytes = 0;
};

/// A prefill (the prompt) in MHA form: per sequence, `tokens` queries (the
/// last of its seqLens[b] keys, bottom-right causal) attend over the
/// first seqLens[b] of `keyTokens` key rows, K and V already up-projected
/// per head, the rope key shared by all heads. All buffers the user's, in
/// the storage type but for seqLens and lse; batch and tokens are qNope's
/// dims 0 and 1, keyTokens kNope's dim 1.
struct PrefillBuffers {
  DeviceTensor qNope;   // [batch, tokens, heads, qk_nope_head_dim]
  DeviceTensor qRope;   // [batch, tokens, heads, rope dim], rotated
  DeviceTensor kNope;   // [batch, keyTokens, heads, qk_nope_head_dim]
  DeviceTensor kRope;   // [batch, keyTokens, rope dim], rotated
  DeviceTensor v;       // [batch, keyTokens, heads, v_head_dim]
  DeviceTensor seqLens; // [batch] i32, at most keyTokens each
  DeviceTensor out;     // [batch, tokens, heads, v_head_dim]
  DeviceTensor lse;     // [batch, tokens, heads] f32, natural log
};

class GpuPagedCache {
public:
  ~GpuPagedCache();
  PageTable &table();
  const PageTable &table() const;
  /// Copies the block table and lengths to the device; `newTokens` is S of
  /// the step that follows (its append writes after length - S). The copy
  /// is ordered like cuMemcpyHtoD (the legacy default stream): the host
  /// table may change as soon as it returns, but kernels of an earlier
  /// step on a non-blocking stream must have finished before it is called.
  llvm::Error upload(int64_t newTokens);
  /// Whether the device holds the table as it is now.
  bool uploaded() const;
  /// Copies `count` rows of `slot`, its tokens [first, first + count), from
  /// host memory (each kv_lora_rank + rope dim values of the storage type,
  /// already normalized and rotated) into their pages: for loading a prompt
  /// computed elsewhere. Ordered like upload(); fails for tokens the slot
  /// does not hold.
  llvm::Error writeRows(int64_t slot, int64_t first, int64_t count,
                        const void *rows);
  /// [pages, page size, kv_lora_rank + rope dim] rows, storage type.
  DevicePtr rows() const;

private:
  friend class Engine;
  struct State;
  explicit GpuPagedCache(std::unique_ptr<State> state);
  std::unique_ptr<State> state;
};

class Engine {
public:
  /// Finds the GPU and generates, compiles (through the kernel cache) and
  /// loads the kernels; fails with why (no driver or GPU, bad options).
  static llvm::Expected<std::unique_ptr<Engine>>
  create(const EngineOptions &options);
  ~Engine();

  /// A cache of `pages` pages for `slots` sequences of up to `width` pages.
  llvm::Expected<std::unique_ptr<GpuPagedCache>>
  allocateCache(int64_t pages, int64_t slots, int64_t width);

  /// The calls over a cache the caller owns: sequences [0, batch) of its
  /// block table and lengths. No host synchronisation: a captured graph
  /// replays with whatever the lengths and tables hold then.
  llvm::Error append(const CacheTensors &cache, const AppendBuffers &buffers,
                     GpuStream stream);
  llvm::Error decode(const CacheTensors &cache, const DecodeBuffers &buffers,
                     GpuStream stream);
  /// The same over a cache this engine allocated (its table uploaded).
  llvm::Error append(GpuPagedCache &cache, const AppendBuffers &buffers,
                     GpuStream stream);
  llvm::Error decode(const GpuPagedCache &cache, const DecodeBuffers &buffers,
                     GpuStream stream);
  /// The prompt's attention (any batch and lengths; no cache involved).
  llvm::Error prefill(const PrefillBuffers &buffers, GpuStream stream);

  const GpuInfo &gpu() const;
  const EngineOptions &options() const;
  /// How the decode kernels cut the KV work.
  const DecodeCut &cut() const;
  /// How the kernels' variant was chosen: the tuning entry's key, or
  /// "heuristic" with its inputs (and why an entry was not taken), or the
  /// bundle they were loaded from.
  const std::string &variantChoice() const;
  /// Bytes of a decode workspace for `batch` sequences (0 where the KV
  /// range is not cut): the schedule's prefix sums and the partial results
  /// of up to batch + parts - 1 pieces, whatever the lengths.
  int64_t workspaceBytes(int64_t batch) const;

  /// The checks create() makes on `options`, without a GPU.
  static llvm::Error checkOptions(const EngineOptions &options);
  /// The checks decode(), append() and prefill() make before launching,
  /// without a GPU (`cut`: the engine's).
  static llvm::Error checkDecode(const EngineOptions &options,
                                 const DecodeCut &cut, const PageTable &table,
                                 bool uploaded, const DecodeBuffers &buffers);
  static llvm::Error checkAppend(const EngineOptions &options,
                                 const PageTable &table, bool uploaded,
                                 const AppendBuffers &buffers);
  /// The checks of the calls over a cache the caller owns.
  static llvm::Error checkDecode(const EngineOptions &options,
                                 const DecodeCut &cut,
                                 const CacheTensors &cache,
                                 const DecodeBuffers &buffers);
  static llvm::Error checkAppend(const EngineOptions &options,
                                 const CacheTensors &cache,
                                 const AppendBuffers &buffers);
  static llvm::Error checkPrefill(const EngineOptions &options,
                                  const PrefillBuffers &buffers);
  /// Bytes of a decode workspace for `batch` sequences of an engine of
  /// `options` whose decode cuts the KV work as `cut` does.
  static int64_t workspaceBytes(const EngineOptions &options,
                                const DecodeCut &cut, int64_t batch);

private:
  struct State;
  explicit Engine(std::unique_ptr<State> state);
  std::unique_ptr<State> state;
};

} // namespace mlagen

#endif // MLAGEN_ENGINE_H
