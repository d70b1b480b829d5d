//===- OperandRoles.cpp - what each operand of a user function is ---------===//

#include "OperandRoles.h"
#include "dialect/MlaOps.h"

using namespace mlagen;
using namespace mlir;

namespace {

/// The operand index of `v` if it is an argument of the function's body.
std::optional<unsigned> argumentIndex(func::FuncOp function, Value v) {
  auto arg = dyn_cast_or_null<BlockArgument>(v);
  if (!arg || arg.getOwner() != &function.getBody().front())
    return std::nullopt;
  return arg.getArgNumber();
}

/// An op that reads or writes a paged cache through a block table.
struct PagedAccess {
  Value cache, blockTable, seqLens, positions;
  int64_t appended = 0;
};

std::optional<PagedAccess> pagedAccess(Operation *op) {
  auto tokens = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getDimSize(1);
  };
  if (auto a = dyn_cast<mla::CacheAppendOp>(op))
    return PagedAccess{a.getCache(), a.getBlockTable(), a.getSeqLens(),
                       a.getPositions(), tokens(a.getCKv())};
  if (auto s = dyn_cast<mla::DecodeStepOp>(op))
    return PagedAccess{s.getCache(), s.getBlockTable(), s.getSeqLens(), Value(),
                       tokens(s.getHidden())};
  if (auto a = dyn_cast<mla::LatentAttentionOp>(op))
    return PagedAccess{a.getCache(), a.getBlockTable(), a.getSeqLens()};
  if (auto a = dyn_cast<mla::PartialLatentAttentionOp>(op))
    return PagedAccess{a.getCache(), a.getBlockTable(), a.getSeqLens()};
  if (auto r = dyn_cast<mla::CacheReadOp>(op))
    return PagedAccess{r.getCache(), r.getBlockTable(), r.getSeqLens()};
  return std::nullopt;
}

std::string locationOf(Operation *op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << op->getLoc();
  return text;
}

} // namespace

llvm::Expected<OperandRoles> mlagen::findOperandRoles(func::FuncOp function) {
  OperandRoles roles;
  roles.roles.assign(function.getNumArguments(), ValueRole::Tensor);
  llvm::Error error = llvm::Error::success();
  function.walk([&](Operation *op) {
    if (error)
      return;
    if (auto mha = dyn_cast<mla::MhaAttentionOp>(op)) {
      if (std::optional<unsigned> i =
              argumentIndex(function, mha.getSeqLens())) {
        int64_t keys =
            cast<RankedTensorType>(mha.getKNope().getType()).getDimSize(1);
        if (ShapedType::isDynamic(keys)) {
          error = llvm::createStringError(
              locationOf(op) +
              ": mla.mha_attention: the key count (k_nope's dimension 1) is "
              "dynamic; mla-run bounds the lengths operand arg" +
              std::to_string(*i) + " by it, so it must be static");
          return;
        }
        roles.roles[*i] = ValueRole::SequenceLengths;
        roles.mhaLengths[*i] = keys;
      }
      return;
    }
    if (auto rope = dyn_cast<mla::RopeOp>(op)) {
      if (std::optional<unsigned> i =
              argumentIndex(function, rope.getPositions()))
        roles.roles[*i] = ValueRole::Positions;
      return;
    }
    std::optional<PagedAccess> access = pagedAccess(op);
    if (!access)
      return;
    std::optional<unsigned> table = argumentIndex(function, access->blockTable);
    std::optional<unsigned> lengths = argumentIndex(function, access->seqLens);
    if (!table || !lengths) {
      error = llvm::createStringError(
          locationOf(op) + ": " + op->getName().getStringRef().str() +
          ": mla-run needs its block table and lengths as function operands");
      return;
    }
    roles.roles[*table] = ValueRole::BlockTable;
    roles.roles[*lengths] = ValueRole::SequenceLengths;
    std::optional<unsigned> cache = argumentIndex(function, access->cache);
    if (cache)
      roles.roles[*cache] = ValueRole::PagedCache;
    std::optional<unsigned> positions =
        argumentIndex(function, access->positions);
    if (positions)
      roles.roles[*positions] = ValueRole::Positions;
    int64_t pageSize =
        cast<mla::PagedCacheType>(access->cache.getType()).getPageSize();
    // One entry per (table, lengths): the most any op appends to them.
    for (PagedUse &use : roles.paged)
      if (use.table == *table && use.lengths == *lengths) {
        use.appended = std::max(use.appended, access->appended);
        use.cache = use.cache ? use.cache : cache;
        use.positions = use.positions ? use.positions : positions;
        return;
      }
    roles.paged.push_back(PagedUse{*table, *lengths, cache, positions, pageSize,
                                   access->appended});
  });
  if (error)
    return std::move(error);
  return roles;
}
