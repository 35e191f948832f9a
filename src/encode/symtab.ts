import { STT_FUNC, STT_OBJECT, ET_REL, SHF_ALLOC, SHT_NOBITS, SHT_PROGBITS } from '../elf/constants.js';
import type { ElfFile } from '../elf/reader.js';
import { InputError } from '../errors.js';
import { isHostLittleEndian } from '../btf/table.js';

/** Names of the ELF function symbols (any binding), as pahole collects them. */
export function functionSymbols(elf: ElfFile): Set<string> {
  const out = new Set<string>();
  const syms = elf.symbols();
  if (!syms) return out;
  for (let i = 1; i < syms.count; i++) {
    if ((syms.info[i] & 0xf) !== STT_FUNC) continue;
    const name = syms.name(i);
    if (name) out.add(name);
  }
  return out;
}

/** A data symbol inside a variable section, keyed by section offset. */
export interface SectionVar {
  name: string;
  size: number;
}

/** The per-CPU section and the object symbols in it. */
export interface PercpuInfo {
  shndx: number;
  /** sh_addr of the section (DWARF addresses are virtual: subtract it). */
  base: bigint;
  size: number;
  name: string;
  /** Section offset -> symbol (the first symbol at an offset wins). */
  vars: Map<number, SectionVar>;
}

/** A name BTF accepts for a variable: [A-Za-z_.][A-Za-z0-9_.]*, at most 128 characters checked. */
export function btfNameValid(name: string): boolean {
  if (name.length === 0) return false;
  const ok = (c: number, first: boolean): boolean =>
    c === 0x5f || c === 0x2e || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (!first && c >= 0x30 && c <= 0x39);
  if (!ok(name.charCodeAt(0), true)) return false;
  const limit = Math.min(name.length, 128);
  for (let i = 1; i < limit; i++) if (!ok(name.charCodeAt(i), false)) return false;
  return name.length <= 128;
}

/**
 * Collects the object symbols of `.data..percpu`, as pahole does: STT_OBJECT, non-zero size,
 * valid names (an invalid one is an error unless `force`).
 */
export function percpuSymbols(elf: ElfFile, force: boolean): PercpuInfo | null {
  const sec = elf.section('.data..percpu');
  if (!sec) return null;
  const syms = elf.symbols();
  if (!syms) return null;
  const layout = elf.relLayout();
  const base = layout ? layout[sec.index] : sec.addr;
  const info: PercpuInfo = { shndx: sec.index, base, size: sec.size, name: sec.name, vars: new Map() };
  const isRel = elf.type === ET_REL;
  for (let i = 1; i < syms.count; i++) {
    if (syms.shndx[i] !== sec.index) continue;
    if ((syms.info[i] & 0xf) !== STT_OBJECT) continue;
    const size = Number(syms.size[i]);
    if (size === 0) continue;
    const name = syms.name(i);
    if (!btfNameValid(name)) {
      if (force) continue;
      throw new InputError(`per-CPU symbol '${name}' has a name BTF cannot hold (use --btf_features=encode_force to skip it)`);
    }
    // symbol values are section offsets in relocatable files, addresses otherwise
    let addr = syms.value[i];
    if (!isRel) addr -= sec.addr;
    const off = Number(addr);
    if (!info.vars.has(off)) info.vars.set(off, { name, size });
  }
  return info;
}

// ---------------------------------------------------------------------------------------------
// pahole 1.31's view of the symbol table
// ---------------------------------------------------------------------------------------------

/**
 * The ELF functions as pahole 1.31 collects them: every STT_FUNC symbol with a name, named by the
 * part before its first '.' (so `foo`, `foo.isra.0` and `foo.constprop.0` are one function
 * `foo`), except symbols whose suffix holds `.cold` or `.part` (pieces of a function, not
 * functions). DWARF functions are matched against these names.
 */
export interface ElfFunctions {
  /** Names (without suffix), sorted as strcmp sorts them. */
  names: string[];
  index: Map<string, number>;
  /**
   * The name's symbols sit at different addresses (pahole leaves such functions out). As in
   * pahole, never set for the last name.
   */
  ambiguous: Uint8Array;
  /** Registered as a kfunc in a .BTF_ids kfunc set (see kfuncs.ts), and its flags. */
  kfunc: Uint8Array;
  kfuncFlags: Uint32Array;
}

/** Whether the part of a symbol name from its first '.' marks a piece of a function. */
function nonFunctionSuffix(name: string): boolean {
  const dot = name.indexOf('.');
  if (dot < 0) return false;
  return name.indexOf('.cold', dot) >= 0 || name.indexOf('.part', dot) >= 0;
}

export function elfFunctions(elf: ElfFile): ElfFunctions {
  const syms = elf.symbols();
  const slot = new Map<string, number>();
  const n = syms ? syms.count : 0;
  // per name: the address as it stands (halves, no BigInts: a vmlinux has ~120k symbols) and
  // whether it is ambiguous
  const lo = new Uint32Array(n), hi = new Uint32Array(n), amb = new Uint8Array(n);
  if (syms) {
    const v32 = new Uint32Array(syms.value.buffer, syms.value.byteOffset, 2 * n);
    const L = isHostLittleEndian ? 0 : 1, H = 1 - L;
    for (let i = 0; i < n; i++) {
      if ((syms.info[i] & 0xf) !== STT_FUNC) continue;
      const name = syms.name(i);
      if (nonFunctionSuffix(name)) continue;
      const dot = name.indexOf('.');
      const key = dot < 0 ? name : name.slice(0, dot);
      const vl = v32[2 * i + L], vh = v32[2 * i + H];
      const k = slot.get(key);
      if (k === undefined) {
        const s = slot.size;
        slot.set(key, s);
        lo[s] = vl;
        hi[s] = vh;
      } else if (amb[k] === 0) {
        // pahole's test, in symbol-table order: a later address differing from a non-zero one
        if ((lo[k] !== 0 || hi[k] !== 0) && (lo[k] !== vl || hi[k] !== vh)) amb[k] = 1;
        else { lo[k] = vl; hi[k] = vh; }
      }
    }
  }
  // strcmp order: for the ASCII of symbol names, the default (UTF-16 code unit) order
  const names = [...slot.keys()].sort();
  const index = new Map<string, number>();
  const ambiguous = new Uint8Array(names.length);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    index.set(name, i);
    // pahole decides a name's ambiguity when it meets the next name: the last is never checked
    if (amb[slot.get(name)!] && i < names.length - 1) ambiguous[i] = 1;
  }
  return { names, index, ambiguous, kfunc: new Uint8Array(names.length), kfuncFlags: new Uint32Array(names.length) };
}

/** The sections a variable's address is looked up in, as pahole 1.31 indexes them. */
export interface SectionTable {
  name: string[];
  type: Uint32Array;
  /** Address (ET_REL: where libdwfl lays the section out, as DWARF addresses assume) and end, as halves. */
  addrHi: Uint32Array;
  addrLo: Uint32Array;
  endHi: Uint32Array;
  endLo: Uint32Array;
  /** Variables of this section are encoded (per-CPU section, or every section with global_var). */
  include: Uint8Array;
  /** Names of STT_OBJECT symbols per section, built on first use. */
  objects: (shndx: number) => Set<string>;
}

export function sectionTable(elf: ElfFile, percpu: boolean, all: boolean): SectionTable {
  const n = elf.sections.length;
  const layout = elf.relLayout();
  const t: SectionTable = {
    name: [], type: new Uint32Array(n), addrHi: new Uint32Array(n), addrLo: new Uint32Array(n),
    endHi: new Uint32Array(n), endLo: new Uint32Array(n), include: new Uint8Array(n), objects: () => new Set(),
  };
  for (const s of elf.sections) {
    const i = s.index;
    t.name[i] = s.name;
    t.type[i] = s.type;
    const addr = layout && (s.flags & SHF_ALLOC) !== 0 ? layout[i] : s.addr;
    const end = addr + BigInt(s.size);
    t.addrHi[i] = Number(addr >> 32n);
    t.addrLo[i] = Number(addr & 0xffffffffn);
    t.endHi[i] = Number((end >> 32n) & 0xffffffffn);
    t.endLo[i] = Number(end & 0xffffffffn);
    if (all || (percpu && s.name === '.data..percpu')) t.include[i] = 1;
  }
  let bySection: Map<number, Set<string>> | null = null;
  t.objects = (shndx: number): Set<string> => {
    if (!bySection) {
      bySection = new Map();
      const syms = elf.symbols();
      if (syms) {
        for (let i = 0; i < syms.count; i++) {
          if ((syms.info[i] & 0xf) !== STT_OBJECT) continue;
          let set = bySection.get(syms.shndx[i]);
          if (!set) bySection.set(syms.shndx[i], set = new Set());
          set.add(syms.name(i));
        }
      }
    }
    return bySection.get(shndx) ?? new Set();
  };
  return t;
}

/**
 * The section pahole 1.31 places address (hi, lo) in: the first PROGBITS or NOBITS section, in
 * index order, whose range holds it; 0 if none.
 */
export function sectionOf(t: SectionTable, hi: number, lo: number): number {
  for (let i = 1; i < t.type.length; i++) {
    const ty = t.type[i];
    if (ty !== SHT_PROGBITS && ty !== SHT_NOBITS) continue;
    // addr <= a < end, comparing 64-bit values as (hi, lo) pairs
    const ah = t.addrHi[i], al = t.addrLo[i];
    if (hi < ah || (hi === ah && lo < al)) continue;
    const eh = t.endHi[i], el = t.endLo[i];
    if (hi > eh || (hi === eh && lo >= el)) continue;
    return i;
  }
  return 0;
}
