//===- CudaVariant.cpp - the CUDA back end's choices as text --------------===//

#include "mlagen/CudaVariant.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlagen;

namespace {
constexpr int64_t kMaxSplits = 1024;
constexpr llvm::StringLiteral kTilingPrefix = "#mla.cuda_tiling<";
} // namespace

std::string CudaVariant::str() const {
  llvm::SmallVector<std::string> fields;
  if (splits)
    fields.push_back("splits=" + std::to_string(splits));
  for (const OpTiling &t : tilings)
    fields.push_back(t.op + "=" + t.tiling);
  return llvm::join(fields, "; ");
}

CudaVariant CudaVariant::overriddenBy(const CudaVariant &other) const {
  CudaVariant out = *this;
  if (other.splits)
    out.splits = other.splits;
  for (const OpTiling &t : other.tilings) {
    auto same = llvm::find_if(
        out.tilings, [&](const OpTiling &mine) { return mine.op == t.op; });
    if (same == out.tilings.end())
      out.tilings.push_back(t);
    else
      same->tiling = t.tiling;
  }
  return out;
}

llvm::Expected<CudaVariant> CudaVariant::parse(llvm::StringRef text) {
  auto error = [&](const llvm::Twine &why) {
    return llvm::createStringError(
        ("CUDA variant '" + text + "': " + why).str());
  };
  CudaVariant variant;
  llvm::SmallVector<llvm::StringRef> fields;
  text.split(fields, ';');
  bool sawSplits = false;
  for (llvm::StringRef field : fields) {
    field = field.trim();
    auto [name, value] = field.split('=');
    name = name.trim();
    value = value.trim();
    if (field.empty() || !field.contains('=') || name.empty() || value.empty())
      return error("'" + field + "' is not name=value");
    if (name == "splits") {
      if (sawSplits)
        return error("splits given twice");
      sawSplits = true;
      if (value.getAsInteger(10, variant.splits) || variant.splits < 0 ||
          variant.splits > kMaxSplits)
        return error(llvm::formatv("splits must be an integer in [0, {0}], "
                                   "got '{1}'",
                                   kMaxSplits, value));
      continue;
    }
    if (!name.starts_with("mla."))
      return error("'" + name + "' is neither splits nor an mla op");
    if (!value.starts_with(kTilingPrefix) || !value.ends_with(">"))
      return error(name + "'s value is not a " + kTilingPrefix + "...>");
    for (const OpTiling &t : variant.tilings)
      if (t.op == name)
        return error(name + " given twice");
    variant.tilings.push_back({name.str(), value.str()});
  }
  return variant;
}
