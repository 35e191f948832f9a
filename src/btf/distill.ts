/**
 * The distilled base of a split BTF (what pahole ≥ 1.28 writes as `.BTF.base` with
 * `--btf_features=distilled_base`), reproducing libbpf's btf__distill_base exactly: the same
 * types in the same order, the same string sections, byte for byte.
 *
 * A module's split BTF refers to vmlinux types by id, which ties it to one vmlinux build. The
 * distilled base replaces that dependency by a description of just what the module refers to, so
 * that the kernel can re-attach ("relocate", see relocate.ts) the module's BTF to whatever vmlinux
 * BTF it runs with:
 *
 *  - the base types the split types reference are collected, following references transitively,
 *    except into named structs and unions (only their name and size matter);
 *  - named INT, FLOAT and FWD types go to the new base as they are; named STRUCT/UNION go as
 *    memberless types of the same name, kind and size; named ENUM/ENUM64 as a memberless ENUM of
 *    the same name and size — all in base id order;
 *  - everything else that was referenced (pointers, typedefs, qualifiers, arrays, prototypes,
 *    type tags, anonymous structs, unions and enums) is copied into the new split BTF, after the
 *    module's own types, in base id order;
 *  - ids are renumbered: base references to the new base's or the moved types' ids, split ids
 *    shifted down by how much smaller the new base is;
 *  - strings are re-added type by type (name first, then member, enumerator or parameter names):
 *    the new base's to its own string section, the split's to the split's unless the new base
 *    already holds them.
 *
 * Only split BTF over a base can be distilled; a base type of another kind (FUNC, VAR, DATASEC,
 * DECL_TAG) referenced from the split part is an error, as in libbpf.
 */
import { InputError } from '../errors.js';
import { forEachIdWord, forEachStrWord } from './fields.js';
import { Kind, KIND_NAMES } from './kinds.js';
import { BtfTable } from './table.js';

export interface DistilledBtf {
  /** The distilled base (`.BTF.base`): a base BTF, ids from 1. */
  base: BtfTable;
  /** The split BTF over `base` (`.BTF`). */
  split: BtfTable;
}

/** Copies strings of `src` (any level of its base chain) into `dst`, remembering each offset. */
class StringCopier {
  private done = new Map<number, number>();
  constructor(private readonly src: BtfTable) {}

  copy(dst: BtfTable, off: number): number {
    if (off === 0) return 0;
    // libbpf keeps one offset map for both destinations; the result is the same either way, as a
    // string the new base holds is found there when added to the split
    const hit = this.done.get(off);
    if (hit !== undefined) return hit;
    let t: BtfTable = this.src;
    while (off < t.strings.start && t.base) t = t.base;
    const st = t.strings;
    if (off < st.start || off >= st.start + st.len) throw new InputError(`string offset ${off} out of range`);
    const r = dst.addStrBytes(st.bytes, off - st.start, st.endOf(off));
    this.done.set(off, r);
    return r;
  }
}

/** Appends a copy of type `id` of `src` to `dst`, its strings re-added to `dst`. */
function copyType(dst: BtfTable, src: BtfTable, id: number, strs: StringCopier): number {
  const nid = dst.copyRaw(src, id);
  const at = dst.offs[nid - dst.startId];
  forEachStrWord(dst.words, at, (p) => {
    dst.words[p] = strs.copy(dst, dst.words[p]);
  });
  return nid;
}

function describe(t: BtfTable, id: number): string {
  const name = t.nameOff(id) === 0 ? '(anon)' : `'${t.name(id)}'`;
  return `[${id}] ${KIND_NAMES[t.kind(id)] ?? 'UNKNOWN'} ${name}`;
}

const isPow2Upto8 = (n: number): boolean => n > 0 && n <= 8 && (n & (n - 1)) === 0;

/** Splits `split` (split BTF over a base) into a distilled base and a split BTF over it. */
export function distillBase(split: BtfTable): DistilledBtf {
  const oldBase = split.base;
  if (!oldBase) throw new InputError('a distilled base can only be made for split BTF (encode with --btf_base)');
  const splitStart = split.startId;
  const end = split.endId;
  /**
   * For base ids: 0 = not referenced; else first the id itself (referenced), then its id in the
   * new base or the new split once placed.
   */
  const idMap = new Int32Array(end);

  // 1. the base types the split types need, transitively (but not into named structs/unions)
  const stack: number[] = [];
  const need = (ref: number, from: number): void => {
    if (ref === 0 || ref >= splitStart || idMap[ref] > 0) return;
    const kind = oldBase.kind(ref);
    switch (kind) {
      case Kind.INT: case Kind.FLOAT: case Kind.FWD: case Kind.ARRAY: case Kind.STRUCT: case Kind.UNION:
      case Kind.TYPEDEF: case Kind.ENUM: case Kind.ENUM64: case Kind.PTR: case Kind.CONST: case Kind.RESTRICT:
      case Kind.VOLATILE: case Kind.FUNC_PROTO: case Kind.TYPE_TAG:
        break;
      default:
        throw new InputError(`cannot distill the base: ${describe(split, from)} refers to base type ${describe(oldBase, ref)}, a kind a distilled base cannot hold`);
    }
    idMap[ref] = ref;
    if ((kind === Kind.STRUCT || kind === Kind.UNION) && oldBase.nameOff(ref) !== 0) return;
    stack.push(ref);
  };
  for (let id = splitStart; id < end; id++) {
    forEachIdWord(split.words, split.offs[id - splitStart], (p) => need(split.words[p], id));
    while (stack.length > 0) {
      const b = stack.pop() as number;
      const owner = oldBase.owner(b);
      forEachIdWord(owner.words, owner.offs[b - owner.startId], (p) => need(owner.words[p], b));
    }
  }

  const strs = new StringCopier(split);

  // 2. the new base: named INT/FLOAT/FWD as they are, named STRUCT/UNION/ENUM/ENUM64 memberless
  const base = new BtfTable(null);
  for (let id = 1; id < splitStart; id++) {
    if (idMap[id] === 0) continue;
    const kind = oldBase.kind(id);
    const nameOff = oldBase.nameOff(id);
    let nid: number;
    switch (kind) {
      case Kind.INT: case Kind.FLOAT: case Kind.FWD:
        nid = copyType(base, oldBase, id, strs);
        break;
      case Kind.STRUCT: case Kind.UNION:
        if (nameOff === 0) continue;
        nid = base.begin(strs.copy(base, nameOff), kind, 0, 0, oldBase.sizeOrType(id));
        break;
      case Kind.ENUM: case Kind.ENUM64: {
        if (nameOff === 0) continue;
        const size = oldBase.sizeOrType(id);
        if (!isPow2Upto8(size)) throw new InputError(`cannot distill the base: base type ${describe(oldBase, id)} has size ${size}, not 1, 2, 4 or 8`);
        nid = base.begin(strs.copy(base, nameOff), Kind.ENUM, 0, 0, size);
        break;
      }
      default:
        continue;
    }
    idMap[id] = nid;
  }

  // 3. the new split: the split types, then the referenced base types the new base does not hold
  const out = new BtfTable(base, undefined, Math.max(16, split.nWords + 64), Math.max(16, split.count + 16));
  for (let id = splitStart; id < end; id++) copyType(out, split, id, strs);
  for (let id = 1; id < splitStart; id++) {
    if (idMap[id] === 0) continue;
    const kind = oldBase.kind(id);
    switch (kind) {
      case Kind.INT: case Kind.FLOAT: case Kind.FWD:
        continue;
      case Kind.STRUCT: case Kind.UNION: case Kind.ENUM: case Kind.ENUM64:
        if (oldBase.nameOff(id) !== 0) continue;
        break;
      default:
        break;
    }
    idMap[id] = copyType(out, oldBase, id, strs);
  }

  // 4. renumber: base references through idMap, split references shifted down
  const diff = splitStart - base.endId;
  const w = out.words;
  for (let i = 0; i < out.count; i++) {
    forEachIdWord(w, out.offs[i], (p) => {
      const v = w[p];
      if (idMap[v]) w[p] = idMap[v];
      else if (v >= splitStart) w[p] = v - diff;
    });
  }
  base.bigEndian = split.bigEndian;
  out.bigEndian = split.bigEndian;
  return { base, split: out };
}
