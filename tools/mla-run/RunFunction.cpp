//===- RunFunction.cpp - mla-run on a function from an .mlir file ---------===//

#include "RunFunction.h"
#include "CompileOnly.h"
#include "Report.h"
#include "mlagen/FunctionRunner.h"
#include "mlagen/Metrics.h"
#include "mlagen/Npy.h"
#include "passes/Passes.h"
#include "runtime/problem/NestingDepth.h"
#include "runtime/problem/RegularFile.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <algorithm>
#include <chrono>
#include <cmath>

using namespace mlagen;
using llvm::outs;
namespace json = llvm::json;

namespace {

constexpr llvm::StringLiteral kFormat = "mlagen-function-run-1";

/// The function to run: --entry, or the module's only function.
llvm::Expected<mlir::func::FuncOp> pickFunction(mlir::ModuleOp module,
                                                llvm::StringRef entry) {
  std::vector<mlir::func::FuncOp> functions;
  module.walk([&](mlir::func::FuncOp f) {
    if (!f.isExternal())
      functions.push_back(f);
  });
  std::string names;
  for (mlir::func::FuncOp f : functions)
    names += " @" + f.getName().str();
  if (!entry.empty()) {
    for (mlir::func::FuncOp f : functions)
      if (f.getName() == entry)
        return f;
    return llvm::createStringError("--entry: no function @" + entry.str() +
                                   " in the module (it has" + names + ")");
  }
  if (functions.size() != 1)
    return llvm::createStringError(
        "the module has " + std::to_string(functions.size()) +
        " functions; pick one with --entry (it has" + names + ")");
  return functions.front();
}

std::string npyName(const FunctionValue &v) { return v.name + ".npy"; }

llvm::Error writeValue(llvm::StringRef directory, const FunctionValue &v) {
  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, npyName(v));
  return v.isInt ? npy::writeI32(path, v.shape, v.ints)
                 : npy::writeF32(path, v.shape, v.floats);
}

json::Object describeJson(const FunctionValue &v) {
  return json::Object{{"name", v.name},
                      {"file", npyName(v)},
                      {"shape", json::Array(v.shape)},
                      {"dtype", v.isInt ? "i32" : toString(v.storage).str()},
                      {"file_dtype", v.isInt ? "int32" : "float32"},
                      {"role", toString(v.role).str()}};
}

llvm::Error save(llvm::StringRef directory, llvm::StringRef function,
                 llvm::StringRef file, const std::vector<FunctionValue> &in,
                 const std::vector<FunctionValue> &out) {
  if (std::error_code ec = llvm::sys::fs::create_directories(directory))
    return llvm::createStringError("--save: cannot create " + directory + ": " +
                                   ec.message());
  json::Array operands, results;
  for (const FunctionValue &v : in) {
    if (llvm::Error e = writeValue(directory, v))
      return e;
    operands.push_back(describeJson(v));
  }
  for (const FunctionValue &v : out) {
    if (llvm::Error e = writeValue(directory, v))
      return e;
    results.push_back(describeJson(v));
  }
  json::Object manifest{{"format", kFormat},
                        {"module", file},
                        {"function", function},
                        {"operands", std::move(operands)},
                        {"results", std::move(results)}};
  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, "manifest.json");
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return llvm::createStringError("cannot write " + path + ": " +
                                   ec.message());
  os << llvm::formatv("{0:2}", json::Value(std::move(manifest))) << "\n";
  return llvm::Error::success();
}

/// Whether `directory`'s manifest.json is what --save wrote for these
/// operands of `function`: its format, function and each operand's name,
/// file, shape and dtype; an error naming the first that differs.
llvm::Error checkManifest(llvm::StringRef directory, llvm::StringRef function,
                          const std::vector<FunctionValue> &operands) {
  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, "manifest.json");
  auto bad = [&](const llvm::Twine &why) {
    return llvm::createStringError(("--load: " + path + ": " + why).str());
  };
  llvm::Expected<std::optional<std::string>> text =
      readRegularFile(path, 16 << 20);
  if (!text)
    return text.takeError();
  if (!*text)
    return bad("missing (--save writes it with the operands)");
  if (llvm::Error e = checkNestingDepth(**text, path, InputSyntax::Json))
    return e;
  llvm::Expected<json::Value> parsed = json::parse(**text);
  if (!parsed)
    return bad(llvm::toString(parsed.takeError()));
  const json::Object *manifest = parsed->getAsObject();
  if (!manifest || manifest->getString("format") != kFormat)
    return bad(llvm::Twine("not a function run's manifest (format ") + kFormat +
               ")");
  std::optional<llvm::StringRef> name = manifest->getString("function");
  if (name != function)
    return bad("it holds operands of @" + name.value_or("?") +
               "; this run is @" + function);
  const json::Array *saved = manifest->getArray("operands");
  if (!saved || saved->size() != operands.size())
    return bad(llvm::formatv("it lists {0} operands; @{1} takes {2}",
                             saved ? saved->size() : 0, function,
                             operands.size()));
  for (auto [i, v] : llvm::enumerate(operands)) {
    const json::Object *o = (*saved)[i].getAsObject();
    json::Object expected = describeJson(v);
    for (llvm::StringRef field : {"name", "file", "shape", "dtype"})
      if (!o || o->get(field) == nullptr ||
          *o->get(field) != *expected.get(field)) {
        std::string have = o && o->get(field)
                               ? llvm::formatv("{0}", *o->get(field)).str()
                               : "nothing";
        return bad(llvm::formatv("operand {0} ({1}): its {2} is {3}, the "
                                 "function's is {4}",
                                 i, v.name, field, have, *expected.get(field)));
      }
  }
  return llvm::Error::success();
}

/// Operands read from `directory`/argN.npy, as --save wrote them (with the
/// same --batch, --seq-len, --query-tokens and --num-pages where the
/// function has dynamic dimensions); floats are rounded to the operand's
/// storage type. The manifest must describe them.
llvm::Expected<std::vector<FunctionValue>> load(llvm::StringRef directory,
                                                mlir::func::FuncOp function,
                                                const FunctionShape &shape) {
  llvm::Expected<std::vector<FunctionValue>> operands =
      describeOperands(function, shape);
  if (!operands)
    return operands.takeError();
  if (llvm::Error e =
          checkManifest(directory, function.getSymName(), *operands))
    return std::move(e);
  for (FunctionValue &v : *operands) {
    llvm::SmallString<256> path(directory);
    llvm::sys::path::append(path, npyName(v));
    if (v.isInt) {
      llvm::Expected<std::vector<int32_t>> ints = npy::readI32(path, v.shape);
      if (!ints)
        return ints.takeError();
      v.ints = std::move(*ints);
      continue;
    }
    llvm::Expected<std::vector<float>> floats = npy::readF32(path, v.shape);
    if (!floats)
      return floats.takeError();
    v.floats = std::move(*floats);
    for (float &x : v.floats)
      x = roundTo(v.storage, x);
  }
  return std::move(*operands);
}

void printValue(const FunctionValue &v) {
  outs() << "  " << v.name << ": " << v.typeString() << " (" << toString(v.role)
         << ")";
  if (!v.isInt && !v.floats.empty()) {
    double maxAbs = 0, sumAbs = 0;
    int64_t nans = 0;
    for (float x : v.floats) {
      if (std::isnan(x)) {
        ++nans;
        continue;
      }
      maxAbs = std::max(maxAbs, double(std::abs(x)));
      sumAbs += std::abs(x);
    }
    outs() << llvm::format(": max |x| %.4e, mean |x| %.4e", maxAbs,
                           sumAbs / std::max<int64_t>(1, v.elements() - nans));
    if (nans)
      outs() << ", " << nans << " NaN";
  }
  outs() << "\n";
}

/// Compares each result with the function compiled as written.
bool compareResults(const std::vector<FunctionValue> &actual,
                    const std::vector<FunctionValue> &expected) {
  bool ok = true;
  for (auto [a, e] : llvm::zip(actual, expected)) {
    if (a.isInt) {
      bool same = a.ints == e.ints;
      outs() << "  " << a.name << (same ? ": equal\n" : ": DIFFERENT\n");
      ok &= same;
      continue;
    }
    std::vector<double> reference(e.floats.begin(), e.floats.end());
    // A cache compared whole keeps NaN, on both sides, in rows no one wrote.
    ErrorStats stats =
        compare(a.floats, reference,
                a.role == ValueRole::PagedCache ? NanPolicy::UnwrittenRows
                                                : NanPolicy::Fail);
    printErrorStats(outs(), a.name, stats);
    ok &= withinTolerance(stats, layerTolerance(a.storage));
  }
  return ok;
}

} // namespace

int mlagen::runFunction(const RunOptions &options, mlir::MLIRContext &context) {
  mlir::DialectRegistry registry;
  mlir::mla::registerCpuLoweringDialects(registry);
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  // Read here (a regular file only), its nesting bounded before parsing.
  llvm::Expected<std::optional<std::string>> text =
      readRegularFile(options.inputFile, int64_t(1) << 30);
  if (!text)
    return fail(text.takeError());
  if (!*text)
    return fail(llvm::createStringError("cannot read " + options.inputFile +
                                        ": No such file or directory"));
  if (llvm::Error e =
          checkNestingDepth(**text, options.inputFile, InputSyntax::Mlir))
    return fail(std::move(e));
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(**text, options.inputFile),
      llvm::SMLoc());
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  if (!module)
    return fail(llvm::createStringError("cannot parse " + options.inputFile));
  if (options.compileOnly)
    return compileModule(options, *module);
  llvm::Expected<mlir::func::FuncOp> function =
      pickFunction(*module, options.entry);
  if (!function)
    return fail(function.takeError());
  std::string name = function->getName().str();

  FunctionShape shape;
  shape.batch = options.shape.batch();
  shape.seqLen = *std::max_element(options.shape.seqLens.begin(),
                                   options.shape.seqLens.end());
  shape.newTokens = options.shape.queryTokens;
  shape.numPages = options.shape.numPages;
  llvm::Expected<std::vector<FunctionValue>> operands =
      options.loadDir.empty()
          ? makeFunctionInputs(*function, shape, options.seed)
          : load(options.loadDir, *function, shape);
  if (!operands)
    return fail(operands.takeError());
  outs() << "@" << name << " of " << options.inputFile << ", operands:\n";
  for (const FunctionValue &v : *operands)
    printValue(v);

  auto start = std::chrono::steady_clock::now();
  llvm::Expected<std::unique_ptr<FunctionRunner>> runner =
      FunctionRunner::create(*module, name, options.rewrite, options.splits,
                             shape, *operands);
  if (!runner)
    return fail(runner.takeError());
  outs() << llvm::format("compiled for the CPU in %.3f s%s\n",
                         secondsSince(start),
                         options.rewrite ? " (after mla-rewrite)" : "");
  if (options.printIR)
    outs() << (*runner)->rewrittenIR() << "\n";

  llvm::Expected<std::vector<double>> times = timeRuns(
      options.warmup, options.iterations, [&] { return (*runner)->run(); });
  if (!times)
    return fail(times.takeError());
  printTimes("call", *times);
  std::vector<FunctionValue> results = (*runner)->results();
  outs() << "results:\n";
  for (const FunctionValue &v : results)
    printValue(v);

  if (!options.saveDir.empty()) {
    if (llvm::Error e =
            save(options.saveDir, name, options.inputFile, *operands, results))
      return fail(std::move(e));
    outs() << "saved operands, results and manifest.json to " << options.saveDir
           << "\n";
  }
  if (!options.verify)
    return 0;
  llvm::Expected<std::unique_ptr<FunctionRunner>> asWritten =
      FunctionRunner::create(*module, name, /*rewrite=*/false, 0, shape,
                             *operands);
  if (!asWritten)
    return fail(asWritten.takeError());
  if (llvm::Error e = (*asWritten)->run())
    return fail(std::move(e));
  outs() << "verify against @" << name << " compiled as written "
         << "(no mla-rewrite):\n";
  bool ok = compareResults(results, (*asWritten)->results());
  outs() << (ok ? "verify: PASS\n" : "verify: FAIL (beyond tolerance)\n");
  return ok ? 0 : 1;
}
