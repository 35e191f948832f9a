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

describe('split encode with --btf_features=default matches pahole 1.31 byte for byte', () => {
  for (const tc of ROWS) {
    it(`kernel*.${tc}.o (the bases)`, () => {
      for (const k of ['kernel', 'kernel-v2', 'kernel-v3']) {
        const r = encodeFile(path.join(OBJ, `${k}.${tc}.o`), { features: defaultFeatures() });
        expect(Buffer.from(r.btf.serialize(!r.littleEndian)).equals(gold('pahole-1.31', `${k}.${tc}.o.btf`))).toBe(true);
      }
    });

    it(`mod.${tc}.o over kernel.${tc}.o`, () => {
      const base = BtfTable.parse(gold('pahole-1.31', `kernel.${tc}.o.btf`));
      const r = encodeFile(path.join(OBJ, `mod.${tc}.o`), { features: defaultFeatures(), base });
      const theirs = BtfTable.parse(gold('pahole-1.31', `mod.${tc}.o.btf`), base);
      expect(sameDiff(r.btf, theirs, false)).toEqual([]);
      expect(Buffer.from(r.btf.serialize(!r.littleEndian)).equals(gold('pahole-1.31', `mod.${tc}.o.btf`))).toBe(true);
    });

    it(`mod.${tc}.o distilled: the .BTF.base and .BTF pahole 1.31 writes`, () => {
      const base = BtfTable.parse(gold('pahole-1.31', `kernel.${tc}.o.btf`));
      const r = encodeFile(path.join(OBJ, `mod.${tc}.o`), { features: defaultFeatures(), base });
      const d = distillBase(r.btf);
      expect(validateBtf(d.split)).toBeNull();
      expect(Buffer.from(d.base.serialize(!r.littleEndian)).equals(gold('pahole-1.31', `mod.${tc}.o.dist.base`))).toBe(true);
      expect(Buffer.from(d.split.serialize(!r.littleEndian)).equals(gold('pahole-1.31', `mod.${tc}.o.dist.btf`))).toBe(true);
    });
  }
});
