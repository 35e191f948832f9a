// The DWARF reader against GNU readelf: for committed objects of every flavour (DWARF 4 and 5,
// 64-bit DWARF, compressed sections, big-endian, relocatable and linked), walking the units
// DIE by DIE must visit the same DIEs at the same offsets and depths, and resolve the same names.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { At } from '../../src/dwarf/constants.js';
import { DieReader } from '../../src/dwarf/die.js';
import { readUnits } from '../../src/dwarf/unit.js';
import { ElfFile } from '../../src/elf/reader.js';
import { readDwarfSections } from '../../src/encode/pipeline.js';
import { InputError } from '../../src/errors.js';

const OBJ = path.resolve(import.meta.dirname, '../../testdata/obj');
const haveReadelf = spawnSync('readelf', ['--version']).status === 0;

const samples = [
  'structs.gcc-x86_64-dwarf5.o',
  'structs.gcc-x86_64-dwarf4.o',
  'structs.gcc-x86_64-dwarf5-dwarf64.o',
  'structs.gcc-x86_64-dwarf5-zlib.o',
  'structs.gcc-s390x-dwarf5.o',
  'funcs.clang-x86_64-dwarf5.o',
  'funcs.clang-x86_64-dwarf4.o',
  'tags.clang19-x86_64-dwarf5.o',
  'multi.gcc-aarch64-dwarf5.o',
  'bitfields.gcc-s390x-dwarf4.o',
].filter((f) => fs.existsSync(path.join(OBJ, f)));

interface Walked { off: number; depth: number; name: string | null }

function walk(file: string): Walked[] {
  const elf = ElfFile.open(file);
  try {
    const sec = readDwarfSections(elf);
    const r = new DieReader(sec);
    const out: Walked[] = [];
    for (const u of readUnits(sec.info, sec.littleEndian)) {
      r.setUnit(u);
      let depth = 0;
      for (let off = u.dieOffset; off < u.end;) {
        if (!r.read(off)) {
          depth--;
          off = r.next;
          continue;
        }
        out.push({ off, depth, name: r.str(At.name) });
        if (r.hasChildren) depth++;
        off = r.next;
      }
    }
    return out;
  } finally {
    elf.close();
  }
}

function readelfDies(file: string): Walked[] {
  const r = spawnSync('readelf', ['--debug-dump=info', '-W', file], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const out: Walked[] = [];
  let cur: Walked | null = null;
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*<(\d+)><([0-9a-f]+)>: Abbrev Number: (\d+)/.exec(line);
    if (m) {
      cur = null;
      if (m[3] === '0') continue;
      cur = { off: parseInt(m[2], 16), depth: parseInt(m[1], 10), name: null };
      out.push(cur);
      continue;
    }
    const n = /^\s*<[0-9a-f]+>\s+DW_AT_name\s*:\s*(?:\((?:indirect|indexed) (?:line )?string, (?:offset|index): 0x[0-9a-f]+\): )?(.*)$/.exec(line);
    if (n && cur) {
      cur.name = n[1]
        .replace(/^\((?:string|strp|line_strp|strx\d?|GNU_str_index)\)\s*(?:\((?:offset|index): (?:0x)?[0-9a-f]+\):\s*)?/, '')
        .replace(/\s+$/, '');
    }
  }
  return out;
}

describe.skipIf(!haveReadelf)('DIE walk equals readelf', () => {
  for (const f of samples) {
    it(f, () => {
      const ours = walk(path.join(OBJ, f));
      const theirs = readelfDies(path.join(OBJ, f));
      expect(ours.length).toBeGreaterThan(20);
      expect(ours.map((d) => [d.off, d.depth])).toEqual(theirs.map((d) => [d.off, d.depth]));
      expect(ours.map((d) => d.name ?? '')).toEqual(theirs.map((d) => (d.name ?? '').trim()));
    });
  }
});

describe('malformed DWARF', () => {
  const base = new Uint8Array(fs.readFileSync(path.join(OBJ, 'structs.gcc-x86_64-dwarf5.o')));
  const sections = (): ReturnType<typeof readDwarfSections> => readDwarfSections(ElfFile.fromBytes(base));

  it('rejects a unit longer than .debug_info', () => {
    const s = sections();
    const info = s.info.slice();
    new DataView(info.buffer).setUint32(0, 0x7fffff00, true);
    expect(() => readUnits(info, true)).toThrow(/extends past the end/);
  });

  it('rejects an unknown DWARF version', () => {
    const s = sections();
    const info = s.info.slice();
    new DataView(info.buffer).setUint16(4, 9, true);
    expect(() => readUnits(info, true)).toThrow(/unsupported DWARF version 9/);
  });

  it('rejects a bad abbreviation code with the DIE offset', () => {
    const s = sections();
    const info = s.info.slice();
    const u = readUnits(info, true)[0];
    info[u.dieOffset] = 0x7f; // an abbreviation code the table does not define
    const r = new DieReader({ ...s, info });
    expect(() => r.setUnit(u)).toThrow(InputError);
    expect(() => r.setUnit(u)).toThrow(/bad abbreviation code 127 at 0xc$/);
  });

  it('rejects an abbreviation table offset past the section', () => {
    const s = sections();
    const info = s.info.slice();
    new DataView(info.buffer).setUint32(8, 0x7fffffff, true); // DWARF 5: abbrev offset after unit type and address size
    const u = readUnits(info, true)[0];
    const r = new DieReader({ ...s, info });
    expect(() => r.setUnit(u)).toThrow(/abbreviation table offset/);
  });
});
