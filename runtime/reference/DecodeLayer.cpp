//===- DecodeLayer.cpp - the naive MHA-form decode step -------------------===//
//
// The definition of one MLA layer, written the way the model code reads:
// nothing absorbed, every head's K and V materialized from the cached
// latents. Slow on purpose; it is the oracle.
//
//===----------------------------------------------------------------------===//

#include "mlagen/Reference.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlagen;
using namespace mlagen::reference;

namespace {

/// y[r] = sum_c w[r][c] x[c] for a row-major [rows, cols] weight.
std::vector<double> matVec(const float *w, int64_t rows, int64_t cols,
                           const double *x) {
  std::vector<double> y(rows, 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      y[r] += double(w[r * cols + c]) * x[c];
  return y;
}

/// x / sqrt(mean(x^2) + eps) * weight, in place.
void rmsNorm(double *x, const float *weight, int64_t dim, double eps) {
  double meanSquare = 0;
  for (int64_t i = 0; i < dim; ++i)
    meanSquare += x[i] * x[i];
  meanSquare /= dim;
  double inverse = 1.0 / std::sqrt(meanSquare + eps);
  for (int64_t i = 0; i < dim; ++i)
    x[i] = x[i] * inverse * weight[i];
}

llvm::Error checkSize(llvm::StringRef name, const std::vector<float> &values,
                      int64_t expected) {
  if (int64_t(values.size()) == expected)
    return llvm::Error::success();
  return llvm::createStringError(
      llvm::formatv("'{0}' holds {1} values, expected {2}", name, values.size(),
                    expected)
          .str());
}

llvm::Error checkWeights(const LayerConfig &c, const LayerWeights &w) {
  int64_t h = c.heads, dn = c.qkNopeHeadDim, dr = c.qkRopeHeadDim;
  int64_t dc = c.kvLoraRank, dv = c.vHeadDim, dm = c.dModel;
  if (llvm::Error e = checkSize("w_dq", w.wDq, c.qLoraRank * dm))
    return e;
  if (llvm::Error e = checkSize("q_norm", w.qNorm, c.qLoraRank))
    return e;
  if (llvm::Error e =
          checkSize("w_uq", w.wUq, h * (dn + dr) * c.queryInputDim()))
    return e;
  if (llvm::Error e = checkSize("w_dkv", w.wDkv, (dc + dr) * dm))
    return e;
  if (llvm::Error e = checkSize("kv_norm", w.kvNorm, dc))
    return e;
  if (llvm::Error e = checkSize("w_uk", w.wUk, h * dn * dc))
    return e;
  if (llvm::Error e = checkSize("w_uv", w.wUv, h * dv * dc))
    return e;
  return checkSize("w_o", w.wO, dm * h * dv);
}

/// One new token's query heads: q_nope [H][d_n] and rotated q_rope [H][d_r].
struct TokenQuery {
  std::vector<double> nope, rope;
};

TokenQuery projectQuery(const LayerConfig &c, const LayerWeights &w,
                        const double *hidden, int64_t position) {
  int64_t dn = c.qkNopeHeadDim, dr = c.qkRopeHeadDim;
  std::vector<double> input(hidden, hidden + c.dModel);
  if (c.hasQueryCompression()) {
    input = matVec(w.wDq.data(), c.qLoraRank, c.dModel, hidden);
    rmsNorm(input.data(), w.qNorm.data(), c.qLoraRank, c.rmsNormEps);
  }
  std::vector<double> all = matVec(w.wUq.data(), c.heads * (dn + dr),
                                   c.queryInputDim(), input.data());
  TokenQuery query{std::vector<double>(c.heads * dn),
                   std::vector<double>(c.heads * dr)};
  for (int64_t h = 0; h < c.heads; ++h) {
    const double *head = &all[h * (dn + dr)];
    std::copy(head, head + dn, &query.nope[h * dn]);
    std::copy(head + dn, head + dn + dr, &query.rope[h * dr]);
    applyRope(c.rope, &query.rope[h * dr], dr, position);
  }
  return query;
}

/// Compresses one token and writes [c_kv | rotated k_rope] into its row.
void appendToken(const LayerConfig &c, const LayerWeights &w,
                 const double *hidden, int64_t position, StorageType storage,
                 float *row) {
  int64_t dc = c.kvLoraRank, dr = c.qkRopeHeadDim;
  std::vector<double> latent = matVec(w.wDkv.data(), dc + dr, c.dModel, hidden);
  rmsNorm(latent.data(), w.kvNorm.data(), dc, c.rmsNormEps);
  applyRope(c.rope, &latent[dc], dr, position);
  for (int64_t i = 0; i < dc + dr; ++i)
    row[i] = roundTo(storage, float(latent[i]));
}

} // namespace

static llvm::Error checkStep(const LayerConfig &c, const LayerWeights &w,
                             const std::vector<float> &hidden,
                             int64_t queryTokens, const SequenceTable &table) {
  if (queryTokens < 1)
    return llvm::createStringError("a decode step needs at least one token");
  if (llvm::Error e = checkWeights(c, w))
    return e;
  return checkSize("hidden", hidden, table.batch * queryTokens * c.dModel);
}

llvm::Expected<QueryHeads>
reference::projectQueries(const LayerConfig &c, const LayerWeights &w,
                          const std::vector<float> &hidden, int64_t queryTokens,
                          const SequenceTable &table) {
  if (llvm::Error e = checkStep(c, w, hidden, queryTokens, table))
    return std::move(e);
  if (int64_t(table.seqLens.size()) != table.batch)
    return llvm::createStringError("seq_lens must hold one length a sequence");
  QueryHeads heads;
  for (int64_t b = 0; b < table.batch; ++b)
    for (int64_t k = 0; k < queryTokens; ++k) {
      const float *token = hidden.data() + (b * queryTokens + k) * c.dModel;
      std::vector<double> h(token, token + c.dModel);
      TokenQuery query =
          projectQuery(c, w, h.data(), int64_t(table.seqLens[b]) + k);
      heads.nope.insert(heads.nope.end(), query.nope.begin(), query.nope.end());
      heads.rope.insert(heads.rope.end(), query.rope.begin(), query.rope.end());
    }
  return heads;
}

llvm::Error reference::appendTokens(const LayerConfig &c, const LayerWeights &w,
                                    const std::vector<float> &hidden,
                                    int64_t queryTokens, StorageType storage,
                                    PagedCache &cache,
                                    const SequenceTable &table) {
  if (llvm::Error e = checkStep(c, w, hidden, queryTokens, table))
    return e;
  if (llvm::Error e = validate(c, cache, table, queryTokens))
    return e;
  for (int64_t b = 0; b < table.batch; ++b)
    for (int64_t k = 0; k < queryTokens; ++k) {
      const float *token = hidden.data() + (b * queryTokens + k) * c.dModel;
      std::vector<double> h(token, token + c.dModel);
      int64_t position = table.seqLens[b] + k;
      const int32_t *pages = &table.blockTable[b * table.width];
      appendToken(c, w, h.data(), position, storage,
                  cache.row(pages[position / cache.pageSize],
                            position % cache.pageSize));
    }
  return llvm::Error::success();
}

/// Softmax attention of one query head over the `visible` first keys of
/// one head: keys [key][d_n], values [key][d_v], ropeKeys [key][d_r].
static std::vector<double>
attendHead(const LayerConfig &c, const double *qNope, const double *qRope,
           const std::vector<double> &keys, const std::vector<double> &ropeKeys,
           const std::vector<double> &values, int64_t visible) {
  int64_t dn = c.qkNopeHeadDim, dr = c.qkRopeHeadDim, dv = c.vHeadDim;
  double scale = c.softmaxScale();
  std::vector<double> scores(visible);
  for (int64_t j = 0; j < visible; ++j) {
    double dot = 0;
    for (int64_t i = 0; i < dn; ++i)
      dot += qNope[i] * keys[j * dn + i];
    for (int64_t i = 0; i < dr; ++i)
      dot += qRope[i] * ropeKeys[j * dr + i];
    scores[j] = scale * dot;
  }
  double max = *std::max_element(scores.begin(), scores.end());
  double sum = 0;
  for (double s : scores)
    sum += std::exp(s - max);
  std::vector<double> out(dv, 0.0);
  for (int64_t j = 0; j < visible; ++j) {
    double weight = std::exp(scores[j] - max) / sum;
    for (int64_t i = 0; i < dv; ++i)
      out[i] += weight * values[j * dv + i];
  }
  return out;
}

llvm::Expected<std::vector<double>>
reference::decodeLayer(const LayerConfig &c, const LayerWeights &w,
                       const std::vector<float> &hidden, int64_t queryTokens,
                       StorageType storage, PagedCache &cache,
                       const SequenceTable &table) {
  llvm::Expected<QueryHeads> queries =
      projectQueries(c, w, hidden, queryTokens, table);
  if (!queries)
    return queries.takeError();
  if (llvm::Error e =
          appendTokens(c, w, hidden, queryTokens, storage, cache, table))
    return std::move(e);

  int64_t heads = c.heads, dn = c.qkNopeHeadDim, dr = c.qkRopeHeadDim;
  int64_t dc = c.kvLoraRank, dv = c.vHeadDim, dm = c.dModel;
  std::vector<double> out(table.batch * queryTokens * dm, 0.0);
  for (int64_t b = 0; b < table.batch; ++b) {
    const int32_t *pages = &table.blockTable[b * table.width];
    int64_t length = table.seqLens[b] + queryTokens;
    std::vector<double> latents(length * dc), ropeKeys(length * dr);
    for (int64_t j = 0; j < length; ++j) {
      const float *row =
          cache.row(pages[j / cache.pageSize], j % cache.pageSize);
      std::copy(row, row + dc, &latents[j * dc]);
      std::copy(row + dc, row + dc + dr, &ropeKeys[j * dr]);
    }
    // One head at a time, so that only one head's K and V for every cached
    // token are held (L x (d_n + d_v) values, not H times that).
    std::vector<double> headsOut(queryTokens * heads * dv);
    std::vector<double> keys(length * dn), values(length * dv);
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t j = 0; j < length; ++j) {
        std::vector<double> k =
            matVec(&w.wUk[h * dn * dc], dn, dc, &latents[j * dc]);
        std::vector<double> v =
            matVec(&w.wUv[h * dv * dc], dv, dc, &latents[j * dc]);
        std::copy(k.begin(), k.end(), &keys[j * dn]);
        std::copy(v.begin(), v.end(), &values[j * dv]);
      }
      for (int64_t k = 0; k < queryTokens; ++k) {
        int64_t token = b * queryTokens + k;
        // Bottom-right causal: the k-th new token sees itself and before.
        std::vector<double> o =
            attendHead(c, &queries->nope[(token * heads + h) * dn],
                       &queries->rope[(token * heads + h) * dr], keys, ropeKeys,
                       values, length - queryTokens + 1 + k);
        std::copy(o.begin(), o.end(), &headsOut[(k * heads + h) * dv]);
      }
    }
    for (int64_t k = 0; k < queryTokens; ++k) {
      std::vector<double> projected =
          matVec(w.wO.data(), dm, heads * dv, &headsOut[k * heads * dv]);
      std::copy(projected.begin(), projected.end(),
                &out[(b * queryTokens + k) * dm]);
    }
  }
  return out;
}
