/**
 * Random "compilation units" of BTF for differential testing of dedup against libbpf.
 *
 * A seeded universe of struct/union/enum definitions (few names, so several different definitions
 * share a name) is drawn once; every unit then emits the type closure of a few random roots the way
 * a compiler would: each type once per unit, structs only pointed to are often left as forward
 * declarations (FWD, or a vlen-0 enum), type order shuffled. A few compiler quirks are imitated too:
 * duplicate identical array types and duplicate anonymous structs within one unit.
 */
import { Kind } from '../../src/btf/kinds.js';
import { BtfTable } from '../../src/btf/table.js';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Spec =
  | { k: 'int'; which: number }
  | { k: 'float' }
  | { k: 'enum'; which: number }
  | { k: 'ptr'; to: number; tag: boolean }
  | { k: 'cptr'; to: number }
  | { k: 'embed'; to: number }
  | { k: 'arr'; of: Spec; n: number }
  | { k: 'fnptr'; ret: Spec; params: Spec[] }
  | { k: 'typedef'; name: string; of: Spec };

interface StructDef { name: string; union: boolean; members: { name: string; spec: Spec }[]; tagged: boolean }
interface EnumDef { name: string; e64: boolean; values: [string, number][] }

const INTS: [string, number, number][] = [['int', 4, 1], ['char', 1, 0], ['long', 8, 1], ['unsigned int', 4, 0]];
const MEMBER_NAMES = ['x', 'y', 'next', 'a', 'val', 'p'];

interface Rec {
  kind: number; name: string; kflag: number; vlen: number; sizeOrType: number | Rec;
  extra: (number | Rec | string)[]; // Rec = a type reference, string = a name
}

export interface Universe { structs: StructDef[]; enums: EnumDef[] }

/** `uniqueNames`: every struct its own name (as in a real program) instead of a few shared ones. */
export function randomUniverse(r: () => number, nStructs = 24, uniqueNames = false): Universe {
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
  const enums: EnumDef[] = [];
  for (let i = 0; i < 5; i++) {
    const name = pick(['E1', 'E2', 'E3', '']);
    const n = 1 + Math.floor(r() * 3);
    const values: [string, number][] = [];
    for (let j = 0; j < n; j++) values.push([pick(['A', 'B', 'C', 'D']) + j, Math.floor(r() * 4) - 1]);
    enums.push({ name, e64: r() < 0.25, values });
  }
  const names = ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', ''];
  const structs: StructDef[] = [];
  const leaf = (): Spec => {
    const x = r();
    if (x < 0.5) return { k: 'int', which: Math.floor(r() * INTS.length) };
    if (x < 0.6) return { k: 'float' };
    return { k: 'enum', which: Math.floor(r() * enums.length) };
  };
  for (let i = 0; i < nStructs; i++) {
    const members: { name: string; spec: Spec }[] = [];
    const n = 1 + Math.floor(r() * 4);
    for (let j = 0; j < n; j++) {
      const x = r();
      let spec: Spec;
      const to = Math.floor(r() * nStructs);
      if (x < 0.3) spec = leaf();
      else if (x < 0.55) spec = { k: 'ptr', to, tag: r() < 0.1 };
      else if (x < 0.62) spec = { k: 'cptr', to };
      else if (x < 0.72 && i > 0) spec = { k: 'embed', to: Math.floor(r() * i) };
      else if (x < 0.82) spec = { k: 'arr', of: r() < 0.5 ? leaf() : { k: 'ptr', to, tag: false }, n: 1 + Math.floor(r() * 3) };
      else if (x < 0.92) {
        const ret: Spec = r() < 0.5 ? leaf() : { k: 'ptr', to: Math.floor(r() * nStructs), tag: false };
        spec = { k: 'fnptr', ret, params: [{ k: 'ptr', to, tag: false } as Spec, leaf()].slice(0, Math.floor(r() * 3)) };
      }
      else spec = { k: 'typedef', name: pick(['t_a', 't_b']), of: r() < 0.5 ? leaf() : { k: 'ptr', to, tag: false } };
      members.push({ name: pick(MEMBER_NAMES) + j, spec });
    }
    structs.push({ name: uniqueNames ? (r() < 0.05 ? '' : `s${i}`) : pick(names), union: r() < 0.15, members, tagged: r() < 0.1 });
  }
  return { structs, enums };
}

/** One unit's BTF: the closure of `roots` (struct indices). */
export function randomUnit(u: Universe, r: () => number, roots: number[]): BtfTable {
  const recs: Rec[] = [];
  const memo = new Map<string, Rec>();
  const complete = u.structs.map(() => r() < 0.6);
  const enumFwd = u.enums.map(() => r() < 0.3);
  const add = (key: string | null, rec: Rec): Rec => {
    if (key !== null) {
      const m = memo.get(key);
      if (m) return m;
      memo.set(key, rec);
    }
    recs.push(rec);
    return rec;
  };
  const rec = (kind: number, name: string, sizeOrType: number | Rec, extra: (number | Rec | string)[] = [], vlen = 0, kflag = 0): Rec =>
    ({ kind, name, kflag, vlen, sizeOrType, extra });

  const intRec = (w: number): Rec => {
    const [name, size, signed] = INTS[w];
    return add(`i${w}`, rec(Kind.INT, name, size, [(signed << 24) | size * 8]));
  };
  const structRec = (i: number, full: boolean): Rec => {
    const d = u.structs[i];
    if (!full && d.name !== '') {
      return add(`f${d.name}${d.union}`, rec(Kind.FWD, d.name, 0, [], 0, d.union ? 1 : 0));
    }
    // duplicate anonymous structs now and then, as compilers sometimes do
    const key = d.name === '' && r() < 0.2 ? null : `s${i}`;
    if (key && memo.has(key)) return memo.get(key)!;
    const s = add(key, rec(d.union ? Kind.UNION : Kind.STRUCT, d.name, 8 * d.members.length, [], d.members.length));
    for (let j = 0; j < d.members.length; j++) {
      s.extra.push(d.members[j].name, specRec(d.members[j].spec), d.union ? 0 : 64 * j);
    }
    if (d.tagged) add(`dt${i}`, rec(Kind.DECL_TAG, 'tag', s, [-1 >>> 0]));
    return s;
  };
  const specRec = (s: Spec): Rec => {
    switch (s.k) {
      case 'int': return intRec(s.which);
      case 'float': return add('fl', rec(Kind.FLOAT, 'double', 8));
      case 'enum': {
        const e = u.enums[s.which];
        if (enumFwd[s.which] && e.name !== '') return add(`ef${e.name}`, rec(Kind.ENUM, e.name, 4));
        const ex: (number | string)[] = [];
        for (const [n, v] of e.values) e.e64 ? ex.push(n, v >>> 0, v < 0 ? 0xffffffff : 0) : ex.push(n, v >>> 0);
        return add(`e${s.which}`, rec(e.e64 ? Kind.ENUM64 : Kind.ENUM, e.name, e.e64 ? 8 : 4, ex, e.values.length, 1));
      }
      case 'ptr': {
        const t = structRec(s.to, complete[s.to]);
        const target = s.tag ? add(`tt${recs.indexOf(t)}`, rec(Kind.TYPE_TAG, 'user', t)) : t;
        return add(`p${recs.indexOf(target)}`, rec(Kind.PTR, '', target));
      }
      case 'cptr': {
        const p = specRec({ k: 'ptr', to: s.to, tag: false });
        return add(`c${recs.indexOf(p)}`, rec(Kind.CONST, '', p));
      }
      case 'embed': return structRec(s.to, true);
      case 'arr': {
        const elem = specRec(s.of);
        const idx = intRec(3);
        // duplicate identical arrays now and then, as compilers sometimes do
        return add(r() < 0.15 ? null : `a${recs.indexOf(elem)}_${s.n}`, rec(Kind.ARRAY, '', 0, [elem, idx, s.n]));
      }
      case 'fnptr': {
        const ret = specRec(s.ret);
        const ps = s.params.map(specRec);
        const ex: (Rec | string)[] = [];
        ps.forEach((p, i) => ex.push(i === 1 ? 'arg' : '', p));
        const fp = add(`fp${recs.indexOf(ret)}:${ps.map((p) => recs.indexOf(p)).join(',')}`,
          rec(Kind.FUNC_PROTO, '', ret, ex, ps.length));
        return add(`p${recs.indexOf(fp)}`, rec(Kind.PTR, '', fp));
      }
      case 'typedef': {
        const of = specRec(s.of);
        return add(`td${s.name}${recs.indexOf(of)}`, rec(Kind.TYPEDEF, s.name, of));
      }
    }
  };
  for (const i of roots) {
    const s = structRec(i, true);
    if (r() < 0.3) {
      const v = add(null, rec(Kind.VAR, `g${i}`, s, [1]));
      if (r() < 0.5) add(null, rec(Kind.DATASEC, '.bss', 0, [v, 0, 8], 1));
    }
    if (r() < 0.3) {
      const p = specRec({ k: 'ptr', to: i, tag: false });
      const fp = add(null, rec(Kind.FUNC_PROTO, '', intRec(0), ['ctx', p], 1));
      add(null, rec(Kind.FUNC, `fn${i}`, fp, [], 1));
    }
  }

  // shuffle the type order half of the time (compilers differ in order)
  const order = recs.slice();
  if (r() < 0.5) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  const idOf = new Map<Rec, number>();
  order.forEach((x, i) => idOf.set(x, i + 1));
  const t = new BtfTable();
  const val = (x: number | Rec | string): number =>
    typeof x === 'number' ? x : typeof x === 'string' ? t.addStr(x) : idOf.get(x)!;
  for (const x of order) {
    t.begin(t.addStr(x.name), x.kind, x.vlen, x.kflag, val(x.sizeOrType));
    for (const e of x.extra) t.push(val(e));
  }
  return t;
}

/** `n` units over one random universe. */
export function randomUnits(seed: number, n: number): BtfTable[] {
  const r = rng(seed);
  const u = randomUniverse(r);
  const out: BtfTable[] = [];
  for (let i = 0; i < n; i++) {
    const roots: number[] = [];
    const k = 1 + Math.floor(r() * 4);
    for (let j = 0; j < k; j++) roots.push(Math.floor(r() * u.structs.length));
    out.push(randomUnit(u, r, roots));
  }
  return out;
}
