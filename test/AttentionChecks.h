//===- AttentionChecks.h - attention results vs the reference ---*- C++ -*-===//
//-*-===//
//
// The check every test of an attention kernel makes: out within
// mla-run --verify's attention tolerance for the storage type (Metrics.h),
// LSE within kLseTolerance of max(1, |lse|), no NaN, infinities (rows that
// see no key) exactly where the reference has them.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TEST_ATTENTIONCHECKS_H
#define MLAGEN_TEST_ATTENTIONCHECKS_H

#include "mlagen/Metrics.h"
#include "mlagen/Reference.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace mlagen::test {

inline void expectAttentionMatches(llvm::ArrayRef<float> out,
                                   llvm::ArrayRef<float> lse,
                                   const reference::AttentionResult &expected,
                                   StorageType storage) {
  ErrorStats outStats = compare(out, expected.out);
  ErrorStats lseStats = compare(lse, expected.lse);
  EXPECT_TRUE(withinTolerance(outStats, attentionTolerance(storage)))
      << "out max abs " << outStats.maxAbs << " cosine " << outStats.cosine
      << " nans " << outStats.nans;
  EXPECT_EQ(lseStats.nans, 0);
  EXPECT_EQ(lseStats.mismatchedInfinities, 0);
  EXPECT_LE(lseStats.maxAbs,
            kLseTolerance * std::max(1.0, lseStats.maxExpected));
}

} // namespace mlagen::test

#endif // MLAGEN_TEST_ATTENTIONCHECKS_H
