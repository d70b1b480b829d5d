//===- Rope.cpp - decoupled RoPE in double precision ----------------------===//

#include "mlagen/Reference.h"

#include <cmath>

using namespace mlagen;

void reference::applyRope(const RopeConfig &rope, double *x, int64_t dim,
                          int64_t position) {
  std::vector<double> inverseFrequencies = rope.inverseFrequencies(dim);
  double scale = rope.cosSinScale();
  int64_t pairs = dim / 2;
  for (int64_t k = 0; k < pairs; ++k) {
    double angle = double(position) * inverseFrequencies[k];
    double c = std::cos(angle) * scale, s = std::sin(angle) * scale;
    int64_t i = rope.pairing == RopePairing::Interleaved ? 2 * k : k;
    int64_t j =
        rope.pairing == RopePairing::Interleaved ? 2 * k + 1 : k + pairs;
    double xi = x[i], xj = x[j];
    x[i] = xi * c - xj * s;
    x[j] = xj * c + xi * s;
  }
}
