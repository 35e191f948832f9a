// Location lists of a linked file are read from it in windows as the units need them (not held in
// memory): the parameter checks that read them decide exactly as with the sections in memory, with
// windows of any size (a list across a window's end is read again over a larger one).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SectionSource } from '../../src/dwarf/section-source.js';
import { ElfFile } from '../../src/elf/reader.js';
import { defaultFeatures, parseFeatures, noFeatures } from '../../src/encode/features.js';
import { listBytes } from '../../src/encode/locations.js';
import { encodeElf, encodeElfParallel, openDwarf } from '../../src/encode/pipeline.js';
import { dumpBtf } from '../../src/btf/dump.js';

const OBJ = path.resolve(import.meta.dirname, '../../testdata/obj');
let dir = '';
const linked: Record<string, string> = {};
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dwarf2btf-loc-'));
  for (const v of ['4', '5']) {
    // the parameter-location objects, linked: an ET_EXEC whose .debug_loc / .debug_loclists need no relocating
    const out = path.join(dir, `regs${v}`);
    const r = spawnSync('ld', ['-o', out, '-e', '0', '--unresolved-symbols=ignore-all', path.join(OBJ, `regs.gcc-x86_64-dwarf${v}-O2.o`)]);
    if (r.status === 0) linked[v] = out;
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const funcs = (b: Parameters<typeof dumpBtf>[0]): string[] => dumpBtf(b).split('\n').filter((l) => / FUNC '/.test(l));

describe('location lists read in windows', () => {
  for (const v of ['4', '5']) {
    it(`DWARF ${v}: the same BTF as with the lists in memory, whatever the window`, async () => {
      expect(linked[v], 'ld links the object').toBeDefined();
      const file = linked[v];
      const elf = ElfFile.open(file);
      const { sec } = openDwarf(elf);
      // read from the file, not held
      const name = v === '4' ? 'loc' : 'loclists';
      expect(sec[`${name}Extent`]).toBeDefined();
      expect(sec[name]).toBeUndefined();
      elf.close();
      const features = defaultFeatures();
      const inMemory = encodeElf(ElfFile.fromBytes(new Uint8Array(fs.readFileSync(file))), { features }).btf;
      const windowed = encodeElf(ElfFile.open(file), { features }).btf;
      expect(Buffer.from(windowed.serialize()).equals(Buffer.from(inMemory.serialize()))).toBe(true);
      const saved = [SectionSource.defaultChunk, listBytes.first];
      try {
        // windows of a few bytes: lists run past them and are walked again
        for (const [chunk, first] of [[1, 1], [7, 3], [64, 16]]) {
          SectionSource.defaultChunk = chunk;
          listBytes.first = first;
          const small = encodeElf(ElfFile.open(file), { features }).btf;
          expect(Buffer.from(small.serialize()).equals(Buffer.from(inMemory.serialize())), `window ${chunk}`).toBe(true);
        }
      } finally {
        [SectionSource.defaultChunk, listBytes.first] = saved;
      }
      // and the workers read them too
      const par = (await encodeElfParallel(ElfFile.open(file), { features, jobs: 2 })).btf;
      expect(Buffer.from(par.serialize()).equals(Buffer.from(inMemory.serialize()))).toBe(true);
      // the lists decide: without consistent_func two functions the checks leave out come back
      const unchecked = encodeElf(ElfFile.open(file), { features: parseFeatures('var,float,decl_tag,type_tag,enum64,optimized_func', noFeatures()) }).btf;
      const left = funcs(unchecked).length - funcs(windowed).length;
      expect(left).toBe(2);
    });
  }

  it('are refused, naming the section, when they run past the end of the file', () => {
    expect(linked['5'], 'ld links the object').toBeDefined();
    const bytes = new Uint8Array(fs.readFileSync(linked['5']));
    const elf = ElfFile.fromBytes(bytes);
    const sec = elf.section('.debug_loclists')!;
    // its section header's sh_size (ELF64: at 32 in the header) made to reach past the end
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const shoff = Number(dv.getBigUint64(0x28, true));
    dv.setBigUint64(shoff + sec.index * 64 + 32, BigInt(bytes.length), true);
    const bad = path.join(dir, 'regs5-bad');
    fs.writeFileSync(bad, bytes);
    expect(() => encodeElf(ElfFile.open(bad), { features: defaultFeatures() })).toThrow(/\(\.debug_loclists\) extends past end of file/);
  });
});
