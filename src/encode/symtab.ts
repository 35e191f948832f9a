import { STT_FUNC, STT_OBJECT, ET_REL } from '../elf/constants.js';
import type { ElfFile } from '../elf/reader.js';
import { InputError } from '../errors.js';

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
