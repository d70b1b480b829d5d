//===- RegularFile.cpp - read a file only if it is one, and not too big ---===//

#include "runtime/problem/RegularFile.h"

#include "llvm/Support/FormatVariadic.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace mlagen;

llvm::Expected<std::optional<std::string>>
mlagen::readRegularFile(llvm::StringRef path, int64_t maxBytes) {
  auto systemError = [&](const char *what) {
    return llvm::createStringError(
        (llvm::Twine(what) + " " + path + ": " + std::strerror(errno)).str());
  };
  int fd = ::open(path.str().c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return std::nullopt;
    return systemError("cannot open");
  }
  struct stat info;
  std::string text, error;
  if (::fstat(fd, &info) != 0)
    error = (path + ": cannot stat: " + std::strerror(errno)).str();
  else if (!S_ISREG(info.st_mode))
    error = (path + " is not a regular file").str();
  else if (info.st_size > maxBytes)
    error = llvm::formatv("{0} holds {1} bytes, more than such a file may "
                          "({2})",
                          path, int64_t(info.st_size), maxBytes)
                .str();
  else {
    text.resize(info.st_size);
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::read(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        error = (path + ": cannot read: " +
                 (n < 0 ? std::strerror(errno) : "it shrank while read"))
                    .str();
        break;
      }
      done += n;
    }
  }
  ::close(fd);
  if (!error.empty())
    return llvm::createStringError(error);
  return text;
}
