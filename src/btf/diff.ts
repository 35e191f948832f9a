import { KIND_NAMES, Kind } from './kinds.js';
import type { BtfTable } from './table.js';

/**
 * Structural comparison of two BTFs, independent of type ids: every type gets a key that spells
 * out its kind, name, size and trailing data, with referenced types spelled out recursively —
 * except named structs, unions, enums and typedefs, which are referred to by kind and name (that
 * is what makes a key finite for recursive types, and what dedup treats as identity anyway).
 * The two BTFs are then compared as multisets of keys.
 */
export class TypeKeys {
  private memo = new Map<number, string>();
  constructor(private t: BtfTable) {}

  key(id: number, depth = 0): string {
    if (id === 0) return 'void';
    const hit = this.memo.get(id);
    if (hit !== undefined) return hit;
    const t = this.t;
    const kind = t.kind(id);
    const name = t.name(id);
    if (depth > 0 && name && (kind === Kind.STRUCT || kind === Kind.UNION || kind === Kind.ENUM || kind === Kind.ENUM64 || kind === Kind.TYPEDEF || kind === Kind.FWD)) {
      const fwd = kind === Kind.FWD ? (t.kflag(id) ? 'union' : 'struct') : KIND_NAMES[kind].toLowerCase();
      return `${fwd} ${name}`;
    }
    if (depth > 64) return `<deep ${KIND_NAMES[kind]} ${name}>`;
    const ref = (x: number): string => this.key(x, depth + 1);
    const vlen = t.vlen(id);
    const so = t.sizeOrType(id);
    const ex = (i: number): number => t.extra(id, i);
    let k: string;
    switch (kind) {
      case Kind.INT: k = `INT '${name}' size=${so} enc=${ex(0) >>> 24} off=${(ex(0) >> 16) & 0xff} bits=${ex(0) & 0xff}`; break;
      case Kind.FLOAT: k = `FLOAT '${name}' size=${so}`; break;
      case Kind.PTR: case Kind.CONST: case Kind.VOLATILE: case Kind.RESTRICT:
        k = `${KIND_NAMES[kind]}(${ref(so)})`; break;
      case Kind.TYPEDEF: case Kind.TYPE_TAG:
        k = `${KIND_NAMES[kind]} '${name}' (${ref(so)})`; break;
      case Kind.ARRAY: k = `ARRAY ${ref(ex(0))}[${ex(2)}] index ${ref(ex(1))}`; break;
      case Kind.FWD: k = `FWD ${t.kflag(id) ? 'union' : 'struct'} '${name}'`; break;
      case Kind.STRUCT: case Kind.UNION: {
        const m: string[] = [];
        for (let i = 0; i < vlen; i++) {
          m.push(`${t.str(ex(i * 3))}:${ref(ex(i * 3 + 1))}@${ex(i * 3 + 2)}`);
        }
        k = `${KIND_NAMES[kind]} '${name}' size=${so} kflag=${t.kflag(id)} {${m.join('; ')}}`;
        break;
      }
      case Kind.ENUM: {
        const v: string[] = [];
        for (let i = 0; i < vlen; i++) v.push(`${t.str(ex(i * 2))}=${ex(i * 2 + 1)}`);
        k = `ENUM '${name}' size=${so} kflag=${t.kflag(id)} {${v.join(',')}}`;
        break;
      }
      case Kind.ENUM64: {
        const v: string[] = [];
        for (let i = 0; i < vlen; i++) v.push(`${t.str(ex(i * 3))}=${ex(i * 3 + 2)}:${ex(i * 3 + 1)}`);
        k = `ENUM64 '${name}' size=${so} kflag=${t.kflag(id)} {${v.join(',')}}`;
        break;
      }
      case Kind.FUNC_PROTO: {
        const p: string[] = [];
        for (let i = 0; i < vlen; i++) p.push(`${t.str(ex(i * 2))}:${ref(ex(i * 2 + 1))}`);
        k = `FUNC_PROTO ${ref(so)}(${p.join(', ')})`;
        break;
      }
      case Kind.FUNC: k = `FUNC '${name}' linkage=${vlen} ${ref(so)}`; break;
      case Kind.VAR: k = `VAR '${name}' linkage=${ex(0)} ${ref(so)}`; break;
      case Kind.DATASEC: {
        const e: string[] = [];
        for (let i = 0; i < vlen; i++) e.push(`${ref(ex(i * 3))}@${ex(i * 3 + 1)}+${ex(i * 3 + 2)}`);
        k = `DATASEC '${name}' size=${so} {${e.join('; ')}}`;
        break;
      }
      case Kind.DECL_TAG: k = `DECL_TAG '${name}' on ${this.key(so, 0)} component=${ex(0) | 0}`; break;
      default: k = `${KIND_NAMES[kind] ?? kind} '${name}'`;
    }
    if (depth === 0) this.memo.set(id, k);
    return k;
  }
}

/** Whether a kind is a data type (not a function, variable, data section or declaration tag). */
export function isDataKind(kind: number): boolean {
  return kind !== Kind.FUNC && kind !== Kind.VAR && kind !== Kind.DATASEC && kind !== Kind.DECL_TAG;
}

/**
 * The data types of `t`: every type that is not a FUNC, VAR, DATASEC, DECL_TAG or FUNC_PROTO,
 * plus the FUNC_PROTOs such types reference (function pointers) — not the prototypes that only
 * functions use. Returned as a mask indexed by id - startId.
 */
export function dataTypes(t: BtfTable): Uint8Array {
  const n = t.count;
  const mask = new Uint8Array(n);
  const stack: number[] = [];
  const visit = (id: number): void => {
    if (id < t.startId || id >= t.endId) return;
    if (mask[id - t.startId]) return;
    mask[id - t.startId] = 1;
    stack.push(id);
  };
  for (let id = t.startId; id < t.endId; id++) {
    const k = t.kind(id);
    if (isDataKind(k) && k !== Kind.FUNC_PROTO) visit(id);
  }
  while (stack.length) {
    const id = stack.pop()!;
    const k = t.kind(id);
    const vlen = t.vlen(id);
    switch (k) {
      case Kind.PTR: case Kind.CONST: case Kind.VOLATILE: case Kind.RESTRICT: case Kind.TYPEDEF: case Kind.TYPE_TAG:
        visit(t.sizeOrType(id)); break;
      case Kind.ARRAY: visit(t.extra(id, 0)); visit(t.extra(id, 1)); break;
      case Kind.STRUCT: case Kind.UNION: for (let i = 0; i < vlen; i++) visit(t.extra(id, i * 3 + 1)); break;
      case Kind.FUNC_PROTO:
        visit(t.sizeOrType(id));
        for (let i = 0; i < vlen; i++) visit(t.extra(id, i * 2 + 1));
        break;
    }
  }
  return mask;
}

export interface BtfDiff {
  /** Keys present in A more often than in B, with the surplus count. */
  onlyA: Map<string, number>;
  onlyB: Map<string, number>;
  countA: number;
  countB: number;
  /** Types of A whose key B also has (as a multiset). */
  common: number;
}

/** Compares the types of `a` and `b` (only their data types with `dataOnly`) as multisets of keys. */
export function diffBtf(a: BtfTable, b: BtfTable, dataOnly = false): BtfDiff {
  const count = (t: BtfTable): Map<string, number> => {
    const keys = new TypeKeys(t);
    const m = new Map<string, number>();
    const data = dataOnly ? dataTypes(t) : null;
    for (let id = t.startId; id < t.endId; id++) {
      if (data && !data[id - t.startId]) continue;
      const k = keys.key(id);
      m.set(k, (m.get(k) ?? 0) + 1);
    }
    return m;
  };
  const ma = count(a), mb = count(b);
  const onlyA = new Map<string, number>(), onlyB = new Map<string, number>();
  let common = 0, countA = 0, countB = 0;
  for (const [k, n] of ma) {
    countA += n;
    const m = mb.get(k) ?? 0;
    common += Math.min(n, m);
    if (n > m) onlyA.set(k, n - m);
  }
  for (const [k, n] of mb) {
    countB += n;
    const m = ma.get(k) ?? 0;
    if (n > m) onlyB.set(k, n - m);
  }
  return { onlyA, onlyB, countA, countB, common };
}
