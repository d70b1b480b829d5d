//===- NestingDepth.cpp - refuse input nested too deep to parse -----------===//

#include "runtime/problem/NestingDepth.h"

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
  // The first positional argument; "-o" takes the next one as its value.
  std::string input = "-";
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if (arg == "-o") {
      ++i;
      continue;
    }
    if (arg == "-" || !arg.starts_with("-")) {
      input = arg.str();
      break;
    }
  }
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      input == "-" ? llvm::MemoryBuffer::getSTDIN()
                   : llvm::MemoryBuffer::getFile(input, /*IsText=*/true);
  if (!buffer)
    return llvm::Error::success(); // the tool reports it
  if (input == "-") {
    // Stdin is consumed: the tool reads the same bytes from a memory file.
    int fd = memfd_create("mlagen-stdin", 0);
    llvm::StringRef bytes = (*buffer)->getBuffer();
    if (fd < 0 ||
        write(fd, bytes.data(), bytes.size()) != ssize_t(bytes.size()) ||
        lseek(fd, 0, SEEK_SET) != 0 || dup2(fd, STDIN_FILENO) < 0)
      return llvm::createStringError("cannot keep standard input to parse");
    close(fd);
  }
  return checkNestingDepth((*buffer)->getBuffer(),
                           input == "-" ? "<stdin>" : input, InputSyntax::Mlir);
}
