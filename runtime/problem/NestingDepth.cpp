//===- NestingDepth.cpp - refuse input nested too deep to parse -----------===//

#include "runtime/problem/NestingDepth.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

#include <sys/mman.h>
#include <unistd.h>

using namespace mlagen;

llvm::Error mlagen::checkNestingDepth(llvm::StringRef text,
                                      llvm::StringRef name,
                                      InputSyntax syntax) {
  bool mlir = syntax == InputSyntax::Mlir;
  int depth = 0, line = 1;
  size_t lineStart = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line, lineStart = i + 1;
    } else if (c == '"') { // a string: to its closing quote
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
        else if (text[i] == '\n')
          ++line, lineStart = i + 1;
    } else if (mlir && c == '/' && text.substr(i).starts_with("//")) {
      while (i + 1 < text.size() && text[i + 1] != '\n')
        ++i;
    } else if (c == '[' || c == '{' || (mlir && (c == '(' || c == '<'))) {
      if (++depth > kMaxNestingDepth)
        return llvm::createStringError(
            llvm::formatv("{0}:{1}:{2}: nested deeper than {3} levels of "
                          "brackets, braces{4}: refused before parsing",
                          name, line, i - lineStart + 1, kMaxNestingDepth,
                          mlir ? ", parentheses and angle brackets" : "")
                .str());
    } else if (c == ']' || c == '}' ||
               (mlir &&
                (c == ')' || (c == '>' && (i == 0 || text[i - 1] != '-'))))) {
      depth = depth > 0 ? depth - 1 : 0;
    }
  }
  return llvm::Error::success();
}

llvm::Error mlagen::checkToolInputDepth(int argc, char **argv) {
  // A run that only informs reads no input.
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if (arg.starts_with("--help") || arg.starts_with("-help") || arg == "-h" ||
        arg == "--version" || arg == "-version" || arg == "--show-dialects" ||
        arg == "--list-passes")
      return llvm::Error::success();
  }
  // The input is an argument naming a file, wherever it stands (an
  // option's separate value that names one is checked too, harmlessly);
  // every regular one is checked. Other arguments are option values.
  bool named = false, dashes = false;
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if (!dashes && arg == "--") {
      dashes = true;
      continue;
    }
    if (arg == "-" || (!dashes && arg.starts_with("-")))
      continue;
    llvm::sys::fs::file_status status;
    if (llvm::sys::fs::status(arg, status)) {
      named |= arg.ends_with(".mlir"); // missing: the tool says so
      continue;
    }
    named = true;
    if (!llvm::sys::fs::is_regular_file(status))
      continue; // a FIFO or device: the tool refuses or reads it
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
        llvm::MemoryBuffer::getFile(arg, /*IsText=*/true);
    if (!buffer)
      continue;
    if (llvm::Error e =
            checkNestingDepth((*buffer)->getBuffer(), arg, InputSyntax::Mlir))
      return e;
  }
  // Else stdin, unless it is a terminal (someone typing): read, checked,
  // and handed back to the tool as a memory file with the same bytes.
  if (named || isatty(STDIN_FILENO))
    return llvm::Error::success();
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getSTDIN();
  if (!buffer)
    return llvm::Error::success(); // the tool reports it
  llvm::StringRef bytes = (*buffer)->getBuffer();
  int fd = memfd_create("mlagen-stdin", 0);
  bool kept = fd >= 0;
  for (size_t done = 0; kept && done < bytes.size();) {
    ssize_t wrote = write(fd, bytes.data() + done, bytes.size() - done);
    kept = wrote > 0;
    done += kept ? size_t(wrote) : 0;
  }
  kept = kept && lseek(fd, 0, SEEK_SET) == 0 && dup2(fd, STDIN_FILENO) >= 0;
  if (fd >= 0)
    close(fd);
  if (!kept)
    return llvm::createStringError("cannot keep standard input to parse");
  return checkNestingDepth(bytes, "<stdin>", InputSyntax::Mlir);
}
