//===- MlaTypes.td - types of the mla dialect --------------*- tablegen -*-===//

#ifndef MLAGEN_DIALECT_MLATYPES_TD
#define MLAGEN_DIALECT_MLATYPES_TD

include "dialect/MlaDialect.td"
include "mlir/IR/AttrTypeBase.td"

def Mla_PagedCacheType : TypeDef<Mla_Dialect, "PagedCache"> {
  let mnemonic = "paged_cache";
  let summary = "a paged latent KV cache";
  let description = [{
    `pages` pages (`?` when only known at run time) of `page_size` rows
    each. A row holds one token: `latent` values of c_kv followed by `rope`
    values of the rotated k_rope, all of the element type. Sequences address
    pages through a block table: token t of sequence b lives in row
    t % page_size of page block_table[b][t / page_size].

    ```mlir
    !mla.paged_cache<pages = 4096, page_size = 64, latent = 512, rope = 64, bf16>
    ```
  }];
  let parameters = (ins
    "int64_t":$num_pages,
    "int64_t":$page_size,
    "int64_t":$latent_dim,
    "int64_t":$rope_dim,
    "Type":$element_type
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Values per row: latent_dim + rope_dim.
    int64_t getRowWidth() const { return getLatentDim() + getRopeDim(); }
    bool hasStaticNumPages() const {
      return !::mlir::ShapedType::isDynamic(getNumPages());
    }
  }];
}

#endif // MLAGEN_DIALECT_MLATYPES_TD
