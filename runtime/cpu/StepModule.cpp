//===- StepModule.cpp - the MLA IR of a problem's step --------------------===//

#include "dialect/MlaDialect.h"
#include "mlagen/CpuRunner.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlagen;
using llvm::formatv;

/// "tensor<AxBx...xT>".
static std::string tensorType(llvm::ArrayRef<int64_t> shape,
                              llvm::StringRef element) {
  std::string text = "tensor<";
  for (int64_t size : shape)
    text += std::to_string(size) + "x";
  return text + element.str() + ">";
}

std::string mlagen::buildStepModule(const Problem &p, int64_t batch) {
  const LayerConfig &c = p.config;
  std::string t = toString(p.shape.storage).str();
  int64_t b = batch ? batch : p.shape.batch(), s = p.shape.queryTokens;
  int64_t h = c.heads;
  int64_t dn = c.qkNopeHeadDim, dr = c.qkRopeHeadDim, dc = c.kvLoraRank;
  int64_t dv = c.vHeadDim, dm = c.dModel;
  std::string header = formatv(
      "!cache = !mla.paged_cache<pages = {0}, page_size = {1}, latent = {2}, "
      "rope = {3}, {4}>\n#cfg = {5}\n",
      p.cache.numPages, p.cache.pageSize, dc, dr, t,
      configText(c, p.shape.storage));
  std::string table = tensorType({b, p.table.width}, "i32");
  std::string lengths = tensorType({b}, "i32");

  if (p.shape.mode == RunMode::Attention) {
    std::string q = tensorType({b, s, h, dc}, t),
                qr = tensorType({b, s, h, dr}, t);
    std::string lse = tensorType({b, s, h}, "f32");
    return header +
           formatv("func.func @step(%q: {0}, %qr: {1}, %cache: !cache, %bt: "
                   "{2}, %lens: {3}) -> ({0}, {4}) {{\n"
                   "  %o, %l = mla.latent_attention %q, %qr, %cache[%bt, "
                   "%lens] {{causal, config = #cfg} : ({0}, {1}, !cache, {2}, "
                   "{3}) -> ({0}, {4})\n"
                   "  return %o, %l : {0}, {4}\n}\n",
                   q, qr, table, lengths, lse)
               .str();
  }

  std::string hidden = tensorType({b, s, dm}, t);
  std::vector<std::pair<std::string, std::string>> weights;
  if (c.hasQueryCompression()) {
    weights.push_back({"w_dq", tensorType({c.qLoraRank, dm}, t)});
    weights.push_back({"q_norm", tensorType({c.qLoraRank}, t)});
  }
  weights.push_back({"w_uq", tensorType({h, dn + dr, c.queryInputDim()}, t)});
  weights.push_back({"w_dkv", tensorType({dc + dr, dm}, t)});
  weights.push_back({"kv_norm", tensorType({dc}, t)});
  weights.push_back({"w_uk", tensorType({h, dn, dc}, t)});
  weights.push_back({"w_uv", tensorType({h, dv, dc}, t)});
  weights.push_back({"w_o", tensorType({dm, h, dv}, t)});
  std::string args, types;
  for (auto &[name, type] : weights) {
    args += ", %" + name + ": " + type;
    types += ", " + type;
  }
  std::string qCompress =
      c.hasQueryCompression() ? "q_compress(%w_dq, %q_norm) " : "";
  return header +
         formatv("func.func @step(%hidden: {0}, %cache: !cache, %bt: {1}, "
                 "%lens: {2}{3}) -> ({0}, !cache) {{\n"
                 "  %out, %new = mla.decode_step %hidden, %cache[%bt, %lens] "
                 "{4}weights(%w_uq, %w_dkv, %kv_norm, %w_uk, %w_uv, %w_o) "
                 "{{config = #cfg} : ({0}, !cache, {1}, {2}{5}) -> ({0}, "
                 "!cache)\n"
                 "  return %out, %new : {0}, !cache\n}\n",
                 hidden, table, lengths, args, qCompress, types)
             .str();
}

llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
mlagen::parseStepModule(const Problem &p, mlir::MLIRContext &context,
                        int64_t batch) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::mla::MlaDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::tensor::TensorDialect>();
  context.appendDialectRegistry(registry);
  std::string source = buildStepModule(p, batch);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  if (!module)
    return llvm::createStringError("internal error: the step's IR does not "
                                   "parse:\n" +
                                   source);
  return module;
}
