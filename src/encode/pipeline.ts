import { dedup } from '../btf/dedup.js';
import { validateBtf } from '../btf/validate.js';
import { StringTable } from '../btf/strings.js';
import type { BtfTable } from '../btf/table.js';
import { DieReader } from '../dwarf/die.js';
import type { DwarfSections } from '../dwarf/sections.js';
import { readUnits, scanUnits, type UnitHeader } from '../dwarf/unit.js';
import { ET_REL, SHF_COMPRESSED, SHT_NOBITS } from '../elf/constants.js';
import { ElfFile } from '../elf/reader.js';
import { InputError } from '../errors.js';
import { Assembler } from './assemble.js';
import { CuEncoder } from './cu.js';
import type { Features } from './features.js';
import type { CuEncodeOptions } from './options.js';
import { functionSymbols, percpuSymbols } from './symtab.js';
import { Lang } from '../dwarf/constants.js';

export interface EncodeOptions {
  features: Features;
  /** Base BTF for split encoding (modules). */
  base?: BtfTable | null;
  /** Languages to skip, by name (`rust`, `c++`, ...). */
  langExclude?: string[];
  verbose?: boolean;
  log?: (line: string) => void;
}

export interface EncodeStats {
  cus: number;
  dies: number;
  typesBeforeDedup: number;
  types: number;
  timings: Record<string, number>;
  /** Resident set size (MiB) at the end of each phase. */
  rss: Record<string, number>;
}

export interface EncodeResult {
  btf: BtfTable;
  /** Byte order of the input; the BTF is written in it. */
  littleEndian: boolean;
  stats: EncodeStats;
}

const LANGS: Record<string, number[]> = {
  rust: [Lang.Rust],
  c: [Lang.C89, Lang.C, Lang.C99, Lang.C11, Lang.C17],
  'c++': [Lang.C_plus_plus, Lang.C_plus_plus_03, Lang.C_plus_plus_11, Lang.C_plus_plus_14],
  asm: [Lang.Mips_Assembler],
};

export function languageCodes(names: string[]): number[] {
  const out: number[] = [];
  for (const n of names) {
    const codes = LANGS[n.toLowerCase()];
    if (!codes) throw new InputError(`unknown language '${n}' for --lang_exclude (known: ${Object.keys(LANGS).join(', ')})`);
    out.push(...codes);
  }
  return out;
}

export function cuOptions(f: Features, langExclude: string[] = []): CuEncodeOptions {
  return {
    floats: f.float,
    enum64: f.enum64,
    declTags: f.decl_tag,
    typeTags: f.type_tag,
    langExclude: languageCodes(langExclude),
  };
}

/** The DWARF of a file: its sections, its units, and the bytes of a unit when streamed. */
export interface DwarfInput {
  sec: DwarfSections;
  units: UnitHeader[];
  /** The bytes of unit `u` when .debug_info is read unit by unit (else null: it is in sec.info). */
  window: ((u: UnitHeader) => Uint8Array) | null;
}

/**
 * Opens the DWARF of `elf`. A linked file's uncompressed .debug_info (a vmlinux: ~160 MB) is not
 * read whole: units are read one at a time into a reused buffer, so memory holds one unit.
 */
export function openDwarf(elf: ElfFile): DwarfInput {
  const infoSec = elf.section('.debug_info');
  const stream = infoSec !== undefined && elf.type !== ET_REL && (infoSec.flags & SHF_COMPRESSED) === 0 &&
    infoSec.type !== SHT_NOBITS && infoSec.size > 0;
  if (!stream) {
    const sec = readDwarfSections(elf);
    return { sec, units: readUnits(sec.info, sec.littleEndian), window: null };
  }
  const sec = readDwarfSections(elf, false);
  const base = infoSec.offset;
  if (base + infoSec.size > elf.fileSize) throw new InputError(`.debug_info extends past the end of the file`);
  const head = new Uint8Array(48);
  const units = scanUnits((off, n) => elf.readBytes(base + off, n, head.subarray(0, n)), infoSec.size, elf.littleEndian);
  let buf = new Uint8Array(1 << 20);
  const window = (u: UnitHeader): Uint8Array => {
    const n = u.end - u.offset;
    if (buf.length < n) buf = new Uint8Array(Math.max(n, buf.length * 2));
    return elf.readBytes(base + u.offset, n, buf.subarray(0, n));
  };
  return { sec, units, window };
}

/** Reads the DWARF sections an encode needs (decompressed, relocated for ET_REL). */
export function readDwarfSections(elf: ElfFile, withInfo = true): DwarfSections {
  // relocatable files: addresses as pahole sees them, distinct per section (see ElfFile.relLayout)
  const info = withInfo ? elf.debugSection('.debug_info', true) : new Uint8Array(0);
  if (!info || (withInfo && info.length === 0)) throw new InputError('no DWARF debug info (.debug_info) to encode');
  const abbrev = elf.debugSection('.debug_abbrev');
  if (!abbrev) throw new InputError('.debug_info without .debug_abbrev');
  return {
    info,
    abbrev,
    str: elf.debugSection('.debug_str'),
    lineStr: elf.debugSection('.debug_line_str'),
    strOffsets: elf.debugSection('.debug_str_offsets'),
    addr: elf.debugSection('.debug_addr', true),
    littleEndian: elf.littleEndian,
  };
}

/** Encodes the DWARF of the ELF file at `path` into deduplicated BTF. */
export function encodeFile(path: string, opts: EncodeOptions): EncodeResult {
  const elf = ElfFile.open(path);
  try {
    return encodeElf(elf, opts);
  } finally {
    elf.close();
  }
}

export function encodeElf(elf: ElfFile, opts: EncodeOptions): EncodeResult {
  const timings: Record<string, number> = {};
  const rss: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (name: string): void => {
    const t = performance.now();
    timings[name] = (timings[name] ?? 0) + (t - t0);
    rss[name] = Math.round(process.memoryUsage.rss() / 1048576);
    if (process.env.DWARF2BTF_MEM) console.error(name, process.memoryUsage());
    t0 = t;
  };
  const f = opts.features;
  const dwarf = openDwarf(elf);
  const { units } = dwarf;
  const funcSyms = functionSymbols(elf);
  const percpu = f.var ? percpuSymbols(elf, f.encode_force) : null;
  lap('read');
  const reader = new DieReader(dwarf.sec);
  const base = opts.base ?? null;
  const enc = new CuEncoder(reader, cuOptions(f, opts.langExclude), new StringTable(0, 1 << 20), true);
  const asm = new Assembler(base, funcSyms, percpu, { vars: f.var, force: f.encode_force, verbose: !!opts.verbose, log: opts.log });
  let cus = 0;
  let dies = 0;
  for (const u of units) {
    const frag = enc.encode(u, dwarf.window?.(u));
    if (!frag) continue;
    cus++;
    dies += frag.dies;
    asm.add(frag);
  }
  const raw = asm.finish();
  lap('encode');
  const typesBeforeDedup = raw.count;
  const btf = raw.count === 0 ? raw : dedup(raw, { consume: true });
  lap('dedup');
  // never hand out BTF the kernel would refuse
  const problem = validateBtf(btf);
  if (problem) throw new InputError(`the DWARF yields BTF the kernel would reject: [${problem.id}] ${problem.kind}: ${problem.message}`);
  lap('validate');
  return { btf, littleEndian: elf.littleEndian, stats: { cus, dies, typesBeforeDedup, types: btf.count, timings, rss } };
}
