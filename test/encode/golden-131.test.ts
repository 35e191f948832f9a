// Encodes every committed test object with pahole 1.31's rules and compares the raw BTF, byte for
// byte, with what pahole 1.31 produced for it: for each golden tag made by pahole v1.31
// (testdata/golden/pahole-1.31*, see scripts/make-goldens.sh), with the features its recorded
// pahole flags select. Objects pahole refused must be refused by us too.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeFile } from '../../src/encode/pipeline.js';
import { InputError } from '../../src/errors.js';
import { validateBtf } from '../../src/btf/validate.js';
import { featuresOfFlags, withoutOverlaps } from './goldens.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const OBJ = path.join(ROOT, 'testdata/obj');
const GOLDEN = path.join(ROOT, 'testdata/golden');

const tags = fs.readdirSync(GOLDEN).filter((d) => {
  const v = path.join(GOLDEN, d, 'VERSIONS');
  return fs.existsSync(v) && /^pahole: v1\.31$/m.test(fs.readFileSync(v, 'utf8'));
}).sort();
const objects = fs.readdirSync(OBJ).filter((f) => /\.(o|so|exe)$/.test(f)).sort();

describe('pahole 1.31 goldens', () => {
  it('exist (default features, global_var, and without features)', () => {
    expect(tags).toEqual(expect.arrayContaining(['pahole-1.31', 'pahole-1.31-globals', 'pahole-1.31-legacy']));
  });
});

for (const tag of tags) {
  const dir = path.join(GOLDEN, tag);
  const flags = /^pahole_flags: (.*)$/m.exec(fs.readFileSync(path.join(dir, 'VERSIONS'), 'utf8'))![1];
  const features = featuresOfFlags(flags);
  const opts = { features, rules: '1.31' as const };
  const withGolden = objects.filter((o) => fs.existsSync(path.join(dir, o + '.btf')));
  const refused = fs.readFileSync(path.join(dir, 'FAILURES'), 'utf8').split('\n')
    .filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t'));

  describe(`encode matches ${tag} (${flags.replace(/ --btf_encode_detached.*/, '')}) byte for byte`, () => {
    it('has goldens to compare with', () => {
      expect(withGolden.length).toBeGreaterThan(50);
    });
    for (const obj of withGolden) {
      it(obj, () => {
        const res = encodeFile(path.join(OBJ, obj), opts);
        const ours = res.btf.serialize(!res.littleEndian);
        // where pahole's DATASEC has overlapping entries (the kernel refuses it), ours leaves them out
        const gold = withoutOverlaps(fs.readFileSync(path.join(dir, obj + '.btf')));
        expect(validateBtf(res.btf)).toBeNull();
        expect(Buffer.from(ours).equals(gold)).toBe(true);
      });
    }
    for (const [obj, reason] of refused) {
      if (!fs.existsSync(path.join(OBJ, obj))) continue;
      if (reason.includes('wrote no BTF') && !/complex/i.test(reason)) {
        // elfutils 0.188 cannot read zstd-compressed DWARF: pahole silently writes nothing; we can,
        // and the result must equal pahole's for the uncompressed twin
        it(`${obj} (zstd: encoded, equal to its uncompressed twin)`, () => {
          const twin = obj.replace('-zstd', '');
          const a = encodeFile(path.join(OBJ, obj), opts).btf.serialize();
          expect(Buffer.from(a).equals(fs.readFileSync(path.join(dir, twin + '.btf')))).toBe(true);
        });
        continue;
      }
      it(`${obj} is refused with a clear error`, () => {
        expect(() => encodeFile(path.join(OBJ, obj), opts)).toThrow(InputError);
      });
    }
  });
}
