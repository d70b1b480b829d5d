//===- TunePlot.cpp - mla-tune --plot -------------------------------------===//

#include "TunePlot.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

using namespace mlagen;

namespace {

constexpr double kColumn = 90, kLeft = 70, kTop = 30, kHeight = 300;

std::string escaped(llvm::StringRef text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '&':
      out += "&amp;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

} // namespace

llvm::Error mlagen::writeTunePlot(const std::string &path,
                                  const std::vector<PlotBucket> &buckets) {
  double low = INFINITY, high = 0;
  for (const PlotBucket &b : buckets) {
    for (const PlotCandidate &c : b.candidates) {
      low = std::min(low, c.seconds);
      high = std::max(high, c.seconds);
    }
    if (b.boundSeconds > 0) {
      low = std::min(low, b.boundSeconds);
      high = std::max(high, b.boundSeconds);
    }
  }
  if (!(high > 0))
    low = 1e-3, high = 1e-2;
  double logLow = std::floor(std::log10(low)),
         logHigh = std::max(logLow + 1, std::ceil(std::log10(high)));
  auto y = [&](double seconds) {
    return kTop +
           kHeight * (logHigh - std::log10(seconds)) / (logHigh - logLow);
  };
  double width = kLeft + kColumn * std::max<size_t>(1, buckets.size()) + 20;
  double height = kTop + kHeight + 120;

  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return llvm::createStringError("cannot write " + path + ": " +
                                   ec.message());
  os << llvm::formatv("<svg xmlns=\"http://www.w3.org/2000/svg\" "
                      "width=\"{0:f0}\" height=\"{1:f0}\" font-family="
                      "\"sans-serif\" font-size=\"10\">\n",
                      width, height);
  os << "<title>mla-tune: every candidate's median time per bucket; the "
        "winner green, the default red, the roofline dashed</title>\n";
  for (double e = logLow; e <= logHigh; ++e)
    os << llvm::formatv("<line x1=\"{0}\" x2=\"{1:f0}\" y1=\"{2:f1}\" "
                        "y2=\"{2:f1}\" stroke=\"#ddd\"/><text x=\"4\" "
                        "y=\"{3:f1}\">{4} ms</text>\n",
                        kLeft, width - 10, y(std::pow(10.0, e)),
                        y(std::pow(10.0, e)) + 3, std::pow(10.0, e + 3));
  for (auto [i, b] : llvm::enumerate(buckets)) {
    double x = kLeft + kColumn * (i + 0.5);
    os << llvm::formatv("<text x=\"{0:f1}\" y=\"{1:f1}\" transform=\"rotate("
                        "60 {0:f1} {1:f1})\">{2}</text>\n",
                        x - 20, kTop + kHeight + 12, escaped(b.name));
    if (b.boundSeconds > 0)
      os << llvm::formatv("<line class=\"roofline\" x1=\"{0:f1}\" "
                          "x2=\"{1:f1}\" y1=\"{2:f1}\" y2=\"{2:f1}\" "
                          "stroke=\"black\" stroke-dasharray=\"3,2\"/>\n",
                          x - 30, x + 30, y(b.boundSeconds));
    for (const PlotCandidate &c : b.candidates) {
      const char *fill = c.winner ? "green" : (c.isDefault ? "red" : "#4477aa");
      double r = c.winner || c.isDefault ? 5 : 3;
      os << llvm::formatv("<circle class=\"candidate\" cx=\"{0:f1}\" "
                          "cy=\"{1:f1}\" r=\"{2}\" fill=\"{3}\" "
                          "fill-opacity=\"0.7\"><title>{4}: {5:f3} ms{6}{7}"
                          "</title></circle>\n",
                          x, y(c.seconds), r, fill, escaped(c.variant),
                          c.seconds * 1e3, c.winner ? " (winner)" : "",
                          c.isDefault ? " (default)" : "");
    }
  }
  os << "</svg>\n";
  os.close();
  if (os.has_error()) {
    os.clear_error(); // else the stream's destructor aborts the process
    return llvm::createStringError("cannot write " + path);
  }
  return llvm::Error::success();
}
