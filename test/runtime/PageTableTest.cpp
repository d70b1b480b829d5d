//===- PageTableTest.cpp - the host side of a paged cache -----------------===//

#include "mlagen/PageTable.h"

#include <gtest/gtest.h>

using namespace mlagen;

namespace {

std::string errorOf(llvm::Error e) {
  return e ? llvm::toString(std::move(e)) : "no error";
}

TEST(PageTable, HandsOutPagesAsSequencesGrow) {
  llvm::Expected<PageTable> created = PageTable::create(6, 4, 3, 3);
  ASSERT_TRUE(bool(created)) << llvm::toString(created.takeError());
  PageTable &t = *created;
  EXPECT_EQ(t.freePages(), 6);
  EXPECT_EQ(t.blockTable(), std::vector<int32_t>(9, -1));

  ASSERT_EQ(errorOf(t.extend(1, 5)), "no error"); // 2 pages
  EXPECT_EQ(t.length(1), 5);
  EXPECT_EQ(t.freePages(), 4);
  EXPECT_EQ(t.blockTable()[3], 0);
  EXPECT_EQ(t.blockTable()[4], 1);
  EXPECT_EQ(t.blockTable()[5], -1);
  ASSERT_EQ(errorOf(t.extend(1, 3)), "no error"); // 8 tokens: still 2 pages
  EXPECT_EQ(t.freePages(), 4);
  ASSERT_EQ(errorOf(t.extend(0, 1)), "no error");
  EXPECT_EQ(t.blockTable()[0], 2);
  EXPECT_EQ(t.lengths(), (std::vector<int32_t>{1, 8, 0}));

  llvm::Expected<int64_t> row = t.rowOf(1, 6); // page 1, offset 2
  ASSERT_TRUE(bool(row));
  EXPECT_EQ(*row, 1 * 4 + 2);
  row = t.rowOf(1, 8);
  ASSERT_FALSE(bool(row));
  EXPECT_EQ(llvm::toString(row.takeError()),
            "slot 1 holds 8 tokens; no token 8");

  // Released pages are reused first.
  ASSERT_EQ(errorOf(t.release(1)), "no error");
  EXPECT_EQ(t.length(1), 0);
  EXPECT_EQ(t.freePages(), 5);
  ASSERT_EQ(errorOf(t.extend(2, 2)), "no error");
  EXPECT_EQ(t.blockTable()[6], 1); // the last page freed
}

TEST(PageTable, RefusesWhatWouldBreakTheTableAndChangesNothing) {
  llvm::Expected<PageTable> created = PageTable::create(4, 4, 2, 3);
  ASSERT_TRUE(bool(created));
  PageTable &t = *created;
  ASSERT_EQ(errorOf(t.extend(0, 8)), "no error");
  std::vector<int32_t> table = t.blockTable(), lengths = t.lengths();

  EXPECT_EQ(errorOf(t.extend(2, 1)), "slot 2 is not in [0, 2)");
  EXPECT_EQ(errorOf(t.extend(-1, 1)), "slot -1 is not in [0, 2)");
  EXPECT_EQ(errorOf(t.extend(0, -1)), "slot 0: cannot extend by -1 tokens");
  EXPECT_EQ(errorOf(t.extend(0, 5)),
            "slot 0: 8 + 5 tokens exceed the 12 a slot may hold (3 pages of "
            "4)");
  EXPECT_EQ(errorOf(t.extend(0, INT64_MAX)),
            "slot 0: 8 + 9223372036854775807 tokens exceed the 12 a slot may "
            "hold (3 pages of 4)");
  EXPECT_EQ(errorOf(t.extend(1, 12)), "slot 1: 3 more pages needed, 2 free");
  EXPECT_EQ(errorOf(t.release(7)), "slot 7 is not in [0, 2)");
  EXPECT_EQ(t.blockTable(), table);
  EXPECT_EQ(t.lengths(), lengths);
  EXPECT_EQ(t.freePages(), 2);
}

TEST(PageTable, RefusesBadSizes) {
  llvm::Expected<PageTable> t = PageTable::create(0, 4, 2, 3);
  ASSERT_FALSE(bool(t));
  EXPECT_EQ(llvm::toString(t.takeError()),
            "page table: pages (0), page size (4), slots (2) and width (3) "
            "must be positive");
  t = PageTable::create(1 << 20, 1 << 12, 2, 3);
  ASSERT_FALSE(bool(t));
  EXPECT_EQ(llvm::toString(t.takeError()),
            "page table: 1048576 pages of 4096 tokens, 2 slots of 3 pages do "
            "not fit int32 indices");
}

} // namespace
