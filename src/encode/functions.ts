/**
 * Functions as pahole 1.31 encodes them: while the compile units are added, each DWARF function
 * definition whose name is an ELF function (see ElfFunctions) is saved with its prototype, in
 * global type ids; after the last unit the saved functions are sorted by name, the copies of one
 * function (from several units, or an abstract instance and its out-of-line copy) are compared,
 * and one FUNC_PROTO + FUNC per function is appended, followed by its kfunc and annotation
 * DECL_TAGs (and preceded, for an arena kfunc with the attributes feature, by its arena pointer
 * types: see kfuncs.ts).
 *
 * With consistent_func a function is left out when its copies disagree on the prototype, when a
 * parameter arrives in another register than the ABI's, when a packed struct is passed on the
 * stack, or when its ELF symbols sit at more than one address (two static functions of one name).
 */
import { Kind, infoKind, infoKflag, infoVlen } from '../btf/kinds.js';
import type { BtfTable } from '../btf/table.js';
import type { DeclTag } from './cu.js';
import { InputError } from '../errors.js';
import { ARENA_ATTR, FASTCALL_TAG, KFUNC_TAG, KF_ARENA_ARG1, KF_ARENA_ARG2, KF_ARENA_RET, KF_FASTCALL } from './kfuncs.js';
import type { ElfFunctions } from './symtab.js';

const FLAG_UNEXPECTED = 1;
const FLAG_UNCERTAIN = 2;
const FLAG_INCONSISTENT = 4;

export interface FunctionRules {
  /** consistent_func: leave out functions that fail the checks above. */
  consistent: boolean;
  /** decl_tag_kfuncs (and decl_tag): DECL_TAG bpf_kfunc on kfuncs. */
  tagKfuncs: boolean;
  /** attributes (with decl_tag_kfuncs): arena pointers of kfuncs flagged KF_ARENA_*. */
  arenaTags?: boolean;
  verbose: boolean;
  log?: (line: string) => void;
}

/** The saved functions. Prototype words live in one array: ret, nparams, (name, type)*. */
export class SavedFunctions {
  private elf: number[] = [];
  private at: number[] = [];
  private flags: number[] = [];
  private tags: (number[] | null)[] = [];
  private words: number[] = [];

  constructor(private fns: ElfFunctions, private rules: FunctionRules) {}

  get count(): number {
    return this.elf.length;
  }

  /**
   * Saves a function: `fn` its ElfFunctions index; the prototype `protoId` of `protos`, whose type
   * ids `map` turns global and whose parameter names `str` interns (as pahole interns them when
   * it saves: the order of the string section depends on it); annotation values are interned too.
   */
  save(fn: number, protos: BtfTable, protoId: number, map: (id: number) => number, str: (off: number) => number,
    btf: BtfTable, tags: DeclTag[] | null, unexpectedReg: boolean, uncertainLoc: boolean): void {
    const w = protos.words;
    const at = protos.at(protoId);
    const vlen = infoVlen(w[at + 1]);
    const d = this.words;
    this.at.push(d.length);
    d.push(map(w[at + 2]), vlen);
    for (let i = 0; i < vlen; i++) d.push(str(w[at + 3 + 2 * i]), map(w[at + 4 + 2 * i]));
    this.elf.push(fn);
    this.flags.push((unexpectedReg ? FLAG_UNEXPECTED : 0) | (uncertainLoc ? FLAG_UNCERTAIN : 0));
    let t: number[] | null = null;
    if (tags) {
      t = [];
      for (const dt of tags) t.push(btf.addStr(dt.value), dt.component);
    }
    this.tags.push(t);
  }

  /** Appends the chosen functions to `btf` in name order; returns how many. */
  emit(btf: BtfTable): number {
    const fns = this.fns;
    const order = this.nameOrder();
    const n = order.length;
    let emitted = 0;
    for (let i = 0; i < n;) {
      const first = order[i];
      let flags = this.flags[first];
      let j = i + 1;
      for (; j < n && this.elf[order[j]] === this.elf[first]; j++) {
        const other = order[j];
        flags |= this.flags[other];
        if ((flags & (FLAG_UNEXPECTED | FLAG_INCONSISTENT)) === 0 && !this.protosMatch(btf, first, other)) {
          flags |= FLAG_INCONSISTENT;
        }
      }
      const fn = this.elf[first];
      const name = fns.names[fn];
      const skip = this.rules.consistent && (flags !== 0 || fns.ambiguous[fn] === 1);
      if (this.rules.verbose && this.rules.log && skip) {
        const why = fns.ambiguous[fn] ? 'its ELF symbols are at different addresses'
          : flags & FLAG_INCONSISTENT ? 'its prototypes differ between compile units'
            : flags & FLAG_UNEXPECTED ? 'a parameter is not in the register the ABI puts it in'
              : 'a packed struct parameter is passed on the stack';
        this.rules.log(`${name}: function left out: ${why}`);
      }
      if (!skip) {
        this.emitOne(btf, first, name, fn);
        emitted++;
      }
      i = j;
    }
    return emitted;
  }

  /**
   * The saved functions in name order, the copies of a function in the order they were saved.
   * ElfFunctions' names are sorted and distinct, so name order is the order of their indexes: a
   * counting sort by index, no string comparisons.
   */
  private nameOrder(): Uint32Array {
    const elf = this.elf, n = elf.length;
    const start = new Uint32Array(this.fns.names.length + 1);
    for (let k = 0; k < n; k++) start[elf[k] + 1]++;
    for (let i = 1; i < start.length; i++) start[i] += start[i - 1];
    const order = new Uint32Array(n);
    for (let k = 0; k < n; k++) order[start[elf[k]]++] = k;
    return order;
  }

  private emitOne(btf: BtfTable, k: number, name: string, fn: number): void {
    const d = this.words;
    let p = this.at[k];
    let ret = d[p++];
    const vlen = d[p++];
    let arg1 = -1, arg2 = -1;
    const flags = this.fns.kfuncFlags[fn];
    if (this.rules.arenaTags && this.fns.kfunc[fn] && flags & (KF_ARENA_RET | KF_ARENA_ARG1 | KF_ARENA_ARG2)) {
      if (flags & KF_ARENA_RET) ret = arenaPointer(btf, ret, name, 'its return value');
      if (flags & KF_ARENA_ARG1) arg1 = arenaPointer(btf, vlen > 0 ? d[p + 1] : -1, name, 'argument 1');
      if (flags & KF_ARENA_ARG2) arg2 = arenaPointer(btf, vlen > 1 ? d[p + 3] : -1, name, 'argument 2');
    }
    const proto = btf.begin(0, Kind.FUNC_PROTO, vlen, 0, ret);
    for (let i = 0; i < vlen; i++) {
      btf.push(d[p++]);
      const type = d[p++];
      btf.push(i === 0 && arg1 >= 0 ? arg1 : i === 1 && arg2 >= 0 ? arg2 : type);
    }
    const id = btf.begin(btf.addStr(name), Kind.FUNC, 0, 0, proto);
    if (this.rules.tagKfuncs && this.fns.kfunc[fn]) {
      btf.begin(btf.addStr(KFUNC_TAG), Kind.DECL_TAG, 0, 0, id);
      btf.push(0xffffffff);
      if (this.fns.kfuncFlags[fn] & KF_FASTCALL) {
        btf.begin(btf.addStr(FASTCALL_TAG), Kind.DECL_TAG, 0, 0, id);
        btf.push(0xffffffff);
      }
    }
    const t = this.tags[k];
    if (t) {
      for (let i = 0; i < t.length; i += 2) {
        btf.begin(t[i], Kind.DECL_TAG, 0, 0, id);
        btf.push(t[i + 1]);
      }
    }
  }

  /** pahole's funcs__match: same parameter count, return and parameter types alike. */
  private protosMatch(btf: BtfTable, a: number, b: number): boolean {
    const d = this.words;
    const pa = this.at[a], pb = this.at[b];
    const n = d[pa + 1];
    if (n !== d[pb + 1]) return false;
    if (!typesMatch(btf, d[pa], d[pb])) return false;
    for (let i = 0; i < n; i++) {
      if (!typesMatch(btf, d[pa + 3 + 2 * i], d[pb + 3 + 2 * i])) return false;
    }
    return true;
  }
}

/**
 * For an arena kfunc (see kfuncs.ts): a new PTR to a TYPE_TAG "address_space(1)" (kind_flag 1) on
 * what the pointer `ptr` points to, appended to `btf`; its id. `ptr` must be a PTR (-1: the
 * function has no such parameter).
 */
function arenaPointer(btf: BtfTable, ptr: number, func: string, what: string): number {
  if (ptr <= 0 || infoKind(btf.info(ptr)) !== Kind.PTR) {
    throw new InputError(`kfunc '${func}' is flagged as taking or returning an arena pointer, but ${what} ${ptr < 0 ? 'does not exist' : 'is not a pointer'}`);
  }
  const tag = btf.begin(btf.addStr(ARENA_ATTR), Kind.TYPE_TAG, 0, 1, btf.sizeOrType(ptr));
  return btf.begin(0, Kind.PTR, 0, 0, tag);
}

/** Kind, with a FWD taken as the STRUCT or UNION it declares. */
function fwdKind(btf: BtfTable, id: number): number {
  const info = btf.info(id);
  const k = infoKind(info);
  if (k === Kind.FWD) return infoKflag(info) ? Kind.UNION : Kind.STRUCT;
  return k;
}

function sameName(btf: BtfTable, a: number, b: number): boolean {
  const na = btf.nameOff(a), nb = btf.nameOff(b);
  return na === nb || btf.str(na) === btf.str(nb);
}

/**
 * pahole 1.31's types__match: loose structural equality of two types of one BTF — named types by
 * name, a const matching its unqualified type, pointers, qualifiers and arrays by what they hold.
 * Function prototypes compare their parameter count and return type only (as pahole does).
 */
export function typesMatch(btf: BtfTable, id1: number, id2: number): boolean {
  for (let guard = 0; guard < 1024; guard++) {
    if (id1 === id2) return true;
    if (id1 === 0 || id2 === 0) return false;
    const k1 = fwdKind(btf, id1), k2 = fwdKind(btf, id2);
    if (k1 !== k2) {
      if (k1 === Kind.CONST) { id1 = btf.sizeOrType(id1); continue; }
      if (k2 === Kind.CONST) { id2 = btf.sizeOrType(id2); continue; }
      return false;
    }
    switch (k1) {
      case Kind.INT:
        return btf.sizeOrType(id1) === btf.sizeOrType(id2) && btf.extra(id1, 0) === btf.extra(id2, 0) && sameName(btf, id1, id2);
      case Kind.FLOAT:
        return btf.sizeOrType(id1) === btf.sizeOrType(id2) && sameName(btf, id1, id2);
      case Kind.TYPEDEF: case Kind.STRUCT: case Kind.UNION: case Kind.ENUM: case Kind.ENUM64:
        return sameName(btf, id1, id2);
      case Kind.PTR: case Kind.VOLATILE: case Kind.CONST: case Kind.RESTRICT: case Kind.TYPE_TAG:
        id1 = btf.sizeOrType(id1);
        id2 = btf.sizeOrType(id2);
        break;
      case Kind.ARRAY:
        if (btf.extra(id1, 2) !== btf.extra(id2, 2)) return false;
        id1 = btf.extra(id1, 0);
        id2 = btf.extra(id2, 0);
        break;
      case Kind.FUNC_PROTO:
        if (btf.vlen(id1) !== btf.vlen(id2)) return false;
        return typesMatch(btf, btf.sizeOrType(id1), btf.sizeOrType(id2));
      default:
        return false;
    }
  }
  return false;
}
