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
import type { BtfTable } from './table.js';

function hashBytes(b: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h;
}

/** A set of NUL-terminated byte strings stored in one growable section, addressed by offset. */
class ByteStrSet {
  data: Uint8Array;
  len = 0;
  private slots: Int32Array; // offset + 1, 0 = empty
  private hashes: Int32Array;
  private used = 0;

  constructor(data: Uint8Array, len: number, expected: number) {
    this.data = data;
    this.len = len;
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = new Int32Array(cap);
    this.hashes = new Int32Array(cap);
  }

  private same(off: number, src: Uint8Array, s: number, e: number): boolean {
    const d = this.data;
    const n = e - s;
    if (off + n >= this.len || d[off + n] !== 0) return false;
    for (let i = 0; i < n; i++) if (d[off + i] !== src[s + i]) return false;
    return true;
  }

  /** Offset of the string src[s..e), or -1. */
  find(src: Uint8Array, s: number, e: number, h: number): number {
    const mask = this.slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = this.slots[i];
      if (v === 0) return -1;
      if (this.hashes[i] === h && this.same(v - 1, src, s, e)) return v - 1;
    }
  }

  /** Indexes the string already stored at `off` (the caller checked it is not indexed yet). */
  index(off: number, h: number): void {
    if ((this.used + 1) * 2 > this.slots.length) this.rehash();
    const mask = this.slots.length - 1;
    let i = h & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = off + 1;
    this.hashes[i] = h;
    this.used++;
  }

  private rehash(): void {
    const os = this.slots, oh = this.hashes;
    this.slots = new Int32Array(os.length * 2);
    this.hashes = new Int32Array(os.length * 2);
    const mask = this.slots.length - 1;
    for (let j = 0; j < os.length; j++) {
      if (os[j] === 0) continue;
      let i = oh[j] & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = os[j];
      this.hashes[i] = oh[j];
    }
  }

  /** Adds src[s..e) unless present; returns its offset. */
  add(src: Uint8Array, s: number, e: number): number {
    const h = hashBytes(src, s, e);
    const found = this.find(src, s, e, h);
    if (found >= 0) return found;
    const n = e - s;
    if (this.len + n + 1 > this.data.length) {
      let cap = this.data.length * 2;
      while (cap < this.len + n + 1) cap *= 2;
      const d = new Uint8Array(cap);
      d.set(this.data.subarray(0, this.len));
      this.data = d;
    }
    const off = this.len;
    this.data.set(src.subarray(s, e), off);
    this.data[off + n] = 0;
    this.len += n + 1;
    this.index(off, h);
    return off;
  }
}

/** Index of the base chain's strings by content: absolute offset of each string's first copy. */
function indexBase(t: BtfTable): ByteStrSet {
  const levels: BtfTable[] = [];
  for (let b = t.base; b; b = b.base) levels.unshift(b);
  const total = levels.reduce((n, l) => n + l.strings.len, 0);
  const data = new Uint8Array(total);
  for (const l of levels) data.set(l.strings.view(), l.strings.start);
  const set = new ByteStrSet(data, total, total / 16);
  for (const l of levels) {
    const end = l.strings.start + l.strings.len;
    for (let p = l.strings.start; p < end;) {
      let e = p;
      while (e < end && data[e] !== 0) e++;
      const h = hashBytes(data, p, e);
      if (set.find(data, p, e, h) < 0) set.index(p, h);
      p = e + 1;
    }
  }
  return set;
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
  const out = new ByteStrSet(new Uint8Array(Math.max(64, srcLen)), 0, srcLen / 16);
  // libbpf's new string set of a base BTF starts with the empty string
  if (!base) out.add(src, 0, 0);
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
    if (base) res = base.find(src, rel, e, hashBytes(src, rel, e));
    if (res < 0) res = startStr + out.add(src, rel, e);
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
  return out.data.slice(0, out.len);
}
