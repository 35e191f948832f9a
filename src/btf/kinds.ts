/** BTF kind numbers and layout facts (Documentation/bpf/btf.rst). */
export const enum Kind {
  UNKN = 0,
  INT = 1,
  PTR = 2,
  ARRAY = 3,
  STRUCT = 4,
  UNION = 5,
  ENUM = 6,
  FWD = 7,
  TYPEDEF = 8,
  VOLATILE = 9,
  CONST = 10,
  RESTRICT = 11,
  FUNC = 12,
  FUNC_PROTO = 13,
  VAR = 14,
  DATASEC = 15,
  FLOAT = 16,
  DECL_TAG = 17,
  TYPE_TAG = 18,
  ENUM64 = 19,
}

export const KIND_MAX = 19;

/** Names as bpftool prints them. */
export const KIND_NAMES: readonly string[] = [
  'UNKNOWN', 'INT', 'PTR', 'ARRAY', 'STRUCT', 'UNION', 'ENUM', 'FWD', 'TYPEDEF', 'VOLATILE',
  'CONST', 'RESTRICT', 'FUNC', 'FUNC_PROTO', 'VAR', 'DATASEC', 'FLOAT', 'DECL_TAG', 'TYPE_TAG', 'ENUM64',
];

/** INT encoding bits. */
export const INT_SIGNED = 1;
export const INT_CHAR = 2;
export const INT_BOOL = 4;

/** VAR linkage. */
export const VAR_STATIC = 0;
export const VAR_GLOBAL_ALLOCATED = 1;
export const VAR_GLOBAL_EXTERN = 2;

/** FUNC linkage. */
export const FUNC_STATIC = 0;
export const FUNC_GLOBAL = 1;
export const FUNC_EXTERN = 2;

export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;
export const BTF_HEADER_LEN = 24;
export const MAX_VLEN = 0xffff;

/**
 * A type's info word, as an int32 (negative with kflag): for storing into a Uint32Array, which
 * takes it modulo 2^32. An int32 is what V8's optimized code expects here; an unsigned result of
 * 2^31 or more (the first kflag) made it deoptimize every function the store was inlined into.
 */
export function makeInfo(kind: number, vlen: number, kflag: boolean | number): number {
  return (kflag ? 1 : 0) << 31 | (kind & 0x1f) << 24 | (vlen & 0xffff);
}
export function infoKind(info: number): number {
  return (info >>> 24) & 0x1f;
}
export function infoVlen(info: number): number {
  return info & 0xffff;
}
export function infoKflag(info: number): number {
  return info >>> 31;
}

/** Number of 32-bit words of kind-specific data that follow the 12-byte header. */
export function extraWords(kind: number, vlen: number): number {
  switch (kind) {
    case Kind.INT:
    case Kind.ARRAY:
      return kind === Kind.INT ? 1 : 3;
    case Kind.STRUCT:
    case Kind.UNION:
    case Kind.DATASEC:
    case Kind.ENUM64:
      return vlen * 3;
    case Kind.ENUM:
    case Kind.FUNC_PROTO:
      return vlen * 2;
    case Kind.VAR:
    case Kind.DECL_TAG:
      return 1;
    default:
      return 0;
  }
}

/** Kinds whose size_or_type field is a type id. */
export function hasTypeRef(kind: number): boolean {
  switch (kind) {
    case Kind.PTR:
    case Kind.TYPEDEF:
    case Kind.VOLATILE:
    case Kind.CONST:
    case Kind.RESTRICT:
    case Kind.FUNC:
    case Kind.FUNC_PROTO:
    case Kind.VAR:
    case Kind.DECL_TAG:
    case Kind.TYPE_TAG:
      return true;
    default:
      return false;
  }
}
