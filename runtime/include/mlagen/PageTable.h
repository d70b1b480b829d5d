//===- PageTable.h - which pages each sequence of a cache owns --*- C++ -*-===//
//
// The host side of a paged latent cache, as a serving engine keeps it:
// `slots` sequence slots, each owning up to `width` pages taken from a
// free list, and its length in tokens. The block table ([slots, width]
// int32, unused entries -1) and the lengths ([slots] int32) are laid out as
// the kernels read them. Every change is checked first and either happens
// whole or not at all, so a table handed to a kernel is always valid: each
// token below a slot's length lives in a page the slot owns.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_PAGETABLE_H
#define MLAGEN_PAGETABLE_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace mlagen {

class PageTable {
public:
  /// Fails on non-positive sizes.
  static llvm::Expected<PageTable> create(int64_t pages, int64_t pageSize,
                                          int64_t slots, int64_t width);

  /// Grows `slot` by `tokens`, taking the pages it needs from the free
  /// list. Fails, changing nothing, for a bad slot, a negative count, more
  /// pages than the slot's `width`, or too few free pages.
  llvm::Error extend(int64_t slot, int64_t tokens);
  /// Returns the slot's pages to the free list; its length becomes 0.
  llvm::Error release(int64_t slot);

  /// The cache row (page x page_size + offset) of token `token` of `slot`,
  /// or an error when the slot does not hold that token.
  llvm::Expected<int64_t> rowOf(int64_t slot, int64_t token) const;

  int64_t length(int64_t slot) const { return lengths_[slot]; }
  int64_t freePages() const { return free_.size(); }
  int64_t pages() const { return pages_; }
  int64_t pageSize() const { return pageSize_; }
  int64_t slots() const { return slots_; }
  int64_t width() const { return width_; }
  const std::vector<int32_t> &blockTable() const { return table_; }
  const std::vector<int32_t> &lengths() const { return lengths_; }
  /// Counts the changes made so far (to tell whether a copy is current).
  uint64_t version() const { return version_; }

private:
  PageTable(int64_t pages, int64_t pageSize, int64_t slots, int64_t width);
  llvm::Error checkSlot(int64_t slot) const;

  int64_t pages_, pageSize_, slots_, width_;
  std::vector<int32_t> table_, lengths_;
  std::vector<int32_t> free_; // a stack: the last freed page is reused first
  uint64_t version_ = 0;
};

} // namespace mlagen

#endif // MLAGEN_PAGETABLE_H
