// Worker-thread encoding: byte-identical output for every number of jobs, errors from a worker
// name the unit and stop everything, batches cover the units in order.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUnits } from '../../src/dwarf/unit.js';
import { ElfFile } from '../../src/elf/reader.js';
import { defaultFeatures } from '../../src/encode/features.js';
import { batches } from '../../src/encode/parallel.js';
import { encodeFile, encodeFileParallel, readDwarfSections } from '../../src/encode/pipeline.js';
import { InputError } from '../../src/errors.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const OBJ = path.join(ROOT, 'testdata/obj');
const haveLd = spawnSync('ld', ['--version']).status === 0;

let dir = '';
let big = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dwarf2btf-par-'));
  if (haveLd) {
    // every committed x86_64 gcc DWARF 5 object linked into one relocatable: many compile units
    const objs = fs.readdirSync(OBJ).filter((f) => /\.gcc-x86_64-dwarf5\.o$/.test(f) && !f.startsWith('complex'));
    big = path.join(dir, 'big.o');
    const r = spawnSync('ld', ['-r', '-o', big, ...objs.map((o) => path.join(OBJ, o))], { encoding: 'utf8' });
    if (r.status !== 0) big = '';
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const inputs = (): string[] => [
  path.join(OBJ, 'multi.gcc-x86_64-dwarf5.o'),
  path.join(OBJ, 'multi.gcc-s390x-dwarf5.o'),
  path.join(OBJ, 'multi.clang-x86_64-dwarf5.o'),
  ...(big ? [big] : []),
].filter((f) => fs.existsSync(f));

describe('output does not depend on the number of jobs', () => {
  it('has multi-CU inputs', () => {
    expect(inputs().length).toBeGreaterThanOrEqual(3);
    if (big) {
      const elf = ElfFile.open(big);
      const n = readUnits(readDwarfSections(elf).info, true).length;
      elf.close();
      expect(n).toBeGreaterThan(10);
    }
  });
  for (const jobs of [1, 2, 3, 4, 8, 16]) {
    it(`-j${jobs} equals the single-threaded encode, on every input, twice`, async () => {
      for (const file of inputs()) {
        const ref = Buffer.from(encodeFile(file, { features: defaultFeatures() }).btf.serialize());
        for (let round = 0; round < 2; round++) {
          const res = await encodeFileParallel(file, { features: defaultFeatures(), jobs });
          expect(Buffer.from(res.btf.serialize()).equals(ref), `${path.basename(file)} -j${jobs}`).toBe(true);
        }
      }
    });
  }
});

describe('a failing unit', () => {
  it('rejects with an InputError naming the unit, for any number of jobs, and does not hang', async () => {
    if (!big) return;
    // corrupt the abbreviation code of the first DIE of a unit in the middle
    const bytes = new Uint8Array(fs.readFileSync(big));
    const elf = ElfFile.fromBytes(bytes);
    const info = elf.section('.debug_info')!;
    const units = readUnits(readDwarfSections(elf).info, true);
    const victim = units[Math.floor(units.length / 2)];
    bytes[info.offset + victim.dieOffset] = 0x7e;
    const bad = path.join(dir, 'bad.o');
    fs.writeFileSync(bad, bytes);
    for (const jobs of [1, 2, 4]) {
      const p = encodeFileParallel(bad, { features: defaultFeatures(), jobs });
      await expect(p).rejects.toThrow(InputError);
      await expect(encodeFileParallel(bad, { features: defaultFeatures(), jobs })).rejects.toThrow(
        new RegExp(`CU at 0x${victim.offset.toString(16)}.*bad abbreviation code 126`),
      );
    }
  });

  it('leaves no output behind from the command line', () => {
    const bad = path.join(dir, 'bad.o');
    if (!fs.existsSync(bad)) return;
    const out = path.join(dir, 'bad.btf');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/src/cli/main.js'), 'encode', '-j', '2', '-o', out, bad], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bad abbreviation code/);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('batches', () => {
  it('cover every unit once, in order, in runs of similar size', () => {
    const units = Array.from({ length: 1000 }, (_, i) => ({ offset: i * 1000, end: i * 1000 + 100 + (i * 7919) % 900 }));
    for (const jobs of [1, 2, 7, 64]) {
      const b = batches(units as never, jobs);
      expect(b[0][0]).toBe(0);
      expect(b[b.length - 1][1]).toBe(units.length);
      for (let i = 1; i < b.length; i++) expect(b[i][0]).toBe(b[i - 1][1]);
      expect(b.length).toBeGreaterThanOrEqual(Math.min(units.length, jobs * 8));
    }
  });
});
