/**
 * The checks the Linux kernel applies to BTF handed to BPF_BTF_LOAD (kernel/bpf/btf.c, as of
 * Linux 6.18), re-implemented so that dwarf2btf can tell whether the kernel would accept its
 * output, and why not:
 *
 *  - header and section layout (validateBtfBytes only: a BtfTable no longer has a header);
 *  - the string section: NUL first (base BTF) and last, at most 16 MiB;
 *  - per type, in id order ("check_meta"): info bits, name offsets, which kinds must, may or
 *    must not be named and what a valid name is, vlen/kind_flag/size rules, INT encodings and
 *    bit ranges, member offsets ascending and within the struct, DATASEC entries sorted,
 *    non-overlapping and within the section;
 *  - the resolve pass, a depth-first walk from every type in id order with the kernel's three
 *    walk modes, its 32-deep stack and its loop detection: referenced types must exist and not
 *    be VAR/DATASEC/DECL_TAG, members/elements/variables must have a size, member types must fit
 *    at their offsets (bitfield rules included), array index types must be regular ints, FUNC
 *    must point to a FUNC_PROTO with named parameters, DECL_TAG targets and component indexes
 *    must match, FUNC_PROTO returns and parameters must have sizes (void only as last vararg);
 *  - type tags must come before any other modifier in a modifier chain.
 *
 * Where the kernel's walk depends on type order (a pointer to a FUNC is accepted only if the
 * FUNC was resolved earlier; chains deeper than 32 unresolved types fail), the same order is
 * followed so the verdict matches. Pointers are 8 bytes (64-bit kernels).
 *
 * For split BTF only the split part is checked, by the same rules, with base types taken as
 * resolved. (BPF_BTF_LOAD takes only full BTF; the kernel loads module BTF itself and checks it
 * less: one type at a time and type tags, without the resolve pass.)
 * Not checked: the special-field rules for structs holding bpf_spin_lock, bpf_list_head and
 * similar, which the kernel applies after these checks.
 */
import { BTF_HEADER_LEN, BTF_MAGIC, BTF_VERSION, Kind, KIND_MAX, KIND_NAMES, extraWords } from './kinds.js';
import { forEachIdWord } from './fields.js';
import { BtfTable } from './table.js';
import { InputError } from '../errors.js';

export interface ValidationProblem {
  /** Type id the problem is about (0 for header and string section problems). */
  id: number;
  /** Kind name as bpftool prints it ('STRUCT', ...), or 'header' / 'strings'. */
  kind: string;
  /** What is wrong, with the kernel's wording where it has one (e.g. "member 'x': Member exceeds struct_size"). */
  message: string;
  /** The whole line: `[12] STRUCT 'foo': member 'x': Member exceeds struct_size`. */
  text: string;
}

const BTF_MAX_TYPE = 0xfffff;
const BTF_MAX_NAME_OFFSET = 0xffffff;
const BTF_MAX_SIZE = 16 * 1024 * 1024;
const KSYM_NAME_LEN = 512;
const MAX_RESOLVE_DEPTH = 32;
const PTR_SIZE = 8;
const U32_MAX = 0xffffffff;
const KFLAG = 'Invalid btf_info kind_flag';

/** Kind sets as bit masks over kind numbers. */
const bit = (...kinds: Kind[]) => kinds.reduce((m, k) => m | (1 << k), 0);
const MODIFIER = bit(Kind.TYPEDEF, Kind.VOLATILE, Kind.CONST, Kind.RESTRICT, Kind.TYPE_TAG);
const NOSIZE = bit(Kind.UNKN, Kind.FWD, Kind.FUNC, Kind.FUNC_PROTO); // UNKN: void
const SOURCE_ONLY = bit(Kind.VAR, Kind.DECL_TAG, Kind.DATASEC);
const STRUCTISH = bit(Kind.STRUCT, Kind.UNION);
const NEEDS_RESOLVE = MODIFIER | STRUCTISH | SOURCE_ONLY | bit(Kind.PTR, Kind.ARRAY, Kind.FUNC);
const HAS_SIZE = STRUCTISH | bit(Kind.INT, Kind.ENUM, Kind.DATASEC, Kind.FLOAT, Kind.ENUM64);
const DECL_TAG_TARGET = STRUCTISH | bit(Kind.FUNC, Kind.VAR, Kind.TYPEDEF);
const is = (mask: number, kind: number) => ((mask >>> kind) & 1) === 1;

/** The kernel's ctype classes for bytes (lib/ctype.c: Latin-1 letters count as alpha). */
const ALPHA = 1, DIGIT = 2, PRINT = 4;
const CTYPE = (() => {
  const c = new Uint8Array(256);
  for (let i = 32; i < 127; i++) c[i] |= PRINT;
  for (let i = 160; i < 256; i++) c[i] |= PRINT;
  for (let i = 48; i < 58; i++) c[i] |= DIGIT;
  for (let i = 65; i < 91; i++) c[i] |= ALPHA;
  for (let i = 97; i < 123; i++) c[i] |= ALPHA;
  for (let i = 192; i < 256; i++) if (i !== 215 && i !== 247) c[i] |= ALPHA;
  return c;
})();
const DOT = 46, UNDERSCORE = 95;

/** Visit states of the resolve walk (BAD: failed, or depends on a type that did; not rechecked). */
const NOT_VISITED = 0, VISITED = 1, RESOLVED = 2, BAD = 3;
/** Walk modes: what counts as a sink (a type not to descend into). */
const MODE_TBD = 0, MODE_PTR = 1, MODE_STRUCT = 2;
/** Results of one resolve step. */
const OK = 0, ERR = -1, SKIP = -2, E2BIG = -3, EEXIST = -4;

class Stop extends Error {}

/** Resolution results for a table's ids (base ids included), reused for split BTF over it. */
interface Resolution { kinds: Uint8Array; types: Uint32Array; rid: Uint32Array; rsize: Uint32Array }
/**
 * The resolve walk over a base, kept per base table: it resolves only the base types that split
 * tables refer to (and what those need), as they come; `full` once it has had to walk it all.
 */
interface BaseWalk { v: Validator; full: boolean }
const baseWalks = new WeakMap<BtfTable, BaseWalk>();

class Validator {
  readonly problems: ValidationProblem[] = [];
  readonly startId: number;
  readonly endId: number;
  readonly strEnd: number;
  /** Kind and size_or_type of every id (index 0: void). */
  readonly kinds: Uint8Array;
  readonly types: Uint32Array;
  readonly state: Uint8Array;
  readonly rid: Uint32Array;
  readonly rsize: Uint32Array;
  private readonly stackId = new Uint32Array(MAX_RESOLVE_DEPTH);
  private readonly stackNext = new Uint32Array(MAX_RESOLVE_DEPTH);
  private top = 0;
  private mode = MODE_TBD;
  /** Size found by the last successful typeIdSize. */
  private sz = 0;
  private sbuf: Uint8Array = new Uint8Array(0);

  constructor(readonly t: BtfTable, readonly limit: number, readonly report: boolean) {
    this.startId = t.startId;
    this.endId = t.endId;
    this.strEnd = t.strEnd();
    const n = this.endId;
    this.kinds = new Uint8Array(n);
    this.types = new Uint32Array(n);
    this.state = new Uint8Array(n);
    this.rid = new Uint32Array(n);
    this.rsize = new Uint32Array(n);
    if (t.base) {
      // base types count as resolved, with the base's own results (and kinds and sizes, which
      // its walk has already read out of its words)
      const r = baseResolution(t.base, t);
      this.kinds.set(r.kinds);
      this.types.set(r.types);
      this.rid.set(r.rid);
      this.rsize.set(r.rsize);
      this.state.fill(RESOLVED, 0, this.startId);
    }
    for (let i = 0; i < t.count; i++) {
      const at = t.offs[i];
      this.kinds[t.startId + i] = (t.words[at + 1] >>> 24) & 0x1f;
      this.types[t.startId + i] = t.words[at + 2];
    }
  }

  // ---- reporting ----

  private add(id: number, kind: string, message: string, text: string): void {
    if (!this.report) return;
    this.problems.push({ id, kind, message, text });
    if (this.problems.length >= this.limit) throw new Stop();
  }

  /** A problem with type `id`; returns ERR and marks the type as failed. */
  fail(id: number, message: string): number {
    if (id >= this.startId && id < this.endId) this.state[id] = BAD;
    const kind = KIND_NAMES[this.kinds[id]] ?? 'UNKNOWN';
    const off = this.t.nameOff(id);
    const name = off === 0 ? '(anon)' : this.nameOffOk(off) ? this.t.str(off) : '(invalid)';
    this.add(id, kind, message, `[${id}] ${kind} '${name}': ${message}`);
    return ERR;
  }

  failSection(kind: 'header' | 'strings' | 'types', message: string): void {
    this.add(0, kind, message, `${kind}: ${message}`);
  }

  private quoted(off: number): string {
    return off === 0 ? '(anon)' : this.nameOffOk(off) ? `'${this.t.str(off)}'` : `(invalid name offset ${off})`;
  }
  private failMember(id: number, i: number, message: string): number {
    return this.fail(id, `member ${this.quoted(this.ex(id, 3 * i))}: ${message}`);
  }
  private failVsi(id: number, i: number, message: string): number {
    return this.fail(id, `var type_id=${this.ex(id, 3 * i)} offset=${this.ex(id, 3 * i + 1)} size=${this.ex(id, 3 * i + 2)}: ${message}`);
  }

  // ---- access ----

  /** The i-th trailing word of type `id`. */
  ex(id: number, i: number): number {
    const t = this.t;
    if (id >= this.startId) return t.words[t.offs[id - this.startId] + 3 + i];
    return t.extra(id, i);
  }

  nameOffOk(off: number): boolean {
    return off <= BTF_MAX_NAME_OFFSET && off < this.strEnd;
  }

  /** Points sbuf at the string section holding absolute offset `off`; returns the index in it. */
  private strPos(off: number): number {
    let tt = this.t;
    while (off < tt.strings.start && tt.base) tt = tt.base;
    this.sbuf = tt.strings.bytes;
    return off - tt.strings.start;
  }

  /** The kernel's btf_name_valid_identifier: [A-Za-z_.][A-Za-z0-9_.]*, Latin-1 letters too, < 512 long. */
  identOk(off: number): boolean {
    let p = this.strPos(off);
    const b = this.sbuf;
    const c0 = b[p] | 0;
    if (!(CTYPE[c0] & ALPHA) && c0 !== UNDERSCORE && c0 !== DOT) return false;
    const limit = p + KSYM_NAME_LEN;
    p++;
    while ((b[p] | 0) !== 0 && p < limit) {
      const c = b[p];
      if (!(CTYPE[c] & (ALPHA | DIGIT)) && c !== UNDERSCORE && c !== DOT) return false;
      p++;
    }
    return (b[p] | 0) === 0;
  }

  /** The kernel's btf_name_valid_section: non-empty, printable, < 512 long. */
  private sectionOk(off: number): boolean {
    let p = this.strPos(off);
    const b = this.sbuf;
    if ((b[p] | 0) === 0) return false;
    const limit = p + KSYM_NAME_LEN;
    while ((b[p] | 0) !== 0 && p < limit) {
      if (!(CTYPE[b[p]] & PRINT)) return false;
      p++;
    }
    return (b[p] | 0) === 0;
  }

  private strEmpty(off: number): boolean {
    const p = this.strPos(off);
    return (this.sbuf[p] | 0) === 0;
  }

  // ---- string section and limits ----

  /** `prefix`: the table is only the types before one the kernel cannot even size. */
  checkTable(prefix = false): void {
    const t = this.t;
    const s = t.strings;
    const len = s.len;
    if (!t.base) {
      // only BPF_BTF_LOAD limits the size, and it takes only base BTF
      const size = BTF_HEADER_LEN + t.nWords * 4 + len;
      if (size > BTF_MAX_SIZE) this.failSection('header', `BTF is ${size} bytes, more than BPF_BTF_LOAD's 16 MiB (E2BIG)`);
    }
    if (!t.base || len > 0) {
      if (len === 0 || len - 1 > BTF_MAX_NAME_OFFSET || s.bytes[len - 1] !== 0) {
        const why = len === 0 ? 'empty' : s.bytes[len - 1] !== 0 ? 'does not end with NUL' : `${len} bytes, more than 16 MiB`;
        this.failSection('strings', `Invalid string section: ${why}`);
      } else if (!t.base && s.bytes[0] !== 0) {
        this.failSection('strings', 'Invalid string section: does not start with NUL');
      }
    }
    if (!t.base && t.count === 0 && !prefix) this.failSection('types', 'No type found');
    if (this.endId > BTF_MAX_TYPE) this.failSection('types', `Exceeded max num of types (${this.endId - 1} > ${BTF_MAX_TYPE - 1})`);
  }

  // ---- pass 1: each type on its own ----

  checkAllMetas(): void {
    for (let id = this.startId; id < this.endId; id++) {
      if (this.checkMeta(id) !== OK) this.state[id] = BAD;
    }
  }

  private checkMeta(id: number): number {
    const t = this.t;
    const at = t.offs[id - this.startId];
    const w = t.words;
    const nameOff = w[at];
    const info = w[at + 1];
    const size = w[at + 2];
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = info >>> 31;
    if ((info & ~0x9f00ffff) !== 0) return this.fail(id, `Invalid btf_info:${(info >>> 0).toString(16)}`);
    if (!this.nameOffOk(nameOff)) return this.fail(id, `Invalid name_offset:${nameOff}`);
    switch (kind) {
      case Kind.INT: {
        if (vlen) return this.fail(id, 'vlen != 0');
        if (kflag) return this.fail(id, KFLAG);
        const d = w[at + 3];
        if (d & ~0x0fffffff) return this.fail(id, `Invalid int_data:${(d >>> 0).toString(16)}`);
        const nrBits = (d & 0xff) + ((d >>> 16) & 0xff);
        if (nrBits > 128) return this.fail(id, 'nr_bits exceeds 128');
        if (roundupBytes(nrBits) > size) return this.fail(id, 'nr_bits exceeds type_size');
        const enc = (d >>> 24) & 0x0f;
        if (enc !== 0 && enc !== 1 && enc !== 2 && enc !== 4) return this.fail(id, 'Unsupported encoding');
        return OK;
      }
      case Kind.PTR:
      case Kind.TYPEDEF:
      case Kind.VOLATILE:
      case Kind.CONST:
      case Kind.RESTRICT:
      case Kind.TYPE_TAG:
        if (vlen) return this.fail(id, 'vlen != 0');
        if (kflag && kind !== Kind.TYPE_TAG) return this.fail(id, KFLAG);
        if (size > BTF_MAX_TYPE) return this.fail(id, 'Invalid type_id');
        if (kind === Kind.TYPEDEF) {
          if (!nameOff || !this.identOk(nameOff)) return this.fail(id, 'Invalid name');
        } else if (kind === Kind.TYPE_TAG) {
          if (this.strEmpty(nameOff)) return this.fail(id, 'Invalid name');
        } else if (nameOff) {
          return this.fail(id, 'Invalid name');
        }
        return OK;
      case Kind.ARRAY:
        if (nameOff) return this.fail(id, 'Invalid name');
        if (vlen) return this.fail(id, 'vlen != 0');
        if (kflag) return this.fail(id, KFLAG);
        if (size) return this.fail(id, 'size != 0');
        if (!w[at + 3] || w[at + 3] > BTF_MAX_TYPE) return this.fail(id, 'Invalid elem');
        if (!w[at + 4] || w[at + 4] > BTF_MAX_TYPE) return this.fail(id, 'Invalid index');
        return OK;
      case Kind.STRUCT:
      case Kind.UNION: {
        if (nameOff && !this.identOk(nameOff)) return this.fail(id, 'Invalid name');
        let last = 0;
        for (let i = 0; i < vlen; i++) {
          const m = at + 3 + 3 * i;
          if (!this.nameOffOk(w[m])) return this.failMember(id, i, `Invalid member name_offset:${w[m]}`);
          if (w[m] && !this.identOk(w[m])) return this.failMember(id, i, 'Invalid name');
          if (!w[m + 1] || w[m + 1] > BTF_MAX_TYPE) return this.failMember(id, i, 'Invalid type_id');
          const off = kflag ? w[m + 2] & 0xffffff : w[m + 2];
          if (kind === Kind.UNION && off) return this.failMember(id, i, 'Invalid member bits_offset');
          if (last > off) return this.failMember(id, i, 'Invalid member bits_offset');
          if (roundupBytes(off) > size) return this.failMember(id, i, 'Member bits_offset exceeds its struct size');
          last = off;
        }
        return OK;
      }
      case Kind.ENUM:
      case Kind.ENUM64: {
        if (size > 8 || (size & (size - 1)) !== 0 || size === 0) return this.fail(id, 'Unexpected size');
        if (nameOff && !this.identOk(nameOff)) return this.fail(id, 'Invalid name');
        const step = kind === Kind.ENUM ? 2 : 3;
        for (let i = 0; i < vlen; i++) {
          const n = w[at + 3 + step * i];
          if (!this.nameOffOk(n)) return this.fail(id, `Invalid name_offset:${n}`);
          if (!n || !this.identOk(n)) return this.fail(id, `value ${this.quoted(n)}: Invalid name`);
        }
        return OK;
      }
      case Kind.FWD:
        if (vlen) return this.fail(id, 'vlen != 0');
        if (size) return this.fail(id, 'type != 0');
        if (!nameOff || !this.identOk(nameOff)) return this.fail(id, 'Invalid name');
        return OK;
      case Kind.FUNC:
        if (!nameOff || !this.identOk(nameOff)) return this.fail(id, 'Invalid name');
        if (vlen > 1) return this.fail(id, `Invalid func linkage${vlen === 2 ? ' (extern)' : ''}`);
        return kflag ? this.fail(id, KFLAG) : OK;
      case Kind.FUNC_PROTO:
        if (nameOff) return this.fail(id, 'Invalid name');
        return kflag ? this.fail(id, KFLAG) : OK;
      case Kind.VAR: {
        if (vlen) return this.fail(id, 'vlen != 0');
        if (kflag) return this.fail(id, KFLAG);
        if (!nameOff || !this.identOk(nameOff)) return this.fail(id, 'Invalid name');
        if (!size || size > BTF_MAX_TYPE) return this.fail(id, 'Invalid type_id');
        const linkage = w[at + 3];
        if (linkage !== 0 && linkage !== 1) return this.fail(id, `Linkage not supported (${linkage})`);
        return OK;
      }
      case Kind.DATASEC: {
        if (!size) return this.fail(id, 'size == 0');
        if (kflag) return this.fail(id, KFLAG);
        if (!nameOff || !this.sectionOk(nameOff)) return this.fail(id, 'Invalid name');
        let lastEnd = 0;
        let sum = 0;
        for (let i = 0; i < vlen; i++) {
          const v = at + 3 + 3 * i;
          if (!w[v] || w[v] > BTF_MAX_TYPE) return this.failVsi(id, i, 'Invalid type_id');
          if (w[v + 1] < lastEnd || w[v + 1] >= size) return this.failVsi(id, i, 'Invalid offset');
          if (!w[v + 2] || w[v + 2] > size) return this.failVsi(id, i, 'Invalid size');
          lastEnd = w[v + 1] + w[v + 2];
          if (lastEnd > size) return this.failVsi(id, i, 'Invalid offset+size');
          sum += w[v + 2];
        }
        if (size < sum) return this.fail(id, 'Invalid btf_info size');
        return OK;
      }
      case Kind.FLOAT:
        if (vlen) return this.fail(id, 'vlen != 0');
        if (kflag) return this.fail(id, KFLAG);
        if (size !== 2 && size !== 4 && size !== 8 && size !== 12 && size !== 16) return this.fail(id, 'Invalid type_size');
        return OK;
      case Kind.DECL_TAG:
        if (this.strEmpty(nameOff)) return this.fail(id, 'Invalid value');
        if (vlen) return this.fail(id, 'vlen != 0');
        if ((w[at + 3] | 0) < -1) return this.fail(id, 'Invalid component_idx');
        return OK;
      default:
        return this.fail(id, `Invalid kind:${kind}`);
    }
  }

  // ---- pass 2: resolve ----

  private sink(kind: number): boolean {
    switch (this.mode) {
      case MODE_TBD: return !is(NEEDS_RESOLVE, kind);
      case MODE_PTR: return !is(MODIFIER, kind) && kind !== Kind.PTR;
      default: return !is(MODIFIER, kind) && kind !== Kind.ARRAY && !is(STRUCTISH, kind);
    }
  }
  resolved(id: number): boolean {
    return this.state[id] === RESOLVED;
  }
  private push(id: number): number {
    if (this.top === MAX_RESOLVE_DEPTH) return E2BIG;
    const st = this.state[id];
    if (st === BAD) return SKIP;
    if (id < this.startId || st !== NOT_VISITED) return EEXIST;
    this.state[id] = VISITED;
    this.stackId[this.top] = id;
    this.stackNext[this.top] = 0;
    this.top++;
    if (this.mode === MODE_TBD) {
      const k = this.kinds[id];
      if (k === Kind.PTR) this.mode = MODE_PTR;
      else if (is(STRUCTISH, k) || k === Kind.ARRAY) this.mode = MODE_STRUCT;
    }
    return OK;
  }
  private pop(resolvedId: number, resolvedSize: number): number {
    const id = this.stackId[--this.top];
    this.rid[id] = resolvedId;
    this.rsize[id] = resolvedSize;
    this.state[id] = RESOLVED;
    return OK;
  }

  /** The kernel's btf_type_id_size: the sized type `id` stands for (or -1), its size in `sz`. */
  private typeIdSize(id: number): number {
    if (id >= this.endId) return -1;
    const k = this.kinds[id];
    if (is(NOSIZE, k)) return -1;
    if (is(HAS_SIZE, k)) { this.sz = this.types[id]; return id; }
    if (k === Kind.ARRAY) { this.sz = this.rsize[id]; return id; }
    if (k === Kind.PTR) { this.sz = PTR_SIZE; return id; }
    if (!is(MODIFIER, k) && k !== Kind.VAR) return -1;
    const r = this.rid[id];
    const rk = this.kinds[r];
    if (is(NOSIZE, rk)) return -1;
    if (is(HAS_SIZE, rk)) this.sz = this.types[r];
    else if (rk === Kind.ARRAY) this.sz = this.rsize[r];
    else if (rk === Kind.PTR) this.sz = PTR_SIZE;
    else return -1;
    return r;
  }

  /** Resolves `root` and everything it needs; reports and returns the first failure. */
  resolveRoot(root: number): number {
    this.mode = MODE_TBD;
    this.top = 0;
    let err = this.push(root);
    while (err === OK && this.top > 0) err = this.step(this.stackId[this.top - 1]);
    if (err === E2BIG) this.fail(root, `Exceeded max resolving depth:${MAX_RESOLVE_DEPTH}`);
    else if (err === EEXIST) this.fail(root, 'Loop detected');
    if (err !== OK) {
      while (this.top > 0) this.state[this.stackId[--this.top]] = BAD;
      this.state[root] = BAD;
    }
    return err;
  }

  private step(v: number): number {
    const k = this.kinds[v];
    if (is(MODIFIER, k)) return this.refResolve(v, k);
    switch (k) {
      case Kind.PTR:
      case Kind.VAR: return this.refResolve(v, k);
      case Kind.ARRAY: return this.arrayResolve(v);
      case Kind.STRUCT:
      case Kind.UNION: return this.structResolve(v);
      case Kind.FUNC: return this.funcResolve(v);
      case Kind.DECL_TAG: return this.declTagResolve(v);
      case Kind.DATASEC: return this.datasecResolve(v);
      default: return this.fail(v, 'Unsupported resolve');
    }
  }

  /** Modifiers, PTR and VAR: the one type they refer to. */
  private refResolve(v: number, k: number): number {
    let next = this.types[v];
    if (next >= this.endId || is(SOURCE_ONLY, this.kinds[next])) return this.fail(v, `Invalid type_id (${next})`);
    if (this.state[next] === BAD) return SKIP;
    if (!this.sink(this.kinds[next]) && !this.resolved(next)) return this.push(next);
    if (k === Kind.PTR || k === Kind.VAR) {
      // a modifier resolved while walking a struct may stop at a pointer: go on from there
      if (is(MODIFIER, this.kinds[next])) {
        const r = this.rid[next];
        if (this.kinds[r] === Kind.PTR && !this.sink(Kind.PTR) && !this.resolved(r)) return this.push(r);
      }
    }
    const r = this.typeIdSize(next);
    if (r >= 0) return this.pop(r, 0);
    if (k === Kind.VAR) return this.fail(v, `Invalid type_id (${next} has no size)`);
    if (this.resolved(next)) next = this.rid[next];
    const nk = this.kinds[next];
    if (next !== 0 && nk !== Kind.FWD && nk !== Kind.FUNC_PROTO) return this.fail(v, `Invalid type_id (${next} is a ${KIND_NAMES[nk]})`);
    return this.pop(next, 0);
  }

  private arrayResolve(v: number): number {
    const elem = this.ex(v, 0);
    let index = this.ex(v, 1);
    const nelems = this.ex(v, 2);
    if (index >= this.endId || is(NOSIZE | SOURCE_ONLY, this.kinds[index])) return this.fail(v, 'Invalid index');
    if (this.state[index] === BAD) return SKIP;
    if (!this.sink(this.kinds[index]) && !this.resolved(index)) return this.push(index);
    index = this.typeIdSize(index);
    if (index < 0 || this.kinds[index] !== Kind.INT || !this.intRegular(index)) return this.fail(v, 'Invalid index');
    if (elem >= this.endId || is(NOSIZE | SOURCE_ONLY, this.kinds[elem])) return this.fail(v, 'Invalid elem');
    if (this.state[elem] === BAD) return SKIP;
    if (!this.sink(this.kinds[elem]) && !this.resolved(elem)) return this.push(elem);
    const r = this.typeIdSize(elem);
    if (r < 0) return this.fail(v, 'Invalid elem');
    if (this.kinds[r] === Kind.INT && !this.intRegular(r)) return this.fail(v, 'Invalid array of int');
    const elemSize = this.sz;
    if (nelems && elemSize > Math.floor(U32_MAX / nelems)) return this.fail(v, 'Array size overflows U32_MAX');
    return this.pop(r, elemSize * nelems);
  }

  private structResolve(v: number): number {
    const top = this.top - 1;
    const vlen = this.t.vlen(v);
    const kflag = this.t.kflag(v);
    let i = this.stackNext[top];
    if (i > 0) {
      // the member we descended into is resolved now: check it
      const err = this.checkMember(v, i - 1, this.ex(v, 3 * (i - 1) + 1), kflag);
      if (err) return err;
    }
    for (; i < vlen; i++) {
      const mt = this.ex(v, 3 * i + 1);
      if (mt >= this.endId || is(NOSIZE | SOURCE_ONLY, this.kinds[mt])) return this.failMember(v, i, 'Invalid member');
      if (this.state[mt] === BAD) return SKIP;
      if (!this.sink(this.kinds[mt]) && !this.resolved(mt)) {
        this.stackNext[top] = i + 1;
        return this.push(mt);
      }
      const err = this.checkMember(v, i, mt, kflag);
      if (err) return err;
    }
    return this.pop(0, 0);
  }

  private intRegular(id: number): boolean {
    const d = this.ex(id, 0);
    const bits = d & 0xff;
    const bytes = roundupBytes(bits);
    return (bits & 7) === 0 && ((d >>> 16) & 0xff) === 0 &&
      (bytes === 1 || bytes === 2 || bytes === 4 || bytes === 8 || bytes === 16);
  }

  /** Whether member i of struct s, of (resolved) type mt, fits the struct (check_member ops). */
  private checkMember(s: number, i: number, mt: number, kflag: number): number {
    let k = this.kinds[mt];
    if (is(MODIFIER, k)) {
      const r = this.typeIdSize(mt);
      if (r < 0) return this.failMember(s, i, 'Invalid member');
      if (this.state[r] === BAD) return SKIP;
      mt = r;
      k = this.kinds[r];
    }
    const word = this.ex(s, 3 * i + 2);
    const ssize = this.types[s];
    if (kflag) {
      const nrBits = word >>> 24;
      const bitOff = word & 0xffffff;
      if (k === Kind.INT) {
        if (!this.intRegular(mt)) return this.failMember(s, i, 'Invalid member base type');
        const intBits = this.ex(mt, 0) & 0xff;
        let bits = nrBits;
        if (!bits) {
          if (bitOff & 7) return this.failMember(s, i, 'Invalid member offset');
          bits = intBits;
        } else if (bits > intBits) {
          return this.failMember(s, i, 'Invalid member bitfield_size');
        }
        return this.fitsBits(s, i, bitOff, bits);
      }
      if (k === Kind.ENUM || k === Kind.ENUM64) {
        let bits = nrBits;
        if (!bits) {
          if (bitOff & 7) return this.failMember(s, i, 'Member is not byte aligned');
          bits = 32; // the kernel checks enum members as ints, ENUM64 included
        } else if (bits > 32) {
          return this.failMember(s, i, 'Invalid member bitfield_size');
        }
        if (ssize < roundupBytes(bitOff + bits)) return this.failMember(s, i, 'Member exceeds struct_size');
        return OK;
      }
      if (nrBits) return this.failMember(s, i, 'Invalid member bitfield_size');
      // a zero bitfield_size leaves the plain bit offset: checked as without kind_flag
    }
    switch (k) {
      case Kind.INT: {
        const d = this.ex(mt, 0);
        const intOff = (d >>> 16) & 0xff;
        if (U32_MAX - word < intOff) return this.failMember(s, i, 'bits_offset exceeds U32_MAX');
        return this.fitsBits(s, i, word + intOff, d & 0xff);
      }
      case Kind.FLOAT: {
        const fsize = this.types[mt];
        const alignBits = Math.min(PTR_SIZE, fsize) * 8;
        if (word % alignBits) return this.failMember(s, i, 'Member is not properly aligned');
        if (Math.floor(word / 8) + fsize > ssize) return this.failMember(s, i, 'Member exceeds struct_size');
        return OK;
      }
      case Kind.PTR:
      case Kind.ARRAY:
      case Kind.STRUCT:
      case Kind.UNION:
      case Kind.ENUM:
      case Kind.ENUM64: {
        if (word & 7) return this.failMember(s, i, 'Member is not byte aligned');
        let msize: number;
        if (k === Kind.PTR) msize = PTR_SIZE;
        else if (k === Kind.ARRAY) msize = this.typeIdSize(mt) >= 0 ? this.sz : 0;
        else msize = this.types[mt];
        if (((ssize - (word >>> 3)) >>> 0) < msize) return this.failMember(s, i, 'Member exceeds struct_size');
        return OK;
      }
      default:
        return this.fail(s, kflag ? 'Unsupported check_kflag_member' : 'Unsupported check_member');
    }
  }

  /** An int member of `bits` bits at bit `bitOff`: within 128 copied bits and the struct size. */
  private fitsBits(s: number, i: number, bitOff: number, bits: number): number {
    const bytes = bitOff >>> 3;
    const copyBits = bits + (bitOff & 7);
    if (copyBits > 128) return this.failMember(s, i, 'nr_copy_bits exceeds 128');
    const ssize = this.types[s];
    if (ssize < bytes || ssize - bytes < roundupBytes(copyBits)) return this.failMember(s, i, 'Member exceeds struct_size');
    return OK;
  }

  private funcResolve(v: number): number {
    const proto = this.types[v];
    if (proto >= this.endId || this.kinds[proto] !== Kind.FUNC_PROTO) return this.fail(v, `Invalid type_id (${proto} is not a FUNC_PROTO)`);
    if (this.state[proto] === BAD) return SKIP;
    const n = this.t.vlen(proto);
    for (let i = 0; i < n; i++) {
      if (!this.ex(proto, 2 * i) && this.ex(proto, 2 * i + 1)) return this.fail(v, `Invalid arg#${i + 1} (parameter without a name)`);
    }
    return this.pop(proto, 0);
  }

  private declTagResolve(v: number): number {
    const next = this.types[v];
    if (next >= this.endId || !is(DECL_TAG_TARGET, this.kinds[next])) return this.fail(v, `Invalid type_id (${next})`);
    if (this.state[next] === BAD) return SKIP;
    if (!this.sink(this.kinds[next]) && !this.resolved(next)) return this.push(next);
    const idx = this.ex(v, 0) | 0;
    if (idx !== -1) {
      const k = this.kinds[next];
      if (k === Kind.VAR || k === Kind.TYPEDEF) return this.fail(v, 'Invalid component_idx');
      const vlen = is(STRUCTISH, k) ? this.t.vlen(next) : this.t.vlen(this.types[next]);
      if (idx >>> 0 >= vlen) return this.fail(v, 'Invalid component_idx');
    }
    return this.pop(next, 0);
  }

  private datasecResolve(v: number): number {
    this.mode = MODE_TBD;
    const top = this.top - 1;
    const vlen = this.t.vlen(v);
    for (let i = this.stackNext[top]; i < vlen; i++) {
      const vt = this.ex(v, 3 * i);
      if (vt >= this.endId || this.kinds[vt] !== Kind.VAR) return this.failVsi(v, i, 'Not a VAR kind member');
      if (this.state[vt] === BAD) return SKIP;
      if (!this.sink(Kind.VAR) && !this.resolved(vt)) {
        this.stackNext[top] = i + 1;
        return this.push(vt);
      }
      if (this.typeIdSize(this.types[vt]) < 0) return this.failVsi(v, i, 'Invalid type');
      if (this.ex(v, 3 * i + 2) < this.sz) return this.failVsi(v, i, `Invalid size (the variable's type is ${this.sz} bytes)`);
    }
    return this.pop(0, 0);
  }

  /** FUNC_PROTO return and parameter types: existing, sized, resolved. */
  private funcProtoCheck(p: number): void {
    const ret = this.types[p];
    if (ret) {
      if (ret >= this.endId || is(SOURCE_ONLY, this.kinds[ret])) { this.fail(p, 'Invalid return type'); return; }
      if (this.state[ret] === BAD) return;
      if (is(NEEDS_RESOLVE, this.kinds[ret]) && !this.resolved(ret) && this.resolveRoot(ret) !== OK) return;
      if (this.typeIdSize(ret) < 0) { this.fail(p, 'Invalid return type'); return; }
    }
    let n = this.t.vlen(p);
    if (!n) return;
    if (!this.ex(p, 2 * (n - 1) + 1)) {
      if (this.ex(p, 2 * (n - 1))) { this.fail(p, `Invalid arg#${n} (a named vararg)`); return; }
      n--;
    }
    for (let i = 0; i < n; i++) {
      const name = this.ex(p, 2 * i);
      const at = this.ex(p, 2 * i + 1);
      if (at >= this.endId || is(SOURCE_ONLY, this.kinds[at])) { this.fail(p, `Invalid arg#${i + 1}`); return; }
      if (name && (!this.nameOffOk(name) || !this.identOk(name))) { this.fail(p, `Invalid arg#${i + 1} (name)`); return; }
      if (this.state[at] === BAD) return;
      if (is(NEEDS_RESOLVE, this.kinds[at]) && !this.resolved(at) && this.resolveRoot(at) !== OK) return;
      if (this.typeIdSize(at) < 0) { this.fail(p, `Invalid arg#${i + 1}${at === 0 ? ' (void)' : ''}`); return; }
    }
  }

  checkAllTypes(): void {
    for (let id = this.startId; id < this.endId; id++) {
      if (this.state[id] === BAD) continue;
      const k = this.kinds[id];
      if (is(NEEDS_RESOLVE, k) && !this.resolved(id)) this.resolveRoot(id);
      if (k === Kind.FUNC_PROTO && this.state[id] !== BAD) this.funcProtoCheck(id);
    }
  }

  // ---- pass 3: type tags before other modifiers ----

  checkTypeTags(): void {
    let good = this.startId - 1;
    outer: for (let i = this.startId; i < this.endId; i++) {
      let k = this.kinds[i];
      if (!is(MODIFIER, k) || this.state[i] === BAD) continue;
      let inTags = k === Kind.TYPE_TAG;
      let cur = i;
      let limit = 32;
      while (is(MODIFIER, k)) {
        if (limit-- === 0) { this.fail(i, 'Max chain length or cycle detected'); continue outer; }
        if (k === Kind.TYPE_TAG) {
          if (!inTags) { this.fail(i, "Type tags don't precede modifiers"); continue outer; }
        } else {
          inTags = false;
        }
        if (cur <= good) break;
        cur = this.types[cur];
        if (cur >= this.endId || this.state[cur] === BAD) continue outer;
        k = this.kinds[cur];
      }
      good = i;
    }
  }

  run(metasOnly = false): void {
    try {
      this.checkTable(metasOnly);
      this.checkAllMetas();
      if (metasOnly) return;
      this.checkAllTypes();
      this.checkTypeTags();
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
  }
}

function roundupBytes(bits: number): number {
  return (bits >>> 3) + ((bits & 7) ? 1 : 0);
}

/**
 * The base's resolution results for the base types `split` refers to. Checking split BTF reads
 * them only for those types (and, through them, for what their resolution went through), so a
 * base of 95,000 types (a vmlinux) is not walked whole for a module of a few hundred: its walk
 * resolves each referenced type the way the kernel's walk would, kept for the next split table.
 * The base is taken as valid (the kernel checked it when it booted); should a partial walk fail
 * (a walk can depend on the order of types), the base is walked whole, in id order, instead.
 */
function baseResolution(base: BtfTable, split: BtfTable): Resolution {
  let b = baseWalks.get(base);
  if (!b) {
    b = { v: new Validator(base, Infinity, false), full: false };
    baseWalks.set(base, b);
  }
  if (!b.full) {
    const v = b.v;
    const w = split.words;
    let ok = true;
    const need = (p: number): void => {
      const id = w[p];
      if (ok && id > 0 && id < base.endId && is(NEEDS_RESOLVE, v.kinds[id]) && !v.resolved(id)) ok = v.resolveRoot(id) === OK;
    };
    for (let i = 0; i < split.count && ok; i++) forEachIdWord(w, split.offs[i], need);
    if (!ok) {
      const whole = new Validator(base, Infinity, false);
      whole.checkAllMetas();
      whole.checkAllTypes();
      b.v = whole;
      b.full = true;
    }
  }
  return b.v;
}

/**
 * Every problem the kernel would find (up to `limit`), in the order it checks.
 * After a problem the kernel stops; here checking goes on with the other types, skipping
 * those that depend on a broken one, so later problems are real but not necessarily all.
 */
export function validateAll(t: BtfTable, limit = Infinity): ValidationProblem[] {
  const v = new Validator(t, limit, true);
  v.run();
  return v.problems;
}

/** The problem that makes the kernel reject `t` (the first one it finds), or null if it accepts it. */
export function validateBtf(t: BtfTable): ValidationProblem | null {
  return validateAll(t, 1)[0] ?? null;
}

/**
 * Checks raw BTF as BPF_BTF_LOAD receives it: the header and section layout first (the kernel
 * takes only its own byte order, little endian here), then the data as validateAll does.
 * With `base`, the data is split BTF over it.
 */
export function validateBtfBytes(bytes: Uint8Array, base: BtfTable | null = null, limit = Infinity): ValidationProblem[] {
  const header = (message: string): ValidationProblem[] => [{ id: 0, kind: 'header', message, text: `header: ${message}` }];
  const size = bytes.length;
  if (size < 8) return header('hdr_len not found');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hdrLen = dv.getUint32(4, true);
  if (size < hdrLen) return header(`btf_header not found (hdr_len ${hdrLen} > ${size} bytes)`);
  for (let i = BTF_HEADER_LEN; i < hdrLen; i++) {
    if (bytes[i]) return header('Unsupported btf_header');
  }
  const field = (off: number) => (off + 4 <= Math.min(hdrLen, BTF_HEADER_LEN) ? dv.getUint32(off, true) : 0);
  const magic = hdrLen >= 2 ? dv.getUint16(0, true) : 0;
  if (magic !== BTF_MAGIC) return header(`Invalid magic${magic === 0x9feb ? ' (big-endian BTF)' : ''}`);
  if ((hdrLen >= 3 ? bytes[2] : 0) !== BTF_VERSION) return header('Unsupported version');
  if ((hdrLen >= 4 ? bytes[3] : 0) !== 0) return header('Unsupported flags');
  if (!base && size === hdrLen) return header('No data');
  const typeOff = field(8), typeLen = field(12), strOff = field(16), strLen = field(20);
  // sections sorted by offset (then length) must tile the data after the header exactly
  const secs = [[typeOff, typeLen], [strOff, strLen]].sort((a, b) => ((a[0] - b[0]) | 0) || ((a[1] - b[1]) | 0));
  const expected = size - hdrLen;
  let total = 0;
  for (const [off, len] of secs) {
    if (expected < off) return header('Invalid section offset');
    if (total < off) return header('Unsupported section found');
    if (total > off) return header('Section overlap found');
    if (expected - total < len) return header('Total section length too long');
    total += len;
  }
  if (expected !== total) return header('Unsupported section found');
  if (strOff + strLen !== expected) return header('String section is not at the end');
  if (typeOff & 3) return header('Unaligned type_off');
  const types = hdrLen + typeOff;
  const bad = firstUnsizable(dv, types, typeLen, base ? base.endId : 1, (base ? base.strEnd() : 0) + strLen);
  if (bad) {
    // the kernel checks the types before it one by one first: so do we, on a table of just those
    const prefix = new Uint8Array(BTF_HEADER_LEN + bad.at + strLen);
    prefix.set(bytes.subarray(0, BTF_HEADER_LEN));
    prefix.set(bytes.subarray(types, types + bad.at), BTF_HEADER_LEN);
    prefix.set(bytes.subarray(hdrLen + strOff, hdrLen + strOff + strLen), BTF_HEADER_LEN + bad.at);
    const pv = new DataView(prefix.buffer);
    pv.setUint32(4, BTF_HEADER_LEN, true);
    pv.setUint32(8, 0, true);
    pv.setUint32(12, bad.at, true);
    pv.setUint32(16, bad.at, true);
    const v = new Validator(BtfTable.parse(prefix, base), limit, true);
    v.run(true);
    return [...v.problems, bad.problem].slice(0, limit);
  }
  let t: BtfTable;
  try {
    t = BtfTable.parse(bytes, base);
  } catch (e) {
    if (e instanceof InputError) return [{ id: 0, kind: 'types', message: e.message, text: `types: ${e.message}` }];
    throw e;
  }
  return validateAll(t, limit);
}

/**
 * The first type whose own size cannot be known (truncated, bad info bits, unknown kind), as
 * the kernel reports it: BtfTable.parse cannot represent the types after it.
 */
function firstUnsizable(dv: DataView, start: number, len: number, firstId: number, strEnd: number):
  { at: number; problem: ValidationProblem } | null {
  let p = 0;
  for (let id = firstId; p < len; id++) {
    const fail = (kind: number, message: string) => ({
      at: p, problem: { id, kind: KIND_NAMES[kind] ?? 'UNKNOWN', message, text: `[${id}] ${KIND_NAMES[kind] ?? 'UNKNOWN'}: ${message}` },
    });
    if (len - p < 12) return fail(0, `meta_left:${len - p} meta_needed:12`);
    const nameOff = dv.getUint32(start + p, true);
    const info = dv.getUint32(start + p + 4, true);
    const kind = (info >>> 24) & 0x1f;
    if (info & ~0x9f00ffff) return fail(kind, `Invalid btf_info:${info.toString(16)}`);
    if (kind === 0 || kind > KIND_MAX) return fail(kind, `Invalid kind:${kind}`);
    const need = extraWords(kind, info & 0xffff) * 4;
    if (len - p - 12 < need) {
      if (nameOff > BTF_MAX_NAME_OFFSET || nameOff >= strEnd) return fail(kind, `Invalid name_offset:${nameOff}`);
      return fail(kind, `meta_left:${len - p - 12} meta_needed:${need}`);
    }
    p += 12 + need;
  }
  return null;
}
