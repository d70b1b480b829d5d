//===- DecodeSchedule.cpp - the balanced decode schedule, on the host -----===//

#include "passes/cuda/DecodeSchedule.h"

#include <algorithm>
#include <queue>

using namespace mlir::mla;

namespace {

std::vector<long long> prefixStarts(llvm::ArrayRef<int> lengths,
                                    const mlagen_schedule &s,
                                    long long &total) {
  std::vector<long long> starts;
  total = 0;
  for (int length : lengths) {
    starts.push_back(total);
    total += mlagen_sequence_cost(s, length);
  }
  return starts;
}

/// A piece costs what a sequence of its keys would: its tiles and the
/// overhead.
long long pieceCost(const mlagen_schedule &s, mlagen_key_range keys) {
  return mlagen_sequence_cost(s, keys.end - keys.begin);
}

ScheduleLoad summarize(std::vector<long long> perPart) {
  ScheduleLoad load;
  long long sum = 0;
  for (long long l : perPart) {
    sum += l;
    load.max = std::max(load.max, l);
  }
  load.mean = perPart.empty() ? 0 : double(sum) / perPart.size();
  load.perPart = std::move(perPart);
  return load;
}

} // namespace

std::vector<ScheduleSegment>
mlir::mla::scheduleSegments(llvm::ArrayRef<int> lengths,
                            const mlagen_schedule &s) {
  long long total = 0;
  std::vector<long long> starts = prefixStarts(lengths, s, total);
  long long quota = mlagen_part_quota(s, total);
  std::vector<ScheduleSegment> segments;
  // As a CTA walks it: part p from the sequence owning its first unit.
  for (int part = 0; part < s.parts && part * quota < total; ++part) {
    int batch = lengths.size();
    for (int b = mlagen_sequence_of_unit(starts.data(), batch, part * quota);
         b < batch && starts[b] < (part + 1) * quota; ++b) {
      long long end = b + 1 < batch ? starts[b + 1] : total;
      segments.push_back(
          {b, part, mlagen_partial_slot(b, part),
           mlagen_part_keys(s, starts[b], end, lengths[b], part, quota)});
    }
  }
  std::stable_sort(segments.begin(), segments.end(),
                   [](const ScheduleSegment &a, const ScheduleSegment &b) {
                     return a.sequence < b.sequence;
                   });
  return segments;
}

ScheduleLoad mlir::mla::balancedLoad(llvm::ArrayRef<int> lengths,
                                     const mlagen_schedule &s) {
  std::vector<long long> perPart(s.parts, 0);
  for (const ScheduleSegment &segment : scheduleSegments(lengths, s))
    perPart[segment.part] += pieceCost(s, segment.keys);
  return summarize(std::move(perPart));
}

ScheduleLoad mlir::mla::evenSplitLoad(llvm::ArrayRef<int> lengths, int splits,
                                      const mlagen_schedule &s) {
  // Least loaded first; ties to the lower index, as CTAs fill SMs in order.
  using Slot = std::pair<long long, int>;
  std::priority_queue<Slot, std::vector<Slot>, std::greater<Slot>> free;
  for (int p = 0; p < s.parts; ++p)
    free.push({0, p});
  std::vector<long long> perPart(s.parts, 0);
  for (int length : lengths)
    for (int n = 0; n < splits; ++n) {
      auto [load, p] = free.top();
      free.pop();
      long long cost = pieceCost(s, mlagen_split_range(length, splits, n));
      perPart[p] = load + cost;
      free.push({perPart[p], p});
    }
  return summarize(std::move(perPart));
}
