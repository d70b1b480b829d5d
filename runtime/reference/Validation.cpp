//===- Validation.cpp - checks of caches and sequence tables --------------===//

#include "mlagen/Reference.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlagen;
using namespace mlagen::reference;
using llvm::createStringError;
using llvm::formatv;

llvm::Error reference::validate(const LayerConfig &config,
                                const PagedCache &cache,
                                const SequenceTable &table,
                                int64_t extraTokens) {
  if (cache.latentDim != config.kvLoraRank ||
      cache.ropeDim != config.qkRopeHeadDim)
    return createStringError(
        formatv("cache rows are {0} + {1} wide but the config needs "
                "kv_lora_rank {2} + qk_rope_head_dim {3}",
                cache.latentDim, cache.ropeDim, config.kvLoraRank,
                config.qkRopeHeadDim)
            .str());
  if (cache.numPages < 1 || cache.pageSize < 1 ||
      int64_t(cache.rows.size()) !=
          cache.numPages * cache.pageSize * cache.rowWidth())
    return createStringError(
        formatv("cache holds {0} values, not {1} pages x {2} rows x {3}",
                cache.rows.size(), cache.numPages, cache.pageSize,
                cache.rowWidth())
            .str());
  if (table.batch < 0 || table.width < 0 ||
      int64_t(table.blockTable.size()) != table.batch * table.width ||
      int64_t(table.seqLens.size()) != table.batch)
    return createStringError(
        formatv("block table has {0} entries and seq_lens {1}, expected "
                "{2} x {3} and {2}",
                table.blockTable.size(), table.seqLens.size(), table.batch,
                table.width)
            .str());
  int64_t capacity = table.width * cache.pageSize;
  for (int64_t b = 0; b < table.batch; ++b) {
    int64_t length = table.seqLens[b];
    if (length < 0)
      return createStringError(
          formatv("seq_lens[{0}] is negative ({1})", b, length).str());
    if (length + extraTokens > capacity)
      return createStringError(
          formatv("sequence {0} needs {1} tokens but its {2} block-table "
                  "entries of {3} rows hold {4}",
                  b, length + extraTokens, table.width, cache.pageSize,
                  capacity)
              .str());
    int64_t pagesUsed =
        (length + extraTokens + cache.pageSize - 1) / cache.pageSize;
    for (int64_t i = 0; i < pagesUsed; ++i) {
      int32_t page = table.blockTable[b * table.width + i];
      if (page < 0 || page >= cache.numPages)
        return createStringError(
            formatv("block_table[{0}][{1}] = {2} is outside the cache's {3} "
                    "pages",
                    b, i, page, cache.numPages)
                .str());
    }
  }
  return llvm::Error::success();
}
