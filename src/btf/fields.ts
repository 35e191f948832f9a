/**
 * Where a BTF type keeps its type ids and its string offsets, as word positions inside the type,
 * in the order libbpf's field iterators visit them (btf_field_iter: BTF_FIELD_ITER_IDS / _STRS).
 * Distillation and relocation rewrite exactly these words, in this order.
 */
import { Kind } from './kinds.js';

/**
 * Calls `fn` with the index in `words` of every type-id word of the type whose first word is at
 * `at`: the referenced type (PTR, TYPEDEF, qualifiers, TYPE_TAG, FUNC, VAR, DECL_TAG), element
 * then index type (ARRAY), member types (STRUCT, UNION), return then parameter types (FUNC_PROTO),
 * variable types (DATASEC). INT, FLOAT, ENUM, ENUM64 and FWD have none.
 */
export function forEachIdWord(words: Uint32Array, at: number, fn: (pos: number) => void): void {
  const info = words[at + 1];
  const vlen = info & 0xffff;
  switch ((info >>> 24) & 0x1f) {
    case Kind.PTR: case Kind.TYPEDEF: case Kind.VOLATILE: case Kind.CONST: case Kind.RESTRICT:
    case Kind.FUNC: case Kind.VAR: case Kind.DECL_TAG: case Kind.TYPE_TAG:
      fn(at + 2);
      break;
    case Kind.ARRAY:
      fn(at + 3);
      fn(at + 4);
      break;
    case Kind.STRUCT: case Kind.UNION:
      for (let i = 0; i < vlen; i++) fn(at + 4 + 3 * i);
      break;
    case Kind.FUNC_PROTO:
      fn(at + 2);
      for (let i = 0; i < vlen; i++) fn(at + 4 + 2 * i);
      break;
    case Kind.DATASEC:
      for (let i = 0; i < vlen; i++) fn(at + 3 + 3 * i);
      break;
    default:
      break;
  }
}

/**
 * Calls `fn` with the index in `words` of every string-offset word of the type at `at`: its name,
 * then member names (STRUCT, UNION), enumerator names (ENUM, ENUM64) or parameter names
 * (FUNC_PROTO).
 */
export function forEachStrWord(words: Uint32Array, at: number, fn: (pos: number) => void): void {
  const info = words[at + 1];
  const vlen = info & 0xffff;
  fn(at);
  switch ((info >>> 24) & 0x1f) {
    case Kind.STRUCT: case Kind.UNION: case Kind.ENUM64:
      for (let i = 0; i < vlen; i++) fn(at + 3 + 3 * i);
      break;
    case Kind.ENUM: case Kind.FUNC_PROTO:
      for (let i = 0; i < vlen; i++) fn(at + 3 + 2 * i);
      break;
    default:
      break;
  }
}
