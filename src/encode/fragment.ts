import { BtfTable } from '../btf/table.js';
import type { StringTable } from '../btf/strings.js';
import { relocationLists } from './assemble.js';
import type { CuFragment, DeclTag, FuncCandidate, VarCandidate } from './cu.js';

/**
 * A CuFragment as plain data for postMessage: its tables as exact-size typed arrays, its
 * function and variable candidates packed (see PackedCandidates).
 */
export interface FragmentMessage extends Omit<CuFragment, 'types' | 'protos' | 'funcs' | 'vars'> {
  types: TableParts;
  protos: TableParts;
  candidates: PackedCandidates;
}

interface TableParts {
  words: Uint32Array;
  offs: Uint32Array;
}

/**
 * Function and variable candidates as one array of numbers and one string of names: the
 * structured clone of the objects themselves (a vmlinux sends ~100,000) took more time than the
 * rest of the messages together.
 */
interface PackedCandidates {
  funcs: number;
  vars: number;
  /** FUNC_WORDS per function (flags, proto, die), then VAR_WORDS per variable. */
  nums: Float64Array;
  /** Each function's name, then each variable's name and specName, joined by NULs ('' for null). */
  names: string;
  /** Per candidate (functions first) its decl tags, or null when no candidate has any. */
  tags: (DeclTag[] | null)[] | null;
}

const FUNC_WORDS = 3;
const VAR_WORDS = 6;

const enum F {
  NO_NAME = 1, EXTERNAL = 2, UNEXPECTED_REG = 4, UNCERTAIN_LOC = 8,
}

const enum V {
  NO_NAME = 1, NO_SPEC_NAME = 2, DECLARATION = 4, GLOBAL = 8, HAS_SPEC = 16, TOP_LEVEL = 32,
  ARTIFICIAL = 64, EXTERNAL = 128,
}

function packCandidates(funcs: FuncCandidate[], vars: VarCandidate[]): PackedCandidates {
  const nums = new Float64Array(funcs.length * FUNC_WORDS + vars.length * VAR_WORDS);
  const names: string[] = [];
  let tags: (DeclTag[] | null)[] | null = null;
  const tagsOf = (i: number, t: DeclTag[] | null): void => {
    if (t) (tags ??= new Array<DeclTag[] | null>(funcs.length + vars.length).fill(null))[i] = t;
  };
  let k = 0;
  for (let i = 0; i < funcs.length; i++) {
    const f = funcs[i];
    nums[k++] = (f.name === null ? F.NO_NAME : 0) | (f.external ? F.EXTERNAL : 0) |
      (f.unexpectedReg ? F.UNEXPECTED_REG : 0) | (f.uncertainLoc ? F.UNCERTAIN_LOC : 0);
    nums[k++] = f.proto;
    nums[k++] = f.die;
    names.push(f.name ?? '');
    tagsOf(i, f.tags);
  }
  for (let i = 0; i < vars.length; i++) {
    const v = vars[i];
    nums[k++] = (v.name === null ? V.NO_NAME : 0) | (v.specName === null ? V.NO_SPEC_NAME : 0) |
      (v.declaration ? V.DECLARATION : 0) | (v.global ? V.GLOBAL : 0) | (v.hasSpec ? V.HAS_SPEC : 0) |
      (v.topLevel ? V.TOP_LEVEL : 0) | (v.artificial ? V.ARTIFICIAL : 0) | (v.external ? V.EXTERNAL : 0);
    nums[k++] = v.addrLo;
    nums[k++] = v.addrHi;
    nums[k++] = v.type;
    nums[k++] = v.size;
    nums[k++] = v.die;
    names.push(v.name ?? '', v.specName ?? '');
    tagsOf(funcs.length + i, v.tags);
  }
  return { funcs: funcs.length, vars: vars.length, nums, names: names.join('\0'), tags };
}

/**
 * An integer read back from a Float64Array, as the small integer V8 makes of it anywhere else: a
 * double there would change the representation of the fields (and parameters) it reaches, which
 * deoptimizes every function that uses them.
 */
function int(x: number): number {
  return x <= 0x7fffffff ? x | 0 : x;
}

function unpackCandidates(p: PackedCandidates): { funcs: FuncCandidate[]; vars: VarCandidate[] } {
  const { nums, tags } = p;
  const names = p.names.split('\0');
  const funcs: FuncCandidate[] = new Array(p.funcs);
  const vars: VarCandidate[] = new Array(p.vars);
  let k = 0, n = 0;
  for (let i = 0; i < p.funcs; i++, k += FUNC_WORDS, n++) {
    const flags = nums[k];
    funcs[i] = {
      name: flags & F.NO_NAME ? null : names[n], external: (flags & F.EXTERNAL) !== 0, proto: int(nums[k + 1]),
      tags: tags ? tags[i] : null, die: int(nums[k + 2]), unexpectedReg: (flags & F.UNEXPECTED_REG) !== 0,
      uncertainLoc: (flags & F.UNCERTAIN_LOC) !== 0,
    };
  }
  for (let i = 0; i < p.vars; i++, k += VAR_WORDS, n += 2) {
    const flags = nums[k];
    vars[i] = {
      name: flags & V.NO_NAME ? null : names[n], declaration: (flags & V.DECLARATION) !== 0,
      global: (flags & V.GLOBAL) !== 0, addrLo: int(nums[k + 1]), addrHi: int(nums[k + 2]), hasSpec: (flags & V.HAS_SPEC) !== 0,
      specName: flags & V.NO_SPEC_NAME ? null : names[n + 1], topLevel: (flags & V.TOP_LEVEL) !== 0,
      artificial: (flags & V.ARTIFICIAL) !== 0, type: int(nums[k + 3]), external: (flags & V.EXTERNAL) !== 0,
      size: int(nums[k + 4]), tags: tags ? tags[p.funcs + i] : null, die: int(nums[k + 5]),
    };
  }
  return { funcs, vars };
}

function parts(t: BtfTable): TableParts {
  return { words: t.words.slice(0, t.nWords), offs: t.offs.slice(0, t.count) };
}

function table(p: TableParts, strings: StringTable): BtfTable {
  return BtfTable.fromParts(strings, p.words, p.words.length, p.offs, p.offs.length);
}

/** Packs a fragment for sending; `transfer` receives the buffers to move rather than copy. */
export function packFragment(f: CuFragment, transfer: ArrayBuffer[]): FragmentMessage {
  const { types: t, protos: p, funcs, vars, ...rest } = f;
  const types = parts(t), protos = parts(p);
  const reloc = relocationLists(t);
  const candidates = packCandidates(funcs, vars);
  transfer.push(types.words.buffer as ArrayBuffer, types.offs.buffer as ArrayBuffer, protos.words.buffer as ArrayBuffer,
    protos.offs.buffer as ArrayBuffer, reloc.refs.buffer as ArrayBuffer, reloc.strs.buffer as ArrayBuffer,
    candidates.nums.buffer as ArrayBuffer);
  return { ...rest, types, protos, reloc, candidates };
}

/** Rebuilds a fragment whose string offsets refer to `strings` (the sender's table, mirrored). */
export function unpackFragment(m: FragmentMessage, strings: StringTable): CuFragment {
  const { types, protos, candidates, ...rest } = m;
  return { ...rest, types: table(types, strings), protos: table(protos, strings), ...unpackCandidates(candidates) };
}

/**
 * A copy of a fragment of this thread that outlives the encoder's reused tables (its candidates
 * are its own already).
 */
export function copyFragment(f: CuFragment): CuFragment {
  const strings = f.types.strings;
  return { ...f, types: table(parts(f.types), strings), protos: table(parts(f.protos), strings), reloc: relocationLists(f.types) };
}
