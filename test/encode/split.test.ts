// Split BTF: the module test objects (three compile units linked with ld -r, like a .ko) encoded
// over the BTF of their miniature kernel, against pahole's output (testdata/module/golden, made
// by scripts/make-module-goldens.sh), for gcc and clang on x86_64 and gcc on big-endian s390x.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffBtf } from '../../src/btf/diff.js';
import { distillBase } from '../../src/btf/distill.js';
import { BtfTable } from '../../src/btf/table.js';
import { validateBtf } from '../../src/btf/validate.js';
import { defaultFeatures, paholeLegacyFeatures } from '../../src/encode/features.js';
import { encodeFile } from '../../src/encode/pipeline.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const OBJ = path.join(ROOT, 'testdata/module/obj');
const GOLD = path.join(ROOT, 'testdata/module/golden');
const ROWS = ['gcc-x86_64', 'clang-x86_64', 'gcc-s390x'];
const gold = (tag: string, f: string): Buffer => fs.readFileSync(path.join(GOLD, tag, f));

/** pahole 1.24 with --btf_gen_floats. */
function features124() {
  const f = paholeLegacyFeatures();
  f.float = true;
  return f;
}

const sameDiff = (a: BtfTable, b: BtfTable, data: boolean): string[] => {
  const d = diffBtf(a, b, data);
  return [...[...d.onlyA.keys()].map((k) => `ours: ${k}`), ...[...d.onlyB.keys()].map((k) => `pahole: ${k}`)];
};

describe('split encode matches pahole 1.24 byte for byte', () => {
  for (const tc of ROWS) {
    it(`kernel*.${tc}.o (the bases)`, () => {
      for (const k of ['kernel', 'kernel-v2', 'kernel-v3']) {
        const r = encodeFile(path.join(OBJ, `${k}.${tc}.o`), { features: features124() });
        expect(Buffer.from(r.btf.serialize(!r.littleEndian)).equals(gold('pahole-1.24', `${k}.${tc}.o.btf`))).toBe(true);
      }
    });

    it(`mod.${tc}.o over kernel.${tc}.o`, () => {
      const base = BtfTable.parse(gold('pahole-1.24', `kernel.${tc}.o.btf`));
      const r = encodeFile(path.join(OBJ, `mod.${tc}.o`), { features: features124(), base });
      expect(r.btf.startId).toBe(base.endId);
      expect(r.btf.strings.start).toBe(base.strEnd());
      expect(validateBtf(r.btf)).toBeNull();
      expect(Buffer.from(r.btf.serialize(!r.littleEndian)).equals(gold('pahole-1.24', `mod.${tc}.o.btf`))).toBe(true);
      // the base is not changed
      expect(Buffer.from(base.serialize(base.bigEndian)).equals(gold('pahole-1.24', `kernel.${tc}.o.btf`))).toBe(true);
    });
  }

  it('many modules over one base in one process give the same result each time', () => {
    const base = BtfTable.parse(gold('pahole-1.24', 'kernel.gcc-x86_64.o.btf'));
    const want = gold('pahole-1.24', 'mod.gcc-x86_64.o.btf');
    for (let i = 0; i < 3; i++) {
      const r = encodeFile(path.join(OBJ, 'mod.gcc-x86_64.o'), { features: features124(), base });
      expect(Buffer.from(r.btf.serialize()).equals(want)).toBe(true);
    }
  });
});

// pahole 1.31 chooses functions by other rules (issue 3) and emits them in another order: data
// types are compared here, and the distilled base, which holds no functions, byte for byte.
describe('split encode with --btf_features=default against pahole 1.31', () => {
  for (const tc of ROWS) {
    it(`mod.${tc}.o: the same data types as pahole 1.31's split BTF`, () => {
      const base = BtfTable.parse(gold('pahole-1.31', `kernel.${tc}.o.btf`));
      const r = encodeFile(path.join(OBJ, `mod.${tc}.o`), { features: defaultFeatures(), base });
      const theirs = BtfTable.parse(gold('pahole-1.31', `mod.${tc}.o.btf`), base);
      expect(sameDiff(r.btf, theirs, true)).toEqual([]);
    });

    it(`mod.${tc}.o: distilled, the .BTF.base pahole 1.31 writes, byte for byte, and the same data types in .BTF`, () => {
      const base = BtfTable.parse(gold('pahole-1.31', `kernel.${tc}.o.btf`));
      const r = encodeFile(path.join(OBJ, `mod.${tc}.o`), { features: defaultFeatures(), base });
      const d = distillBase(r.btf);
      expect(Buffer.from(d.base.serialize(!r.littleEndian)).equals(gold('pahole-1.31', `mod.${tc}.o.dist.base`))).toBe(true);
      expect(validateBtf(d.split)).toBeNull();
      const pDist = BtfTable.parse(gold('pahole-1.31', `mod.${tc}.o.dist.base`));
      const theirs = BtfTable.parse(gold('pahole-1.31', `mod.${tc}.o.dist.btf`), pDist);
      const ours = BtfTable.parse(d.split.serialize(), pDist);
      expect(sameDiff(ours, theirs, true)).toEqual([]);
    });
  }
});
