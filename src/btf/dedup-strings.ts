/**
 * The string pass of BTF dedup (libbpf runs it unless the BTF was built from scratch, whose strings
 * are unique already): rebuilds the string section with only the strings the types reference, each
 * once, in the order the types reference them, and rewrites every string offset.
 *
 * Visit order: types in id order; per type its name, then its members' names (STRUCT, UNION),
 * enumerators' names (ENUM, ENUM64) or parameters' names (FUNC_PROTO). Offset 0 and offsets into
 * the base's strings are left alone. For split BTF a string that the base also holds is redirected
 * to the base's copy (its first occurrence), and the new section holds only strings the base lacks.
 * Strings are compared as bytes.
 */
import { InputError } from '../errors.js';
import { Kind, infoKind, infoVlen } from './kinds.js';
import { StringTable } from './strings.js';
import type { BtfTable } from './table.js';

/**
 * Index of the base chain's strings by content: the levels' sections laid end to end at their
 * absolute offsets; a lookup gives the absolute offset of a string's first copy.
 */
function indexBase(t: BtfTable): StringTable {
  const levels: BtfTable[] = [];
  for (let b = t.base; b; b = b.base) levels.unshift(b);
  const total = levels.reduce((n, l) => n + l.strings.len, 0);
  const data = new Uint8Array(total);
  for (const l of levels) data.set(l.strings.view(), l.strings.start);
  return StringTable.fromBytes(data, 0);
}

/**
 * Runs the string pass over the types of `t` as held in the working words `W` (ids t.startId ..
 * endId-1 at word offsets `typeOff[id]`), rewriting their string offsets in place.
 * Returns the new string section of `t`.
 */
export function dedupStrings(t: BtfTable, W: Uint32Array, typeOff: Uint32Array, endId: number): Uint8Array {
  const startStr = t.strings.start;
  const src = t.strings.bytes;
  const srcLen = t.strings.len;
  const base = t.base ? indexBase(t) : null;
  // libbpf's new string set of a base BTF starts with the empty string (a StringTable at 0 does)
  const out = new StringTable(startStr, Math.max(64, srcLen));
  // memo: input offset (relative) -> output absolute offset + 1
  const memo = new Int32Array(srcLen);

  const remap = (pos: number): void => {
    const so = W[pos];
    if (so === 0 || so < startStr) return;
    const rel = so - startStr;
    if (rel >= srcLen) throw new InputError(`string offset ${so} out of range`);
    const m = memo[rel];
    if (m !== 0) { W[pos] = m - 1; return; }
    let e = rel;
    while (e < srcLen && src[e] !== 0) e++;
    let res = -1;
    if (base) res = base.findBytes(src, rel, e);
    if (res < 0) res = out.addBytes(src, rel, e);
    memo[rel] = res + 1;
    W[pos] = res;
  };

  for (let id = t.startId; id < endId; id++) {
    const o = typeOff[id];
    remap(o);
    const info = W[o + 1];
    const vlen = infoVlen(info);
    switch (infoKind(info)) {
      case Kind.STRUCT: case Kind.UNION: case Kind.ENUM64:
        for (let i = 0; i < vlen; i++) remap(o + 3 + 3 * i);
        break;
      case Kind.ENUM: case Kind.FUNC_PROTO:
        for (let i = 0; i < vlen; i++) remap(o + 3 + 2 * i);
        break;
      default:
        break;
    }
  }
  return out.view().slice();
}
