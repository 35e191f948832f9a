/** What the per-CU encoder needs to know; a plain object so it can be passed to workers. */
export interface CuEncodeOptions {
  /** Encode DW_ATE_float base types as BTF FLOAT (feature `float`); else as INT as old pahole did. */
  floats: boolean;
  /** Encode enums wider than 4 bytes as ENUM64 (feature `enum64`); else as 32-bit ENUM. */
  enum64: boolean;
  /** Emit DECL_TAGs from clang `btf_decl_tag` annotations (feature `decl_tag`). */
  declTags: boolean;
  /** Emit TYPE_TAGs from clang `btf_type_tag` annotations (feature `type_tag`). */
  typeTags: boolean;
  /** DW_LANG values whose CUs are skipped (`--lang_exclude`). */
  langExclude: number[];
  /**
   * Check function prototypes as pahole 1.31 does for `consistent_func`: parameters in another
   * register than the ABI's, packed structs passed on the stack (FuncCandidate.unexpectedReg,
   * uncertainLoc).
   */
  funcChecks: boolean;
  /**
   * The only function names that can become FUNCs (the ELF's functions), or null: any. Functions
   * of other names are not encoded at all (no prototype, no checks), which the output cannot tell.
   */
  funcNames?: string[] | null;
  /** How many parameters the target's ABI passes in registers (pahole's nr_register_params). */
  regParams: number;
  /** The DW_OP_regN opcode each of those arrives in (-1 or absent: not known for the target). */
  regOps: number[];
}

export const defaultCuOptions: CuEncodeOptions = {
  floats: true,
  enum64: true,
  declTags: true,
  typeTags: true,
  langExclude: [],
  funcChecks: false,
  regParams: 0,
  regOps: [],
};
