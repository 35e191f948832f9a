import { Kind, VAR_GLOBAL_ALLOCATED, VAR_STATIC, extraWords, infoKind, infoVlen } from '../btf/kinds.js';
import { StringTable } from '../btf/strings.js';
import { BtfTable } from '../btf/table.js';
import { InputError } from '../errors.js';
import { INDEX_TYPE_REF, type CuFragment, type DeclTag } from './cu.js';
import type { PercpuInfo } from './symtab.js';

export interface AssembleOptions {
  vars: boolean;
  force: boolean;
  verbose: boolean;
  log?: (line: string) => void;
}

/**
 * Appends CU fragments to one (not yet deduplicated) BTF in the order pahole's encoder produces:
 * per CU its data types, the array index `int` when this CU is the first to need one, the
 * DECL_TAGs of its structs and typedefs, its FUNCs, its VARs; the per-CPU DATASEC last.
 */
export class Assembler {
  readonly btf: BtfTable;
  private hasIndex = false;
  private indexId = 0;
  private generated = new Set<string>();
  private secinfo: { type: number; offset: number; size: number }[] = [];
  /** Global string offset by fragment string offset (+1; 0: not seen yet), per fragment string table. */
  private xlat = new WeakMap<StringTable, Int32Array>();

  constructor(
    base: BtfTable | null,
    private funcSyms: Set<string>,
    private percpu: PercpuInfo | null,
    private opts: AssembleOptions,
  ) {
    this.btf = new BtfTable(base, undefined, 1 << 20, 1 << 16);
  }

  /** Maps offsets of `src` (a fragment's string table) to this BTF's, interning on first use. */
  private strMapper(src: StringTable): (off: number) => number {
    let x = this.xlat.get(src) ?? new Int32Array(0);
    const btf = this.btf;
    return (off: number): number => {
      if (off === 0) return 0;
      if (off >= x.length) {
        const n = new Int32Array(Math.max(off + 1, src.len, x.length * 2));
        n.set(x);
        x = n;
        this.xlat.set(src, x);
      }
      const g = x[off];
      if (g !== 0) return g - 1;
      const p = off - src.start;
      const v = btf.addStrBytes(src.bytes, p, src.endOf(off));
      x[off] = v + 1;
      return v;
    };
  }

  add(frag: CuFragment): void {
    const btf = this.btf;
    const off = btf.endId - 1;
    if (!this.hasIndex) {
      if (frag.intId) {
        this.hasIndex = true;
        this.indexId = off + frag.intId;
      } else {
        this.indexId = off + frag.nTypes + 1;
      }
    }
    const keepFallback = frag.fallbackInt && !this.hasIndex;
    if (keepFallback) this.hasIndex = true;
    const t = frag.types;
    const local = (id: number): number => (id === 0 ? 0 : id === INDEX_TYPE_REF ? this.indexId : id + off);
    const str = this.strMapper(t.strings);
    if (frag.reloc && (!frag.fallbackInt || keepFallback)) {
      // every type is kept: bulk copy, then fix up the listed words (same result as copyType)
      appendRelocated(btf, t, frag.reloc, off, this.indexId, str);
    } else {
      for (let id = 1; id <= frag.nTypes; id++) copyType(btf, t, id, local, str);
      let next = frag.nTypes + 1;
      if (frag.fallbackInt) {
        if (keepFallback) copyType(btf, t, next, local, str);
        next++;
      }
      for (let id = next; id < t.endId; id++) copyType(btf, t, id, local, str);
    }
    this.addFuncs(frag, local, str);
    if (this.opts.vars) this.addVars(frag, local);
  }

  private addFuncs(frag: CuFragment, local: (id: number) => number, str: (off: number) => number): void {
    const btf = this.btf;
    const haveSyms = this.funcSyms.size > 0;
    for (const f of frag.funcs) {
      if (f.declaration || !f.argNames) continue;
      if (haveSyms) {
        if (!f.name || !this.funcSyms.has(f.name) || this.generated.has(f.name)) continue;
        this.generated.add(f.name);
      } else if (!f.external) {
        continue;
      }
      const proto = copyType(btf, frag.protos, f.proto, local, str);
      const fn = btf.begin(btf.addStr(f.name ?? ''), Kind.FUNC, 0, 0, proto);
      if (f.tags) this.addDeclTags(f.tags, fn);
    }
  }

  private addDeclTags(tags: DeclTag[], target: number): void {
    const btf = this.btf;
    for (const dt of tags) {
      btf.begin(btf.addStr(dt.value), Kind.DECL_TAG, 0, 0, target);
      btf.push(dt.component);
    }
  }

  private addVars(frag: CuFragment, local: (id: number) => number): void {
    const pc = this.percpu;
    if (!pc) return;
    const btf = this.btf;
    const base = pc.base;
    for (const v of frag.vars) {
      if (v.declaration && !v.hasSpec) continue;
      if (!v.global && !v.hasSpec) continue;
      const addr = BigInt(v.addrHi) << 32n | BigInt(v.addrLo);
      if (addr < base || addr >= base + BigInt(pc.size)) continue;
      const offset = Number(addr - base);
      const sym = pc.vars.get(offset);
      if (!sym) continue;
      if (addr === 0n && (!v.name || v.name !== sym.name)) continue;
      if (v.type === 0) {
        if (this.opts.force) continue;
        throw new InputError(`variable '${sym.name}' in CU '${frag.name}' has void type`);
      }
      if (v.size === 0) continue;
      const id = btf.begin(btf.addStr(sym.name), Kind.VAR, 0, 0, local(v.type));
      btf.push(v.external ? VAR_GLOBAL_ALLOCATED : VAR_STATIC);
      if (v.tags) this.addDeclTags(v.tags, id);
      this.secinfo.push({ type: id, offset, size: sym.size });
    }
  }

  /** Adds the DATASEC (entries sorted by offset) and returns the table. */
  finish(): BtfTable {
    const btf = this.btf;
    if (this.secinfo.length > 0 && this.percpu) {
      const si = this.secinfo.slice().sort((a, b) => a.offset - b.offset);
      const last = si[si.length - 1];
      btf.begin(btf.addStr(this.percpu.name), Kind.DATASEC, si.length, 0, last.offset + last.size);
      for (const e of si) { btf.push(e.type); btf.push(e.offset); btf.push(e.size); }
    }
    return btf;
  }
}

/** Word positions of a table's type references and string offsets (see relocationLists). */
export interface Relocations {
  refs: Uint32Array;
  strs: Uint32Array;
}

/**
 * Appends every type of `src` to `dst` at once: the words are copied in bulk, then the words
 * listed in `reloc` are fixed up — type ids shifted by `off` (the index placeholder becomes
 * `indexId`), string offsets mapped in ascending position, which is libbpf's visiting order, so
 * strings are interned in the same order as copyType would.
 */
export function appendRelocated(dst: BtfTable, src: BtfTable, reloc: Relocations, off: number, indexId: number, str: (off: number) => number): void {
  const base = dst.nWords;
  dst.appendWords(src.words, src.nWords);
  const w = dst.words;
  const { refs, strs } = reloc;
  for (let k = 0; k < refs.length; k++) {
    const p = base + refs[k];
    const v = w[p];
    if (v !== 0) w[p] = v === INDEX_TYPE_REF ? indexId : v + off;
  }
  for (let k = 0; k < strs.length; k++) {
    const p = base + strs[k];
    w[p] = str(w[p]);
  }
  dst.appendOffs(src.offs, src.count, base);
}

/** Positions of the type-id words and the non-zero string-offset words of `t`, ascending. */
export function relocationLists(t: BtfTable): Relocations {
  const refs: number[] = [], strs: number[] = [];
  const w = t.words;
  for (let i = 0; i < t.count; i++) {
    const at = t.offs[i];
    const info = w[at + 1];
    const kind = infoKind(info), vlen = infoVlen(info);
    if (w[at] !== 0) strs.push(at);
    switch (kind) {
      case Kind.PTR: case Kind.TYPEDEF: case Kind.VOLATILE: case Kind.CONST: case Kind.RESTRICT:
      case Kind.FUNC: case Kind.VAR: case Kind.DECL_TAG: case Kind.TYPE_TAG:
        refs.push(at + 2); break;
      case Kind.ARRAY: refs.push(at + 3, at + 4); break;
      case Kind.STRUCT: case Kind.UNION:
        for (let j = 0; j < vlen; j++) {
          if (w[at + 3 + j * 3] !== 0) strs.push(at + 3 + j * 3);
          refs.push(at + 4 + j * 3);
        }
        break;
      case Kind.FUNC_PROTO:
        refs.push(at + 2);
        for (let j = 0; j < vlen; j++) {
          if (w[at + 3 + j * 2] !== 0) strs.push(at + 3 + j * 2);
          refs.push(at + 4 + j * 2);
        }
        break;
      case Kind.ENUM: for (let j = 0; j < vlen; j++) if (w[at + 3 + j * 2] !== 0) strs.push(at + 3 + j * 2); break;
      case Kind.ENUM64: for (let j = 0; j < vlen; j++) if (w[at + 3 + j * 3] !== 0) strs.push(at + 3 + j * 3); break;
      case Kind.DATASEC: for (let j = 0; j < vlen; j++) refs.push(at + 3 + j * 3); break;
    }
  }
  return { refs: Uint32Array.from(refs), strs: Uint32Array.from(strs) };
}

/**
 * Appends type `id` of `src` to `dst`, mapping every type reference through `map` and every
 * string offset through `str`, in the order libbpf visits them (name, then members, parameters
 * or enumerators). Returns the new id.
 */
export function copyType(dst: BtfTable, src: BtfTable, id: number, map: (id: number) => number, str: (off: number) => number): number {
  const w = src.words;
  const at = src.at(id);
  const info = w[at + 1];
  const kind = infoKind(info);
  const vlen = infoVlen(info);
  const nid = dst.begin(str(w[at]), kind, vlen, 0, w[at + 2]);
  dst.words[dst.nWords - 2] = info;
  const n = extraWords(kind, vlen);
  const base = dst.nWords;
  for (let i = 0; i < n; i++) dst.push(w[at + 3 + i]);
  const d = dst.words;
  switch (kind) {
    case Kind.PTR: case Kind.TYPEDEF: case Kind.VOLATILE: case Kind.CONST: case Kind.RESTRICT:
    case Kind.FUNC: case Kind.FUNC_PROTO: case Kind.VAR: case Kind.DECL_TAG: case Kind.TYPE_TAG:
      d[base - 1] = map(w[at + 2]);
      break;
  }
  switch (kind) {
    case Kind.ARRAY:
      d[base] = map(d[base]);
      d[base + 1] = map(d[base + 1]);
      break;
    case Kind.STRUCT: case Kind.UNION:
      for (let i = 0; i < vlen; i++) {
        d[base + i * 3] = str(d[base + i * 3]);
        d[base + i * 3 + 1] = map(d[base + i * 3 + 1]);
      }
      break;
    case Kind.FUNC_PROTO:
      for (let i = 0; i < vlen; i++) {
        d[base + i * 2] = str(d[base + i * 2]);
        d[base + i * 2 + 1] = map(d[base + i * 2 + 1]);
      }
      break;
    case Kind.ENUM:
      for (let i = 0; i < vlen; i++) d[base + i * 2] = str(d[base + i * 2]);
      break;
    case Kind.ENUM64:
      for (let i = 0; i < vlen; i++) d[base + i * 3] = str(d[base + i * 3]);
      break;
    case Kind.DATASEC:
      for (let i = 0; i < vlen; i++) d[base + i * 3] = map(d[base + i * 3]);
      break;
  }
  return nid;
}
