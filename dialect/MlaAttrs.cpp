//===- MlaAttrs.cpp - attributes of the mla dialect -----------------------===//

#include "dialect/MlaDialect.h"
#include "dialect/ModelPresets.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"
#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::mla;

#define GET_ATTRDEF_CLASSES
#include "dialect/MlaAttrs.cpp.inc"

void MlaDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/MlaAttrs.cpp.inc"
      >();
}

FailureOr<APFloat> mlir::mla::parseF64(AsmParser &parser) {
  double value;
  if (parser.parseFloat(value))
    return failure();
  return APFloat(value);
}

/// The value of a float parameter (always held in double semantics).
static double toDouble(const APFloat &value) { return value.convertToDouble(); }

//===----------------------------------------------------------------------===//
// YarnAttr and RopeAttr
//===----------------------------------------------------------------------===//

/// DeepSeek's yarn_get_mscale: how much YaRN sharpens attention.
static double yarnMscale(double factor, double mscale) {
  return factor <= 1.0 ? 1.0 : 0.1 * mscale * std::log(factor) + 1.0;
}

double YarnAttr::getSoftmaxMscale() const {
  return yarnMscale(toDouble(getFactor()), toDouble(getMscaleAllDim()));
}

double YarnAttr::getCosSinScale() const {
  double factor = toDouble(getFactor());
  return yarnMscale(factor, toDouble(getMscale())) /
         yarnMscale(factor, toDouble(getMscaleAllDim()));
}

LogicalResult YarnAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               APFloat factorValue, int64_t originalMaxPosition,
                               APFloat betaFastValue, APFloat betaSlowValue,
                               APFloat mscaleValue, APFloat mscaleAllDimValue) {
  double factor = toDouble(factorValue), betaFast = toDouble(betaFastValue);
  double betaSlow = toDouble(betaSlowValue), mscale = toDouble(mscaleValue);
  double mscaleAllDim = toDouble(mscaleAllDimValue);
  if (!std::isfinite(factor) || factor < 1.0)
    return emitError() << "yarn factor must be a finite number >= 1, got "
                       << factor;
  if (originalMaxPosition <= 0)
    return emitError() << "yarn original_max_position must be positive, got "
                       << originalMaxPosition;
  if (!std::isfinite(betaFast) || !std::isfinite(betaSlow) || betaSlow <= 0 ||
      betaFast < betaSlow)
    return emitError() << "yarn needs 0 < beta_slow <= beta_fast, got "
                          "beta_fast = "
                       << betaFast << ", beta_slow = " << betaSlow;
  if (!std::isfinite(mscale) || !std::isfinite(mscaleAllDim) || mscale < 0 ||
      mscaleAllDim < 0)
    return emitError() << "yarn mscale and mscale_all_dim must be finite and "
                          "non-negative, got "
                       << mscale << " and " << mscaleAllDim;
  return success();
}

/// The dimension index at which a frequency makes `rotations` turns over
/// the original context (DeepSeek's yarn_find_correction_dim).
static double correctionDim(double rotations, int64_t dim, double theta,
                            int64_t maxPosition) {
  return dim * std::log(maxPosition / (rotations * 2 * M_PI)) /
         (2 * std::log(theta));
}

SmallVector<double> RopeAttr::getInverseFrequencies(int64_t dim) const {
  double theta = getThetaValue();
  SmallVector<double> frequencies(dim / 2);
  for (int64_t k = 0; k < dim / 2; ++k)
    frequencies[k] = std::pow(theta, -2.0 * k / dim);
  YarnAttr yarn = getYarn();
  if (!yarn)
    return frequencies;
  double factor = yarn.getFactorValue();
  int64_t original = yarn.getOriginalMaxPosition();
  double low =
      std::max(0.0, std::floor(correctionDim(toDouble(yarn.getBetaFast()), dim,
                                             theta, original)));
  double high = std::min(double(dim - 1),
                         std::ceil(correctionDim(toDouble(yarn.getBetaSlow()),
                                                 dim, theta, original)));
  if (low == high)
    high += 0.001;
  // Below `low` keep the frequency, above `high` interpolate it by `factor`,
  // linearly in between.
  for (int64_t k = 0; k < dim / 2; ++k) {
    double ramp = std::clamp((k - low) / (high - low), 0.0, 1.0);
    frequencies[k] =
        frequencies[k] * (1.0 - ramp) + frequencies[k] / factor * ramp;
  }
  return frequencies;
}

LogicalResult RopeAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               APFloat thetaValue, RopePairing, YarnAttr) {
  double theta = toDouble(thetaValue);
  if (!std::isfinite(theta) || theta <= 1.0)
    return emitError() << "rope theta must be a finite number > 1, got "
                       << theta;
  return success();
}

//===----------------------------------------------------------------------===//
// ConfigAttr
//===----------------------------------------------------------------------===//

double ConfigAttr::getSoftmaxScale() const {
  double scale =
      1.0 / std::sqrt(double(getQkNopeHeadDim() + getQkRopeHeadDim()));
  if (YarnAttr yarn = getRope().getYarn())
    scale *= yarn.getSoftmaxMscale() * yarn.getSoftmaxMscale();
  return scale;
}

namespace {
/// A config field as written in IR: its key and its value as an attribute
/// (integers as i64, rms_norm_eps as f64, types as TypeAttr).
using ConfigField = std::pair<StringRef, Attribute>;
} // namespace

static SmallVector<ConfigField> getFields(ConfigAttr config) {
  Builder b(config.getContext());
  return {{"heads", b.getI64IntegerAttr(config.getHeads())},
          {"d_model", b.getI64IntegerAttr(config.getDModel())},
          {"q_lora_rank", b.getI64IntegerAttr(config.getQLoraRank())},
          {"kv_lora_rank", b.getI64IntegerAttr(config.getKvLoraRank())},
          {"qk_nope_head_dim", b.getI64IntegerAttr(config.getQkNopeHeadDim())},
          {"qk_rope_head_dim", b.getI64IntegerAttr(config.getQkRopeHeadDim())},
          {"v_head_dim", b.getI64IntegerAttr(config.getVHeadDim())},
          {"rms_norm_eps", b.getF64FloatAttr(config.getEpsilon())},
          {"rope", config.getRope()},
          {"storage", TypeAttr::get(config.getStorageType())},
          {"accum", TypeAttr::get(config.getAccumType())}};
}

/// The fields of `config` that differ from `base`.
static SmallVector<ConfigField> getFieldsDifferingFrom(ConfigAttr config,
                                                       ConfigAttr base) {
  SmallVector<ConfigField> fields = getFields(config), differing;
  SmallVector<ConfigField> baseFields = getFields(base);
  for (auto [field, baseField] : llvm::zip_equal(fields, baseFields))
    if (field.second != baseField.second)
      differing.push_back(field);
  return differing;
}

/// The preset `config` differs from in the fewest fields (at most
/// `maxDifferences`), and those fields.
static const ModelPreset *findBasePreset(ConfigAttr config,
                                         size_t maxDifferences,
                                         SmallVector<ConfigField> &differing) {
  const ModelPreset *best = nullptr;
  for (const ModelPreset &preset : getModelPresets()) {
    SmallVector<ConfigField> fields = getFieldsDifferingFrom(
        config, getPresetConfig(config.getContext(), preset));
    if (fields.size() <= maxDifferences &&
        (!best || fields.size() < differing.size())) {
      best = &preset;
      differing = std::move(fields);
    }
  }
  return best;
}

// Tensor parallelism changes heads; a dtype or two may change as well.
static constexpr size_t kMaxPrintedOverrides = 3;

std::optional<StringRef> ConfigAttr::getBasePresetName() const {
  SmallVector<ConfigField> differing;
  const ModelPreset *preset =
      findBasePreset(*this, kMaxPrintedOverrides, differing);
  return preset ? std::optional(preset->name) : std::nullopt;
}

LogicalResult ConfigAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t heads, int64_t dModel,
                                 int64_t qLoraRank, int64_t kvLoraRank,
                                 int64_t qkNopeHeadDim, int64_t qkRopeHeadDim,
                                 int64_t vHeadDim, APFloat rmsNormEpsValue,
                                 RopeAttr rope, Type storageType,
                                 Type accumType) {
  // Dimensions beyond 2^20 are no model's and would overflow size arithmetic.
  constexpr int64_t kMaxDim = int64_t(1) << 20;
  auto checkDim = [&](StringRef name, int64_t value,
                      int64_t min) -> LogicalResult {
    if (value < min || value > kMaxDim)
      return emitError() << "config field '" << name << "' must be in [" << min
                         << ", " << kMaxDim << "], got " << value;
    return success();
  };
  if (failed(checkDim("heads", heads, 1)) ||
      failed(checkDim("d_model", dModel, 1)) ||
      failed(checkDim("q_lora_rank", qLoraRank, 0)) ||
      failed(checkDim("kv_lora_rank", kvLoraRank, 1)) ||
      failed(checkDim("qk_nope_head_dim", qkNopeHeadDim, 1)) ||
      failed(checkDim("qk_rope_head_dim", qkRopeHeadDim, 2)) ||
      failed(checkDim("v_head_dim", vHeadDim, 1)))
    return failure();
  if (qkRopeHeadDim % 2 != 0)
    return emitError() << "config field 'qk_rope_head_dim' must be even (RoPE "
                          "rotates pairs), got "
                       << qkRopeHeadDim;
  double rmsNormEps = toDouble(rmsNormEpsValue);
  if (!std::isfinite(rmsNormEps) || rmsNormEps <= 0)
    return emitError() << "config field 'rms_norm_eps' must be positive, got "
                       << rmsNormEps;
  if (!rope)
    return emitError() << "config field 'rope' is missing";
  if (!isa_and_nonnull<FloatType>(storageType))
    return emitError() << "config field 'storage' must be a float type, got "
                       << storageType;
  auto accum = dyn_cast_or_null<FloatType>(accumType);
  if (!accum || accum.getWidth() < 32 ||
      accum.getWidth() < cast<FloatType>(storageType).getWidth())
    return emitError() << "config field 'accum' must be f32 or wider, and "
                          "no narrower than storage, got "
                       << accumType;
  return success();
}

namespace {
/// The fields of a config while it is being parsed; a preset fills them
/// all, explicit fields override.
struct ConfigFields {
  std::optional<int64_t> heads, dModel, kvLoraRank, qkNopeHeadDim,
      qkRopeHeadDim, vHeadDim;
  int64_t qLoraRank = 0;
  double rmsNormEps = 1e-6;
  RopeAttr rope;
  Type storage, accum;

  void setFrom(ConfigAttr c) {
    heads = c.getHeads();
    dModel = c.getDModel();
    qLoraRank = c.getQLoraRank();
    kvLoraRank = c.getKvLoraRank();
    qkNopeHeadDim = c.getQkNopeHeadDim();
    qkRopeHeadDim = c.getQkRopeHeadDim();
    vHeadDim = c.getVHeadDim();
    rmsNormEps = toDouble(c.getRmsNormEps());
    rope = c.getRope();
    storage = c.getStorageType();
    accum = c.getAccumType();
  }
};
} // namespace

static std::string listPresetNames() {
  std::string names;
  for (const ModelPreset &preset : getModelPresets())
    names += (names.empty() ? "" : ", ") + preset.name.str();
  return names;
}

Attribute ConfigAttr::parse(AsmParser &parser, Type) {
  MLIRContext *context = parser.getContext();
  SMLoc loc = parser.getCurrentLocation();
  ConfigFields fields;
  if (parser.parseLess())
    return {};

  std::string presetName;
  bool hasPreset = succeeded(parser.parseOptionalString(&presetName));
  if (hasPreset) {
    const ModelPreset *preset = lookupModelPreset(presetName);
    if (!preset) {
      parser.emitError(loc, "unknown MLA preset '")
          << presetName << "'; known presets: " << listPresetNames();
      return {};
    }
    fields.setFrom(getPresetConfig(context, *preset));
  }

  llvm::StringSet<> seen;
  auto parseField = [&]() -> ParseResult {
    SMLoc keyLoc = parser.getCurrentLocation();
    StringRef key;
    if (parser.parseKeyword(&key) || parser.parseEqual())
      return failure();
    if (!seen.insert(key).second)
      return parser.emitError(keyLoc, "config field '") << key << "' repeated";
    auto parseInt = [&](std::optional<int64_t> &out) -> ParseResult {
      int64_t value;
      if (parser.parseInteger(value))
        return failure();
      out = value;
      return success();
    };
    std::optional<int64_t> qLora;
    if (key == "heads")
      return parseInt(fields.heads);
    if (key == "d_model")
      return parseInt(fields.dModel);
    if (key == "kv_lora_rank")
      return parseInt(fields.kvLoraRank);
    if (key == "qk_nope_head_dim")
      return parseInt(fields.qkNopeHeadDim);
    if (key == "qk_rope_head_dim")
      return parseInt(fields.qkRopeHeadDim);
    if (key == "v_head_dim")
      return parseInt(fields.vHeadDim);
    if (key == "q_lora_rank") {
      if (parseInt(qLora))
        return failure();
      fields.qLoraRank = *qLora;
      return success();
    }
    if (key == "rms_norm_eps")
      return parser.parseFloat(fields.rmsNormEps);
    if (key == "rope")
      return parser.parseAttribute(fields.rope);
    if (key == "storage")
      return parser.parseType(fields.storage);
    if (key == "accum")
      return parser.parseType(fields.accum);
    return parser.emitError(keyLoc, "unknown config field '")
           << key
           << "'; expected heads, d_model, q_lora_rank, kv_lora_rank, "
              "qk_nope_head_dim, qk_rope_head_dim, v_head_dim, rms_norm_eps, "
              "rope, storage or accum";
  };
  if (!hasPreset || succeeded(parser.parseOptionalComma()))
    if (parser.parseCommaSeparatedList(parseField))
      return {};
  if (parser.parseGreater())
    return {};

  for (auto [name, value] : {std::pair{"heads", fields.heads},
                             {"d_model", fields.dModel},
                             {"kv_lora_rank", fields.kvLoraRank},
                             {"qk_nope_head_dim", fields.qkNopeHeadDim},
                             {"qk_rope_head_dim", fields.qkRopeHeadDim},
                             {"v_head_dim", fields.vHeadDim}}) {
    if (!value) {
      parser.emitError(loc, "config is missing field '")
          << name << "' (or name a preset: " << listPresetNames() << ")";
      return {};
    }
  }
  if (!fields.storage) {
    parser.emitError(loc, "config is missing field 'storage'");
    return {};
  }
  Builder b(context);
  if (!fields.rope)
    fields.rope = RopeAttr::get(context, APFloat(10000.0),
                                RopePairing::Interleaved, YarnAttr());
  if (!fields.accum)
    fields.accum = b.getF32Type();
  return ConfigAttr::getChecked(
      [&] { return parser.emitError(loc); }, context, *fields.heads,
      *fields.dModel, fields.qLoraRank, *fields.kvLoraRank,
      *fields.qkNopeHeadDim, *fields.qkRopeHeadDim, *fields.vHeadDim,
      APFloat(fields.rmsNormEps), fields.rope, fields.storage, fields.accum);
}

static void printField(AsmPrinter &printer, const ConfigField &field) {
  printer << field.first << " = ";
  if (auto integer = dyn_cast<IntegerAttr>(field.second))
    printer << integer.getInt();
  else if (auto real = dyn_cast<FloatAttr>(field.second))
    printer.printFloat(real.getValue());
  else if (auto type = dyn_cast<TypeAttr>(field.second))
    printer << type.getValue();
  else
    printer.printAttribute(field.second);
}

void ConfigAttr::print(AsmPrinter &printer) const {
  printer << '<';
  SmallVector<ConfigField> fields;
  if (const ModelPreset *preset =
          findBasePreset(*this, kMaxPrintedOverrides, fields)) {
    printer << '"' << preset->name << '"';
    for (const ConfigField &field : fields) {
      printer << ", ";
      printField(printer, field);
    }
  } else {
    llvm::interleaveComma(
        llvm::make_filter_range(getFields(*this),
                                [&](const ConfigField &field) {
                                  // q_lora_rank = 0 means none: omit it.
                                  return field.first != "q_lora_rank" ||
                                         hasQueryCompression();
                                }),
        printer, [&](const ConfigField &field) { printField(printer, field); });
  }
  printer << '>';
}

//===----------------------------------------------------------------------===//
// CudaTilingAttr
//===----------------------------------------------------------------------===//

/// "sm_90a" -> 90; 0 when `arch` is not sm_<digits> with an optional "a".
static int64_t computeCapabilityOf(StringRef arch) {
  if (!arch.consume_front("sm_"))
    return 0;
  arch.consume_back("a");
  int64_t capability;
  if (arch.empty() || arch.getAsInteger(10, capability))
    return 0;
  return capability;
}

LogicalResult
DecodeScheduleAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                           int64_t parts, int64_t keysPerUnit,
                           int64_t overheadUnits) {
  // A CUDA grid's y extent bounds the parts; the units fit an int.
  if (parts < 1 || parts > 65535)
    return emitError() << "decode_schedule parts must be in [1, 65535], got "
                       << parts;
  if (keysPerUnit < 1 || keysPerUnit > 65536)
    return emitError() << "decode_schedule keys_per_unit must be in [1, "
                          "65536], got "
                       << keysPerUnit;
  if (overheadUnits < 1 || overheadUnits > 1024)
    return emitError() << "decode_schedule overhead_units must be in [1, "
                          "1024], got "
                       << overheadUnits;
  return success();
}

int64_t CudaTilingAttr::getComputeCapability() const {
  return computeCapabilityOf(getArch());
}

LogicalResult
CudaTilingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                       StringRef arch, int64_t rowsPerCta, int64_t keysPerTile,
                       int64_t warps, int64_t stages, MmaFlavor mma) {
  int64_t capability = computeCapabilityOf(arch);
  if (capability < 80)
    return emitError() << "cuda_tiling arch must be sm_80 or later (sm_<N> "
                          "or sm_<N>a), got \""
                       << arch << "\"";
  auto powerOfTwoIn = [](int64_t v, int64_t lo, int64_t hi) {
    return v >= lo && v <= hi && llvm::isPowerOf2_64(v);
  };
  if (!powerOfTwoIn(rowsPerCta, 16, 128))
    return emitError() << "cuda_tiling rows_per_cta must be a power of two in "
                          "[16, 128] (whole m16 MMA tiles), got "
                       << rowsPerCta;
  if (!powerOfTwoIn(keysPerTile, 16, 256))
    return emitError() << "cuda_tiling keys_per_tile must be a power of two in "
                          "[16, 256], got "
                       << keysPerTile;
  if (!powerOfTwoIn(warps, 1, 16))
    return emitError() << "cuda_tiling warps must be a power of two in [1, "
                          "16], got "
                       << warps;
  if (stages < 1 || stages > 4)
    return emitError() << "cuda_tiling stages must be in [1, 4], got "
                       << stages;
  if (mma == MmaFlavor::Wgmma && arch != "sm_90a")
    return emitError() << "cuda_tiling mma = wgmma needs arch \"sm_90a\", got "
                          "\""
                       << arch << "\"";
  if (mma == MmaFlavor::Wgmma && warps % 4 != 0)
    return emitError() << "cuda_tiling mma = wgmma needs whole warpgroups (a "
                          "multiple of 4 warps), got "
                       << warps;
  return success();
}
