//===- MlaAttrs.td - attributes of the mla dialect ---------*- tablegen -*-===//

#ifndef MLAGEN_DIALECT_MLAATTRS_TD
#define MLAGEN_DIALECT_MLAATTRS_TD

include "dialect/MlaDialect.td"
include "dialect/MlaEnums.td"
include "mlir/IR/AttrTypeBase.td"

class Mla_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Mla_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

// An IEEE double, held as an APFloat so that attributes can be hashed.
def Mla_F64Parameter : APFloatParameter<"a 64-bit float"> {
  let parser = "::mlir::mla::parseF64($_parser)";
  let printer = "$_printer.printFloat($_self)";
}

def Mla_YarnAttr : Mla_Attr<"Yarn", "yarn"> {
  let summary = "YaRN context extension of RoPE";
  let description = [{
    The rope_scaling block of a model config with type "yarn". It changes
    the RoPE frequencies (blending interpolated and extrapolated ones between
    beta_slow and beta_fast rotations over the original context) and the
    softmax scale (multiplied by attention_factor^2).
  }];
  let parameters = (ins
    Mla_F64Parameter:$factor,
    "int64_t":$original_max_position,
    Mla_F64Parameter:$beta_fast,
    Mla_F64Parameter:$beta_slow,
    Mla_F64Parameter:$mscale,
    Mla_F64Parameter:$mscale_all_dim
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    double getFactorValue() const { return getFactor().convertToDouble(); }
    /// The factor the softmax scale is multiplied by, squared:
    /// 0.1 * mscale_all_dim * ln(factor) + 1 (1 when factor <= 1).
    double getSoftmaxMscale() const;
    /// The factor cos/sin tables are multiplied by:
    /// mscale(factor, mscale) / mscale(factor, mscale_all_dim).
    double getCosSinScale() const;
  }];
}

def Mla_RopeAttr : Mla_Attr<"Rope", "rope"> {
  let summary = "decoupled RoPE settings";
  let description = [{
    Base frequency theta (inv_freq_k = theta^(-2k/d_r)), the pairing of
    rotated elements, and an optional YaRN extension.
  }];
  let parameters = (ins
    Mla_F64Parameter:$theta,
    EnumParameter<Mla_RopePairing>:$pairing,
    OptionalParameter<"YarnAttr">:$yarn
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    double getThetaValue() const { return getTheta().convertToDouble(); }
    /// inv_freq[k] for k < dim / 2, YaRN's blend of interpolated and
    /// extrapolated frequencies where present.
    llvm::SmallVector<double> getInverseFrequencies(int64_t dim) const;
    /// The factor cos and sin are multiplied by (1 without YaRN).
    double getCosSinScale() const {
      return getYarn() ? getYarn().getCosSinScale() : 1.0;
    }
  }];
}

def Mla_ConfigAttr : Mla_Attr<"Config", "config"> {
  let summary = "configuration of one MLA layer";
  let description = [{
    Written either field by field or as a named preset with optional
    overrides:

    ```mlir
    #mla.config<"deepseek-v3">
    #mla.config<"deepseek-v3", heads = 16>        // tensor parallel 8
    #mla.config<heads = 16, d_model = 2048, kv_lora_rank = 512,
                qk_nope_head_dim = 128, qk_rope_head_dim = 64,
                v_head_dim = 128, storage = bf16>
    ```

    q_lora_rank = 0 (or omitted) means the model has no query compression
    (DeepSeek-V2-Lite). Defaults when omitted: rms_norm_eps 1e-6, rope
    theta 10000 interleaved without YaRN, accum f32. Presets:
    deepseek-v2-lite, deepseek-v2, deepseek-v3 (= deepseek-r1), kimi-k2.
  }];
  let parameters = (ins
    "int64_t":$heads,
    "int64_t":$d_model,
    "int64_t":$q_lora_rank,
    "int64_t":$kv_lora_rank,
    "int64_t":$qk_nope_head_dim,
    "int64_t":$qk_rope_head_dim,
    "int64_t":$v_head_dim,
    Mla_F64Parameter:$rms_norm_eps,
    "RopeAttr":$rope,
    "Type":$storage_type,
    "Type":$accum_type
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// True when the model compresses queries (q_lora_rank > 0).
    bool hasQueryCompression() const { return getQLoraRank() > 0; }
    /// Width of one cached row: kv_lora_rank + qk_rope_head_dim.
    int64_t getLatentRowWidth() const {
      return getKvLoraRank() + getQkRopeHeadDim();
    }
    /// Width of the query up-projection input: q_lora_rank or d_model.
    int64_t getQueryInputDim() const {
      return hasQueryCompression() ? getQLoraRank() : getDModel();
    }
    /// RMSNorm epsilon as a double.
    double getEpsilon() const { return getRmsNormEps().convertToDouble(); }
    /// 1/sqrt(d_n + d_r), times the YaRN mscale squared where present.
    double getSoftmaxScale() const;
    /// The preset this config prints relative to (`"name", field = value`):
    /// the one it differs from in the fewest fields, at most three.
    std::optional<llvm::StringRef> getBasePresetName() const;
  }];
}

def Mla_CudaTilingAttr : Mla_Attr<"CudaTiling", "cuda_tiling"> {
  let summary = "how a CUDA kernel variant tiles one mla op";
  let description = [{
    Set on an op by mla-cuda-tile (from its options, or by an autotuner) and
    read by the CUDA code generator: the target architecture, query rows
    (tokens x heads) per CTA, keys per KV tile, warps per CTA, pipeline
    stages of the KV tile loads, and the MMA flavour.

    ```mlir
    #mla.cuda_tiling<arch = "sm_90a", rows_per_cta = 64, keys_per_tile = 64,
                     warps = 4, stages = 2, mma = mma_sync>
    ```
  }];
  let parameters = (ins
    StringRefParameter<"the target, e.g. sm_80 or sm_90a">:$arch,
    "int64_t":$rows_per_cta,
    "int64_t":$keys_per_tile,
    "int64_t":$warps,
    "int64_t":$stages,
    EnumParameter<Mla_MmaFlavor>:$mma
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The compute capability of `arch` ("sm_90a" -> 90), or 0.
    int64_t getComputeCapability() const;
  }];
}

def Mla_DecodeScheduleAttr : Mla_Attr<"DecodeSchedule", "decode_schedule"> {
  let summary = "a balanced cut of a decode batch's KV work over CTAs";
  let description = [{
    Set on mla.latent_attention by mla-split-kv (schedule=balanced) and read
    by the CUDA decode kernels: the batch's whole KV work is cut into
    `parts` pieces of equal cost, a CTA per piece (and per block of query
    rows). Sequence b costs ceil(L_b / keys_per_unit) + overhead_units
    units, L_b its length; the costs lie end to end in batch order and
    part p takes units [p q, (p + 1) q), q = ceil(total / parts), so a long
    sequence spans several parts and short ones share one. A kernel
    computes the cut on the device from the lengths; a combine merges the
    pieces of every sequence that more than one part met. The attention's
    results are the same as without it (the CPU lowering ignores it).

    ```mlir
    #mla.decode_schedule<parts = 132, keys_per_unit = 64, overhead_units = 2>
    ```
  }];
  let parameters = (ins
    "int64_t":$parts,
    "int64_t":$keys_per_unit,
    "int64_t":$overhead_units
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // MLAGEN_DIALECT_MLAATTRS_TD
