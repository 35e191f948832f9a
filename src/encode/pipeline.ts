import { StreamingDedup } from '../btf/dedup.js';
import { validateBtf } from '../btf/validate.js';
import { StringTable } from '../btf/strings.js';
import type { BtfTable } from '../btf/table.js';
import { DieReader } from '../dwarf/die.js';
import type { DwarfSections } from '../dwarf/sections.js';
import type { ReadAt, SectionExtent } from '../dwarf/section-source.js';
import { readUnits, scanUnits, type UnitHeader } from '../dwarf/unit.js';
import { ET_REL, SHF_COMPRESSED, SHT_NOBITS } from '../elf/constants.js';
import { ElfFile } from '../elf/reader.js';
import { InputError, hex } from '../errors.js';
import { ParallelEncode, WorkerPool, type ParallelStats } from './parallel.js';
import { createAssembler, functionNames, readFunctions, type Assembler, type ElfFunctionInfo } from './assemble.js';
import { CuEncoder, type CuFragment } from './cu.js';
import { rulesFor, type Features, type Rules } from './features.js';
import { registerParams } from './locations.js';
import type { CuEncodeOptions } from './options.js';
import { Lang } from '../dwarf/constants.js';

export interface EncodeOptions {
  features: Features;
  /** Base BTF for split encoding (modules). */
  base?: BtfTable | null;
  /** Languages to skip, by name (`rust`, `c++`, ...). */
  langExclude?: string[];
  /** Whose function and variable rules to follow (default: see rulesFor). */
  rules?: Rules;
  verbose?: boolean;
  log?: (line: string) => void;
  /** Worker threads for encodeElfParallel (1: the calling thread). */
  jobs?: number;
  /** Called as units are done: (done, total). */
  progress?: (done: number, total: number) => void;
}

export interface EncodeStats {
  cus: number;
  dies: number;
  typesBeforeDedup: number;
  types: number;
  timings: Record<string, number>;
  /** Resident set size (MiB) at the end of each phase. */
  rss: Record<string, number>;
  /** Whether dedup's first passes ran as the units came in (else all at once at the end). */
  dedupStreamed?: boolean;
  /** With jobs > 1: who encoded the batches of units. */
  batches?: ParallelStats;
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

export function cuOptions(f: Features, langExclude: string[] = [], machine = 0, rules: Rules = rulesFor(f)): CuEncodeOptions {
  const regs = registerParams(machine);
  return {
    floats: f.float,
    enum64: f.enum64,
    declTags: f.decl_tag,
    typeTags: f.type_tag,
    langExclude: languageCodes(langExclude),
    funcChecks: rules === '1.31' && f.consistent_func,
    regParams: regs.count,
    regOps: regs.ops,
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
 * read whole: units are read one at a time into a reused buffer, so memory holds one unit; its
 * location lists (22 MB) are read in windows as the units need them.
 */
export function openDwarf(elf: ElfFile, locations = true): DwarfInput {
  const infoSec = elf.section('.debug_info');
  // (a file given as bytes is in memory already: nothing to gain)
  const stream = infoSec !== undefined && elf.type !== ET_REL && (infoSec.flags & SHF_COMPRESSED) === 0 &&
    infoSec.type !== SHT_NOBITS && infoSec.size > 0 && elf.path !== undefined;
  if (!stream) {
    const sec = readDwarfSections(elf, true, locations);
    return { sec, units: readUnits(sec.info, sec.littleEndian), window: null };
  }
  const sec = readDwarfSections(elf, false, locations);
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
/** `locations`: also the location lists (only pahole 1.31's parameter checks read them). */
export function readDwarfSections(elf: ElfFile, withInfo = true, locations = true): DwarfSections {
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
    ...(locations ? locationLists(elf, !withInfo) : {}),
    littleEndian: elf.littleEndian,
  };
}

/**
 * The location-list sections: read whole, or (`windows`, for a linked file whose sections need no
 * relocating, decompressing) only where they lie in the file, to be read in windows as units
 * need them (see SectionSource).
 */
function locationLists(elf: ElfFile, windows: boolean): Pick<DwarfSections, 'loc' | 'loclists' | 'locExtent' | 'loclistsExtent'> {
  const extent = (name: string): SectionExtent | undefined => {
    const s = elf.section(name);
    // (ElfFile.open has refused sections that run past the end of the file)
    if (!s || s.type === SHT_NOBITS || (s.flags & SHF_COMPRESSED) !== 0 || s.size === 0) return undefined;
    return { offset: s.offset, size: s.size };
  };
  const locExtent = windows && elf.type !== ET_REL ? extent('.debug_loc') : undefined;
  const loclistsExtent = windows && elf.type !== ET_REL ? extent('.debug_loclists') : undefined;
  return {
    loc: locExtent ? undefined : elf.debugSection('.debug_loc', true),
    loclists: loclistsExtent ? undefined : elf.debugSection('.debug_loclists', true),
    locExtent,
    loclistsExtent,
  };
}

/** Reads the file into `into` for SectionSource. */
function fileReader(elf: ElfFile): ReadAt {
  return (offset, length, into) => elf.readBytes(offset, length, into.subarray(0, length)).length;
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

/** Timings and RSS per phase, for --stats. */
class Phases {
  timings: Record<string, number> = {};
  rss: Record<string, number> = {};
  private t0 = performance.now();
  lap(name: string): void {
    const t = performance.now();
    this.timings[name] = (this.timings[name] ?? 0) + (t - this.t0);
    this.rss[name] = Math.round(process.memoryUsage.rss() / 1048576);
    this.t0 = t;
  }
}

/** What the units' encoders need: the DWARF and their options (funcNames: see readNames). */
function prepareUnits(elf: ElfFile, opts: EncodeOptions) {
  const f = opts.features;
  const rules = rulesFor(f, opts.rules);
  const cuOpts = cuOptions(f, opts.langExclude, elf.machine, rules);
  const dwarf = openDwarf(elf, cuOpts.funcChecks);
  return { dwarf, cuOpts, rules };
}

/** The ELF's functions, and their names as the units' encoders take them (into `cuOpts`). */
function readNames(elf: ElfFile, rules: Rules, cuOpts: CuEncodeOptions) {
  const fns = readFunctions(elf, rules);
  cuOpts.funcNames = functionNames(rules, fns);
  return fns;
}

/** What takes the fragments in: the assembler (the rest of the symbol tables) and dedup. */
function prepareAssembly(elf: ElfFile, opts: EncodeOptions, dwarf: DwarfInput, rules: Rules, fns: ElfFunctionInfo) {
  const asm = createAssembler(elf, opts.base ?? null, opts.features, rules, !!opts.verbose, opts.log, fns);
  const infoBytes = dwarf.units.length ? dwarf.units[dwarf.units.length - 1].end : 0;
  asm.reserveFor(infoBytes);
  // dedup's first passes run as the units come in (see StreamingDedup)
  const dd = new StreamingDedup(asm.btf, asm.typesFor(infoBytes));
  return { asm, dd };
}

/** Dedup and the kernel-rules check, after all units are assembled. */
function complete(asm: Assembler, dd: StreamingDedup, elf: ElfFile, phases: Phases, cus: number, dies: number): EncodeResult {
  const raw = asm.finish();
  phases.lap('merge');
  const typesBeforeDedup = raw.count;
  const btf = raw.count === 0 ? raw : dd.finish();
  // (the last types, or an enum met at the end, may still make it fall back)
  const streamed = !dd.fallsBack;
  phases.lap('dedup');
  // never hand out BTF the kernel would refuse
  const problem = validateBtf(btf);
  if (problem) throw new InputError(`the DWARF yields BTF the kernel would reject: [${problem.id}] ${problem.kind}: ${problem.message}`);
  phases.lap('validate');
  return {
    btf, littleEndian: elf.littleEndian,
    stats: { cus, dies, typesBeforeDedup, types: btf.count, timings: phases.timings, rss: phases.rss, dedupStreamed: streamed },
  };
}

/** Prefixes an error from encoding unit `u` with where it happened. */
function inUnit(e: unknown, u: UnitHeader, name: string): unknown {
  if (!(e instanceof InputError) || e.message.startsWith('CU ')) return e;
  return new InputError(`CU at ${hex(u.offset)}${name ? ` ('${name}')` : ''}: ${e.message}`);
}

/**
 * This thread's encoder of units (errors name the unit) and the merge of what it or a worker made,
 * counting units and DIEs: the same for encodeElf and encodeElfParallel.
 */
function unitPipeline(dwarf: DwarfInput, cuOpts: CuEncodeOptions, asm: Assembler, dd: StreamingDedup, readAt: ReadAt) {
  const enc = new CuEncoder(new DieReader(dwarf.sec), cuOpts, new StringTable(0, 1 << 20), true, readAt);
  const counts = { cus: 0, dies: 0 };
  return {
    counts,
    local: {
      encode(i: number) {
        const u = dwarf.units[i];
        try {
          return enc.encode(u, dwarf.window?.(u));
        } catch (e) {
          throw inUnit(e, u, enc.cuLabel);
        }
      },
    },
    merge(frag: CuFragment): void {
      counts.cus++;
      counts.dies += frag.dies;
      asm.add(frag);
      dd.feed();
    },
  };
}

/** Encodes on the calling thread, one unit after the other. */
export function encodeElf(elf: ElfFile, opts: EncodeOptions): EncodeResult {
  const phases = new Phases();
  const { dwarf, cuOpts, rules } = prepareUnits(elf, opts);
  const fns = readNames(elf, rules, cuOpts);
  const { asm, dd } = prepareAssembly(elf, opts, dwarf, rules, fns);
  phases.lap('read');
  const { counts, local, merge } = unitPipeline(dwarf, cuOpts, asm, dd, fileReader(elf));
  for (let i = 0; i < dwarf.units.length; i++) {
    const frag = local.encode(i);
    opts.progress?.(i + 1, dwarf.units.length);
    if (frag) merge(frag);
  }
  phases.lap('encode');
  return complete(asm, dd, elf, phases, counts.cus, counts.dies);
}

/**
 * Encodes with `opts.jobs` threads: this one and `jobs - 1` workers (1: this one only). The output
 * is the same for every number of jobs: fragments are assembled in unit order whoever made them.
 */
export async function encodeElfParallel(elf: ElfFile, opts: EncodeOptions): Promise<EncodeResult> {
  const jobs = opts.jobs ?? 1;
  if (jobs <= 1) return encodeElf(elf, opts);
  const phases = new Phases();
  // the workers boot while this thread reads
  const pool = new WorkerPool(jobs - 1);
  let job: ParallelEncode | undefined;
  let units, asm, dd;
  try {
    // the sections every thread reads, read once into shared memory
    elf.setAllocator((n) => new Uint8Array(new SharedArrayBuffer(n)));
    try {
      units = prepareUnits(elf, opts);
    } finally {
      elf.setAllocator(undefined);
    }
    const { dwarf, cuOpts, rules } = units;
    // (a streamed .debug_info is read by each thread from the file: openDwarf streams files with a path)
    const stream = dwarf.window ? { path: elf.path!, offset: elf.section('.debug_info')!.offset } : null;
    // the workers begin while this thread reads the symbol table and makes the assembler (no
    // yielding to the event loop until job.run); the function names follow them
    job = ParallelEncode.start({ sec: dwarf.sec, units: dwarf.units, stream }, { ...cuOpts, funcNames: null }, jobs, pool);
    const fns = readNames(elf, rules, cuOpts);
    job.setFunctionNames(cuOpts.funcNames ?? null);
    ({ asm, dd } = prepareAssembly(elf, opts, dwarf, rules, fns));
  } catch (e) {
    await (job ? job.abort() : pool.terminate());
    throw e;
  }
  const { dwarf, cuOpts } = units;
  phases.lap('read');
  const { counts, local, merge } = unitPipeline(dwarf, cuOpts, asm, dd, fileReader(elf));
  let mergeTime = 0;
  const par = await job.run(local, (frag) => {
    const t = performance.now();
    merge(frag);
    mergeTime += performance.now() - t;
  }, opts.progress);
  phases.lap('encode');
  phases.timings['merge and first dedup passes (during encode)'] = mergeTime;
  const res = complete(asm, dd, elf, phases, counts.cus, counts.dies);
  res.stats.batches = par;
  return res;
}

/** encodeFile with worker threads (opts.jobs). */
export async function encodeFileParallel(path: string, opts: EncodeOptions): Promise<EncodeResult> {
  const elf = ElfFile.open(path);
  try {
    return await encodeElfParallel(elf, opts);
  } finally {
    elf.close();
  }
}
