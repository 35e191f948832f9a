// Encodes every committed test object with pahole 1.24's rules and compares the raw BTF, byte
// for byte, with the BTF that pahole 1.24 produced for it (testdata/golden/pahole-1.24, made by
// scripts/make-goldens.sh with `pahole -J --btf_gen_floats`). Objects pahole refused must be
// refused by us too.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeFile } from '../../src/encode/pipeline.js';
import { paholeLegacyFeatures } from '../../src/encode/features.js';
import { InputError } from '../../src/errors.js';
import { validateBtf } from '../../src/btf/validate.js';
import { withoutOverlaps } from './goldens.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const OBJ = path.join(ROOT, 'testdata/obj');
const GOLD = path.join(ROOT, 'testdata/golden/pahole-1.24');

/** pahole 1.24 with --btf_gen_floats: its default features plus FLOAT. */
function features() {
  const f = paholeLegacyFeatures();
  f.float = true;
  return f;
}

const objects = fs.readdirSync(OBJ).filter((f) => /\.(o|so|exe)$/.test(f)).sort();
const withGolden = objects.filter((o) => fs.existsSync(path.join(GOLD, o + '.btf')));
const refused = fs.readFileSync(path.join(GOLD, 'FAILURES'), 'utf8').split('\n')
  .filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t'));

describe('encode matches pahole 1.24 byte for byte', () => {
  it('has goldens to compare with', () => {
    expect(withGolden.length).toBeGreaterThan(50);
  });
  for (const obj of withGolden) {
    it(obj, () => {
      const res = encodeFile(path.join(OBJ, obj), { features: features(), rules: '1.24' });
      const ours = res.btf.serialize(!res.littleEndian);
      // where pahole's DATASEC has overlapping entries (the kernel refuses it), ours leaves them out
      const gold = withoutOverlaps(fs.readFileSync(path.join(GOLD, obj + '.btf')));
      expect(validateBtf(res.btf)).toBeNull();
      expect(Buffer.from(ours).equals(gold)).toBe(true);
    });
  }
});

describe('inputs pahole 1.24 refuses', () => {
  for (const [obj, reason] of refused) {
    if (!fs.existsSync(path.join(OBJ, obj))) continue;
    if (reason.includes('wrote no BTF')) {
      // pahole's elfutils cannot read zstd-compressed DWARF and silently writes nothing; we can:
      // the result must equal what pahole produced for the uncompressed twin.
      it(`${obj} (zstd: encoded, equal to its uncompressed twin)`, () => {
        const twin = obj.replace('-zstd', '');
        const a = encodeFile(path.join(OBJ, obj), { features: features() }).btf.serialize();
        const gold = fs.readFileSync(path.join(GOLD, twin + '.btf'));
        expect(Buffer.from(a).equals(gold)).toBe(true);
      });
      continue;
    }
    it(`${obj} is refused with a clear error`, () => {
      expect(() => encodeFile(path.join(OBJ, obj), { features: features() })).toThrow(InputError);
      try {
        encodeFile(path.join(OBJ, obj), { features: features() });
      } catch (e) {
        expect((e as Error).message).toMatch(/complex/i);
        expect((e as Error).message).not.toContain('\n');
      }
    });
  }
});
