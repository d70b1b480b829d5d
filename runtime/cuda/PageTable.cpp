//===- PageTable.cpp - which pages each sequence of a cache owns ----------===//

#include "mlagen/PageTable.h"

#include "llvm/Support/FormatVariadic.h"

#include <limits>

using namespace mlagen;

namespace {

llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(message.str());
}

} // namespace

PageTable::PageTable(int64_t pages, int64_t pageSize, int64_t slots,
                     int64_t width)
    : pages_(pages), pageSize_(pageSize), slots_(slots), width_(width),
      table_(slots * width, -1), lengths_(slots, 0) {
  free_.reserve(pages);
  for (int64_t page = pages - 1; page >= 0; --page)
    free_.push_back(int32_t(page)); // page 0 is handed out first
}

llvm::Expected<PageTable> PageTable::create(int64_t pages, int64_t pageSize,
                                            int64_t slots, int64_t width) {
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  if (pages <= 0 || pageSize <= 0 || slots <= 0 || width <= 0)
    return error(llvm::formatv("page table: pages ({0}), page size ({1}), "
                               "slots ({2}) and width ({3}) must be positive",
                               pages, pageSize, slots, width));
  if (pages > kMax || pageSize > kMax / width || pages > kMax / pageSize ||
      slots > kMax / width)
    return error(llvm::formatv("page table: {0} pages of {1} tokens, {2} "
                               "slots of {3} pages do not fit int32 indices",
                               pages, pageSize, slots, width));
  return PageTable(pages, pageSize, slots, width);
}

llvm::Error PageTable::checkSlot(int64_t slot) const {
  if (slot < 0 || slot >= slots_)
    return error(llvm::formatv("slot {0} is not in [0, {1})", slot, slots_));
  return llvm::Error::success();
}

llvm::Error PageTable::extend(int64_t slot, int64_t tokens) {
  if (llvm::Error e = checkSlot(slot))
    return e;
  if (tokens < 0)
    return error(
        llvm::formatv("slot {0}: cannot extend by {1} tokens", slot, tokens));
  int64_t length = lengths_[slot];
  if (tokens > width_ * pageSize_ - length)
    return error(llvm::formatv("slot {0}: {1} + {2} tokens exceed the {3} a "
                               "slot may hold ({4} pages of {5})",
                               slot, length, tokens, width_ * pageSize_, width_,
                               pageSize_));
  int64_t newLength = length + tokens;
  int64_t held = (length + pageSize_ - 1) / pageSize_;
  int64_t needed = (newLength + pageSize_ - 1) / pageSize_;
  if (needed - held > int64_t(free_.size()))
    return error(llvm::formatv("slot {0}: {1} more pages needed, {2} free",
                               slot, needed - held, free_.size()));
  for (int64_t i = held; i < needed; ++i) {
    table_[slot * width_ + i] = free_.back();
    free_.pop_back();
  }
  lengths_[slot] = int32_t(newLength);
  ++version_;
  return llvm::Error::success();
}

llvm::Error PageTable::release(int64_t slot) {
  if (llvm::Error e = checkSlot(slot))
    return e;
  for (int64_t i = 0; i < width_; ++i) {
    int32_t &entry = table_[slot * width_ + i];
    if (entry >= 0)
      free_.push_back(entry);
    entry = -1;
  }
  lengths_[slot] = 0;
  ++version_;
  return llvm::Error::success();
}

llvm::Expected<int64_t> PageTable::rowOf(int64_t slot, int64_t token) const {
  if (llvm::Error e = checkSlot(slot))
    return std::move(e);
  if (token < 0 || token >= lengths_[slot])
    return error(llvm::formatv("slot {0} holds {1} tokens; no token {2}", slot,
                               lengths_[slot], token));
  int64_t page = table_[slot * width_ + token / pageSize_];
  return page * pageSize_ + token % pageSize_;
}
