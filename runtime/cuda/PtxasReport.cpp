//===- PtxasReport.cpp - a kernel's resources from the ptxas log ----------===//

#include "mlagen/PtxasReport.h"

#include "llvm/ADT/SmallVector.h"

using namespace mlagen;

namespace {

/// The integer just before `unit` in `line` ("384 bytes smem" -> 384), or
/// -1 when `unit` is not there.
int64_t numberBefore(llvm::StringRef line, llvm::StringRef unit) {
  size_t at = line.find(unit);
  if (at == llvm::StringRef::npos)
    return -1;
  llvm::StringRef before = line.take_front(at).rtrim();
  size_t start = before.find_last_not_of("0123456789");
  llvm::StringRef digits =
      start == llvm::StringRef::npos ? before : before.drop_front(start + 1);
  int64_t value;
  if (digits.getAsInteger(10, value))
    return -1;
  return value;
}

void setIfFound(int64_t &field, llvm::StringRef line, llvm::StringRef unit) {
  if (int64_t value = numberBefore(line, unit); value >= 0)
    field = value;
}

} // namespace

std::vector<ResourceRecord> mlagen::parsePtxasReport(llvm::StringRef log) {
  std::vector<ResourceRecord> records;
  llvm::SmallVector<llvm::StringRef> lines;
  log.split(lines, '\n');
  for (llvm::StringRef line : lines) {
    // ptxas info    : Compiling entry function 'k' for 'sm_90a'
    constexpr llvm::StringLiteral kEntry = "Compiling entry function '";
    if (size_t at = line.find(kEntry); at != llvm::StringRef::npos) {
      llvm::StringRef rest = line.drop_front(at + kEntry.size());
      ResourceRecord record;
      record.kernel = rest.take_until([](char c) { return c == '\''; }).str();
      constexpr llvm::StringLiteral kFor = "' for '";
      if (size_t f = rest.find(kFor); f != llvm::StringRef::npos)
        record.arch = rest.drop_front(f + kFor.size())
                          .take_until([](char c) { return c == '\''; })
                          .str();
      records.push_back(std::move(record));
      continue;
    }
    if (records.empty())
      continue;
    ResourceRecord &r = records.back();
    // ptxas . 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
    if (line.contains("bytes stack frame")) {
      setIfFound(r.stackBytes, line, "bytes stack frame");
      setIfFound(r.spillStoreBytes, line, "bytes spill stores");
      setIfFound(r.spillLoadBytes, line, "bytes spill loads");
    }
    // ptxas info : Used 10 registers, used 1 barriers, 384 bytes smem, ...
    if (line.contains("Used ") && line.contains("registers")) {
      setIfFound(r.registers, line, "registers");
      setIfFound(r.barriers, line, "barriers");
      setIfFound(r.sharedBytes, line, "bytes smem");
      setIfFound(r.constantBytes, line, "bytes cmem[0]");
    }
  }
  return records;
}
