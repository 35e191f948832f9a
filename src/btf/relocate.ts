/**
 * Relocation of split BTF from its distilled base (`.BTF.base`, see distill.ts) onto a real base
 * BTF, by the rules the kernel applies when it loads a module with a distilled base and libbpf's
 * btf__relocate applies in user space (the two share one implementation):
 *
 *  - the distilled base may hold only named INT, FLOAT, ENUM, STRUCT, UNION and FWD types;
 *  - every distilled type is matched by name with a base type: INT by name, size and encoding;
 *    FLOAT by name and size; ENUM by name and size, with an ENUM or ENUM64; a FWD with a FWD of
 *    the same flavour, or a STRUCT without / a UNION with the kind flag; STRUCT/UNION by name and
 *    kind-insensitively (as libbpf does) — and by size too when the base has several composites
 *    of that name, or when a split struct/union embeds the distilled one (directly, in an array,
 *    or through typedefs and qualifiers, not through a pointer);
 *  - a distilled type matched by two base types is ambiguous, one matched by none cannot be
 *    relocated: both are errors;
 *  - the split types keep their order and contents; their ids move up past the real base, their
 *    references to distilled types point at the matched base types, and their string offsets
 *    either move past the real base's strings or, for the distilled base's strings (type names),
 *    point at the matched types' names.
 *
 * Errors say which distilled type cannot be matched and what the base offers under that name.
 */
import { InputError } from '../errors.js';
import { forEachIdWord, forEachStrWord } from './fields.js';
import { Kind, KIND_NAMES } from './kinds.js';
import { StringTable } from './strings.js';
import { BtfTable } from './table.js';

/** A distilled type that is embedded by value in a split struct/union: sizes must match. */
const EMBEDDED = 0xffffffff;

export class RelocationError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'RelocationError';
  }
}

const kindName = (k: number): string => KIND_NAMES[k] ?? 'UNKNOWN';

function label(t: BtfTable, id: number): string {
  const k = t.kind(id);
  const fwd = k === Kind.FWD ? (t.kflag(id) ? ' union' : ' struct') : '';
  const size = k === Kind.FWD ? '' : ` size ${t.sizeOrType(id)}`;
  return `${kindName(k)}${fwd} '${t.name(id)}'${size} [${id}]`;
}

/**
 * Relocates `split` (split BTF over a distilled base) onto `base`. Returns a new table over
 * `base`; `split` is not changed.
 */
export function relocateSplit(split: BtfTable, base: BtfTable): BtfTable {
  const dist = split.base;
  if (!dist) throw new RelocationError('the BTF to relocate has no distilled base');
  if (dist === base) throw new RelocationError('the BTF is already over this base');
  if (dist.base || dist.startId !== 1) throw new RelocationError('the distilled base is itself split BTF');
  const nDist = dist.endId;
  const nBase = base.endId;
  const end = split.endId;

  // the distilled base holds named INT, FLOAT, ENUM, STRUCT, UNION, FWD only
  for (let id = 1; id < nDist; id++) {
    const k = dist.kind(id);
    switch (k) {
      case Kind.INT: case Kind.FLOAT: case Kind.ENUM: case Kind.STRUCT: case Kind.UNION: case Kind.FWD:
        if (dist.nameOff(id) !== 0) break;
        throw new RelocationError(`distilled base type [${id}] ${kindName(k)} is anonymous, which a distilled base cannot hold`);
      default:
        throw new RelocationError(`distilled base type [${id}] has kind ${kindName(k)}, which a distilled base cannot hold`);
    }
  }

  const idMap = new Uint32Array(end);
  for (let id = nDist; id < end; id++) idMap[id] = id + nBase - nDist;

  // distilled types by name (all are named)
  const byName = new Map<string, number[]>();
  for (let id = 1; id < nDist; id++) {
    const n = dist.name(id);
    const l = byName.get(n);
    if (l) l.push(id);
    else byName.set(n, [id]);
  }

  // distilled structs/unions embedded by value in split structs/unions must match in size
  for (let id = nDist; id < end; id++) {
    const k = split.kind(id);
    if (k !== Kind.STRUCT && k !== Kind.UNION) continue;
    forEachIdWord(split.words, split.offs[id - nDist], (p) => {
      let next = split.words[p];
      while (next) {
        const nk = split.kind(next);
        if (nk === Kind.CONST || nk === Kind.RESTRICT || nk === Kind.VOLATILE || nk === Kind.TYPEDEF || nk === Kind.TYPE_TAG) {
          next = split.sizeOrType(next);
        } else if (nk === Kind.ARRAY) {
          next = split.extra(next, 0);
        } else {
          if ((nk === Kind.STRUCT || nk === Kind.UNION) && next < nDist) idMap[next] = EMBEDDED;
          next = 0;
        }
      }
    });
  }

  // how many base structs/unions share each name (string offset), up to 255 as libbpf counts
  const compositeNames = new Map<number, number>();
  for (let id = 1; id < nBase; id++) {
    const k = base.kind(id);
    const off = base.nameOff(id);
    if ((k !== Kind.STRUCT && k !== Kind.UNION) || off === 0) continue;
    compositeNames.set(off, Math.min(255, (compositeNames.get(off) ?? 0) + 1));
  }

  const distStrLen = dist.strEnd();
  const baseStrLen = base.strEnd();
  const strMap = new Uint32Array(distStrLen);
  for (let id = 1; id < nBase; id++) {
    const nameOff = base.nameOff(id);
    if (nameOff === 0) continue;
    const bk = base.kind(id);
    let needsSize: boolean;
    switch (bk) {
      case Kind.INT: case Kind.FLOAT: case Kind.ENUM: case Kind.ENUM64:
        needsSize = true;
        break;
      case Kind.FWD:
        needsSize = false;
        break;
      case Kind.STRUCT: case Kind.UNION:
        needsSize = (compositeNames.get(nameOff) ?? 0) > 1;
        break;
      default:
        continue;
    }
    const cands = byName.get(base.name(id));
    if (!cands) continue;
    const bsize = base.sizeOrType(id);
    for (const d of cands) {
      if (needsSize && dist.sizeOrType(d) !== bsize) continue;
      if (!compatible(dist, d, base, id, idMap[d] === EMBEDDED)) continue;
      if (idMap[d] !== 0 && idMap[d] !== EMBEDDED) {
        throw new RelocationError(`distilled base type ${label(dist, d)} matches two base types of the same size, ${label(base, idMap[d])} and ${label(base, id)}: cannot tell which`);
      }
      idMap[d] = id;
      strMap[dist.nameOff(d)] = nameOff;
    }
  }
  for (let id = 1; id < nDist; id++) {
    if (idMap[id] !== 0 && idMap[id] !== EMBEDDED) continue;
    throw new RelocationError(`distilled base type ${label(dist, id)} has no match in the base: ${whyUnmatched(dist, id, base, idMap[id] === EMBEDDED)}`);
  }

  // the relocated split types: same words, ids and string offsets rewritten
  const strings = StringTable.fromBytes(split.strings.view(), baseStrLen);
  const out = new BtfTable(base, strings, Math.max(16, split.nWords), Math.max(16, split.count));
  out.words.set(split.words.subarray(0, split.nWords));
  out.nWords = split.nWords;
  out.offs.set(split.offs.subarray(0, split.count));
  out.count = split.count;
  out.bigEndian = split.bigEndian;
  const w = out.words;
  for (let i = 0; i < out.count; i++) {
    const at = out.offs[i];
    forEachIdWord(w, at, (p) => {
      const v = w[p];
      if (v >= end) throw new RelocationError(`type [${nDist + i}] refers to type id ${v}, past the last type ${end - 1}`);
      w[p] = idMap[v];
    });
    forEachStrWord(w, at, (p) => {
      const off = w[p];
      if (off === 0) return;
      if (off >= distStrLen) {
        w[p] = off + baseStrLen - distStrLen;
        return;
      }
      const m = strMap[off];
      if (m === 0) throw new RelocationError(`type [${nDist + i}] uses string '${dist.str(off)}' (offset ${off}) of the distilled base, which is not the name of a distilled type`);
      w[p] = m;
    });
  }
  return out;
}

/** Whether base type `b` can stand for distilled type `d` (name, and size where needed, already agree). */
function compatible(dist: BtfTable, d: number, base: BtfTable, b: number, embedded: boolean): boolean {
  const dk = dist.kind(d);
  const bk = base.kind(b);
  switch (dk) {
    case Kind.FWD:
      if (bk === Kind.FWD) return dist.kflag(d) === base.kflag(b);
      if (bk === Kind.STRUCT) return base.kflag(b) === 0;
      if (bk === Kind.UNION) return base.kflag(b) !== 0;
      return false;
    case Kind.INT:
      return bk === Kind.INT && ((base.extra(b, 0) >>> 24) & 0xf) === ((dist.extra(d, 0) >>> 24) & 0xf);
    case Kind.FLOAT:
      return bk === Kind.FLOAT;
    case Kind.ENUM:
      return bk === Kind.ENUM || bk === Kind.ENUM64;
    case Kind.STRUCT: case Kind.UNION:
      // kind is not compared (as in libbpf); size is, for embedded types
      return !embedded || base.sizeOrType(b) === dist.sizeOrType(d);
    default:
      return false;
  }
}

/** Explains why distilled type `d` found no base type: what the base has under its name. */
function whyUnmatched(dist: BtfTable, d: number, base: BtfTable, embedded: boolean): string {
  const name = dist.name(d);
  const same: number[] = [];
  for (let id = 1; id < base.endId && same.length < 4; id++) {
    if (base.nameOff(id) !== 0 && base.name(id) === name) {
      const k = base.kind(id);
      if (k === Kind.INT || k === Kind.FLOAT || k === Kind.ENUM || k === Kind.ENUM64 || k === Kind.STRUCT ||
        k === Kind.UNION || k === Kind.FWD) same.push(id);
    }
  }
  if (same.length === 0) return `the base has no type named '${name}'`;
  const what = same.map((id) => label(base, id)).join(', ');
  const dk = dist.kind(d);
  if ((dk === Kind.STRUCT || dk === Kind.UNION) && embedded) {
    return `a module struct/union embeds it, so the size must match, and the base has ${what}`;
  }
  return `the base has ${what}`;
}
