//===- ToolOptions.h - what --help shows of a tool's options ----*- C++ -*-===//
//
// Linking LLVM registers every backend's command-line options; a tool's
// --help should list its own. hideLibraryOptions() hides (from --help, not
// from use; --help-hidden lists them) every option registered before main,
// for the tools whose own options MLIR registers at run time (mla-opt,
// mla-translate). showDefaultsInHelp() appends each option's default to its
// description, for the tools with options of their own.
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_TOOLS_TOOLOPTIONS_H
#define MLAGEN_TOOLS_TOOLOPTIONS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"

#include <deque>
#include <string>

namespace mlagen {

inline void hideLibraryOptions() {
  for (auto &[name, option] : llvm::cl::getRegisteredOptions()) {
    llvm::StringRef n = name;
    if (!n.starts_with("help") && n != "version")
      option->setHiddenFlag(llvm::cl::Hidden);
  }
}

/// "(default: 64)" after the description of each option of `categories`
/// whose default is set (strings not empty, flags only when on).
inline void showDefaultsInHelp(
    llvm::ArrayRef<const llvm::cl::OptionCategory *> categories) {
  static std::deque<std::string> descriptions; // options keep StringRefs
  auto valueOf = [](llvm::cl::Option *o) -> std::string {
    namespace cl = llvm::cl;
    if (auto *v = dynamic_cast<cl::opt<int64_t> *>(o))
      return v->getDefault().hasValue()
                 ? std::to_string(v->getDefault().getValue())
                 : "";
    if (auto *v = dynamic_cast<cl::opt<uint64_t> *>(o))
      return v->getDefault().hasValue()
                 ? std::to_string(v->getDefault().getValue())
                 : "";
    if (auto *v = dynamic_cast<cl::opt<int> *>(o))
      return v->getDefault().hasValue()
                 ? std::to_string(v->getDefault().getValue())
                 : "";
    if (auto *v = dynamic_cast<cl::opt<unsigned> *>(o))
      return v->getDefault().hasValue()
                 ? std::to_string(v->getDefault().getValue())
                 : "";
    if (auto *v = dynamic_cast<cl::opt<double> *>(o))
      return v->getDefault().hasValue()
                 ? llvm::formatv("{0}", v->getDefault().getValue()).str()
                 : "";
    if (auto *v = dynamic_cast<cl::opt<std::string> *>(o))
      return v->getDefault().hasValue() ? v->getDefault().getValue() : "";
    if (auto *v = dynamic_cast<cl::opt<bool> *>(o))
      return v->getDefault().hasValue() && v->getDefault().getValue() ? "on"
                                                                      : "";
    return "";
  };
  for (auto &[name, option] : llvm::cl::getRegisteredOptions()) {
    bool ours = llvm::any_of(option->Categories, [&](auto *c) {
      return llvm::is_contained(categories, c);
    });
    std::string value = ours ? valueOf(option) : "";
    if (value.empty() || option->HelpStr.contains("(default"))
      continue;
    descriptions.push_back(
        (option->HelpStr + " (default: " + value + ")").str());
    option->setDescription(descriptions.back());
  }
}

} // namespace mlagen

#endif // MLAGEN_TOOLS_TOOLOPTIONS_H
