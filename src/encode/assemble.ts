import { Kind, VAR_GLOBAL_ALLOCATED, VAR_STATIC, extraWords, infoKind, infoVlen } from '../btf/kinds.js';
import { StringTable } from '../btf/strings.js';
import { BtfTable } from '../btf/table.js';
import type { ElfFile } from '../elf/reader.js';
import { InputError } from '../errors.js';
import { INDEX_TYPE_REF, type CuFragment, type DeclTag, type VarCandidate } from './cu.js';
import type { Features, Rules } from './features.js';
import { SavedFunctions } from './functions.js';
import { collectKfuncs } from './kfuncs.js';
import {
  btfNameValid, elfFunctions, functionSymbols, percpuSymbols, sectionOf, sectionTable,
  type ElfFunctions, type PercpuInfo, type SectionTable,
} from './symtab.js';

export interface AssembleOptions {
  /** Whose function and variable rules to follow (see features.ts, Rules). */
  rules: Rules;
  /** Per-CPU variables (feature var). */
  vars: boolean;
  force: boolean;
  verbose: boolean;
  /** pahole 1.31: consistent_func. */
  consistent?: boolean;
  /** pahole 1.31: decl_tag_kfuncs (with decl_tag). */
  tagKfuncs?: boolean;
  /** pahole 1.31: attributes (with decl_tag_kfuncs): arena pointers of KF_ARENA_* kfuncs. */
  arenaTags?: boolean;
  log?: (line: string) => void;
}

/** What the ELF file tells the assembler: pahole 1.24's symbol sets, or pahole 1.31's tables. */
export interface SymbolInfo {
  /** 1.24: names of the ELF function symbols. */
  funcSyms?: Set<string>;
  /** 1.24: the per-CPU section and its object symbols. */
  percpu?: PercpuInfo | null;
  /** 1.31: the ELF functions (kfuncs marked). */
  functions?: ElfFunctions;
  /** 1.31: the sections variables are placed in (null: no variables). */
  sections?: SectionTable | null;
}

/** The ELF's functions, as the rules read them: what FUNCs are chosen from. */
export type ElfFunctionInfo = Pick<SymbolInfo, 'funcSyms' | 'functions'>;

/** Reads the ELF's functions under `rules` (before the units: the encoders need their names). */
export function readFunctions(elf: ElfFile, rules: Rules): ElfFunctionInfo {
  return rules === '1.24' ? { funcSyms: functionSymbols(elf) } : { functions: elfFunctions(elf) };
}

/**
 * The names a function must have to become a FUNC under these rules (CuEncodeOptions.funcNames),
 * or null when any may: pahole 1.24 takes the ELF function symbols of the name (any external
 * function without a symbol table), pahole 1.31 the ELF functions (see ElfFunctions).
 */
export function functionNames(rules: Rules, fns: ElfFunctionInfo): string[] | null {
  if (rules === '1.24') return fns.funcSyms && fns.funcSyms.size > 0 ? [...fns.funcSyms] : null;
  return fns.functions ? fns.functions.names : [];
}

/**
 * Reads what `elf` tells about functions and variables and makes an assembler for `features`;
 * `fns`: the functions when already read (readFunctions).
 */
export function createAssembler(elf: ElfFile, base: BtfTable | null, f: Features, rules: Rules,
  verbose = false, log?: (line: string) => void, fns: ElfFunctionInfo = readFunctions(elf, rules)): Assembler {
  const opts: AssembleOptions = {
    rules, vars: f.var, force: f.encode_force, verbose, log,
    consistent: f.consistent_func, tagKfuncs: f.decl_tag_kfuncs && f.decl_tag,
    arenaTags: f.decl_tag_kfuncs && f.attributes,
  };
  if (rules === '1.24') {
    return new Assembler(base, { funcSyms: fns.funcSyms, percpu: f.var ? percpuSymbols(elf, f.encode_force) : null }, opts);
  }
  const functions = fns.functions ?? elfFunctions(elf);
  if (f.decl_tag_kfuncs) collectKfuncs(elf, functions);
  const vars = f.var || f.global_var;
  const sections = vars && elf.symbols() ? sectionTable(elf, f.var, f.global_var) : null;
  return new Assembler(base, { functions, sections }, opts);
}

/** A DATASEC entry. */
interface SecEntry {
  type: number;
  offset: number;
  size: number;
}

/** Variable names pahole 1.31 never encodes: compiler and macro artifacts. */
const ARTIFACT_PREFIXES = ['__UNIQUE_ID', '__tpstrtab_', '__exitcall_', '__gendwarfksyms_ptr_', '__func_stack_frame_non_standard_'];

function artifactName(name: string): boolean {
  if (name.charCodeAt(0) !== 0x5f) return false;
  for (const p of ARTIFACT_PREFIXES) if (name.startsWith(p)) return true;
  return false;
}

/**
 * Appends CU fragments to one (not yet deduplicated) BTF in the order pahole's encoder produces.
 *
 * pahole 1.24: per CU its data types, the array index `int` when this CU is the first to need
 * one, the DECL_TAGs of its structs and typedefs, its FUNCs (first CU wins), its VARs; the
 * per-CPU DATASEC last.
 *
 * pahole 1.31: per CU the same data types and DECL_TAGs, its functions saved (not yet emitted:
 * their parameter names are interned now), its VARs; after the last CU the functions in name
 * order (functions.ts), then one DATASEC per section holding variables, in section order.
 */
export class Assembler {
  readonly btf: BtfTable;
  private hasIndex = false;
  private indexId = 0;
  private generated = new Set<string>();
  /** DATASEC entries by section index (1.24: the per-CPU section's only). */
  private secinfo = new Map<number, SecEntry[]>();
  private saved: SavedFunctions | null = null;
  /** Global string offset by fragment string offset (+1; 0: not seen yet), per fragment string table. */
  private xlat = new WeakMap<StringTable, Int32Array>();

  constructor(
    base: BtfTable | null,
    private syms: SymbolInfo,
    private opts: AssembleOptions,
  ) {
    this.btf = new BtfTable(base, undefined, 1 << 20, 1 << 16);
    if (opts.rules === '1.31' && syms.functions) {
      this.saved = new SavedFunctions(syms.functions, {
        consistent: !!opts.consistent, tagKfuncs: !!opts.tagKfuncs, arenaTags: !!opts.arenaTags,
        verbose: opts.verbose, log: opts.log,
      });
    }
  }

  /**
   * Sizes the output for `infoBytes` bytes of .debug_info, so that it grows without copies: a
   * vmlinux's 164 MB give 33 M words and 3.4 M types (0.2 words, 0.021 types a byte); reserved
   * room never written takes no memory.
   */
  reserveFor(infoBytes: number): void {
    this.btf.reserve(Math.ceil(infoBytes * 0.25) + 4096, this.typesFor(infoBytes));
  }

  /** A generous estimate of the types `infoBytes` bytes of .debug_info make (see reserveFor). */
  typesFor(infoBytes: number): number {
    return Math.ceil(infoBytes * 0.03) + 1024;
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
    if (!frag.fallbackInt || keepFallback) {
      // every type is kept: bulk copy, then fix up the listed words (same result as copyType);
      // a worker has listed them already
      appendRelocated(btf, t, frag.reloc ?? relocationLists(t), off, this.indexId, str);
    } else {
      for (let id = 1; id <= frag.nTypes; id++) copyType(btf, t, id, local, str);
      let next = frag.nTypes + 1;
      if (frag.fallbackInt) {
        if (keepFallback) copyType(btf, t, next, local, str);
        next++;
      }
      for (let id = next; id < t.endId; id++) copyType(btf, t, id, local, str);
    }
    if (this.opts.rules === '1.24') {
      this.addFuncs(frag, local, str);
      if (this.opts.vars) this.addVars(frag, local);
    } else {
      this.saveFuncs(frag, local, str);
      if (this.syms.sections) this.addVars131(frag, local);
    }
  }

  private addFuncs(frag: CuFragment, local: (id: number) => number, str: (off: number) => number): void {
    const btf = this.btf;
    const funcSyms = this.syms.funcSyms ?? new Set();
    const haveSyms = funcSyms.size > 0;
    for (const f of frag.funcs) {
      if (haveSyms) {
        if (!f.name || !funcSyms.has(f.name) || this.generated.has(f.name)) continue;
        this.generated.add(f.name);
      } else if (!f.external) {
        continue;
      }
      const proto = copyType(btf, frag.protos, f.proto, local, str);
      const fn = btf.begin(btf.addStr(f.name ?? ''), Kind.FUNC, 0, 0, proto);
      if (f.tags) this.addDeclTags(f.tags, fn);
    }
  }

  /** pahole 1.31: saves the unit's functions that have an ELF function of their name. */
  private saveFuncs(frag: CuFragment, local: (id: number) => number, str: (off: number) => number): void {
    const saved = this.saved;
    const fns = this.syms.functions;
    if (!saved || !fns || fns.names.length === 0) return;
    for (const f of frag.funcs) {
      if (!f.name) continue;
      // (most misses are inline functions: not worth a message)
      const k = fns.index.get(f.name);
      if (k === undefined) continue;
      saved.save(k, frag.protos, f.proto, local, str, this.btf, f.tags, f.unexpectedReg, f.uncertainLoc);
    }
  }

  private addDeclTags(tags: DeclTag[], target: number): void {
    const btf = this.btf;
    for (const dt of tags) {
      btf.begin(btf.addStr(dt.value), Kind.DECL_TAG, 0, 0, target);
      btf.push(dt.component);
    }
  }

  private entries(shndx: number): SecEntry[] {
    let e = this.secinfo.get(shndx);
    if (!e) this.secinfo.set(shndx, e = []);
    return e;
  }

  private addVars(frag: CuFragment, local: (id: number) => number): void {
    const pc = this.syms.percpu;
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
      this.entries(pc.shndx).push({ type: id, offset, size: sym.size });
    }
  }

  /**
   * pahole 1.31: each top-level, non-artificial variable with a static address in an included
   * section becomes a VAR named and typed by its DWARF (after the declaration it completes).
   */
  private addVars131(frag: CuFragment, local: (id: number) => number): void {
    const secs = this.syms.sections!;
    const btf = this.btf;
    const { force, verbose, log } = this.opts;
    for (const v of frag.vars) {
      if (v.declaration && !v.hasSpec) continue;
      if (!v.topLevel || v.artificial || !v.global) continue;
      const shndx = sectionOf(secs, v.addrHi, v.addrLo);
      if (shndx === 0 || !secs.include[shndx]) continue;
      const offset = sub64(v, secs, shndx);
      const name = v.hasSpec ? v.specName : v.name;
      if (!name || artifactName(name)) continue;
      // an address 0 may be a discarded section's: the symbol table must confirm it
      if (offset === 0 && !secs.objects(shndx).has(name)) continue;
      if (!btfNameValid(name)) {
        if (verbose) log?.(`variable '${name}' in CU '${frag.name}': a name BTF cannot hold${force ? ', left out' : ''}`);
        if (force) continue;
        throw new InputError(`variable '${name}' in CU '${frag.name}' has a name BTF cannot hold (use --btf_features=encode_force to skip it)`);
      }
      if (v.type === 0) {
        if (force) {
          if (verbose) log?.(`variable '${name}' in CU '${frag.name}' has void type, left out`);
          continue;
        }
        throw new InputError(`variable '${name}' in CU '${frag.name}' has void type`);
      }
      if (v.size === 0 || v.size > 0xffffffff || offset > 0xffffffff) {
        if (verbose) log?.(`variable '${name}' in CU '${frag.name}': ${v.size === 0 ? 'zero' : 'over'}-sized or out of reach, left out`);
        continue;
      }
      const id = btf.begin(btf.addStr(name), Kind.VAR, 0, 0, local(v.type));
      btf.push(v.external ? VAR_GLOBAL_ALLOCATED : VAR_STATIC);
      if (v.tags) this.addDeclTags(v.tags, id);
      this.entries(shndx).push({ type: id, offset, size: v.size });
    }
  }

  /** Adds the functions (1.31) and the DATASECs (entries sorted by offset); returns the table. */
  finish(): BtfTable {
    const btf = this.btf;
    if (this.saved) this.saved.emit(btf);
    if (this.opts.rules === '1.24') {
      const pc = this.syms.percpu;
      if (pc) this.addDatasec(pc.name, this.secinfo.get(pc.shndx));
    } else if (this.syms.sections) {
      const secs = this.syms.sections;
      for (const shndx of [...this.secinfo.keys()].sort((a, b) => a - b)) this.addDatasec(secs.name[shndx], this.secinfo.get(shndx));
    }
    return btf;
  }

  /**
   * One DATASEC: entries sorted by offset (stable), sized to the end of the last. An entry that
   * overlaps an earlier one (two symbols at one address) would make the kernel refuse the BTF:
   * it is left out of the DATASEC (its VAR stays).
   */
  private addDatasec(name: string, list: SecEntry[] | undefined): void {
    if (!list || list.length === 0) return;
    const btf = this.btf;
    const sorted = list.slice().sort((a, b) => a.offset - b.offset);
    const si: SecEntry[] = [];
    let end = 0;
    for (const e of sorted) {
      if (e.offset < end) {
        if (this.opts.verbose) this.opts.log?.(`${name}: VAR [${e.type}] at offset ${e.offset} overlaps the variable before it, left out of the DATASEC`);
        continue;
      }
      si.push(e);
      end = e.offset + e.size;
    }
    const last = si[si.length - 1];
    btf.begin(btf.addStr(name), Kind.DATASEC, si.length, 0, last.offset + last.size);
    for (const e of si) { btf.push(e.type); btf.push(e.offset); btf.push(e.size); }
  }
}

/** The variable's address less its section's, as a number (> 2^32 - 1 when out of a u32's reach). */
function sub64(v: VarCandidate, secs: SectionTable, shndx: number): number {
  let hi = v.addrHi - secs.addrHi[shndx];
  let lo = v.addrLo - secs.addrLo[shndx];
  if (lo < 0) { lo += 2 ** 32; hi--; }
  return hi * 2 ** 32 + lo;
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

/** Scratch lists for relocationLists, reused across calls (grown as needed). */
let scratchRefs = new Uint32Array(1 << 16);
let scratchStrs = new Uint32Array(1 << 16);

/** Positions of the type-id words and the non-zero string-offset words of `t`, ascending. */
export function relocationLists(t: BtfTable): Relocations {
  const w = t.words;
  // a type has at most as many references and strings as words: room for all of them up front
  if (scratchRefs.length < t.nWords) scratchRefs = new Uint32Array(t.nWords * 2);
  if (scratchStrs.length < t.nWords) scratchStrs = new Uint32Array(t.nWords * 2);
  const refs = scratchRefs, strs = scratchStrs;
  let nr = 0, ns = 0;
  for (let i = 0; i < t.count; i++) {
    const at = t.offs[i];
    const info = w[at + 1];
    const kind = infoKind(info), vlen = infoVlen(info);
    if (w[at] !== 0) strs[ns++] = at;
    switch (kind) {
      case Kind.PTR: case Kind.TYPEDEF: case Kind.VOLATILE: case Kind.CONST: case Kind.RESTRICT:
      case Kind.FUNC: case Kind.VAR: case Kind.DECL_TAG: case Kind.TYPE_TAG:
        refs[nr++] = at + 2; break;
      case Kind.ARRAY: refs[nr++] = at + 3; refs[nr++] = at + 4; break;
      case Kind.STRUCT: case Kind.UNION:
        for (let j = 0, m = at + 3; j < vlen; j++, m += 3) {
          if (w[m] !== 0) strs[ns++] = m;
          refs[nr++] = m + 1;
        }
        break;
      case Kind.FUNC_PROTO:
        refs[nr++] = at + 2;
        for (let j = 0, p = at + 3; j < vlen; j++, p += 2) {
          if (w[p] !== 0) strs[ns++] = p;
          refs[nr++] = p + 1;
        }
        break;
      case Kind.ENUM: case Kind.ENUM64: {
        // one loop for both (enumerators of 2 or 3 words): V8 would deoptimize at a first ENUM64
        const stride = kind === Kind.ENUM ? 2 : 3;
        for (let j = 0, p = at + 3; j < vlen; j++, p += stride) if (w[p] !== 0) strs[ns++] = p;
        break;
      }
      case Kind.DATASEC: for (let j = 0, p = at + 3; j < vlen; j++, p += 3) refs[nr++] = p; break;
    }
  }
  return { refs: refs.slice(0, nr), strs: strs.slice(0, ns) };
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
