// Bad input never crashes the encoder: mutated copies of committed objects must each end in an
// InputError with a one-line message, or in BTF that passes the kernel's rules. A hang fails the
// test by its timeout.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateBtf } from '../../src/btf/validate.js';
import { ElfFile } from '../../src/elf/reader.js';
import { defaultFeatures } from '../../src/encode/features.js';
import { encodeElf } from '../../src/encode/pipeline.js';
import { InputError } from '../../src/errors.js';

const OBJ = path.resolve(import.meta.dirname, '../../testdata/obj');
const SEEDS = [
  'structs.gcc-x86_64-dwarf5.o',
  'funcs.clang-x86_64-dwarf4.o',
  'bitfields.gcc-s390x-dwarf5.o',
  'vars.gcc-x86_64-dwarf5.o',
  'structs.gcc-x86_64-dwarf5-zlib.o',
];
const PER_SEED = Number(process.env.FUZZ_N ?? 250);

/** xorshift32: deterministic, so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/** Byte ranges of the sections most worth corrupting: the DWARF the encoder walks. */
function hotRanges(src: Uint8Array): [number, number][] {
  const elf = ElfFile.fromBytes(src);
  return ['.debug_info', '.debug_abbrev', '.debug_str', '.symtab']
    .map((n) => elf.section(n))
    .filter((s) => s !== undefined && s.size > 0)
    .map((s) => [s!.offset, s!.size] as [number, number]);
}

function mutate(src: Uint8Array, hot: [number, number][], rand: () => number): Uint8Array {
  const b = src.slice();
  const mode = Math.floor(rand() * 5);
  if (mode === 0) {
    // truncate
    return b.subarray(0, Math.floor(rand() * b.length));
  }
  const n = mode === 1 ? 1 : 1 + Math.floor(rand() * 16);
  for (let i = 0; i < n; i++) {
    let at = Math.floor(rand() * b.length);
    if (mode >= 3 && hot.length) {
      // inside a DWARF section or the symbol table
      const [off, size] = hot[Math.floor(rand() * hot.length)];
      at = off + Math.floor(rand() * size);
    }
    b[at] = mode === 4 ? [0, 0xff, 0x7f, 0x80, 1][Math.floor(rand() * 5)] : Math.floor(rand() * 256);
  }
  return b;
}

describe('mutated inputs', () => {
  for (const seed of SEEDS) {
    it(`${seed}: ${PER_SEED} mutations end in a clean error or valid BTF`, () => {
      const src = new Uint8Array(fs.readFileSync(path.join(OBJ, seed)));
      const rand = rng(seed.length * 7919 + 17);
      const hot = hotRanges(src);
      let errors = 0, encoded = 0;
      for (let k = 0; k < PER_SEED; k++) {
        const bytes = mutate(src, hot, rand);
        try {
          const res = encodeElf(ElfFile.fromBytes(bytes), { features: defaultFeatures() });
          expect(validateBtf(res.btf), `mutation ${k}`).toBeNull();
          encoded++;
        } catch (e) {
          if (!(e instanceof InputError)) throw new Error(`mutation ${k} of ${seed}: ${(e as Error).stack}`);
          expect(e.message).not.toContain('\n');
          errors++;
        }
      }
      expect(errors + encoded).toBe(PER_SEED);
    });
  }
});
