// Relocation (btf/relocate.ts): distill -> relocate round trips on the module test objects'
// goldens, relocation onto another release of the kernel, and the errors the kernel would give.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dedup } from '../../src/btf/dedup.js';
import { diffBtf } from '../../src/btf/diff.js';
import { distillBase } from '../../src/btf/distill.js';
import { dumpBtf } from '../../src/btf/dump.js';
import { Kind } from '../../src/btf/kinds.js';
import { RelocationError, relocateSplit } from '../../src/btf/relocate.js';
import { BtfTable } from '../../src/btf/table.js';
import { validateBtf } from '../../src/btf/validate.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ROWS = ['gcc-x86_64', 'clang-x86_64', 'gcc-s390x'];
const gold = (tag: string, f: string): Buffer => fs.readFileSync(path.join(ROOT, 'testdata/module/golden', tag, f));

/** The module's split BTF (pahole 1.24's golden) distilled, as read back from its bytes. */
function distilled(tc: string): { base: BtfTable; split: BtfTable; dist: BtfTable; distSplit: BtfTable } {
  const base = BtfTable.parse(gold('pahole-1.24', `kernel.${tc}.o.btf`));
  const split = BtfTable.parse(gold('pahole-1.24', `mod.${tc}.o.btf`), base);
  const d = distillBase(split);
  const dist = BtfTable.parse(d.base.serialize(split.bigEndian));
  const distSplit = BtfTable.parse(d.split.serialize(split.bigEndian), dist);
  return { base, split, dist, distSplit };
}

describe('distill -> relocate round trip', () => {
  for (const tc of ROWS) {
    it(`mod.${tc}.o: relocated onto its kernel, deduplicated again, it is the original split BTF byte for byte`, () => {
      const { base, split, distSplit } = distilled(tc);
      const r = relocateSplit(distSplit, base);
      expect(r.startId).toBe(base.endId);
      expect(validateBtf(r)).toBeNull();
      // the moved copies of kernel types (pointers, typedefs, anonymous types) are all that differ
      expect(r.count).toBeGreaterThan(split.count);
      const again = dedup(r);
      expect(Buffer.from(again.serialize(split.bigEndian)).equals(gold('pahole-1.24', `mod.${tc}.o.btf`))).toBe(true);
      expect(diffBtf(r, split).onlyB.size).toBe(0);
    });

    it(`mod.${tc}.o: relocates onto the next kernel release (every id moved, struct device grown)`, () => {
      const { base, distSplit } = distilled(tc);
      const v2 = BtfTable.parse(gold('pahole-1.24', `kernel-v2.${tc}.o.btf`));
      const r1 = relocateSplit(distSplit, base);
      const r2 = relocateSplit(distSplit, v2);
      expect(r2.startId).toBe(v2.endId);
      expect(validateBtf(r2)).toBeNull();
      // the same types, named kernel types referred to by name and kind
      const d = diffBtf(r1, r2);
      expect([...d.onlyA.keys(), ...d.onlyB.keys()]).toEqual([]);
      // struct device is used through a pointer: the grown one is accepted
      const dev = [...Array(v2.count).keys()].map((i) => i + 1).find((id) => v2.name(id) === 'device' && v2.kind(id) === Kind.STRUCT)!;
      let refersToDev = false;
      for (let id = r2.startId; id < r2.endId; id++) if (r2.kind(id) === Kind.PTR && r2.sizeOrType(id) === dev) refersToDev = true;
      expect(refersToDev).toBe(true);
    });

    it(`mod.${tc}.o: the kernel has two 'struct ops'; the embedded one is matched by size`, () => {
      const { base, distSplit } = distilled(tc);
      const r = relocateSplit(distSplit, base);
      const ops = [];
      for (let id = 1; id < base.endId; id++) if (base.kind(id) === Kind.STRUCT && base.name(id) === 'ops') ops.push(id);
      expect(ops.length).toBe(2);
      const used = new Set<number>();
      for (let id = r.startId; id < r.endId; id++) {
        if (r.kind(id) === Kind.CONST && ops.includes(r.sizeOrType(id))) used.add(r.sizeOrType(id));
      }
      expect([...used].map((id) => base.sizeOrType(id))).toEqual([16]);
    });

    it(`mod.${tc}.o: onto a kernel whose struct kref grew, relocation fails naming struct kref`, () => {
      const { distSplit } = distilled(tc);
      const v3 = BtfTable.parse(gold('pahole-1.24', `kernel-v3.${tc}.o.btf`));
      expect(() => relocateSplit(distSplit, v3)).toThrow(RelocationError);
      expect(() => relocateSplit(distSplit, v3)).toThrow(/STRUCT 'kref' size 4 \[\d+\] has no match in the base: a module struct\/union embeds it, so the size must match, and the base has STRUCT 'kref' size 8/);
    });
  }

  it('pahole 1.31\'s distilled module relocates onto its kernel: valid, and the same types and ids as its plain split BTF', () => {
    for (const tc of ROWS) {
      const base = BtfTable.parse(gold('pahole-1.31', `kernel.${tc}.o.btf`));
      const dist = BtfTable.parse(gold('pahole-1.31', `mod.${tc}.o.dist.base`));
      const split = BtfTable.parse(gold('pahole-1.31', `mod.${tc}.o.dist.btf`), dist);
      const r = relocateSplit(split, base);
      expect(validateBtf(r)).toBeNull();
      // deduplicated again: pahole's plain split BTF, type for type and id for id (its string
      // section is laid out in another order than a re-deduplication gives)
      const plain = BtfTable.parse(gold('pahole-1.31', `mod.${tc}.o.btf`), base);
      expect(dumpBtf(dedup(r))).toBe(dumpBtf(plain));
    }
  });
});

/** Distilled base + split over it, built by hand. */
function handMade(build: (dist: BtfTable) => void, splitBuild: (split: BtfTable) => void): BtfTable {
  const dist = new BtfTable();
  build(dist);
  const split = new BtfTable(dist);
  splitBuild(split);
  return split;
}

describe('relocateSplit errors', () => {
  it('names a type the base does not have', () => {
    const split = handMade((d) => d.addComposite(Kind.STRUCT, 'nowhere', 8, []), (s) => s.addRef(Kind.PTR, '', 1));
    const base = new BtfTable();
    base.addInt('int', 4, 1);
    expect(() => relocateSplit(split, base)).toThrow("distilled base type STRUCT 'nowhere' size 8 [1] has no match in the base: the base has no type named 'nowhere'");
  });

  it('refuses two base types that match equally', () => {
    const split = handMade((d) => d.addComposite(Kind.STRUCT, 'twin', 8, []), (s) => s.addComposite(Kind.STRUCT, 'user', 8, [{ name: 't', type: 1, bitOffset: 0 }]));
    const base = new BtfTable();
    const int = base.addInt('int', 4, 1);
    base.addComposite(Kind.STRUCT, 'twin', 8, [{ name: 'a', type: int, bitOffset: 0 }]);
    base.addComposite(Kind.STRUCT, 'twin', 8, [{ name: 'b', type: int, bitOffset: 0 }]);
    expect(() => relocateSplit(split, base)).toThrow(/matches two base types of the same size/);
  });

  it('matches INT by name, size and encoding, ENUM with ENUM64, FWD by flavour', () => {
    const split = handMade((d) => {
      d.addInt('int', 4, 1);
      d.addEnum('caps', 8, false, []);
      d.addRef(Kind.FWD, 'u', 0, 1);
    }, (s) => {
      s.addRef(Kind.PTR, '', 1);
      s.addRef(Kind.PTR, '', 2);
      s.addRef(Kind.PTR, '', 3);
    });
    const base = new BtfTable();
    base.addInt('int', 4, 0); // wrong encoding: not a match
    const int = base.addInt('int', 4, 1);
    const e = base.begin(base.addStr('caps'), Kind.ENUM64, 0, 0, 8);
    base.addRef(Kind.FWD, 'u', 0, 0); // a struct FWD does not stand for a union FWD
    const u = base.addRef(Kind.FWD, 'u', 0, 1);
    const r = relocateSplit(split, base);
    expect([r.sizeOrType(r.startId), r.sizeOrType(r.startId + 1), r.sizeOrType(r.startId + 2)]).toEqual([int, e, u]);
  });

  it('refuses a distilled base that holds something else than named int/float/enum/struct/union/fwd', () => {
    const split = handMade((d) => d.addRef(Kind.TYPEDEF, 't', 0), (s) => s.addRef(Kind.PTR, '', 1));
    expect(() => relocateSplit(split, new BtfTable())).toThrow(/kind TYPEDEF/);
  });

  it('shifts split string offsets past the new base\'s strings and maps names of distilled types', () => {
    const split = handMade((d) => d.addInt('int', 4, 1), (s) => s.addComposite(Kind.STRUCT, 'mine', 4, [{ name: 'int', type: 1, bitOffset: 0 }]));
    const base = new BtfTable();
    base.addInt('long', 8, 1);
    base.addInt('int', 4, 1);
    const r = relocateSplit(split, base);
    expect(r.name(r.startId)).toBe('mine');
    expect(r.str(r.extra(r.startId, 0))).toBe('int');
    expect(r.extra(r.startId, 0)).toBe(base.findStr('int'));
    expect(r.extra(r.startId, 1)).toBe(2);
  });
});
