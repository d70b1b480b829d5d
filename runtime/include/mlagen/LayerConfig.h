//===- LayerConfig.h - an MLA layer's configuration ------------*- C++ -*-===//
//
// The numbers of one MLA layer, as the runtime and the reference need them,
// without MLIR types. The dialect's #mla.config converts to it
// (toLayerConfig in ConfigConversion.h).
//
//===----------------------------------------------------------------------===//

#ifndef MLAGEN_LAYERCONFIG_H
#define MLAGEN_LAYERCONFIG_H

#include "mlagen/StorageType.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlagen {

enum class RopePairing {
  Interleaved, // pairs (x[2k], x[2k+1])
  Half,        // pairs (x[k], x[k + d/2])
};

/// YaRN rope scaling, as in a model config's rope_scaling block.
struct YarnScaling {
  double factor;
  int64_t originalMaxPosition;
  double betaFast, betaSlow, mscale, mscaleAllDim;
};

struct RopeConfig {
  double theta = 10000.0;
  RopePairing pairing = RopePairing::Interleaved;
  std::optional<YarnScaling> yarn;

  /// inv_freq[k] for k < dim / 2, with YaRN's blend of interpolated and
  /// extrapolated frequencies when present.
  std::vector<double> inverseFrequencies(int64_t dim) const;
  /// The factor cos and sin are multiplied by (1 without YaRN).
  double cosSinScale() const;
};

struct LayerConfig {
  int64_t heads, dModel;
  int64_t qLoraRank; // 0: no query compression
  int64_t kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim;
  double rmsNormEps = 1e-6;
  RopeConfig rope;

  bool hasQueryCompression() const { return qLoraRank > 0; }
  /// Values per cached row: kvLoraRank + qkRopeHeadDim.
  int64_t rowWidth() const { return kvLoraRank + qkRopeHeadDim; }
  /// Width of the query up-projection's input: qLoraRank or dModel.
  int64_t queryInputDim() const {
    return hasQueryCompression() ? qLoraRank : dModel;
  }
  /// 1/sqrt(d_n + d_r), times YaRN's mscale squared.
  double softmaxScale() const;
};

/// `config` with `storage` as #mla.config<...> text, every field spelled
/// out (what the IR the runtime builds says of its config).
std::string configText(const LayerConfig &config, StorageType storage);

} // namespace mlagen

#endif // MLAGEN_LAYERCONFIG_H
