import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { InputError } from '../../src/errors.js';
import { ElfFile } from '../../src/elf/reader.js';
import { setSections, writeFileAtomic } from '../../src/elf/writer.js';
import { MAIN_C, compile, hasTool, makeTempDir, prng, readelfRelocatedDump, readelfSections, run, runAll, type ReadelfSection } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir();
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function randomBytes(n: number, seed: number): Uint8Array {
  const r = prng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

/** `readelf -h` as a map from field name to value. */
function readelfHeader(file: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of run('readelf', ['-h', file]).split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return m;
}

/** The program headers and section-to-segment mapping of `readelf -l -W`, minus the file type line. */
function readelfSegments(file: string): string {
  return run('readelf', ['-l', '-W', file]).split('\n').filter((l) => !l.startsWith('Elf file type')).join('\n');
}

/**
 * Dumps the contents of the named sections with objcopy (one run), returning name -> bytes.
 * objcopy only dumps what BFD sees as sections: not .symtab, .strtab, .shstrtab or .rel(a).*.
 */
function objcopyDump(file: string, names: string[]): Map<string, Buffer> {
  const sub = fs.mkdtempSync(path.join(dir, 'dump-'));
  const args: string[] = [];
  names.forEach((n, i) => args.push('--dump-section', `${n}=${path.join(sub, String(i))}`));
  run('objcopy', [...args, file, path.join(sub, 'scratch')]);
  const out = new Map<string, Buffer>();
  names.forEach((n, i) => {
    const f = path.join(sub, String(i));
    if (fs.existsSync(f)) out.set(n, fs.readFileSync(f));
  });
  fs.rmSync(sub, { recursive: true });
  return out;
}

/** readelf must accept the file without a single warning. */
function expectCleanReadelf(file: string): void {
  for (const opt of ['-h', '-S', '-s', '-l', '-r']) {
    const r = runAll('readelf', ['-W', opt, file]);
    expect(r.status, `readelf ${opt}`).toBe(0);
    expect(r.stderr, `readelf ${opt} warnings`).toBe('');
  }
}

/**
 * Checks `out` against `orig` after `added` sections were added or replaced: readelf is happy,
 * old sections keep their headers (except the name table and replaced sections) and bytes,
 * the new sections hold the given bytes, the ELF header and program headers are unchanged apart
 * from the section header fields.
 */
function expectSectionsSet(orig: string, out: string, added: { name: string; data: Uint8Array }[]): ReadelfSection[] {
  expectCleanReadelf(out);
  const before = readelfSections(orig);
  const after = readelfSections(out);
  const addedNames = new Set(added.map((a) => a.name));
  const shstrndx = ElfFile.open(orig);
  const strIndex = shstrndx.shstrndx;
  shstrndx.close();
  const newNames = added.filter((a) => !before.some((s) => s.name === a.name)).length;
  expect(after.length).toBe(before.length + newNames);
  for (const s of before) {
    const t = after[s.index];
    if (addedNames.has(s.name)) {
      expect(t.name).toBe(s.name);
      continue;
    }
    if (s.index === strIndex && newNames > 0) {
      expect({ ...t, offset: 0, size: 0 }).toEqual({ ...s, offset: 0, size: 0 });
      expect(t.size).toBeGreaterThan(s.size);
    } else {
      expect(t).toEqual(s);
    }
  }
  for (const a of added) {
    const t = after.find((s) => s.name === a.name)!;
    expect(t, a.name).toBeDefined();
    expect(t.size).toBe(a.data.length);
    if (!before.some((s) => s.name === a.name)) {
      // A new section: like pahole's .BTF in a module.
      expect([t.type, t.flags, t.addr, t.link, t.info, t.align, t.entsize]).toEqual(['PROGBITS', '', 0n, 0, 0, 1, 0]);
    }
  }
  // Contents: every old section with bytes is unchanged; the added ones hold the new bytes.
  const withBytes = before.filter((s) => s.type !== 'NOBITS' && s.type !== 'NULL' && s.size > 0 && !addedNames.has(s.name));
  const names = withBytes.map((s) => s.name);
  if (new Set(names).size === names.length && names.length < 200) {
    const a = objcopyDump(orig, names);
    const b = objcopyDump(out, [...names, ...added.filter((x) => x.data.length > 0).map((x) => x.name)]);
    expect(a.size).toBeGreaterThan(3);
    if (names.includes('.debug_info')) expect(a.has('.debug_info')).toBe(true);
    for (const n of names) expect(b.get(n)?.equals(a.get(n)!), `contents of ${n}`).toBe(a.has(n) ? true : undefined);
    for (const x of added) if (x.data.length > 0) expect(b.get(x.name)!.equals(Buffer.from(x.data)), `contents of ${x.name}`).toBe(true);
  }
  // The same, by file offset, with our reader (also covers files with many or duplicate names).
  const ro = ElfFile.open(orig);
  const rn = ElfFile.open(out);
  for (const s of withBytes) {
    if (s.index === strIndex && newNames > 0) {
      // The extended name table starts with the old one.
      const t = after[strIndex];
      expect(Buffer.from(rn.readBytes(t.offset, s.size)).equals(Buffer.from(ro.readBytes(s.offset, s.size)))).toBe(true);
      continue;
    }
    expect(Buffer.from(rn.readBytes(s.offset, s.size)).equals(Buffer.from(ro.readBytes(s.offset, s.size))), s.name).toBe(true);
  }
  for (const x of added) expect(Buffer.from(rn.sectionData(rn.section(x.name)!)).equals(Buffer.from(x.data))).toBe(true);
  ro.close();
  rn.close();
  // ELF header: only the section header table fields change.
  const ha = readelfHeader(orig);
  const hb = readelfHeader(out);
  for (const k of ['Start of section headers', 'Number of section headers', 'Section header string table index']) {
    ha.delete(k);
    hb.delete(k);
  }
  expect(hb).toEqual(ha);
  expect(readelfSegments(out)).toBe(readelfSegments(orig));
  return after;
}

const OBJECTS = [
  { name: 'x86_64', cc: 'gcc', args: ['-c', '-g'] },
  { name: 'i386 (ELF32)', cc: 'gcc', args: ['-m32', '-c', '-g'] },
  { name: 's390x (big-endian)', cc: 's390x-linux-gnu-gcc', args: ['-c', '-g'] },
  { name: 'aarch64', cc: 'aarch64-linux-gnu-gcc', args: ['-c', '-g'] },
  { name: 'ppc32 (ELF32 big-endian)', cc: 'clang', args: ['--target=powerpc-linux-gnu', '-c', '-g'] },
];

function object(o: (typeof OBJECTS)[number], ctx: TestContext): string {
  if (!hasTool(o.cc)) ctx.skip(`${o.cc} is not installed`);
  const file = compile(dir, o.name.split(' ')[0] + '-w', o.cc, o.args);
  return file;
}

describe('setSections on relocatable objects', () => {
  for (const o of OBJECTS) {
    it(`${o.name}: adds .BTF, then replaces it (bigger, smaller, in place over the input)`, (ctx) => {
      const orig = object(o, ctx);
      const btf1 = randomBytes(1000, 1);
      const out1 = path.join(dir, `${path.basename(orig)}.btf1`);
      setSections(orig, [{ name: '.BTF', data: btf1 }], out1);
      expectSectionsSet(orig, out1, [{ name: '.BTF', data: btf1 }]);

      // Relocations still apply as before.
      const a = ElfFile.open(orig);
      const b = ElfFile.open(out1);
      for (const s of a.sections.filter((x) => x.name.startsWith('.debug_'))) {
        expect(Buffer.from(b.debugSection(s.name)!).equals(Buffer.from(a.debugSection(s.name)!))).toBe(true);
        expect(Buffer.from(readelfRelocatedDump(out1, s.name)!).equals(Buffer.from(readelfRelocatedDump(orig, s.name)!))).toBe(true);
      }
      a.close();
      b.close();

      const btf2 = randomBytes(5000, 2);
      const out2 = path.join(dir, `${path.basename(orig)}.btf2`);
      setSections(out1, [{ name: '.BTF', data: btf2 }], out2);
      expectSectionsSet(orig, out2, [{ name: '.BTF', data: btf2 }]);
      expect(readelfSections(out2).length).toBe(readelfSections(out1).length);

      // Replace over the input file itself (out3 is a copy of out2), with smaller contents.
      const out3 = path.join(dir, `${path.basename(orig)}.btf3`);
      fs.copyFileSync(out2, out3);
      const btf3 = randomBytes(10, 3);
      setSections(out3, [{ name: '.BTF', data: btf3 }], out3);
      expectSectionsSet(orig, out3, [{ name: '.BTF', data: btf3 }]);
      // The old .BTF and section header table were at the end: they are dropped, not accumulated.
      expect(fs.statSync(out3).size).toBeLessThan(fs.statSync(out1).size);
      expect(fs.statSync(out3).size).toBeLessThan(fs.statSync(orig).size + 200);
      expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  }

  it('x86_64: the output still links and runs', (ctx) => {
    const orig = object(OBJECTS[0], ctx);
    const out = path.join(dir, 'linkable.o');
    setSections(orig, [{ name: '.BTF', data: randomBytes(64, 4) }], out);
    const main = path.join(dir, 'main-link.c');
    fs.writeFileSync(main, MAIN_C);
    const exe = path.join(dir, 'linked');
    run('gcc', [main, out, '-o', exe]);
    expect(run(exe, [])).toBe('hello 0\n');
  });

  it('adds several sections at once and replaces existing ones, keeping their flags', (ctx) => {
    const orig = object(OBJECTS[0], ctx);
    const out = path.join(dir, 'several.o');
    const comment = new TextEncoder().encode('replaced comment\0');
    const added = [
      { name: '.BTF', data: randomBytes(333, 5) },
      { name: '.BTF.ext', data: randomBytes(77, 6) },
      { name: '.comment', data: comment },
      { name: '.empty', data: new Uint8Array(0) },
    ];
    setSections(orig, added, out);
    const after = expectSectionsSet(orig, out, added);
    const before = readelfSections(orig);
    const c0 = before.find((s) => s.name === '.comment')!;
    const c1 = after.find((s) => s.name === '.comment')!;
    expect({ ...c1, offset: 0, size: 0 }).toEqual({ ...c0, offset: 0, size: 0 });
    expect(run('readelf', ['-p', '.comment', out])).toContain('replaced comment');
  });

  it('replacing a compressed section stores it uncompressed (SHF_COMPRESSED cleared)', (ctx) => {
    if (!hasTool('gcc')) ctx.skip('gcc is not installed');
    const orig = compile(dir, 'gz-w', 'gcc', ['-c', '-g', '-gz=zlib']);
    const out = path.join(dir, 'gz-replaced.o');
    const abbrev = randomBytes(100, 7);
    setSections(orig, [{ name: '.debug_abbrev', data: abbrev }], out);
    const s0 = readelfSections(orig).find((s) => s.name === '.debug_abbrev')!;
    const s1 = readelfSections(out).find((s) => s.name === '.debug_abbrev')!;
    expect(s0.flags).toBe('C');
    expect(s1.flags).toBe('');
    const elf = ElfFile.open(out);
    expect(Buffer.from(elf.sectionData(elf.section('.debug_abbrev')!)).equals(Buffer.from(abbrev))).toBe(true);
    // The other compressed sections are untouched and still decompress.
    const ref = ElfFile.open(orig);
    expect(Buffer.from(elf.debugSection('.debug_info')!).equals(Buffer.from(ref.debugSection('.debug_info')!))).toBe(true);
    elf.close();
    ref.close();
  });

  it('matches the section header pahole -J writes for .BTF, and pahole reads our .BTF back', (ctx) => {
    if (!hasTool('pahole')) ctx.skip('pahole is not installed');
    const orig = object(OBJECTS[0], ctx);
    const byPahole = path.join(dir, 'pahole.o');
    fs.copyFileSync(orig, byPahole);
    run('pahole', ['-J', byPahole]);
    const btf = objcopyDump(byPahole, ['.BTF']).get('.BTF')!;
    const ours = path.join(dir, 'ours.o');
    setSections(orig, [{ name: '.BTF', data: btf }], ours);
    const p = readelfSections(byPahole).find((s) => s.name === '.BTF')!;
    const q = readelfSections(ours).find((s) => s.name === '.BTF')!;
    expect({ ...q, index: 0, offset: 0 }).toEqual({ ...p, index: 0, offset: 0 });
    const fromPahole = run('pahole', ['-F', 'btf', byPahole]);
    expect(fromPahole).toContain('struct point');
    expect(run('pahole', ['-F', 'btf', ours])).toBe(fromPahole);
  });
});

describe('setSections on executables', () => {
  function buildExe(ctx: TestContext, name: string, args: string[]): string {
    if (!hasTool('gcc')) ctx.skip('gcc is not installed');
    const obj = object(OBJECTS[0], ctx);
    const main = path.join(dir, 'main-exe.c');
    fs.writeFileSync(main, MAIN_C);
    const exe = path.join(dir, name);
    run('gcc', ['-g', ...args, main, obj, '-o', exe]);
    return exe;
  }

  for (const [kind, args] of [['ET_EXEC', ['-no-pie']], ['PIE', ['-pie', '-fPIE']]] as const) {
    it(`${kind}: adds .BTF without touching segments; the program still runs`, (ctx) => {
      const exe = buildExe(ctx, `exe-${kind}`, [...args]);
      const out = path.join(dir, `exe-${kind}.btf`);
      const btf = randomBytes(4096, 8);
      setSections(exe, [{ name: '.BTF', data: btf }], out);
      expectSectionsSet(exe, out, [{ name: '.BTF', data: btf }]);
      expect((fs.statSync(out).mode & 0o111) !== 0).toBe(true);
      expect(run(out, [])).toBe('hello 0\n');
      // Twice.
      const out2 = path.join(dir, `exe-${kind}.btf2`);
      const btf2 = randomBytes(100, 9);
      setSections(out, [{ name: '.BTF', data: btf2 }], out2);
      expectSectionsSet(exe, out2, [{ name: '.BTF', data: btf2 }]);
      expect(run(out2, [])).toBe('hello 0\n');
    });
  }

  it('a section inside a segment is rewritten in place, or refused if it does not fit', (ctx) => {
    const exe = buildExe(ctx, 'exe-inplace', ['-no-pie']);
    const rodata = readelfSections(exe).find((s) => s.name === '.rodata')!;
    const out = path.join(dir, 'exe-inplace.out');
    const small = new Uint8Array(rodata.size - 4).fill(0x5a);
    setSections(exe, [{ name: '.rodata', data: small }], out);
    const s = readelfSections(out).find((x) => x.name === '.rodata')!;
    expect(s.offset).toBe(rodata.offset);
    expect(s.size).toBe(small.length);
    expect(readelfSegments(out)).toBe(readelfSegments(exe));
    const bytes = fs.readFileSync(out);
    expect(bytes.subarray(rodata.offset, rodata.offset + small.length).equals(Buffer.from(small))).toBe(true);
    expect(bytes.subarray(rodata.offset + small.length, rodata.offset + rodata.size).every((b) => b === 0)).toBe(true);

    // Too big: InputError, and neither the existing output nor the directory is touched.
    const before = fs.readFileSync(out);
    const err = (() => {
      try {
        setSections(exe, [{ name: '.rodata', data: new Uint8Array(rodata.size + 1) }], out);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/\(\.rodata\) lies in a loadable segment/);
    expect(fs.readFileSync(out).equals(before)).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a section inside a segment that may leave it (.BTF of a vmlinux): unallocated and appended when too big', (ctx) => {
    const exe = buildExe(ctx, 'exe-leave', ['-no-pie']);
    const rodata = readelfSections(exe).find((s) => s.name === '.rodata')!;
    const out = path.join(dir, 'exe-leave.out');
    const big = new Uint8Array(rodata.size + 100).fill(0x33);
    setSections(exe, [{ name: '.rodata', data: big, mayLeaveSegment: true }], out);
    const s = readelfSections(out).find((x) => x.name === '.rodata')!;
    expect(s.flags).not.toContain('A');
    expect(s.addr).toBe(0n);
    expect(s.size).toBe(big.length);
    expect(s.offset).toBeGreaterThan(rodata.offset);
    // the segments and their bytes are as they were; the section is no longer mapped
    const [headersOut, mapOut] = readelfSegments(out).split('Section to Segment mapping');
    expect(headersOut).toBe(readelfSegments(exe).split('Section to Segment mapping')[0]);
    expect(mapOut).not.toMatch(/\.rodata/);
    const a = fs.readFileSync(exe), b = fs.readFileSync(out);
    expect(b.subarray(rodata.offset, rodata.offset + rodata.size).equals(a.subarray(rodata.offset, rodata.offset + rodata.size))).toBe(true);
    expect(b.subarray(s.offset, s.offset + s.size).equals(Buffer.from(big))).toBe(true);
    // what fits still goes in place
    setSections(exe, [{ name: '.rodata', data: new Uint8Array(8), mayLeaveSegment: true }], out);
    expect(readelfSections(out).find((x) => x.name === '.rodata')!.offset).toBe(rodata.offset);
  });
});

describe('setSections on unusual files', () => {
  it('crossing into extended section numbering (e_shnum = 0, count in section 0)', (ctx) => {
    if (!hasTool('as')) ctx.skip('as is not installed');
    // First find how many sections `as` adds on its own, then make the output reach exactly
    // SHN_LORESERVE (0xff00) sections with .BTF.
    const mk = (n: number) => {
      const src = path.join(dir, `sections-${n}.s`);
      const lines: string[] = [];
      for (let i = 0; i < n; i++) lines.push(`.section .s${i},"a",@progbits\n.globl sym${i}\nsym${i}: .byte ${i % 256}`);
      fs.writeFileSync(src, lines.join('\n') + '\n');
      const obj = path.join(dir, `sections-${n}.o`);
      run('as', [src, '-o', obj]);
      return obj;
    };
    const probe = ElfFile.open(mk(10));
    const extra = probe.sections.length - 10;
    probe.close();
    const orig = mk(0xff00 - 1 - extra);
    const o = ElfFile.open(orig);
    expect(o.sections.length).toBe(0xff00 - 1);
    o.close();
    expect(readelfHeader(orig).get('Number of section headers')).toBe(String(0xff00 - 1));
    const out = path.join(dir, 'sections.btf.o');
    const btf = randomBytes(50, 10);
    setSections(orig, [{ name: '.BTF', data: btf }], out);
    expectCleanReadelf(out);
    expect(readelfHeader(out).get('Number of section headers')).toBe(`0 (${0xff00})`);
    const elf = ElfFile.open(out);
    expect(elf.sections.length).toBe(0xff00);
    expect(elf.sections[0xff00 - 1].name).toBe('.BTF');
    expect(Buffer.from(elf.sectionData(elf.sections[0xff00 - 1])).equals(Buffer.from(btf))).toBe(true);
    elf.close();
    expect(run('readelf', ['-s', '-W', out])).toBe(run('readelf', ['-s', '-W', orig]));
    // And back again: replacing keeps the count.
    const out2 = path.join(dir, 'sections.btf2.o');
    setSections(out, [{ name: '.BTF', data: btf.subarray(0, 5) }], out2);
    expect(readelfHeader(out2).get('Number of section headers')).toBe(`0 (${0xff00})`);
    expectCleanReadelf(out2);
  });

  it('a file without section headers gets a name table and the new section (fromBytes input)', (ctx) => {
    const orig = object(OBJECTS[0], ctx);
    const bytes = new Uint8Array(fs.readFileSync(orig));
    // Drop the section header table: e_shoff = 0, e_shnum = 0, e_shstrndx = 0.
    const dv = new DataView(bytes.buffer);
    dv.setBigUint64(40, 0n, true);
    dv.setUint16(60, 0, true);
    dv.setUint16(62, 0, true);
    const out = path.join(dir, 'nosections.o');
    const btf = randomBytes(20, 11);
    setSections(ElfFile.fromBytes(bytes), [{ name: '.BTF', data: btf }], out);
    const secs = readelfSections(out);
    expect(secs.map((s) => [s.name, s.type])).toEqual([['', 'NULL'], ['.shstrtab', 'STRTAB'], ['.BTF', 'PROGBITS']]);
    expect(runAll('readelf', ['-S', out]).stderr).toBe('');
    expect(objcopyDump(out, ['.BTF']).get('.BTF')!.equals(Buffer.from(btf))).toBe(true);
  });
});

describe('atomic writes', () => {
  it('writeFileAtomic writes one buffer or several, replacing the file', () => {
    const f = path.join(dir, 'atomic.bin');
    writeFileAtomic(f, Uint8Array.of(1, 2, 3));
    expect([...fs.readFileSync(f)]).toEqual([1, 2, 3]);
    writeFileAtomic(f, [Uint8Array.of(9), new Uint8Array(0), Uint8Array.of(8, 7)]);
    expect([...fs.readFileSync(f)]).toEqual([9, 8, 7]);
    expect(fs.readdirSync(dir).filter((x) => x.endsWith('.tmp'))).toEqual([]);
  });

  it('on failure the temp file is removed and the target left alone', (ctx) => {
    // The target is a directory: the final rename fails.
    const target = path.join(dir, 'a-directory');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep'), 'x');
    expect(() => writeFileAtomic(target, Uint8Array.of(1))).toThrow();
    expect(fs.readdirSync(target)).toEqual(['keep']);
    expect(fs.readdirSync(dir).filter((x) => x.endsWith('.tmp'))).toEqual([]);
    // A missing directory.
    expect(() => writeFileAtomic(path.join(dir, 'missing', 'x'), Uint8Array.of(1))).toThrow(/ENOENT/);
    // setSections into a directory: same.
    const orig = object(OBJECTS[0], ctx);
    expect(() => setSections(orig, [{ name: '.BTF', data: Uint8Array.of(1) }], target)).toThrow();
    expect(fs.readdirSync(target)).toEqual(['keep']);
    expect(fs.readdirSync(dir).filter((x) => x.endsWith('.tmp'))).toEqual([]);
  });

  it('bad arguments are programming errors, not InputError', (ctx) => {
    const orig = object(OBJECTS[0], ctx);
    const out = path.join(dir, 'never.o');
    const one = Uint8Array.of(1);
    expect(() => setSections(orig, [{ name: '.BTF', data: one }, { name: '.BTF', data: one }], out)).toThrow(/given twice/);
    expect(() => setSections(orig, [{ name: '', data: one }], out)).toThrow(/bad section name/);
    expect(() => setSections(orig, [{ name: '.shstrtab', data: one }], out)).toThrow(/section name string table/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('a broken input is reported as InputError', () => {
    const bad = path.join(dir, 'bad.o');
    fs.writeFileSync(bad, 'not an ELF file at all, sorry');
    expect(() => setSections(bad, [{ name: '.BTF', data: Uint8Array.of(1) }], path.join(dir, 'bad.out'))).toThrow(InputError);
    expect(fs.existsSync(path.join(dir, 'bad.out'))).toBe(false);
  });
});
