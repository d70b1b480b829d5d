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
#include <type_traits>

namespace mlagen {

inline void hideLibraryOptions() {
  for (auto &[name, option] : llvm::cl::getRegisteredOptions()) {
    llvm::StringRef n = name;
    if (!n.starts_with("help") && n != "version")
      option->setHiddenFlag(llvm::cl::Hidden);
  }
}

/// Whether `o` is a cl::opt<T>; if so, `text` is its default as --help
/// shows it (empty when unset, an empty string, or a flag that is off).
template <class T> bool defaultText(llvm::cl::Option *o, std::string &text) {
  auto *option = dynamic_cast<llvm::cl::opt<T> *>(o);
  if (!option)
    return false;
  if (!option->getDefault().hasValue())
    return true;
  const T &value = option->getDefault().getValue();
  if constexpr (std::is_same_v<T, bool>)
    text = value ? "on" : "";
  else if constexpr (std::is_same_v<T, std::string>)
    text = value;
  else
    text = llvm::formatv("{0}", value).str();
  return true;
}

/// "(default: 64)" after the description of each option of `categories`
/// whose default is set (strings not empty, flags only when on).
inline void showDefaultsInHelp(
    llvm::ArrayRef<const llvm::cl::OptionCategory *> categories) {
  static std::deque<std::string> descriptions; // options keep StringRefs
  auto valueOf = [](llvm::cl::Option *o) -> std::string {
    std::string text;
    bool known =
        defaultText<int64_t>(o, text) || defaultText<uint64_t>(o, text) ||
        defaultText<int>(o, text) || defaultText<unsigned>(o, text) ||
        defaultText<double>(o, text) || defaultText<std::string>(o, text) ||
        defaultText<bool>(o, text);
    return known ? text : "";
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
