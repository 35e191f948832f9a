import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedup } from '../../src/btf/dedup.js';
import { InputError } from '../../src/errors.js';
import { Kind, extraWords, infoKind, infoVlen } from '../../src/btf/kinds.js';
import { StringTable } from '../../src/btf/strings.js';
import { BtfTable } from '../../src/btf/table.js';
import { DedupOracle, availableFlavours, btfOf, type BtfFlavour } from '../oracles/libbpf.js';
import { randomUnits, rng } from '../oracles/random-btf.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = join(root, 'testdata/dedup');
const VMLINUX = '/sys/kernel/btf/vmlinux';

/** Text form of a table's own types, one line per type: `[id] KIND name words...`. */
function dump(t: BtfTable): string[] {
  const out: string[] = [];
  for (let id = t.startId; id < t.endId; id++) {
    const at = t.at(id), info = t.words[at + 1];
    const n = 3 + extraWords(infoKind(info), infoVlen(info));
    out.push(`[${id}] ${infoKind(info)} '${t.name(id)}' ${Array.from(t.words.subarray(at + 1, at + n)).join(' ')}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Behaviour on small hand-built tables (no libbpf needed)
// ---------------------------------------------------------------------------------------------

/** Builds `struct <name> { int a; struct <name> *next; }` (+ int, pointer); returns the struct id. */
function addList(t: BtfTable, name: string): number {
  const int = t.addInt('int', 4, 1);
  const s = t.begin(t.addStr(name), Kind.STRUCT, 2, 0, 16);
  t.push(t.addStr('a')); t.push(int); t.push(0);
  t.push(t.addStr('next')); t.push(s + 1); t.push(64);
  t.addRef(Kind.PTR, '', s);
  return s;
}

describe('dedup (hand-built tables)', () => {
  it('merges identical type graphs of two units', () => {
    const t = new BtfTable();
    addList(t, 'node');
    addList(t, 'node');
    expect(t.count).toBe(6);
    const d = dedup(t);
    expect(d.count).toBe(3);
    expect(dump(d)).toEqual([
      "[1] 1 'int' 16777216 4 16777248",
      "[2] 4 'node' 67108866 16 " + [t.findStr('a'), 1, 0, t.findStr('next'), 3, 64].join(' '),
      "[3] 2 '' 33554432 2",
    ]);
    // the input is left as it was
    expect(t.count).toBe(6);
  });

  it('resolves a forward declaration to the unique struct of that name', () => {
    const t = new BtfTable();
    const s = addList(t, 'foo');
    const fwd = t.addRef(Kind.FWD, 'foo', 0);
    const p = t.addRef(Kind.PTR, '', fwd);
    t.begin(t.addStr('gp'), Kind.VAR, 0, 0, p); t.push(1);
    const d = dedup(t);
    // FWD and its pointer merge into struct foo and its pointer
    expect(d.count).toBe(4);
    expect(d.kind(4)).toBe(Kind.VAR);
    expect(d.sizeOrType(4)).toBe(s + 1);
  });

  it('keeps a forward declaration whose name is ambiguous, or of the other kind', () => {
    const t = new BtfTable();
    addList(t, 'amb');
    const int = t.addInt('int', 4, 1);
    t.addComposite(Kind.STRUCT, 'amb', 4, [{ name: 'other', type: int, bitOffset: 0 }]);
    const fwd = t.addRef(Kind.FWD, 'amb', 0);
    t.addRef(Kind.PTR, '', fwd);
    const ufwd = t.addRef(Kind.FWD, 'amb', 0, 1); // union amb: no union of that name
    t.addRef(Kind.PTR, '', ufwd);
    const d = dedup(t);
    const kinds = [];
    for (let id = 1; id < d.endId; id++) kinds.push(d.kind(id));
    expect(kinds).toEqual([Kind.INT, Kind.STRUCT, Kind.PTR, Kind.STRUCT, Kind.FWD, Kind.PTR, Kind.FWD, Kind.PTR]);
  });

  it('maps split types onto equal base types and renumbers the rest', () => {
    const base = dedup((() => { const b = new BtfTable(); addList(b, 'node'); return b; })());
    const t = new BtfTable(base);
    expect(t.startId).toBe(4);
    addList(t, 'node'); // 4..6: all duplicates of base types
    const int = t.addInt('int', 4, 1); // 7: duplicate
    const arr = t.addArray(int, int, 3); // 8: new, refers to a duplicate
    const d = dedup(t);
    expect(d.base).toBe(base);
    expect(d.startId).toBe(4);
    expect(d.count).toBe(1);
    expect(dump(d)).toEqual([`[4] 3 '' 50331648 0 1 1 3`]);
    expect(arr).toBe(8);
  });

  it('rebuilds the string section only when asked (or when it may hold duplicates)', () => {
    // a raw table whose strings hold duplicates and an unreferenced string
    const strs = new TextEncoder().encode('\0unused\0int\0int\0x\0');
    const t = new BtfTable(null, StringTable.fromBytes(strs));
    t.begin(12, Kind.INT, 0, 0, 4); t.push(0x01000020); // int (second copy)
    t.begin(8, Kind.INT, 0, 0, 4); t.push(0x01000020); // int (first copy)
    t.begin(16, Kind.TYPEDEF, 0, 0, 2);
    const kept = dedup(t, { strings: 'keep' });
    expect(kept.count).toBe(3); // different name offsets: not equal
    expect(kept.strings.view()).toEqual(strs);
    const deduped = dedup(t); // 'auto': adopted bytes may hold duplicates
    expect(deduped.count).toBe(2);
    expect(new TextDecoder().decode(deduped.strings.view())).toBe('\0int\0x\0');
    expect(dump(deduped)).toEqual(["[1] 1 'int' 16777216 4 16777248", "[2] 8 'x' 134217728 1"]);
  });

  it('rejects dangling type ids and reference loops', () => {
    const t = new BtfTable();
    t.addRef(Kind.PTR, '', 5);
    expect(() => dedup(t)).toThrow(InputError);
    const l = new BtfTable();
    l.addRef(Kind.TYPEDEF, 'a', 2);
    l.addRef(Kind.TYPEDEF, 'b', 1);
    expect(() => dedup(l)).toThrow(/loop/);
  });
});

// ---------------------------------------------------------------------------------------------
// Byte-for-byte comparison with libbpf's btf__dedup
// ---------------------------------------------------------------------------------------------

const built = DedupOracle.build();
const oracle = typeof built === 'string' ? null : built;
if (!oracle) console.warn(`skipping libbpf comparison tests: ${built}`);

const stats = { compared: 0, matched: 0, types: 0 };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Asserts that our result serializes to exactly libbpf's bytes (explaining the first difference). */
function expectSame(label: string, ours: BtfTable, lib: Uint8Array, base: BtfTable | null): void {
  stats.compared++;
  const same = sameBytes(ours.serialize(), lib);
  expect(same, same ? label : `${label}: ${explain(ours, lib, base)}`).toBe(true);
  stats.matched++;
}

/** Explains the first difference between our result and libbpf's. */
function explain(ours: BtfTable, theirs: Uint8Array, base: BtfTable | null): string {
  const lib = BtfTable.parse(theirs, base);
  if (ours.count !== lib.count) {
    const a = dump(ours), b = dump(lib);
    const i = a.findIndex((x, k) => x !== b[k]);
    return `type count ${ours.count} vs libbpf ${lib.count}; first different type:\n  ours   ${a[i]}\n  libbpf ${b[i]}`;
  }
  const a = dump(ours), b = dump(lib);
  const i = a.findIndex((x, k) => x !== b[k]);
  if (i >= 0) return `first different type:\n  ours   ${a[i]}\n  libbpf ${b[i]}`;
  return `string sections differ (${ours.strings.len} vs ${lib.strings.len} bytes)`;
}

/**
 * Appends standalone raw BTF files in libbpf (split over `basePath` if given), dedups with libbpf
 * and with us, and compares the raw bytes: once as pahole does it (BTF built from scratch, no string
 * pass) and once from raw bytes (string pass included).
 */
function compare(label: string, inputs: string[], basePath?: string): void {
  const o = oracle!;
  const base = basePath ? BtfTable.parse(readFileSync(basePath)) : null;
  const concat = o.run('concat', inputs, basePath);
  const lib = o.run('dedup', inputs, basePath).bytes;
  const t = BtfTable.parse(concat.bytes, base);
  stats.types += t.count;
  expectSame(`${label} (from scratch)`, dedup(t, { strings: 'keep' }), lib, base);
  const libRaw = o.run('raw-dedup', [concat.path], basePath).bytes;
  // 'auto': strings parsed from bytes may repeat => string pass, as libbpf does for parsed BTF
  expectSame(`${label} (raw)`, dedup(BtfTable.parse(concat.bytes, base)), libRaw, base);
}

/**
 * Concatenates tables naively (string sections appended whole, so strings repeat and some are
 * unreferenced), as raw split-or-base BTF: exercises libbpf's string pass on duplicates.
 */
function naiveConcat(tables: BtfTable[], base: BtfTable | null): Uint8Array {
  const enc = new TextEncoder();
  const junk = enc.encode(base ? 'junk\0int\0' : '\0junk\0int\0');
  const parts: Uint8Array[] = [junk];
  let strLen = junk.length;
  const strStart = base ? base.strEnd() : 0;
  const out = new BtfTable(base, StringTable.fromBytes(new Uint8Array(0), strStart));
  let idShift = out.startId - 1;
  for (const t of tables) {
    const sShift = strStart + strLen;
    const str = (off: number) => (off === 0 ? 0 : off + sShift);
    const ty = (id: number) => (id === 0 ? 0 : id + idShift);
    for (let id = 1; id < t.endId; id++) {
      const at = t.at(id), info = t.words[at + 1], kind = infoKind(info), vlen = infoVlen(info);
      const w = Array.from(t.words.subarray(at, at + 3 + extraWords(kind, vlen)));
      w[0] = str(w[0]);
      switch (kind) {
        case Kind.PTR: case Kind.TYPEDEF: case Kind.VOLATILE: case Kind.CONST: case Kind.RESTRICT:
        case Kind.FUNC: case Kind.VAR: case Kind.DECL_TAG: case Kind.TYPE_TAG: case Kind.FWD:
          w[2] = ty(w[2]); break;
        case Kind.ARRAY: w[3] = ty(w[3]); w[4] = ty(w[4]); break;
        case Kind.STRUCT: case Kind.UNION:
          for (let i = 0; i < vlen; i++) { w[3 + 3 * i] = str(w[3 + 3 * i]); w[4 + 3 * i] = ty(w[4 + 3 * i]); }
          break;
        case Kind.ENUM: for (let i = 0; i < vlen; i++) w[3 + 2 * i] = str(w[3 + 2 * i]); break;
        case Kind.ENUM64: for (let i = 0; i < vlen; i++) w[3 + 3 * i] = str(w[3 + 3 * i]); break;
        case Kind.FUNC_PROTO:
          w[2] = ty(w[2]);
          for (let i = 0; i < vlen; i++) { w[3 + 2 * i] = str(w[3 + 2 * i]); w[4 + 2 * i] = ty(w[4 + 2 * i]); }
          break;
        case Kind.DATASEC: for (let i = 0; i < vlen; i++) w[3 + 3 * i] = ty(w[3 + 3 * i]); break;
        default: break;
      }
      out.begin(w[0], kind, vlen, 0, w[2]);
      out.words[out.nWords - 2] = w[1];
      for (let i = 3; i < w.length; i++) out.push(w[i]);
    }
    idShift += t.count;
    parts.push(t.strings.view());
    strLen += t.strings.len;
  }
  const strs = new Uint8Array(strLen);
  let p = 0;
  for (const x of parts) { strs.set(x, p); p += x.length; }
  out.strings = StringTable.fromBytes(strs, strStart);
  return out.serialize();
}

function compareRaw(label: string, raw: Uint8Array, basePath?: string): void {
  const o = oracle!;
  const base = basePath ? BtfTable.parse(readFileSync(basePath)) : null;
  const lib = o.run('raw-dedup', [o.write('naive.btf', raw)], basePath).bytes;
  const t = BtfTable.parse(raw, base);
  stats.types += t.count;
  expectSame(label, dedup(t), lib, base);
}

function shuffled<T>(a: T[], seed: number): T[] {
  const r = rng(seed);
  const b = a.slice();
  for (let i = b.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [b[i], b[j]] = [b[j], b[i]];
  }
  return b;
}

describe.skipIf(!oracle)('dedup matches libbpf btf__dedup byte for byte', () => {
  /** Raw BTF of every testdata unit in every available flavour. */
  const objs: { name: string; flavour: BtfFlavour; path: string }[] = [];

  beforeAll(() => {
    const sources = readdirSync(dataDir).filter((f) => f.endsWith('.c')).sort();
    for (const flavour of availableFlavours()) {
      for (const f of sources) {
        // tags*.c use clang-only attributes; BPF-target clang has no host C library headers
        if (f.startsWith('tags') && flavour !== 'clang') continue;
        if (f.startsWith('sys_') && flavour === 'clang') continue;
        try {
          objs.push({ name: `${flavour}:${f}`, flavour, path: btfOf(flavour, join(dataDir, f), oracle!.dir) });
        } catch (e) {
          console.warn(`skipping ${flavour}:${f}: ${(e as Error).message}`);
        }
      }
    }
  });

  afterAll(() => {
    console.log(`libbpf dedup comparisons: ${stats.matched}/${stats.compared} byte-identical (${stats.types} input types)`);
    oracle?.cleanup();
  });

  it('each unit alone', () => {
    if (objs.length === 0) console.warn('no BTF producer (gcc -gbtf, clang -target bpf, pahole) found: testdata units skipped');
    for (const o of objs) compare(o.name, [o.path]);
  });

  it('all units together, in several orders', () => {
    const paths = objs.map((o) => o.path);
    if (paths.length === 0) return;
    compare('all, in order', paths);
    compare('all, reversed', paths.slice().reverse());
    for (let s = 1; s <= 4; s++) compare(`all, shuffle ${s}`, shuffled(paths, s));
    for (const f of availableFlavours()) compare(`all ${f}`, objs.filter((o) => o.flavour === f).map((o) => o.path));
  });

  it('split BTF over a deduplicated base', () => {
    const paths = objs.map((o) => o.path);
    if (paths.length < 2) return;
    const inBase = paths.filter((_, i) => i % 3 === 0);
    const basePath = oracle!.run('dedup', inBase).path;
    compare('split, rest', paths.filter((_, i) => i % 3 !== 0), basePath);
    compare('split, all', paths, basePath);
    compare('split, all shuffled', shuffled(paths, 7), basePath);
  });

  it('string pass over repeated and unreferenced strings', () => {
    if (objs.length < 2) return;
    const tables = objs.map((o) => BtfTable.parse(readFileSync(o.path)));
    compareRaw('naive concat', naiveConcat(tables, null));
    compareRaw('naive concat, shuffled', naiveConcat(shuffled(tables, 3), null));
    const basePath = oracle!.run('dedup', objs.filter((_, i) => i % 2 === 0).map((o) => o.path)).path;
    compareRaw('naive concat, split', naiveConcat(tables, BtfTable.parse(readFileSync(basePath))), basePath);
  });

  it('random units (FWD/enum resolution, cycles, quirks, order-dependent choices)', () => {
    // DEDUP_FUZZ_SEEDS=n runs more (e.g. 5000 for a long hunt)
    const seeds = Number(process.env.DEDUP_FUZZ_SEEDS ?? 200);
    for (let seed = 1; seed <= seeds; seed++) {
      const units = randomUnits(seed, 4 + (seed % 9));
      const paths = units.map((u, i) => oracle!.write(`rnd${seed}-${i}.btf`, u.serialize()));
      compare(`random seed ${seed}`, paths);
      if (seed % 3 === 0) {
        const basePath = oracle!.run('dedup', paths.slice(0, paths.length >> 1)).path;
        compare(`random seed ${seed}, split`, paths.slice(paths.length >> 2), basePath);
      }
      if (seed % 5 === 0) compareRaw(`random seed ${seed}, naive`, naiveConcat(units, null));
    }
  });

  // DEDUP_PAHOLE_ELF=/path/vmlinux[:module.ko...] (ELF files with DWARF): pahole's own input to
  // btf__dedup, captured with an LD_PRELOAD shim, must dedup to exactly pahole's output. Modules are
  // encoded as split BTF over the first file's BTF. Slow (pahole on a vmlinux: ~20 s), so opt-in.
  const paholeElfs = (process.env.DEDUP_PAHOLE_ELF ?? '').split(':').filter(Boolean);
  it.skipIf(paholeElfs.length === 0 || !availableFlavours().includes('pahole'))('pahole\'s own dedup input (DEDUP_PAHOLE_ELF)', { timeout: 1_800_000 }, () => {
    const o = oracle!;
    const first = o.pahole(paholeElfs[0]);
    const base = BtfTable.parse(readFileSync(first.pahole));
    const check = (label: string, predup: Uint8Array, expectedPath: string, over: BtfTable | null) => {
      const t = BtfTable.parse(predup, over);
      stats.types += t.count;
      // pahole builds its BTF from scratch: libbpf skips the string pass ('auto' would not know)
      expectSame(label, dedup(t, { strings: 'keep' }), new Uint8Array(readFileSync(expectedPath)), over);
    };
    check(paholeElfs[0], first.predup, first.pahole, null);
    for (const ko of paholeElfs.slice(1)) {
      const m = o.pahole(ko, first.pahole);
      check(ko, m.predup, m.pahole, base);
    }
  });

  it.skipIf(!existsSync(VMLINUX))('the running kernel\'s BTF: with itself, and as a base', () => {
    const vm = oracle!.write('vmlinux.btf', new Uint8Array(readFileSync(VMLINUX)));
    compare('vmlinux x2', [vm, vm]);
    compare('split over vmlinux', [vm, ...objs.map((o) => o.path)], vm);
  });
});
