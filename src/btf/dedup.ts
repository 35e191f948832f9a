/**
 * BTF deduplication, reproducing libbpf's btf__dedup (libbpf 1.1, the version pahole 1.24 links)
 * exactly: same surviving types in the same order with the same ids, same string section.
 *
 * The algorithm, in our words (see libbpf's btf.c for the original explanation):
 *
 *  Every type gets a "canonical" representative (`map[id]`; a type that represents itself is
 *  canonical). Canonical types are indexed by a signature hash (`CandidateTable`), so a new type
 *  only needs to be compared with the few canonical types of equal hash. The passes:
 *
 *  1. strings: unless the strings are known unique, rebuild the string section (dedup-strings.ts).
 *  2. primitives (INT, ENUM, ENUM64, FWD, FLOAT): equal fields => same type. An enum without
 *     enumerators (a forward-declared enum) merges into a full enum of the same name.
 *  3. structs and unions: two are the same if their whole type graphs are equivalent. A side-by-side
 *     depth-first walk of both graphs (isEquiv) records in `hypot` which candidate-graph type each
 *     canonical-graph type would correspond to; a contradiction means "different". A FWD is allowed
 *     to match a STRUCT/UNION of the same name and kind. When the graphs are equivalent, the
 *     hypothetical mapping is partly made permanent: FWD -> struct resolutions, and structs met on
 *     the way (libbpf calls the latter a speed-up, but it can change which type ends up canonical,
 *     so it is reproduced exactly).
 *  4. forward declarations not resolved in pass 3 resolve to the struct/union of the same name, if
 *     exactly one canonical struct/union has that name.
 *  5. reference types (PTR, TYPEDEF, qualifiers, ARRAY, FUNC, FUNC_PROTO, DECL_TAG, TYPE_TAG):
 *     first canonicalize what they point to (depth first), then they are equal iff their fields
 *     (now canonical ids) are equal. VAR and DATASEC are never merged.
 *  6. compaction: canonical types of this table keep their relative order and are renumbered from
 *     startId; every type id is rewritten through the canonical map.
 *
 *  Split BTF: the base is already deduplicated and never changes; its types are canonical and
 *  indexed up front, so split types can map onto them and only the rest is emitted. (A base FWD
 *  or forward-declared enum can still be completed by a split type: references to it from split
 *  types are then redirected to the split type.)
 *
 * libbpf 1.1 already has the leftover-FWD pass (4), enum/enum64 forward-declaration merging and
 * the identical-array/identical-struct exceptions of isEquiv; it skips the string pass for BTF
 * built from scratch. Later libbpf changes results in ways deliberately NOT reproduced here:
 *  - 1.6: isEquiv's exceptions become a general depth-limited "identical types" comparison (also
 *    covering pointers, qualifiers, typedefs, func protos) instead of identical arrays/structs;
 *  - 1.7: TYPEDEFs are deduplicated in the struct pass (hashed by name, for recursive typedefs),
 *    and later typedefs that equal a base typedef are merged into it.
 * libbpf's hash values are not reproduced (ours are 32-bit); only the order in which candidates
 * are tried matters, and that is reproduced (see dedup-table.ts).
 */
import { InputError } from '../errors.js';
import { CandidateTable } from './dedup-table.js';
import { dedupStrings } from './dedup-strings.js';
import { Kind } from './kinds.js';
import { StringTable } from './strings.js';
import { BtfTable } from './table.js';

export interface DedupOptions {
  /**
   * Let dedup work in `t`'s own type data instead of a copy, destroying `t` (saves a copy of
   * the input: 130 MB for a vmlinux). Applies to base (non-split) tables.
   */
  consume?: boolean;
  /**
   * The string pass (1). libbpf skips it for a BTF built from scratch with its API (its strings
   * are interned on insertion, so already unique) — that is pahole's case — and runs it for a BTF
   * read from raw bytes. 'auto' (default) does the same: it keeps the strings when
   * `t.strings.unique` is set (tables built with BtfTable's builders) and dedups them otherwise.
   */
  strings?: 'auto' | 'keep' | 'dedup';
}

// kind numbers, as plain constants for the hot loops
const INT = Kind.INT, PTR = Kind.PTR, ARRAY = Kind.ARRAY, STRUCT = Kind.STRUCT, UNION = Kind.UNION,
  ENUM = Kind.ENUM, FWD = Kind.FWD, TYPEDEF = Kind.TYPEDEF, VOLATILE = Kind.VOLATILE, CONST = Kind.CONST,
  RESTRICT = Kind.RESTRICT, FUNC = Kind.FUNC, FUNC_PROTO = Kind.FUNC_PROTO, VAR = Kind.VAR,
  DATASEC = Kind.DATASEC, FLOAT = Kind.FLOAT, DECL_TAG = Kind.DECL_TAG, TYPE_TAG = Kind.TYPE_TAG,
  ENUM64 = Kind.ENUM64;

/** Bit set of ENUM and ENUM64 (tested as `(ENUMS >>> kind) & 1`). */
const ENUMS = (1 << ENUM) | (1 << ENUM64);

/** Kind of every type id below `end` whose words start at off[id] in W (void: 0). */
function kindsOf(W: Uint32Array, off: Uint32Array, end: number): Uint8Array {
  const kinds = new Uint8Array(end);
  for (let id = 1; id < end; id++) kinds[id] = (W[off[id] + 1] >>> 24) & 0x1f;
  return kinds;
}

/** `map` / `hypot` value of a type not yet processed, and of one being processed (pass 5). */
const UNPROCESSED = -1;
const IN_PROGRESS = -2;

/** Combines a 32-bit word into a hash (murmur3-style). */
function mix(h: number, v: number): number {
  v = Math.imul(v, 0xcc9e2d51);
  v = (v << 15) | (v >>> 17);
  h ^= Math.imul(v, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Number of 32-bit words of a type with this info word. */
function typeWords(info: number): number {
  const kind = (info >>> 24) & 0x1f, vlen = info & 0xffff;
  switch (kind) {
    case INT: case VAR: case DECL_TAG: return 4;
    case ARRAY: return 6;
    case STRUCT: case UNION: case DATASEC: case ENUM64: return 3 + 3 * vlen;
    case ENUM: case FUNC_PROTO: return 3 + 2 * vlen;
    default: return 3;
  }
}

/**
 * How many times CandidateTable grows while the entries with insertion index first..last
 * (inclusive) go in: it grows before the entry of index n when its capacity c is 0 or
 * floor((n + 1) * 4 / 3) > c, doubling from 4.
 */
function growthsBetween(first: number, last: number): number {
  let count = 0;
  // growth points: 0 (capacity 0 -> 4), then for capacity c the least n with 4(n + 1) >= 3(c + 1)
  for (let n = 0, cap = 4; n <= last; cap *= 2) {
    if (n >= first) count++;
    n = Math.ceil(3 * (cap + 1) / 4) - 1;
  }
  return count;
}

function isRefKind(kind: number): boolean {
  switch (kind) {
    case PTR: case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case FUNC: case TYPE_TAG:
    case DECL_TAG: case ARRAY: case FUNC_PROTO:
      return true;
    default:
      return false;
  }
}

/**
 * What dedup derives from a base alone (its words laid out as dedup reads them, and the candidate
 * index after indexing every base type), kept per base table so that deduplicating many split
 * tables over one base (kernel modules over vmlinux) does not redo it each time. Dropped with the
 * base; ignored if the base has grown since (a base is not expected to be edited in place).
 */
interface BaseState {
  count: number; nWords: number; startId: number;
  words: Uint32Array; off: Uint32Array;
  table: CandidateTable; enumFwdNames: Set<number>; enumsByContent: Map<number, number[]>;
}
const baseStates = new WeakMap<BtfTable, BaseState>();
/**
 * Bases deduplicated over once: the state is kept from the second time on, so that a one-shot
 * run (one module) does not pay for copying it.
 */
const basesSeen = new WeakSet<BtfTable>();

function validBaseState(base: BtfTable): BaseState | null {
  const s = baseStates.get(base);
  return s && s.count === base.count && s.nWords === base.nWords && s.startId === base.startId ? s : null;
}

/**
 * Dedup while the table is being built: after each batch of types is appended, feed() runs the
 * passes that only look back (primitives, structs and unions) on the new types, so that only
 * the rest is left when the last type is in (finish()). The result is exactly dedup()'s. Where
 * the all-at-once passes would pick among candidates in an order the streaming ones do not see
 * (two structs equivalent to a new one), finish() runs dedup() instead. Streams tables with no
 * base whose strings are unique (built with BtfTable's builders); others are deduplicated by
 * finish().
 */
export class StreamingDedup {
  private d: Deduper | null;

  /** `typesHint`: how many types the table may end up with (to size the state once). */
  constructor(private readonly t: BtfTable, typesHint = 0) {
    this.d = t.base || !t.strings.unique ? null : new Deduper(t, true, typesHint);
  }

  /** Processes the types appended to the table since the last call. */
  feed(): void {
    this.d?.feed();
  }

  /** After finish(): whether it deduplicated all at once. */
  private fellBack: boolean | null = null;

  /** Whether finish() has to (or, once it has run, did) dedup all at once; before it, so far. */
  get fallsBack(): boolean {
    return this.fellBack ?? (!this.d || this.d.ambiguous);
  }

  /** The deduplicated table; `t` itself is destroyed. */
  finish(): BtfTable {
    const d = this.d;
    this.d = null;
    const out = d ? d.finishStreaming() : null;
    this.fellBack = out === null;
    return out ?? dedup(this.t, { consume: true });
  }
}

/** Deduplicates `t` (base or split BTF); returns a new table over the same base. */
export function dedup(t: BtfTable, opts: DedupOptions = {}): BtfTable {
  return new Deduper(t, opts.consume ?? false).run(opts.strings ?? 'auto');
}

class Deduper {
  /** All types' words: void (3 zero words), then the base chain's, then a working copy of t's. */
  W: Uint32Array;
  /** Word offset in W of every type id (0 = void). */
  off: Uint32Array;
  readonly startId: number;
  endId: number;
  /** Canonical map: id -> representative (chains are followed by resolve), or UNPROCESSED / IN_PROGRESS. */
  map: Int32Array;
  /** Hypothetical map of isEquiv: canonical-graph id -> candidate-graph id + 1 (0: none); reset via hypotList. */
  hypot: Int32Array;
  private hypotList = new Int32Array(256);
  private hypotCnt = 0;
  /**
   * The keys of hypotList whose pair involves a FWD, STRUCT or UNION, in the same order: the only
   * pairs mergeHypot can act on (a pair of other kinds resolves to other kinds).
   */
  private mergeList = new Int32Array(256);
  private mergeCnt = 0;
  /** This table's FWDs, and the structs and unions dedupStruct made canonical: ascending ids. */
  private fwds: number[] = [];
  private canonStructs: number[] = [];
  /** Set by isEquiv when equivalence would need a base FWD resolved (base BTF can't change). */
  private adjustCanon = false;
  private readonly table: CandidateTable;
  /**
   * Enum fast path. Enums are indexed by name only (so that a forward-declared enum finds the full
   * one), which makes every anonymous enum a candidate for every other: quadratic on real inputs.
   * These side indexes give the same answer directly: names that have a forward-declared enum in
   * the table (those take the slow path), and table enums by full content.
   */
  private readonly enumFwdNames: Set<number>;
  private readonly enumsByContent: Map<number, number[]>;
  /** Whether the base's part of the state above came from the cache (see BaseState). */
  private readonly baseCached: boolean;
  /** Number of words of W before t's own types (void and the base chain's). */
  private readonly baseWords: number = 3;
  private stack = new Int32Array(1024);

  /**
   * Streaming mode (see StreamingDedup): set by the constructor. Candidate loops then make sure their
   * answer does not depend on the candidate order, which differs from the all-at-once order.
   */
  private streamingMode = false;
  /** Streaming: the result would depend on the candidate order (fall back to the global passes). */
  ambiguous = false;
  /** Streaming: primitives indexed so far, and the index each enum got (see enumCandidatesInOrder). */
  private primCount = 0;
  private primIndex = new Map<number, number>();
  /**
   * Streaming: enum pairs a struct comparison found (un)equal by their canonical ids while the
   * canonical chain of one passed a forward-declared enum: a, b, 1 if equal (flat). A later full enum may
   * still redirect that forward declaration (see dedupPrim), and the all-at-once passes compare
   * structs only after every such redirection: the streamed result is theirs only if each pair
   * still compares the same at the end (checked by finishStreaming).
   */
  private enumPairs: number[] = [];
  /**
   * The kind of every type id (0 for void): one byte per id read where the type's info word
   * would be a second dependent load from the large word array.
   */
  private kinds: Uint8Array;

  constructor(readonly t: BtfTable, consume = false, streamingCapacity = -1) {
    this.startId = t.startId;
    this.endId = t.startId + t.count;
    if (streamingCapacity >= 0) {
      // types arrive later (extend()); the table's own words are read in place
      const cap = Math.max(streamingCapacity, this.endId, 1024) + 1;
      this.endId = this.startId;
      this.W = t.words;
      // the table's own offsets where it allows (no copy of 4 bytes per type), else a copy
      this.off = t.offsById() ?? new Uint32Array(cap);
      this.map = new Int32Array(cap);
      this.hypot = new Int32Array(cap);
      this.kinds = new Uint8Array(cap);
      this.baseCached = false;
      this.table = new CandidateTable(1 << 12);
      this.enumFwdNames = new Set();
      this.enumsByContent = new Map();
      this.streamingMode = true;
      return;
    }
    if (consume && !t.base) {
      // work in the table's own words (it is destroyed): void's three zero words go at the end
      if (t.words.length < t.nWords + 3) {
        const w = new Uint32Array(t.nWords + 3);
        w.set(t.words.subarray(0, t.nWords));
        t.words = w;
      }
      t.words.fill(0, t.nWords, t.nWords + 3);
      let off = t.offsById();
      if (!off) {
        off = new Uint32Array(this.endId);
        off.set(t.offs.subarray(0, t.count), 1);
      }
      off[0] = t.nWords;
      this.W = t.words;
      this.off = off;
      this.kinds = kindsOf(this.W, off, this.endId);
      this.map = new Int32Array(this.endId);
      this.hypot = new Int32Array(this.endId);
      this.baseCached = false;
      this.table = new CandidateTable(1 << 12);
      this.enumFwdNames = new Set();
      this.enumsByContent = new Map();
      return;
    }
    const cached = t.base ? validBaseState(t.base) : null;
    const levels: BtfTable[] = [];
    for (let b: BtfTable | null = t; b && !(cached && b === t.base); b = b.base) levels.unshift(b);
    let total = cached ? cached.words.length : 3;
    for (const l of levels) total += l.nWords;
    const W = new Uint32Array(total);
    const off = new Uint32Array(this.endId);
    let at = 3;
    if (cached) {
      W.set(cached.words);
      off.set(cached.off);
      at = cached.words.length;
    }
    for (const l of levels) {
      if (l === t) this.baseWords = at;
      W.set(l.words.subarray(0, l.nWords), at);
      for (let i = 0; i < l.count; i++) off[l.startId + i] = at + l.offs[i];
      at += l.nWords;
    }
    this.W = W;
    this.off = off;
    this.kinds = kindsOf(W, off, this.endId);
    this.map = new Int32Array(this.endId);
    this.hypot = new Int32Array(this.endId);
    this.baseCached = cached !== null;
    // entries for every type up front (the pool's size does not change the candidate order)
    this.table = cached ? cached.table.clone() : new CandidateTable(Math.max(1 << 12, this.endId));
    this.enumFwdNames = new Set(cached?.enumFwdNames);
    this.enumsByContent = new Map();
    if (cached) for (const [h, l] of cached.enumsByContent) this.enumsByContent.set(h, l.slice());
  }

  run(strings: 'auto' | 'keep' | 'dedup'): BtfTable {
    const t = this.t;
    this.checkIds();
    this.init();
    const dedupStr = strings === 'dedup' || (strings === 'auto' && !t.strings.unique);
    const strBytes = dedupStr
      ? dedupStrings(t, this.W, this.off, this.endId)
      : t.strings.view().slice();
    for (let id = this.startId; id < this.endId; id++) this.dedupPrim(id);
    for (let id = this.startId; id < this.endId; id++) this.dedupStruct(id);
    this.resolveFwds();
    for (let id = this.startId; id < this.endId; id++) this.dedupRefRoot(id);
    return this.compact(strBytes, dedupStr || t.strings.unique);
  }

  // ---- streaming (see StreamingDedup) ----

  /** Takes in the types appended to the table since the last call; returns the first new id. */
  private extend(): number {
    const t = this.t;
    // void's three zero words: the table's unused tail (reserve some if it has none)
    if (t.words.length < t.nWords + 3) t.reserve(3, 0);
    this.W = t.words;
    const from = this.endId, to = t.endId;
    // a view of the table's offsets (a new one once they grew), else our copy, grown as needed (a
    // view of offsets the table has since let go of is such a copy)
    const view = t.offsById();
    if (view) {
      this.off = view;
    } else if (to > this.off.length) {
      const off = new Uint32Array(Math.max(to, this.off.length * 2)); off.set(this.off); this.off = off;
    }
    if (to > this.map.length) {
      const cap = Math.max(to, this.map.length * 2);
      const map = new Int32Array(cap); map.set(this.map); this.map = map;
      const hypot = new Int32Array(cap); hypot.set(this.hypot); this.hypot = hypot;
      const kinds = new Uint8Array(cap); kinds.set(this.kinds); this.kinds = kinds;
    }
    const W = this.W, off = this.off, map = this.map, offs = t.offs, start = this.startId, kinds = this.kinds;
    off[0] = W.length - 3;
    const copy = view === null;
    for (let id = from; id < to; id++) {
      const o = offs[id - start];
      if (copy) off[id] = o;
      const k = (W[o + 1] >>> 24) & 0x1f;
      map[id] = k === VAR || k === DATASEC ? id : UNPROCESSED;
      kinds[id] = k;
      if (k === FWD) this.fwds.push(id);
    }
    this.endId = to;
    return from;
  }

  /** Passes 2 and 3 for the types appended since the last call. */
  feed(): void {
    if (this.ambiguous) return;
    const from = this.extend();
    this.checkIds(from);
    for (let id = from; id < this.endId && !this.ambiguous; id++) this.dedupPrim(id);
    for (let id = from; id < this.endId && !this.ambiguous; id++) this.dedupStruct(id);
  }

  /** The remaining passes once every type is in; null if the result would be order-dependent. */
  finishStreaming(): BtfTable | null {
    this.feed();
    if (this.ambiguous || !this.enumsSettled()) {
      this.ambiguous = true;
      return null;
    }
    this.resolveFwds();
    for (let id = this.startId; id < this.endId; id++) this.dedupRefRoot(id);
    return this.compact(this.t.strings.view().slice(), true);
  }

  /**
   * The enums among the candidates under `h`, in the order the all-at-once prim pass would try
   * them: there the index holds nothing but the primitives inserted so far, in id order, so the
   * order follows from each one's insertion index (primIndex) and where the index grew since
   * (see dedup-table.ts: pushed at the head, the chain reversed at every growth).
   */
  private enumCandidatesInOrder(h: number): number[] {
    const found = this.candidates(h).filter((c) => {
      const k = this.kind(c);
      return (k === ENUM || k === ENUM64) && this.primIndex.has(c);
    });
    found.sort((a, b) => this.primIndex.get(a)! - this.primIndex.get(b)!);
    let list: number[] = [];
    let prev = -1;
    for (const c of found) {
      const g = this.primIndex.get(c)!;
      if (growthsBetween(prev + 1, g) & 1) list.reverse();
      list = [c, ...list];
      prev = g;
    }
    if (growthsBetween(prev + 1, this.primCount - 1) & 1) list.reverse();
    return list;
  }

  /** The types indexed under `h`, in the order the index yields them. */
  private candidates(h: number): number[] {
    const out: number[] = [];
    const table = this.table;
    for (let e = table.first(h); e >= 0; e = table.next(e, h)) out.push(table.value(e));
    return out;
  }

  // ---- type accessors ----

  private kind(id: number): number {
    return this.kinds[id];
  }

  /** Validates that every type id referenced by t's types exists (the rest trusts this). */
  private checkIds(from = this.startId): void {
    const W = this.W, end = this.endId;
    const bad = (id: number, ref: number): never => {
      throw new InputError(`BTF type [${id}] references type id ${ref}, past the last type ${end - 1}`);
    };
    for (let id = from; id < end; id++) {
      const o = this.off[id], info = W[o + 1], vlen = info & 0xffff;
      switch ((info >>> 24) & 0x1f) {
        case FWD: case PTR: case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case FUNC:
        case VAR: case DECL_TAG: case TYPE_TAG:
          if (W[o + 2] >= end) bad(id, W[o + 2]);
          break;
        case ARRAY:
          if (W[o + 3] >= end) bad(id, W[o + 3]);
          if (W[o + 4] >= end) bad(id, W[o + 4]);
          break;
        case STRUCT: case UNION:
          for (let i = 0; i < vlen; i++) if (W[o + 4 + 3 * i] >= end) bad(id, W[o + 4 + 3 * i]);
          break;
        case DATASEC:
          for (let i = 0; i < vlen; i++) if (W[o + 3 + 3 * i] >= end) bad(id, W[o + 3 + 3 * i]);
          break;
        case FUNC_PROTO:
          if (W[o + 2] >= end) bad(id, W[o + 2]);
          for (let i = 0; i < vlen; i++) if (W[o + 4 + 2 * i] >= end) bad(id, W[o + 4 + 2 * i]);
          break;
        default:
          break;
      }
    }
  }

  /** Initial canonical map; base types are canonical and indexed as candidates. */
  private init(): void {
    const map = this.map;
    map[0] = 0;
    for (let id = 1; id < this.startId; id++) map[id] = id;
    if (!this.baseCached && this.t.base) {
      const W = this.W, off = this.off;
      for (let id = 1; id < this.startId; id++) {
        const k = (W[off[id] + 1] >>> 24) & 0x1f;
        if (k === VAR || k === DATASEC) continue;
        this.table.add(this.hashOf(id, k), id);
        if (k === ENUM || k === ENUM64) this.indexEnum(id);
      }
      const base = this.t.base;
      if (!basesSeen.has(base)) {
        basesSeen.add(base);
        return this.initSplit();
      }
      const enumsByContent = new Map<number, number[]>();
      for (const [h, l] of this.enumsByContent) enumsByContent.set(h, l.slice());
      baseStates.set(base, {
        count: base.count, nWords: base.nWords, startId: base.startId,
        words: this.W.slice(0, this.baseWords),
        off: this.off.slice(0, this.startId),
        table: this.table.clone(), enumFwdNames: new Set(this.enumFwdNames), enumsByContent,
      });
    }
    this.initSplit();
  }

  private initSplit(): void {
    const map = this.map;
    for (let id = this.startId; id < this.endId; id++) {
      const k = this.kind(id);
      map[id] = k === VAR || k === DATASEC ? id : UNPROCESSED;
      if (k === FWD) this.fwds.push(id);
    }
  }

  /** The signature hash a type is indexed under, by kind (base types are indexed as they are). */
  private hashOf(id: number, kind: number): number {
    switch (kind) {
      case INT: case DECL_TAG: return this.hashIntTag(id);
      case ENUM: case ENUM64: return this.hashEnum(id);
      case STRUCT: case UNION: return this.hashStruct(id);
      case ARRAY: return this.hashArray(id);
      case FUNC_PROTO: return this.hashFnProto(id);
      default: return this.hashCommon(id);
    }
  }

  // ---- hashes: each covers a subset of the fields its equality check compares ----

  private hashCommon(id: number): number {
    const W = this.W, o = this.off[id];
    return mix(mix(mix(0, W[o]), W[o + 1]), W[o + 2]);
  }
  private hashIntTag(id: number): number {
    return mix(this.hashCommon(id), this.W[this.off[id] + 3]);
  }
  /** Name only: a forward-declared enum must find the full one (size and kind may differ). */
  private hashEnum(id: number): number {
    return mix(0, this.W[this.off[id]]);
  }
  /** Name, size, member names and offsets; not member types (not canonical yet). */
  private hashStruct(id: number): number {
    const W = this.W, o = this.off[id], vlen = W[o + 1] & 0xffff;
    let h = this.hashCommon(id);
    for (let i = 0, m = o + 3; i < vlen; i++, m += 3) h = mix(mix(h, W[m]), W[m + 2]);
    return h;
  }
  private hashArray(id: number): number {
    const W = this.W, o = this.off[id];
    return mix(mix(mix(this.hashCommon(id), W[o + 3]), W[o + 4]), W[o + 5]);
  }
  private hashFnProto(id: number): number {
    const W = this.W, o = this.off[id], vlen = W[o + 1] & 0xffff;
    let h = this.hashCommon(id);
    for (let i = 0, p = o + 3; i < vlen; i++, p += 2) h = mix(mix(h, W[p]), W[p + 1]);
    return h;
  }

  // ---- equality checks (a, b: type ids) ----

  private equalCommon(a: number, b: number): boolean {
    const W = this.W, x = this.off[a], y = this.off[b];
    return W[x] === W[y] && W[x + 1] === W[y + 1] && W[x + 2] === W[y + 2];
  }
  private equalIntTag(a: number, b: number): boolean {
    return this.equalCommon(a, b) && this.W[this.off[a] + 3] === this.W[this.off[b] + 3];
  }
  private equalEnum(a: number, b: number): boolean {
    if (!this.equalCommon(a, b)) return false;
    const W = this.W, x = this.off[a], y = this.off[b], info = W[x + 1];
    const n = (info & 0xffff) * (((info >>> 24) & 0x1f) === ENUM ? 2 : 3);
    for (let i = 3; i < 3 + n; i++) if (W[x + i] !== W[y + i]) return false;
    return true;
  }
  private isEnumFwd(id: number): boolean {
    const info = this.W[this.off[id] + 1], k = (info >>> 24) & 0x1f;
    return (k === ENUM || k === ENUM64) && (info & 0xffff) === 0;
  }
  /** Equal enums, or same-named enums of which at least one is forward-declared (vlen 0). */
  private compatEnum(a: number, b: number): boolean {
    if (!this.isEnumFwd(a) && !this.isEnumFwd(b)) return this.equalEnum(a, b);
    const ka = this.kind(a), kb = this.kind(b);
    return this.W[this.off[a]] === this.W[this.off[b]] &&
      (ka === ENUM || ka === ENUM64) && (kb === ENUM || kb === ENUM64);
  }
  /** Same name, size, member names and offsets (member types not compared). */
  private shallowEqualStruct(a: number, b: number): boolean {
    if (!this.equalCommon(a, b)) return false;
    const W = this.W, x = this.off[a], y = this.off[b], vlen = W[x + 1] & 0xffff;
    for (let i = 0, p = 3; i < vlen; i++, p += 3) {
      if (W[x + p] !== W[y + p] || W[x + p + 2] !== W[y + p + 2]) return false;
    }
    return true;
  }
  private equalArray(a: number, b: number): boolean {
    if (!this.equalCommon(a, b)) return false;
    const W = this.W, x = this.off[a], y = this.off[b];
    return W[x + 3] === W[y + 3] && W[x + 4] === W[y + 4] && W[x + 5] === W[y + 5];
  }
  private equalFnProto(a: number, b: number): boolean {
    if (!this.equalCommon(a, b)) return false;
    const W = this.W, x = this.off[a], y = this.off[b], n = 2 * (W[x + 1] & 0xffff);
    for (let i = 3; i < 3 + n; i++) if (W[x + i] !== W[y + i]) return false;
    return true;
  }
  /** Same name, info and parameter names (return and parameter types not compared). */
  private compatFnProto(a: number, b: number): boolean {
    const W = this.W, x = this.off[a], y = this.off[b];
    if (W[x] !== W[y] || W[x + 1] !== W[y + 1]) return false;
    const vlen = W[x + 1] & 0xffff;
    for (let i = 0, p = 3; i < vlen; i++, p += 2) if (W[x + p] !== W[y + p]) return false;
    return true;
  }

  // ---- canonical map helpers ----

  /** Follows the canonical chain to its end (a self-mapped or unprocessed type). */
  private resolve(id: number): number {
    const map = this.map;
    for (;;) {
      const m = map[id];
      if (m < 0 || m === id) return id;
      id = m;
    }
  }

  /**
   * Streaming: records the pair if both are enums and the canonical chain of either passes a
   * forward-declared enum (the only kind a later enum redirects).
   */
  private noteEnumPair(a: number, b: number): void {
    const k = this.kinds;
    if (((ENUMS >>> k[a]) & 1) === 0 || ((ENUMS >>> k[b]) & 1) === 0) return;
    if (this.chainHasEnumFwd(a) || this.chainHasEnumFwd(b)) {
      this.enumPairs.push(a, b, this.resolve(a) === this.resolve(b) ? 1 : 0);
    }
  }

  private chainHasEnumFwd(id: number): boolean {
    const map = this.map;
    for (;;) {
      if (this.isEnumFwd(id)) return true;
      const m = map[id];
      if (m < 0 || m === id) return false;
      id = m;
    }
  }

  /** Streaming: whether every pair noted by noteEnumPair still compares the same. */
  private enumsSettled(): boolean {
    const p = this.enumPairs;
    for (let i = 0; i < p.length; i += 3) {
      if ((this.resolve(p[i]) === this.resolve(p[i + 1]) ? 1 : 0) !== p[i + 2]) return false;
    }
    return true;
  }

  /** A FWD's resolved STRUCT/UNION if it has one, else the id itself. */
  private resolveFwd(id: number): number {
    if (this.kind(id) !== FWD) return id;
    const r = this.resolve(id);
    return this.kind(r) !== FWD ? r : id;
  }

  // ---- pass 2: primitive types ----

  private dedupPrim(id: number): void {
    const table = this.table;
    let h: number;
    let canon = id;
    const kind = this.kind(id);
    switch (kind) {
      case INT:
        h = this.hashIntTag(id);
        for (let e = table.first(h); e >= 0; e = table.next(e, h)) {
          const c = table.value(e);
          if (!this.equalIntTag(id, c)) continue;
          if (canon !== id) { this.ambiguous = true; return; }
          canon = c;
          if (!this.streamingMode) break;
        }
        break;
      case ENUM: case ENUM64: {
        h = this.hashEnum(id);
        canon = this.findEnumFast(id);
        if (canon >= 0) break;
        canon = id;
        // (a rare path: a list of the candidates is cheap enough)
        const order = this.streamingMode ? this.enumCandidatesInOrder(h) : this.candidates(h);
        for (const c of order) {
          if (this.equalEnum(id, c)) { canon = c; break; }
          if (this.compatEnum(id, c)) {
            // a forward-declared enum merges into the full one; a full enum that meets a
            // canonical forward declaration takes its place (and keeps looking)
            if (this.isEnumFwd(id)) { canon = c; break; }
            this.map[c] = id;
          }
        }
        break;
      }
      case FWD: case FLOAT:
        h = this.hashCommon(id);
        for (let e = table.first(h); e >= 0; e = table.next(e, h)) {
          const c = table.value(e);
          if (!this.equalCommon(id, c)) continue;
          if (canon !== id) { this.ambiguous = true; return; }
          canon = c;
          if (!this.streamingMode) break;
        }
        break;
      default:
        return;
    }
    this.map[id] = canon;
    if (canon === id) {
      table.add(h, id);
      if (kind === ENUM || kind === ENUM64) {
        this.indexEnum(id);
        if (this.streamingMode) this.primIndex.set(id, this.primCount);
      }
      this.primCount++;
    }
  }

  private enumContentHash(id: number): number {
    const W = this.W, o = this.off[id], info = W[o + 1];
    const n = 3 + (info & 0xffff) * (((info >>> 24) & 0x1f) === ENUM ? 2 : 3);
    let h = 0;
    for (let i = 0; i < n; i++) h = mix(h, W[o + i]);
    return h;
  }

  /** Records a table enum in the fast-path indexes. */
  private indexEnum(id: number): void {
    if (this.isEnumFwd(id)) this.enumFwdNames.add(this.W[this.off[id]]);
    const h = this.enumContentHash(id);
    const l = this.enumsByContent.get(h);
    if (l) l.push(id);
    else this.enumsByContent.set(h, [id]);
  }

  /**
   * The candidate loop's answer for a full enum whose name has no forward-declared enum in the
   * table: then only an equal enum can match, and (the table being deduplicated) there is at most
   * one, wherever it sits in the candidate order. Returns id itself if none, -1 to take the slow
   * path (a forward declaration involved, or several equal candidates).
   */
  private findEnumFast(id: number): number {
    if (this.isEnumFwd(id) || this.enumFwdNames.has(this.W[this.off[id]])) return -1;
    const l = this.enumsByContent.get(this.enumContentHash(id));
    if (!l) return id;
    let found = id;
    for (let i = 0; i < l.length; i++) {
      if (!this.equalEnum(id, l[i])) continue;
      if (found !== id) return -1;
      found = l[i];
    }
    return found;
  }

  // ---- pass 3: structs and unions ----

  private dedupStruct(id: number): void {
    if (this.map[id] >= 0) return;
    const k = this.kind(id);
    if (k !== STRUCT && k !== UNION) return;
    const table = this.table;
    const h = this.hashStruct(id);
    let canon = id;
    for (let e = table.first(h); e >= 0; e = table.next(e, h)) {
      const c = table.value(e);
      // also keeps a same-hash FWD from being picked (FWD and struct would then map to each other)
      if (!this.shallowEqualStruct(id, c)) continue;
      this.clearHypot();
      if (!this.isEquiv(id, c)) continue;
      if (this.streamingMode && !this.onlyEquivalent(id, h, e)) return;
      this.mergeHypot();
      if (this.adjustCanon) continue; // would need to change the base: not equivalent for us
      canon = c;
      break;
    }
    this.map[id] = canon;
    if (canon === id) {
      table.add(h, id);
      this.canonStructs.push(id);
    }
  }

  /**
   * Streaming: whether no candidate after cursor `e` (under `h`) is equivalent to `id` too; else
   * the answer depends on the candidate order: sets `ambiguous`. Leaves `hypot` as isEquiv left
   * it for the candidate at `e`.
   */
  private onlyEquivalent(id: number, h: number, e: number): boolean {
    const table = this.table;
    let rest = table.next(e, h);
    while (rest >= 0 && !this.shallowEqualStruct(id, table.value(rest))) rest = table.next(rest, h);
    if (rest < 0) return true;
    const n = this.hypotCnt, canons = this.hypotList.slice(0, n), cands = new Int32Array(n);
    for (let i = 0; i < n; i++) cands[i] = this.hypot[canons[i]] - 1;
    const merges = this.mergeList.slice(0, this.mergeCnt);
    const adjust = this.adjustCanon;
    for (; rest >= 0; rest = table.next(rest, h)) {
      const c = table.value(rest);
      if (!this.shallowEqualStruct(id, c)) continue;
      this.clearHypot();
      if (this.isEquiv(id, c)) {
        this.ambiguous = true;
        return false;
      }
    }
    this.clearHypot();
    for (let i = 0; i < n; i++) this.hypotAdd(canons[i], cands[i]);
    for (let i = 0; i < merges.length; i++) this.mergeAdd(merges[i]);
    this.adjustCanon = adjust;
    return true;
  }

  private clearHypot(): void {
    const hypot = this.hypot, list = this.hypotList;
    for (let i = 0; i < this.hypotCnt; i++) hypot[list[i]] = 0;
    this.hypotCnt = 0;
    this.mergeCnt = 0;
    this.adjustCanon = false;
  }

  private hypotAdd(canonId: number, candId: number): void {
    if (this.hypotCnt === this.hypotList.length) {
      const l = new Int32Array(this.hypotList.length * 2);
      l.set(this.hypotList);
      this.hypotList = l;
    }
    this.hypotList[this.hypotCnt++] = canonId;
    this.hypot[canonId] = candId + 1;
  }

  private mergeAdd(canonId: number): void {
    if (this.mergeCnt === this.mergeList.length) {
      const l = new Int32Array(this.mergeList.length * 2);
      l.set(this.mergeList);
      this.mergeList = l;
    }
    this.mergeList[this.mergeCnt++] = canonId;
  }

  private growStack(need: number): void {
    let n = this.stack.length * 2;
    while (n < need) n *= 2;
    const s = new Int32Array(n);
    s.set(this.stack);
    this.stack = s;
  }

  private push(cand: number, canon: number, sp: number): number {
    if (sp + 2 > this.stack.length) this.growStack(sp + 2);
    this.stack[sp] = cand;
    this.stack[sp + 1] = canon;
    return sp + 2;
  }

  /**
   * Pushes a pair for isEquiv to visit, unless the walk has met it already (hypot maps its
   * canonical side to this candidate): its visit would then end at once, adding nothing, for the
   * canonical map does not change during a walk.
   */
  private pushPair(cand: number, canon: number, sp: number): number {
    if (this.hypot[canon] === cand + 1) return sp;
    return this.push(cand, canon, sp);
  }

  /** Identical ARRAY types (element and index ids compared as they are). */
  private identicalArrays(a: number, b: number): boolean {
    return this.kind(a) === ARRAY && this.kind(b) === ARRAY && this.equalArray(a, b);
  }

  /** Identical STRUCT/UNION types: member types equal, or identical arrays/structs themselves. */
  private identicalStructs(a: number, b: number): boolean {
    const ka = this.kind(a);
    if ((ka !== STRUCT && ka !== UNION) || ka !== this.kind(b)) return false;
    if (!this.shallowEqualStruct(a, b)) return false;
    const W = this.W, x = this.off[a], y = this.off[b], vlen = W[x + 1] & 0xffff;
    for (let i = 0, p = 4; i < vlen; i++, p += 3) {
      const ma = W[x + p], mb = W[y + p];
      if (ma !== mb && !this.identicalArrays(ma, mb) && !this.identicalStructs(ma, mb)) return false;
    }
    return true;
  }

  /**
   * Whether the type graph rooted at `candRoot` is equivalent to the one at `canonRoot`.
   * An explicit-stack version of libbpf's recursive depth-first walk, visiting pairs in the same
   * order (children are pushed in reverse), so `hypot` ends up filled in the same order.
   */
  private isEquiv(candRoot: number, canonRoot: number): boolean {
    const W = this.W, off = this.off, hypot = this.hypot, map = this.map, kinds = this.kinds;
    const streaming = this.streamingMode;
    let sp = this.push(candRoot, canonRoot, 0);
    while (sp > 0) {
      sp -= 2;
      const cand = this.stack[sp];
      let canon = this.stack[sp + 1];
      if (streaming) this.noteEnumPair(cand, canon);
      // resolve() of both, its first step inline (most types map to themselves or nowhere yet)
      const mc = map[cand], mn = map[canon];
      const rc = mc < 0 || mc === cand ? cand : this.resolve(mc);
      const rn = mn < 0 || mn === canon ? canon : this.resolve(mn);
      if (rc === rn) continue;
      // resolveFwd(canon)
      if (kinds[canon] === FWD) {
        const r = this.resolve(canon);
        if (kinds[r] !== FWD) canon = r;
      }
      const seen = hypot[canon] - 1;
      if (seen >= 0) {
        // a cycle, or (compilers do this) an identical duplicate array/struct within one unit
        if (seen === cand || this.identicalArrays(seen, cand) || this.identicalStructs(seen, cand)) continue;
        return false;
      }
      this.hypotAdd(canon, cand);
      const x = off[cand], xInfo = W[x + 1], y = off[canon], yInfo = W[y + 1];
      if (W[x] !== W[y]) return false; // names differ
      const ck = (xInfo >>> 24) & 0x1f, nk = (yInfo >>> 24) & 0x1f;
      if ((ck === FWD || nk === FWD) && ck !== nk) {
        // FWD vs STRUCT/UNION: equivalent when the FWD's flavour matches
        let real: number, fwdKind: number;
        if (ck === FWD) {
          real = nk;
          fwdKind = W[x + 1] >>> 31 ? UNION : STRUCT;
        } else {
          real = ck;
          fwdKind = W[y + 1] >>> 31 ? UNION : STRUCT;
          if (fwdKind === real && canon < this.startId) this.adjustCanon = true;
        }
        if (fwdKind !== real) return false;
        this.mergeAdd(canon);
        continue;
      }
      if (ck !== nk) return false;
      switch (ck) {
        case INT:
          if (!this.equalIntTag(cand, canon)) return false;
          break;
        case ENUM: case ENUM64:
          if (!this.compatEnum(cand, canon)) return false;
          break;
        case FWD:
          if (!this.equalCommon(cand, canon)) return false;
          this.mergeAdd(canon);
          break;
        case FLOAT:
          if (!this.equalCommon(cand, canon)) return false;
          break;
        case CONST: case VOLATILE: case RESTRICT: case PTR: case TYPEDEF: case FUNC: case TYPE_TAG:
          if (W[x + 1] !== W[y + 1]) return false;
          sp = this.pushPair(W[x + 2], W[y + 2], sp);
          break;
        case ARRAY:
          if (!this.equalCommon(cand, canon) || W[x + 5] !== W[y + 5]) return false;
          sp = this.pushPair(W[x + 3], W[y + 3], sp); // element type, second
          sp = this.pushPair(W[x + 4], W[y + 4], sp); // index type, first
          break;
        case STRUCT: case UNION: {
          // shallowEqualStruct, on the words at hand (names are equal already)
          if (xInfo !== yInfo || W[x + 2] !== W[y + 2]) return false;
          const vlen = xInfo & 0xffff;
          for (let i = 0, p = 3; i < vlen; i++, p += 3) {
            if (W[x + p] !== W[y + p] || W[x + p + 2] !== W[y + p + 2]) return false;
          }
          this.mergeAdd(canon);
          if (sp + 2 * vlen > this.stack.length) this.growStack(sp + 2 * vlen);
          const stack = this.stack;
          for (let i = vlen - 1; i >= 0; i--) {
            const a = W[x + 4 + 3 * i], b = W[y + 4 + 3 * i];
            if (hypot[b] === a + 1) continue; // see pushPair
            stack[sp++] = a;
            stack[sp++] = b;
          }
          break;
        }
        case FUNC_PROTO: {
          if (!this.compatFnProto(cand, canon)) return false;
          const vlen = W[x + 1] & 0xffff;
          for (let i = vlen - 1; i >= 0; i--) sp = this.pushPair(W[x + 4 + 2 * i], W[y + 4 + 2 * i], sp);
          sp = this.pushPair(W[x + 2], W[y + 2], sp); // return type first
          break;
        }
        default:
          throw new InputError(`BTF dedup: unexpected kind ${ck} of type [${cand}]`);
      }
    }
    return true;
  }

  /**
   * Makes part of a successful hypothetical mapping permanent: FWDs resolve to the structs they
   * matched, and candidate-graph structs map to canonical-graph structs that are canonical already.
   * When the match needed a base FWD resolved (adjustCanon) only the FWD resolutions are recorded.
   */
  private mergeHypot(): void {
    const map = this.map;
    for (let i = 0; i < this.mergeCnt; i++) {
      const canonId = this.mergeList[i];
      const t = this.resolve(this.hypot[canonId] - 1);
      const c = this.resolve(canonId);
      const tk = this.kind(t), ck = this.kind(c);
      if (tk !== FWD && ck === FWD) map[c] = t;
      if (this.adjustCanon) continue;
      if (tk === FWD && ck !== FWD) map[t] = c;
      if ((tk === STRUCT || tk === UNION) && ck !== FWD && map[c] >= 0 && map[t] < 0) map[t] = c;
    }
  }

  // ---- pass 4: leftover forward declarations ----

  private resolveFwds(): void {
    const W = this.W, map = this.map, off = this.off;
    // the names of this table's unresolved FWDs
    const wanted = new Set<number>();
    for (const id of this.fwds) if (map[id] === id) wanted.add(W[off[id]]);
    if (wanted.size === 0) return;
    // name -> the only canonical struct/union with that name, or 0 if several (ascending ids:
    // the base's, then this table's)
    const byName = new Map<number, number>();
    const consider = (id: number): void => {
      const k = this.kind(id), name = W[off[id]];
      if ((k !== STRUCT && k !== UNION) || map[id] !== id || !wanted.has(name)) return;
      byName.set(name, byName.has(name) ? 0 : id);
    };
    for (let id = 1; id < this.startId; id++) consider(id);
    for (const id of this.canonStructs) consider(id);
    for (const id of this.fwds) {
      const o = off[id];
      if (map[id] !== id) continue;
      const c = byName.get(W[o]);
      if (!c) continue;
      const ck = this.kind(c), isUnion = W[o + 1] >>> 31;
      if ((ck === STRUCT && isUnion) || (ck === UNION && !isUnion)) continue;
      map[id] = c;
    }
  }

  // ---- pass 5: reference types ----

  /** Number of type-id fields pass 5 canonicalizes first, for a reference kind. */
  private refCount(id: number): number {
    const info = this.W[this.off[id] + 1];
    switch ((info >>> 24) & 0x1f) {
      case ARRAY: return 2;
      case FUNC_PROTO: return 1 + (info & 0xffff);
      default: return 1;
    }
  }

  /** Word index of the i-th such field: ARRAY element then index; FUNC_PROTO return then params. */
  private refPos(id: number, i: number): number {
    const o = this.off[id];
    switch ((this.W[o + 1] >>> 24) & 0x1f) {
      case ARRAY: return o + 3 + i;
      case FUNC_PROTO: return i === 0 ? o + 2 : o + 2 + 2 * i;
      default: return o + 2;
    }
  }

  private enter(id: number): void {
    if (!isRefKind(this.kind(id))) {
      throw new InputError(`BTF dedup: type [${id}] of kind ${this.kind(id)} was left unprocessed`);
    }
    this.map[id] = IN_PROGRESS;
  }

  /**
   * Canonicalizes reference type `root` and, first, everything it refers to: libbpf's recursion
   * done with an explicit stack of (type, next field) frames, in the same order.
   */
  private dedupRefRoot(root: number): void {
    const map = this.map, W = this.W;
    if (map[root] === IN_PROGRESS) throw new InputError(`BTF dedup: reference loop at type [${root}]`);
    if (map[root] >= 0) return;
    this.enter(root);
    // stack frames: [type id, index of the next field to canonicalize]
    let sp = this.push(root, 0, 0);
    while (sp > 0) {
      const id = this.stack[sp - 2], i = this.stack[sp - 1];
      if (i < this.refCount(id)) {
        const pos = this.refPos(id, i);
        const ref = W[pos];
        const m = map[ref];
        if (m === IN_PROGRESS) throw new InputError(`BTF dedup: reference loop at type [${ref}]`);
        if (m >= 0) {
          W[pos] = this.resolve(ref);
          this.stack[sp - 1] = i + 1;
        } else {
          this.enter(ref);
          sp = this.push(ref, 0, sp);
        }
        continue;
      }
      const canon = this.dedupRef(id);
      sp -= 2;
      if (sp > 0) {
        const parent = this.stack[sp - 2], j = this.stack[sp - 1];
        W[this.refPos(parent, j)] = canon;
        this.stack[sp - 1] = j + 1;
      }
    }
  }

  /** With its referenced ids canonical, finds an equal canonical type for `id` or makes it one. */
  private dedupRef(id: number): number {
    const table = this.table;
    let h: number;
    let canon = id;
    switch (this.kind(id)) {
      case DECL_TAG:
        h = this.hashIntTag(id);
        for (let e = table.first(h); e >= 0; e = table.next(e, h)) {
          const c = table.value(e);
          if (this.equalIntTag(id, c)) { canon = c; break; }
        }
        break;
      case ARRAY:
        h = this.hashArray(id);
        for (let e = table.first(h); e >= 0; e = table.next(e, h)) {
          const c = table.value(e);
          if (this.equalArray(id, c)) { canon = c; break; }
        }
        break;
      case FUNC_PROTO:
        h = this.hashFnProto(id);
        for (let e = table.first(h); e >= 0; e = table.next(e, h)) {
          const c = table.value(e);
          if (this.equalFnProto(id, c)) { canon = c; break; }
        }
        break;
      default: // PTR, TYPEDEF, qualifiers, FUNC, TYPE_TAG
        h = this.hashCommon(id);
        for (let e = table.first(h); e >= 0; e = table.next(e, h)) {
          const c = table.value(e);
          if (this.equalCommon(id, c)) { canon = c; break; }
        }
        break;
    }
    this.map[id] = canon;
    if (canon === id) table.add(h, id);
    return canon;
  }

  // ---- pass 6: compaction and id rewriting ----

  private compact(strBytes: Uint8Array, stringsUnique: boolean): BtfTable {
    const W = this.W, off = this.off, map = this.map, start = this.startId, end = this.endId;
    // new id of every canonical type of this table; base ids stay
    // (the hypothetical map is not needed any more: its array holds the new ids)
    const newId = this.hypot.subarray(0, end).fill(UNPROCESSED);
    for (let id = 0; id < start; id++) newId[id] = id;
    let count = 0, nWords = 0;
    for (let id = start; id < end; id++) {
      if (map[id] !== id) continue;
      newId[id] = start + count++;
      nWords += typeWords(W[off[id] + 1]);
    }
    const words = new Uint32Array(Math.max(nWords, 16));
    const offs = new Uint32Array(Math.max(count, 16));
    const remap = (id: number): number => {
      const n = newId[this.resolve(id)];
      if (n < 0) throw new InputError(`BTF dedup: type id ${id} has no canonical type`);
      return n;
    };
    let at = 0, k = 0;
    for (let id = start; id < end; id++) {
      if (map[id] !== id) continue;
      const o = off[id], info = W[o + 1], vlen = info & 0xffff, n = typeWords(info);
      offs[k++] = at;
      words.set(W.subarray(o, o + n), at);
      switch ((info >>> 24) & 0x1f) {
        case FWD: case PTR: case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case FUNC:
        case VAR: case DECL_TAG: case TYPE_TAG:
          words[at + 2] = remap(words[at + 2]);
          break;
        case ARRAY:
          words[at + 3] = remap(words[at + 3]);
          words[at + 4] = remap(words[at + 4]);
          break;
        case STRUCT: case UNION:
          for (let i = 0; i < vlen; i++) words[at + 4 + 3 * i] = remap(words[at + 4 + 3 * i]);
          break;
        case DATASEC:
          for (let i = 0; i < vlen; i++) words[at + 3 + 3 * i] = remap(words[at + 3 + 3 * i]);
          break;
        case FUNC_PROTO:
          words[at + 2] = remap(words[at + 2]);
          for (let i = 0; i < vlen; i++) words[at + 4 + 2 * i] = remap(words[at + 4 + 2 * i]);
          break;
        default:
          break;
      }
      at += n;
    }
    const strings = StringTable.fromBytes(strBytes, this.t.strings.start);
    strings.unique = stringsUnique;
    const out = new BtfTable(this.t.base, strings, 16, 16);
    out.words = words;
    out.nWords = nWords;
    out.offs = offs;
    out.count = count;
    out.bigEndian = this.t.bigEndian;
    return out;
  }
}
