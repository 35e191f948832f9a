import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { InputError } from '../../src/errors.js';
import { ElfFile, type ElfSection } from '../../src/elf/reader.js';
import {
  MAIN_C, SECTION_TYPE_NAMES, compile, flagLetters, hasTool, makeTempDir, prng, readelfHexDump,
  readelfRelocatedDump, relocationsAgainst, readelfSections, readelfSymbols, run, runAll,
} from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir();
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The fixture objects: compiler, arguments, and what the file should look like. */
interface Target {
  name: string;
  cc: string;
  args: string[];
  machine: number;
  is64: boolean;
  le: boolean;
}

const TARGETS: Target[] = [
  { name: 'x86_64', cc: 'gcc', args: ['-c', '-g', '-O1'], machine: 62, is64: true, le: true },
  { name: 'x86_64-dwarf4', cc: 'gcc', args: ['-c', '-gdwarf-4'], machine: 62, is64: true, le: true },
  { name: 'x86_64-clang-dwarf5', cc: 'clang', args: ['-c', '-gdwarf-5', '-O1'], machine: 62, is64: true, le: true },
  { name: 'i386', cc: 'gcc', args: ['-m32', '-c', '-g', '-O1'], machine: 3, is64: false, le: true },
  { name: 'aarch64', cc: 'aarch64-linux-gnu-gcc', args: ['-c', '-g', '-O1'], machine: 183, is64: true, le: true },
  { name: 's390x', cc: 's390x-linux-gnu-gcc', args: ['-c', '-g', '-O1'], machine: 22, is64: true, le: false },
  { name: 'riscv64', cc: 'clang', args: ['--target=riscv64-linux-gnu', '-c', '-g', '-O1'], machine: 243, is64: true, le: true },
  { name: 'riscv32', cc: 'clang', args: ['--target=riscv32-linux-gnu', '-c', '-g'], machine: 243, is64: false, le: true },
  { name: 'ppc64', cc: 'clang', args: ['--target=powerpc64-linux-gnu', '-c', '-g', '-O1'], machine: 21, is64: true, le: false },
  { name: 'ppc64le', cc: 'clang', args: ['--target=powerpc64le-linux-gnu', '-c', '-g'], machine: 21, is64: true, le: true },
  { name: 'ppc32', cc: 'clang', args: ['--target=powerpc-linux-gnu', '-c', '-g'], machine: 20, is64: false, le: false },
  { name: 'arm', cc: 'clang', args: ['--target=armv7a-linux-gnueabihf', '-c', '-g', '-O1'], machine: 40, is64: false, le: true },
];

const built = new Map<string, string | null>();

/** Compiles a target's fixture once; null (and the test is skipped) if the compiler can't. */
function build(t: Target, ctx: TestContext): string {
  if (!hasTool(t.cc)) ctx.skip(`${t.cc} is not installed`);
  if (!built.has(t.name)) {
    try {
      built.set(t.name, compile(dir, t.name, t.cc, t.args));
    } catch (e) {
      built.set(t.name, null);
      console.warn(`cannot build the ${t.name} fixture: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const f = built.get(t.name);
  if (!f) return ctx.skip(`${t.cc} ${t.args.join(' ')} does not work here`);
  return f;
}

/**
 * Compares two lists of records, cheaply enough for 65k entries (vitest's deep equality is slow at
 * that size): reports the first mismatching rows.
 */
function expectSameRows(got: object[], want: object[]): void {
  const str = (o: object) => JSON.stringify(o, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
  expect(got.length).toBe(want.length);
  const diffs: string[] = [];
  for (let i = 0; i < got.length && diffs.length < 5; i++) {
    const a = str(got[i]);
    const b = str(want[i]);
    if (a !== b) diffs.push(`row ${i}: got ${a}, readelf ${b}`);
  }
  expect(diffs).toEqual([]);
}

/** Compares our section list with `readelf -S -W` (collected first, compared once: some files have 65k sections). */
function expectSectionsMatchReadelf(elf: ElfFile, file: string): void {
  const expected = readelfSections(file);
  const got = elf.sections.map((s) => ({
    index: s.index, name: s.name, addr: s.addr, offset: s.offset, size: s.size, entsize: s.entsize,
    flags: flagLetters(s.flags), link: s.link, info: s.info, align: s.addralign,
  }));
  expectSameRows(got, expected.map(({ type, ...rest }) => rest));
  const badTypes: string[] = [];
  for (const r of expected) {
    const t = SECTION_TYPE_NAMES[r.type];
    if (t === undefined) badTypes.push(`unknown readelf type name ${r.type}`);
    // Processor-specific types (0x70000000..) share numbers across machines; the table holds one name for each.
    else if (elf.sections[r.index].type !== t && !(t >= 0x70000000 && elf.sections[r.index].type >= 0x70000000)) {
      badTypes.push(`${r.name}: type ${elf.sections[r.index].type}, readelf says ${r.type}`);
    }
  }
  expect(badTypes).toEqual([]);
}

/** Compares our .symtab with `readelf -s -W`. */
function expectSymbolsMatchReadelf(elf: ElfFile, file: string): void {
  const expected = readelfSymbols(file);
  const syms = elf.symbols();
  if (expected.length === 0) {
    expect(syms).toBeNull();
    return;
  }
  expect(syms).not.toBeNull();
  if (!syms) return;
  expect(syms.count).toBe(expected.length);
  const TYPES = ['NOTYPE', 'OBJECT', 'FUNC', 'SECTION', 'FILE', 'COMMON', 'TLS'];
  const BINDS = ['LOCAL', 'GLOBAL', 'WEAK'];
  const VIS = ['DEFAULT', 'INTERNAL', 'HIDDEN', 'PROTECTED'];
  const SPECIAL: Record<string, number> = { UND: 0, ABS: 0xfff1, COM: 0xfff2 };
  const got = [];
  const want = [];
  for (let i = 0; i < syms.count; i++) if (syms.type(i) !== (syms.info[i] & 0xf) || syms.bind(i) !== syms.info[i] >> 4) throw new Error(`type/bind of ${i}`);
  for (const r of expected) {
    const i = r.num;
    let name = syms.name(i);
    // readelf shows a section symbol's section name.
    if (syms.type(i) === 3 && name === '') name = elf.sections[syms.shndx[i]].name;
    got.push({
      num: i, value: syms.value[i], size: syms.size[i], type: TYPES[syms.info[i] & 0xf] ?? String(syms.type(i)),
      bind: BINDS[syms.info[i] >> 4], vis: VIS[syms.other[i] & 3], ndx: syms.shndx[i], name,
    });
    want.push({ ...r, vis: r.vis.split(' ')[0], ndx: SPECIAL[r.ndx] ?? Number(r.ndx) });
  }
  expectSameRows(got, want);
}

function debugSections(elf: ElfFile): ElfSection[] {
  return elf.sections.filter((s) => s.name.startsWith('.debug_') && s.size > 0);
}

describe('ElfFile on compiled objects', () => {
  for (const t of TARGETS) {
    it(`${t.name}: header, sections and symbols match readelf`, (ctx) => {
      const file = build(t, ctx);
      const elf = ElfFile.open(file);
      try {
        expect(elf.type).toBe(1);
        expect(elf.machine).toBe(t.machine);
        expect(elf.is64).toBe(t.is64);
        expect(elf.littleEndian).toBe(t.le);
        expect(elf.path).toBe(file);
        expectSectionsMatchReadelf(elf, file);
        expectSymbolsMatchReadelf(elf, file);
        expect(elf.section('.debug_info')?.name).toBe('.debug_info');
        expect(elf.section('.no_such_section')).toBeUndefined();
        expect(elf.sectionByIndex(1)).toBe(elf.sections[1]);
        expect(elf.sectionByIndex(elf.sections.length)).toBeUndefined();
      } finally {
        elf.close();
      }
    });

    it(`${t.name}: relocated debug sections match readelf --relocated-dump`, (ctx) => {
      const file = build(t, ctx);
      const elf = ElfFile.open(file);
      try {
        const secs = debugSections(elf);
        expect(secs.length).toBeGreaterThan(3);
        let relocated = 0;
        for (const s of secs) {
          const want = readelfRelocatedDump(file, s.name)!;
          const got = elf.debugSection(s.name)!;
          expect(got, s.name).toBeDefined();
          // readelf skips relocations against TLS symbols; we apply them (S + A).
          for (const [off, width] of relocationsAgainst(file, s.name, 'tls_var')) {
            want.fill(0, off, off + width);
            got.fill(0, off, off + width);
          }
          expect(Buffer.from(got!).equals(Buffer.from(want!)), `${s.name} (${t.name})`).toBe(true);
          if (elf.relocationSections(s).length > 0) {
            relocated++;
            // Relocation must really change something: compare with the raw contents.
            const raw = readelfHexDump(file, s.name)!;
            expect(Buffer.from(elf.sectionData(s)).equals(Buffer.from(raw))).toBe(true);
          }
        }
        expect(relocated).toBeGreaterThan(0);
        // .eh_frame has PC-relative relocations (FDE initial locations): check them too.
        const eh = elf.section('.eh_frame');
        if (eh && elf.relocationSections(eh).length > 0) {
          const want = readelfRelocatedDump(file, '.eh_frame')!;
          expect(Buffer.from(elf.relocatedData(eh)).equals(Buffer.from(want)), `.eh_frame (${t.name})`).toBe(true);
          expect(Buffer.from(elf.sectionData(eh)).equals(Buffer.from(want))).toBe(false);
        }
        // With RELA, the unrelocated fields hold 0 and relocation must change them. (With REL the
        // addend is in the field, and section symbols have value 0 in a .o: nothing may change.)
        const info = elf.section('.debug_info')!;
        if (elf.relocationSections(info)[0].type === 4) {
          expect(Buffer.from(elf.sectionData(info)).equals(Buffer.from(elf.debugSection('.debug_info')!))).toBe(false);
        }
      } finally {
        elf.close();
      }
    });
  }

  it('riscv: SET_ULEB128/SUB_ULEB128 (ADD32/SUB32 pairs of real objects turned into them)', (ctx) => {
    let pairs = 0;
    let big = 0;
    for (const name of ['riscv64', 'riscv32']) {
      const file = build(TARGETS.find((x) => x.name === name)!, ctx);
      const bytes = new Uint8Array(fs.readFileSync(file));
      const elf = ElfFile.fromBytes(bytes);
      const info = elf.section('.debug_info')!;
      const rela = elf.relocationSections(info)[0];
      const want = readelfRelocatedDump(file, '.debug_info')!;
      const dv = new DataView(bytes.buffer, bytes.byteOffset);
      // Elf64_Rela: offset u64, info u64 (type in the low word); Elf32_Rela: offset u32, info u32 (type in the low byte).
      const size = elf.is64 ? 24 : 12;
      const typeAt = (k: number) => rela.offset + k * size + (elf.is64 ? 8 : 4);
      const entry = (k: number) => ({
        offset: elf.is64 ? Number(dv.getBigUint64(rela.offset + k * size, true)) : dv.getUint32(rela.offset + k * size, true),
        type: elf.is64 ? dv.getUint32(typeAt(k), true) : dv.getUint8(typeAt(k)),
      });
      for (let k = 0; k + 1 < rela.size / size; k++) {
        const [a, b] = [entry(k), entry(k + 1)];
        if (a.type !== 35 || b.type !== 39 || a.offset !== b.offset) continue; // R_RISCV_ADD32, R_RISCV_SUB32
        const v = new DataView(want.buffer).getUint32(a.offset, true); // the label difference, per readelf
        const patched = bytes.slice();
        patched[typeAt(k)] = 60; // R_RISCV_SET_ULEB128
        patched[typeAt(k + 1)] = 61; // R_RISCV_SUB_ULEB128
        // The field becomes a 2-byte ULEB128 holding 0, then two bytes that must stay as they are.
        patched.set([0x80, 0x00, 0x55, 0x55], info.offset + a.offset);
        const got = ElfFile.fromBytes(patched).debugSection('.debug_info')!;
        expect([...got.subarray(a.offset, a.offset + 4)]).toEqual([(v & 0x7f) | 0x80, (v >> 7) & 0x7f, 0x55, 0x55]);
        pairs++;
        if (v > 0x7f) big++; // both bytes matter
      }
    }
    expect(pairs).toBeGreaterThan(1);
    expect(big).toBeGreaterThan(0);
  });

  it('64-bit arithmetic: carries, negative addends, PC-relative (x86_64, patched relocations)', (ctx) => {
    const file = build(TARGETS[0], ctx);
    const bytes = new Uint8Array(fs.readFileSync(file));
    const elf = ElfFile.fromBytes(bytes);
    const info = elf.section('.debug_info')!;
    const rela = elf.relocationSections(info)[0];
    const syms = elf.symbols()!;
    const sym = [...Array(syms.count).keys()].find((i) => syms.value[i] > 0n)!; // a symbol with a non-zero value
    const S = syms.value[sym];
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    // A relocation whose field has 8 bytes that no other relocation touches.
    const offs = Array.from({ length: rela.size / 24 }, (_, k) => Number(dv.getBigUint64(rela.offset + k * 24, true)));
    const k = offs.findIndex((o) => o + 8 <= info.size && offs.every((p) => p === o || p + 8 <= o || p >= o + 8));
    expect(k).toBeGreaterThanOrEqual(0);
    const at = rela.offset + k * 24;
    const offset = offs[k];
    const cases: [type: number, addend: bigint, width: number, expected: bigint][] = [
      [1, 0xffff_ffffn, 8, S + 0xffff_ffffn], // R_X86_64_64, carry into the high word
      [1, -1n, 8, (S - 1n) & 0xffff_ffff_ffff_ffffn], // negative addend
      [1, 1n << 63n, 8, S + (1n << 63n)],
      [24, 0n, 8, (S - BigInt(offset)) & 0xffff_ffff_ffff_ffffn], // R_X86_64_PC64: S + A - P (section address 0)
      [2, -4n, 4, (S - 4n - BigInt(offset)) & 0xffff_ffffn], // R_X86_64_PC32
      [11, -0x10n, 4, (S - 0x10n) & 0xffff_ffffn], // R_X86_64_32S
    ];
    for (const [type, addend, width, expected] of cases) {
      const b = bytes.slice();
      const v = new DataView(b.buffer);
      v.setBigUint64(at + 8, (BigInt(sym) << 32n) | BigInt(type), true);
      v.setBigInt64(at + 16, addend, true);
      b.fill(0xee, info.offset + offset, info.offset + offset + 8); // RELA: the field's old content is ignored
      const got = new DataView(ElfFile.fromBytes(b).debugSection('.debug_info')!.buffer);
      const value = width === 8 ? got.getBigUint64(offset, true) : BigInt(got.getUint32(offset, true));
      expect(value, `type ${type} addend ${addend}`).toBe(expected);
      if (width === 4) expect(got.getUint32(offset + 4, true)).toBe(new DataView(b.buffer).getUint32(info.offset + offset + 4, true));
    }
  });

  it('fromBytes gives the same results as open, and does not modify the buffer', (ctx) => {
    const file = build(TARGETS[0], ctx);
    const bytes = new Uint8Array(fs.readFileSync(file));
    const copy = bytes.slice();
    const a = ElfFile.open(file);
    const b = ElfFile.fromBytes(bytes);
    expect(b.path).toBeUndefined();
    expect(b.sections).toEqual(a.sections);
    for (const s of a.sections) expect(Buffer.from(b.sectionData(s)).equals(Buffer.from(a.sectionData(s)))).toBe(true);
    for (const s of debugSections(a)) {
      expect(Buffer.from(b.debugSection(s.name)!).equals(Buffer.from(a.debugSection(s.name)!))).toBe(true);
    }
    expect(Buffer.from(bytes).equals(Buffer.from(copy))).toBe(true);
    a.close();
    b.close();
  });

  it('uses opts.alloc for section data (e.g. SharedArrayBuffer)', (ctx) => {
    const file = build(TARGETS[0], ctx);
    const sizes: number[] = [];
    const elf = ElfFile.open(file, {
      alloc: (n) => {
        sizes.push(n);
        return new Uint8Array(new SharedArrayBuffer(n + 16)); // longer than asked: only n bytes are used
      },
    });
    const info = elf.section('.debug_info')!;
    const data = elf.debugSection('.debug_info')!;
    expect(data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(data.length).toBe(info.size);
    expect(sizes).toEqual([info.size]);
    expect(Buffer.from(data).equals(Buffer.from(readelfRelocatedDump(file, '.debug_info')!))).toBe(true);
    elf.close();
  });

  it('does not read the whole file on open', (ctx) => {
    const file = build(TARGETS[0], ctx);
    // A file with 64 MiB of padding before the section header table: opening it must not
    // allocate anything near that.
    const big = path.join(dir, 'padded.o');
    run('objcopy', ['--add-section', '.pad=/dev/null', file, big]);
    const pad = path.join(dir, 'pad.bin');
    fs.writeFileSync(pad, Buffer.alloc(64 << 20, 1));
    run('objcopy', ['--update-section', `.pad=${pad}`, big]);
    const before = process.memoryUsage().arrayBuffers;
    const elf = ElfFile.open(big);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 << 20);
    expect(elf.section('.pad')!.size).toBe(64 << 20);
    elf.close();
  });
});

describe('ElfFile on linked files', () => {
  it('executable: sections, symbols, program headers; relocations are not applied', (ctx) => {
    if (!hasTool('gcc')) ctx.skip('gcc is not installed');
    const obj = build(TARGETS[0], ctx);
    const main = path.join(dir, 'main.c');
    fs.writeFileSync(main, MAIN_C);
    // -Wl,-q keeps the (already applied) relocations, .rela.debug_info included.
    const exe = path.join(dir, 'exe');
    run('gcc', ['-g', '-no-pie', '-Wl,-q', main, obj, '-o', exe]);
    const elf = ElfFile.open(exe);
    try {
      expect(elf.type).toBe(2);
      expectSectionsMatchReadelf(elf, exe);
      expectSymbolsMatchReadelf(elf, exe);
      const info = elf.section('.debug_info')!;
      expect(elf.relocationSections(info).length).toBe(1);
      const raw = readelfHexDump(exe, '.debug_info')!;
      expect(Buffer.from(elf.debugSection('.debug_info')!).equals(Buffer.from(raw))).toBe(true);
      // Program headers as readelf -l shows them.
      const lines = run('readelf', ['-l', '-W', exe]).split('\n').filter((l) => /^\s+[A-Z_]+\s+0x/.test(l));
      const segs = elf.segments();
      expect(segs.length).toBe(lines.length);
      for (let i = 0; i < segs.length; i++) {
        const f = lines[i].trim().split(/\s+/);
        expect(segs[i].offset).toBe(parseInt(f[1], 16));
        expect(segs[i].vaddr).toBe(BigInt(f[2]));
        expect(segs[i].filesz).toBe(parseInt(f[4], 16));
        expect(segs[i].memsz).toBe(parseInt(f[5], 16));
      }
    } finally {
      elf.close();
    }
    // A PIE is ET_DYN.
    const pie = path.join(dir, 'pie');
    run('gcc', ['-g', '-pie', '-fPIE', main, obj, '-o', pie]);
    const p = ElfFile.open(pie);
    expect(p.type).toBe(3);
    expectSectionsMatchReadelf(p, pie);
    expectSymbolsMatchReadelf(p, pie);
    p.close();
  });

  it('stripped file: no .symtab', (ctx) => {
    const obj = build(TARGETS[0], ctx);
    const stripped = path.join(dir, 'stripped.o');
    run('objcopy', ['--strip-all', obj, stripped]);
    const elf = ElfFile.open(stripped);
    expect(elf.symbols()).toBeNull();
    expect(elf.debugSection('.debug_info')).toBeUndefined();
    elf.close();
  });
});

describe('compressed sections', () => {
  /** Checks compressed `file` against its decompressed copy and against readelf. */
  function expectSameDebugData(file: string): void {
    const reference = file + '.plain';
    run('objcopy', ['--decompress-debug-sections', file, reference]);
    const elf = ElfFile.open(file);
    const ref = ElfFile.open(reference);
    try {
      const compressed = elf.sections.filter((s) => s.flags & 0x800 || s.name.startsWith('.zdebug'));
      expect(compressed.length).toBeGreaterThan(2);
      for (const s of debugSections(ref)) {
        const got = elf.debugSection(s.name);
        expect(got, s.name).toBeDefined();
        expect(Buffer.from(got!).equals(Buffer.from(ref.debugSection(s.name)!)), s.name).toBe(true);
        // And against readelf's own decompression.
        const want = readelfRelocatedDump(file, elf.section(s.name) ? s.name : '.zdebug_' + s.name.slice(7))!;
        for (const [off, width] of relocationsAgainst(file, s.name, 'tls_var')) want.set(got!.subarray(off, off + width), off);
        expect(Buffer.from(got!).equals(Buffer.from(want!)), `${s.name} vs readelf`).toBe(true);
      }
    } finally {
      elf.close();
      ref.close();
    }
  }

  it('gcc -gz=zlib (SHF_COMPRESSED, ELFCOMPRESS_ZLIB)', (ctx) => {
    build(TARGETS[1], ctx);
    const z = compile(dir, 'gz', 'gcc', ['-c', '-gdwarf-4', '-gz=zlib']);
    const elf = ElfFile.open(z);
    expect(elf.section('.debug_info')!.flags & 0x800).toBe(0x800);
    elf.close();
    expectSameDebugData(z);
  });

  it('objcopy --compress-debug-sections=zstd (ELFCOMPRESS_ZSTD)', (ctx) => {
    const plain = build(TARGETS[0], ctx);
    const out = path.join(dir, 'zstd.o');
    const r = runAll('objcopy', ['--compress-debug-sections=zstd', plain, out]);
    if (r.status !== 0) ctx.skip(`objcopy does not support zstd: ${r.stderr.trim()}`);
    expectSameDebugData(out);
  });

  it('zstd on a big-endian ELF32 file', (ctx) => {
    const plain = build(TARGETS.find((t) => t.name === 'ppc32')!, ctx);
    const out = path.join(dir, 'zstd-ppc32.o');
    const r = runAll('objcopy', ['--compress-debug-sections=zstd', plain, out]);
    if (r.status !== 0) ctx.skip(`objcopy does not support zstd: ${r.stderr.trim()}`);
    expectSameDebugData(out);
  });

  it('zlib on big-endian s390x', (ctx) => {
    const plain = build(TARGETS.find((t) => t.name === 's390x')!, ctx);
    const out = path.join(dir, 'zlib-s390x.o');
    run('objcopy', ['--compress-debug-sections=zlib', plain, out]);
    expectSameDebugData(out);
  });

  it('legacy .zdebug_* (objcopy --compress-debug-sections=zlib-gnu)', (ctx) => {
    const plain = build(TARGETS[0], ctx);
    const out = path.join(dir, 'zdebug.o');
    const r = runAll('objcopy', ['--compress-debug-sections=zlib-gnu', plain, out]);
    if (r.status !== 0) ctx.skip(`objcopy does not support zlib-gnu: ${r.stderr.trim()}`);
    expectSameDebugData(out);
  });
});

describe('extended section numbering', () => {
  it('more than 65280 sections: e_shnum = 0, e_shstrndx = SHN_XINDEX, .symtab_shndx', (ctx) => {
    if (!hasTool('as')) ctx.skip('as is not installed');
    const src = path.join(dir, 'many.s');
    const lines: string[] = [];
    for (let i = 0; i < 65300; i++) lines.push(`.section .s${i},"a",@progbits\n.globl sym${i}\nsym${i}: .byte ${i % 256}`);
    fs.writeFileSync(src, lines.join('\n') + '\n');
    const obj = path.join(dir, 'many.o');
    run('as', [src, '-o', obj]);
    const elf = ElfFile.open(obj);
    try {
      expect(elf.sections.length).toBeGreaterThan(0xff00);
      expect(elf.shnum).toBe(elf.sections.length);
      expect(elf.sections[elf.shstrndx].name).toBe('.shstrtab');
      expect(elf.shstrndx).toBeGreaterThan(0xff00);
      expectSectionsMatchReadelf(elf, obj);
      expectSymbolsMatchReadelf(elf, obj);
      const s = elf.section('.s65299')!;
      expect(elf.sectionData(s)).toEqual(Uint8Array.of(65299 % 256));
      const syms = elf.symbols()!;
      expect(syms.shndx[syms.count - 1]).toBe(s.index);
    } finally {
      elf.close();
    }
  });
});

/** Runs everything a consumer might do; any failure must be an InputError. */
function exercise(bytes: Uint8Array): void {
  const elf = ElfFile.fromBytes(bytes);
  for (const s of elf.sections) {
    elf.sectionData(s);
    elf.relocatedData(s);
  }
  elf.segments();
  const syms = elf.symbols();
  if (syms) for (let i = 0; i < syms.count; i++) syms.name(i);
}

function expectInputError(fn: () => unknown, message?: RegExp): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof InputError)) throw new Error(`expected an InputError, got ${(e as Error).stack}`);
    expect(e.message).not.toContain('\n');
    if (message) expect(e.message).toMatch(message);
    return;
  }
  throw new Error('expected an InputError, but nothing was thrown');
}

describe('bad input', () => {
  function le64(buf: Uint8Array, off: number, v: number | bigint): void {
    new DataView(buf.buffer, buf.byteOffset).setBigUint64(off, BigInt(v), true);
  }
  function le32(buf: Uint8Array, off: number, v: number): void {
    new DataView(buf.buffer, buf.byteOffset).setUint32(off, v, true);
  }
  function le16(buf: Uint8Array, off: number, v: number): void {
    new DataView(buf.buffer, buf.byteOffset).setUint16(off, v, true);
  }
  function fixture(ctx: TestContext): { bytes: Uint8Array; elf: ElfFile } {
    const bytes = new Uint8Array(fs.readFileSync(build(TARGETS[0], ctx)));
    return { bytes, elf: ElfFile.fromBytes(bytes.slice()) };
  }
  /** Offset of section i's header. */
  const shdr = (elf: ElfFile, i: number) => elf.shoff + i * 64;

  it('empty, short, garbage and non-ELF files', () => {
    expectInputError(() => ElfFile.fromBytes(new Uint8Array(0)), /not an ELF file/);
    expectInputError(() => ElfFile.fromBytes(Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1)), /not an ELF file/);
    expectInputError(() => ElfFile.fromBytes(new TextEncoder().encode('#!/bin/sh\necho this is not an ELF file\n')), /bad magic/);
    const rnd = prng(1);
    const garbage = Uint8Array.from({ length: 4096 }, () => Math.floor(rnd() * 256));
    expectInputError(() => ElfFile.fromBytes(garbage), /bad magic/);
    const hdr = new Uint8Array(64);
    hdr.set([0x7f, 0x45, 0x4c, 0x46, 3, 1, 1]);
    expectInputError(() => ElfFile.fromBytes(hdr), /class 3/);
    hdr[4] = 2;
    hdr[5] = 0;
    expectInputError(() => ElfFile.fromBytes(hdr), /data encoding 0/);
    hdr[5] = 1;
    hdr[6] = 2;
    expectInputError(() => ElfFile.fromBytes(hdr), /version 2/);
    hdr[6] = 1;
    expectInputError(() => ElfFile.fromBytes(hdr.subarray(0, 40)), /too small for an ELF header/);
    // A bare valid header with no sections is fine.
    const elf = ElfFile.fromBytes(hdr);
    expect(elf.sections).toEqual([]);
    expect(elf.symbols()).toBeNull();
    expect(elf.debugSection('.debug_info')).toBeUndefined();
  });

  it('open() reports a missing file or a directory as InputError', () => {
    expectInputError(() => ElfFile.open(path.join(dir, 'does-not-exist')), /^cannot open: ENOENT: no such file or directory$/);
    expectInputError(() => ElfFile.open(dir), /not a regular file/);
  });

  it('truncated files', (ctx) => {
    const { bytes } = fixture(ctx);
    // The section header table is at the end of a gcc object: every truncation breaks something.
    for (let len = 0; len < bytes.length; len += 97) expectInputError(() => exercise(bytes.subarray(0, len)));
    const file = path.join(dir, 'truncated.o');
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 1));
    expectInputError(() => ElfFile.open(file), /section header table .* extends past end of file/);
  });

  it('header fields out of range', (ctx) => {
    const { bytes, elf } = fixture(ctx);
    const patched = (f: (b: Uint8Array) => void) => {
      const b = bytes.slice();
      f(b);
      return b;
    };
    expectInputError(() => ElfFile.fromBytes(patched((b) => le64(b, 40, bytes.length + 8))), /section header table offset 0x[0-9a-f]+ is past the end/);
    expectInputError(() => ElfFile.fromBytes(patched((b) => le64(b, 40, 2n ** 63n))), /past the end/);
    expectInputError(() => ElfFile.fromBytes(patched((b) => le16(b, 58, 40))), /e_shentsize=40/);
    expectInputError(() => ElfFile.fromBytes(patched((b) => le16(b, 60, 0xfff0))), /extends past end of file/);
    expectInputError(() => ElfFile.fromBytes(patched((b) => le16(b, 62, elf.sections.length))), /string table index .* out of range/);
    // e_shnum = 0 sends us to section 0's sh_size, which is 0 here.
    expectInputError(() => ElfFile.fromBytes(patched((b) => le16(b, 60, 0))), /e_shnum is 0/);
    // ... and with an absurd count there.
    expectInputError(() => ElfFile.fromBytes(patched((b) => (le16(b, 60, 0), le64(b, shdr(elf, 0) + 32, 1e12)))), /extends past end of file/);
    // e_shstrndx = SHN_XINDEX sends us to section 0's sh_link.
    expectInputError(() => ElfFile.fromBytes(patched((b) => (le16(b, 62, 0xffff), le32(b, shdr(elf, 0) + 40, 99999)))), /out of range/);
    const viaLink = ElfFile.fromBytes(patched((b) => (le16(b, 62, 0xffff), le32(b, shdr(elf, 0) + 40, elf.shstrndx))));
    expect(viaLink.sections.map((s) => s.name)).toEqual(elf.sections.map((s) => s.name));
    expectInputError(() => ElfFile.fromBytes(patched((b) => (le64(b, 32, bytes.length), le16(b, 56, 1), le16(b, 54, 56)))), /program header table/);
    expectInputError(() => ElfFile.fromBytes(patched((b) => (le64(b, 32, 64), le16(b, 56, 1), le16(b, 54, 32)))), /e_phentsize=32/);
  });

  it('section headers out of range', (ctx) => {
    const { bytes, elf } = fixture(ctx);
    const info = elf.section('.debug_info')!;
    const patched = (f: (b: Uint8Array) => void) => {
      const b = bytes.slice();
      f(b);
      return b;
    };
    expectInputError(
      () => ElfFile.fromBytes(patched((b) => le64(b, shdr(elf, info.index) + 24, bytes.length - 4))),
      new RegExp(`^section ${info.index} \\(\\.debug_info\\) extends past end of file \\(offset 0x[0-9a-f]+, size 0x[0-9a-f]+`),
    );
    expectInputError(() => ElfFile.fromBytes(patched((b) => le64(b, shdr(elf, info.index) + 32, 2n ** 62n))), /\(\.debug_info\) extends past end/);
    expectInputError(() => ElfFile.fromBytes(patched((b) => le32(b, shdr(elf, info.index), 1e6))), /name offset 0x[0-9a-f]+ outside/);
    const strtab = elf.sections[elf.shstrndx];
    expectInputError(() => ElfFile.fromBytes(patched((b) => b.fill(0x41, strtab.offset, strtab.offset + strtab.size))), /not NUL-terminated/);
    expectInputError(() => ElfFile.fromBytes(patched((b) => le32(b, shdr(elf, elf.shstrndx) + 4, 1))), /not SHT_STRTAB/);
    // A NOBITS section may point anywhere.
    const bss = elf.section('.bss')!;
    const ok = ElfFile.fromBytes(patched((b) => le64(b, shdr(elf, bss.index) + 24, 2n ** 40n)));
    expect(ok.sectionData(ok.section('.bss')!).length).toBe(0);
  });

  it('bad symbol tables', (ctx) => {
    const { bytes, elf } = fixture(ctx);
    const symtab = elf.section('.symtab')!;
    const patched = (f: (b: Uint8Array) => void) => {
      const b = bytes.slice();
      f(b);
      return ElfFile.fromBytes(b);
    };
    expectInputError(() => patched((b) => le64(b, shdr(elf, symtab.index) + 56, 16)).symbols(), /entry size 16/);
    expectInputError(() => patched((b) => le32(b, shdr(elf, symtab.index) + 40, 1)).symbols(), /not a string table/);
    expectInputError(() => patched((b) => le32(b, shdr(elf, symtab.index) + 40, 9999)).symbols(), /not a string table/);
    expectInputError(() => patched((b) => le64(b, shdr(elf, symtab.index) + 32, symtab.size - 5)).symbols(), /not a multiple/);
    expectInputError(() => patched((b) => le32(b, symtab.offset + 24 * 3, 0x7fffffff)).symbols(), /symbol 3 .* name offset/);
    expectInputError(() => patched((b) => le16(b, symtab.offset + 24 * 3 + 6, 0xffff)).symbols(), /SHN_XINDEX/);
    const strtab = elf.sections[symtab.link];
    expectInputError(() => patched((b) => (b[strtab.offset + strtab.size - 1] = 0x41)).symbols(), /does not end with a NUL/);
  });

  it('bad relocations', (ctx) => {
    const { bytes, elf } = fixture(ctx);
    const info = elf.section('.debug_info')!;
    const rela = elf.relocationSections(info)[0];
    const patched = (f: (b: Uint8Array) => void) => {
      const b = bytes.slice();
      f(b);
      return ElfFile.fromBytes(b);
    };
    expectInputError(
      () => patched((b) => le32(b, rela.offset + 8, 0x55)).debugSection('.debug_info'),
      /\.rela\.debug_info\): unsupported x86_64 relocation type 85 \(entry 0, offset 0x[0-9a-f]+ in section \d+ \(\.debug_info\)\)/,
    );
    expectInputError(() => patched((b) => le64(b, rela.offset, info.size - 2)).debugSection('.debug_info'), /relocation 0 at offset 0x[0-9a-f]+ is outside/);
    expectInputError(() => patched((b) => le64(b, rela.offset, 2n ** 60n)).debugSection('.debug_info'), /is outside/);
    expectInputError(() => patched((b) => le32(b, rela.offset + 12, 100000)).debugSection('.debug_info'), /symbol 100000/);
    expectInputError(() => patched((b) => le16(b, 18, 9999)).debugSection('.debug_info'), /machine 9999 are not supported/);
    expectInputError(() => patched((b) => le32(b, shdr(elf, rela.index) + 40, 1)).debugSection('.debug_info'), /not a symbol table/);
    expectInputError(() => patched((b) => le64(b, shdr(elf, rela.index) + 56, 16)).debugSection('.debug_info'), /entry size 16/);
    expectInputError(() => patched((b) => le64(b, shdr(elf, rela.index) + 32, rela.size - 1)).debugSection('.debug_info'), /not a multiple/);
    // The same file as ET_EXEC: relocations are ignored, so nothing fails.
    const exec = patched((b) => (le32(b, rela.offset + 8, 0x55), le16(b, 16, 2)));
    expect(exec.debugSection('.debug_info')).toEqual(exec.sectionData(info));
  });

  it('bad compressed sections', (ctx) => {
    build(TARGETS[0], ctx);
    const z = compile(dir, 'gz-bad', 'gcc', ['-c', '-g', '-gz=zlib']);
    const bytes = new Uint8Array(fs.readFileSync(z));
    const elf = ElfFile.fromBytes(bytes.slice());
    const info = elf.section('.debug_info')!;
    const patched = (f: (b: Uint8Array) => void) => {
      const b = bytes.slice();
      f(b);
      return ElfFile.fromBytes(b);
    };
    expectInputError(() => patched((b) => le64(b, info.offset + 8, 5)).sectionData(info), /larger than the declared 0x5 bytes/);
    expectInputError(() => patched((b) => le64(b, info.offset + 8, 1e6)).sectionData(info), /decompressed size 0x[0-9a-f]+ differs from the declared 0xf4240/);
    expectInputError(() => patched((b) => le64(b, info.offset + 8, 2n ** 50n)).sectionData(info), /too large/);
    expectInputError(() => patched((b) => le32(b, info.offset, 7)).sectionData(info), /unsupported compression type 7/);
    expectInputError(() => patched((b) => b.fill(0xff, info.offset + 24, info.offset + 40)).sectionData(info), /corrupt zlib data/);
    const small = patched((b) => le64(b, shdr(elf, info.index) + 32, 10));
    expectInputError(() => small.sectionData(small.section('.debug_info')!), /too small for a compression header/);
    const zstd = path.join(dir, 'zstd-bad.o');
    if (runAll('objcopy', ['--compress-debug-sections=zstd', build(TARGETS[0], ctx), zstd]).status === 0) {
      const zb = new Uint8Array(fs.readFileSync(zstd));
      const ze = ElfFile.fromBytes(zb);
      const zi = ze.section('.debug_info')!;
      const zp = (f: (b: Uint8Array) => void) => {
        const b = zb.slice();
        f(b);
        return ElfFile.fromBytes(b);
      };
      expectInputError(() => zp((b) => le64(b, zi.offset + 8, 5)).sectionData(zi), /larger than the declared 0x5 bytes/);
      expectInputError(() => zp((b) => le64(b, zi.offset + 8, 1e6)).sectionData(zi), /differs from the declared/);
      expectInputError(() => zp((b) => b.fill(0xff, zi.offset + 24, zi.offset + 40)).sectionData(zi), /corrupt zstd data/);
    }
  });

  it('random corruption never throws anything but InputError', (ctx) => {
    const inputs = [build(TARGETS[0], ctx), build(TARGETS[3], ctx)];
    const s390 = TARGETS.find((t) => t.name === 's390x')!;
    if (hasTool(s390.cc)) inputs.push(build(s390, ctx));
    const gz = compile(dir, 'gz-fuzz', 'gcc', ['-c', '-g', '-gz=zlib']);
    inputs.push(gz);
    const rnd = prng(42);
    let failures = 0;
    for (const file of inputs) {
      const orig = new Uint8Array(fs.readFileSync(file));
      const elf = ElfFile.fromBytes(orig);
      // Bias mutations towards the headers, where they do the most damage.
      const hot = [[0, 64], [elf.shoff, elf.shoff + elf.sections.length * (elf.is64 ? 64 : 40)]];
      for (const s of elf.sections) if (/symtab|rel/.test(s.name)) hot.push([s.offset, s.offset + s.size]);
      for (let iter = 0; iter < 600; iter++) {
        const b = orig.slice();
        const n = 1 + Math.floor(rnd() * 4);
        for (let k = 0; k < n; k++) {
          const [lo, hi] = rnd() < 0.8 ? hot[Math.floor(rnd() * hot.length)] : [0, b.length];
          const at = lo + Math.floor(rnd() * (hi - lo));
          b[at] = rnd() < 0.3 ? 0xff : Math.floor(rnd() * 256);
        }
        try {
          exercise(b);
        } catch (e) {
          if (!(e instanceof InputError)) throw new Error(`iteration ${iter} on ${file}: ${(e as Error).stack}`);
          expect(e.message).not.toContain('\n');
          failures++;
        }
      }
    }
    // The mutations must actually have hit something.
    expect(failures).toBeGreaterThan(100);
  });
});
