//===- LaunchDescription.cpp - how to launch generated kernels ------------===//

#include "mlagen/LaunchDescription.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

using namespace mlagen;
namespace json = llvm::json;

namespace mlagen {

bool fromJSON(const json::Value &value, TensorMapDescription &map,
              json::Path path) {
  json::ObjectMapper o(value, path);
  std::vector<int64_t> box;
  if (!o || !o.map("tensor", map.tensor) || !o.map("element", map.element) ||
      !o.map("rows", map.rows) || !o.map("columns", map.columns) ||
      !o.map("row_stride_bytes", map.rowStrideBytes) || !o.map("box", box))
    return false;
  if (box.size() != 2 || box[0] <= 0 || box[1] <= 0) {
    path.field("box").report("expected two positive extents");
    return false;
  }
  map.box = {box[0], box[1]};
  return true;
}

bool fromJSON(const json::Value &value, LaunchParam &param, json::Path path) {
  json::ObjectMapper o(value, path);
  return o && o.map("name", param.name) && o.map("type", param.type) &&
         o.map("meaning", param.meaning) &&
         o.mapOptional("tensor_map", param.tensorMap);
}

bool fromJSON(const json::Value &value, LaunchDim &dim, json::Path path) {
  json::ObjectMapper o(value, path);
  if (!o || !o.map("per_block", dim.perBlock))
    return false;
  if (dim.perBlock <= 0) {
    path.field("per_block").report("expected a positive count");
    return false;
  }
  const json::Object *object = value.getAsObject();
  if (object->get("count_param"))
    return o.map("count_param", dim.countParam);
  return o.map("count", dim.count);
}

bool fromJSON(const json::Value &value, KernelLaunch &kernel, json::Path path) {
  json::ObjectMapper o(value, path);
  std::vector<LaunchDim> grid;
  std::vector<int64_t> block;
  if (!o || !o.map("name", kernel.name) || !o.map("op", kernel.op) ||
      !o.map("params", kernel.params) || !o.map("grid", grid) ||
      !o.map("block", block) ||
      !o.map("dynamic_shared_bytes", kernel.dynamicSharedBytes))
    return false;
  if (grid.size() != 3) {
    path.field("grid").report("expected three dimensions");
    return false;
  }
  if (block.size() != 3 || block[0] <= 0 || block[1] != 1 || block[2] != 1) {
    path.field("block").report("expected [threads, 1, 1]");
    return false;
  }
  std::copy(grid.begin(), grid.end(), kernel.grid.begin());
  kernel.block = block[0];
  for (const LaunchDim &dim : kernel.grid)
    if (!dim.countParam.empty() &&
        llvm::none_of(kernel.params, [&](const LaunchParam &p) {
          return p.name == dim.countParam && p.isInt();
        })) {
      path.field("grid").report("counts an int parameter the kernel lacks");
      return false;
    }
  return true;
}

} // namespace mlagen

llvm::Expected<std::vector<KernelLaunch>>
mlagen::parseLaunchDescription(llvm::StringRef source) {
  constexpr llvm::StringLiteral kOpen = "/* mlagen-launch\n";
  size_t open = source.rfind(kOpen);
  size_t close = source.rfind("*/");
  if (open == llvm::StringRef::npos || close == llvm::StringRef::npos ||
      close < open)
    return llvm::createStringError(
        "no launch description (/* mlagen-launch ... */) in the unit");
  llvm::Expected<json::Value> value =
      json::parse(source.slice(open + kOpen.size(), close));
  if (!value)
    return llvm::createStringError("launch description: " +
                                   llvm::toString(value.takeError()));
  json::Path::Root root("launch description");
  const json::Object *object = value->getAsObject();
  std::optional<llvm::StringRef> format =
      object ? object->getString("format") : std::nullopt;
  if (!format || *format != "mlagen-launch-1")
    return llvm::createStringError(
        "launch description: format is not mlagen-launch-1");
  const json::Value *list = object->get("kernels");
  if (!list)
    return llvm::createStringError("launch description: no kernels");
  std::vector<KernelLaunch> kernels;
  json::Path path(root);
  if (!fromJSON(*list, kernels, path.field("kernels"))) {
    std::string text;
    llvm::raw_string_ostream os(text);
    root.printErrorContext(*value, os);
    return llvm::createStringError(llvm::toString(root.getError()) + "\n" +
                                   text);
  }
  return kernels;
}
