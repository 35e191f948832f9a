// Sanity checks of the committed test inputs (testdata/obj/) and their
// reference BTF (testdata/golden/<tag>/): the objects are what
// scripts/build-testdata.sh says it builds and what their names claim, every
// object has goldens (or a recorded refusal) for every tag, and each golden
// .btf is well formed and still dumps to its committed .txt.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const OBJ_DIR = path.join(ROOT, 'testdata/obj');
const SRC_DIR = path.join(ROOT, 'testdata/src');
const GOLDEN_DIR = path.join(ROOT, 'testdata/golden');
const OBJ_RE = /^([a-z_0-9]+)\.(gcc|clang|clang19)-(x86_64|aarch64|s390x)-dwarf([2-5])((?:-[A-Za-z0-9]+)*)\.(o|so|exe)$/;

const listObjects = (): string[] =>
  fs
    .readdirSync(OBJ_DIR)
    .filter((f) => /\.(o|so|exe)$/.test(f))
    .sort();

const goldenTags = (): string[] =>
  fs.existsSync(GOLDEN_DIR)
    ? fs
        .readdirSync(GOLDEN_DIR, { withFileTypes: true })
        .filter((d) => d.isDirectory() && fs.existsSync(path.join(GOLDEN_DIR, d.name, 'VERSIONS')))
        .map((d) => d.name)
        .sort()
    : [];

function tool(cmd: string, args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { ok: !r.error && r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

function readKeyValues(file: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const i = line.indexOf(': ');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 2));
  }
  return m;
}

/** object name -> reason, from a tag's FAILURES file */
function readFailures(tag: string): Map<string, string> {
  const f = path.join(GOLDEN_DIR, tag, 'FAILURES');
  const m = new Map<string, string>();
  if (!fs.existsSync(f)) return m;
  for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [name, reason] = line.split('\t');
    m.set(name, reason ?? '');
  }
  return m;
}

// ------------------------------------------------------------ a tiny ELF reader

interface Section {
  name: string;
  type: number;
  flags: bigint;
  data: Buffer;
}
interface Elf {
  is64: boolean;
  le: boolean;
  type: number;
  machine: number;
  sections: Section[];
}

function readElf(buf: Buffer): Elf {
  expect(buf.readUInt32BE(0)).toBe(0x7f454c46);
  const is64 = buf[4] === 2;
  const le = buf[5] === 1;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u64 = (o: number) => (le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o));
  const shoff = Number(is64 ? u64(0x28) : u32(0x20));
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const shstrndx = u16(is64 ? 0x3e : 0x32);
  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    raw.push(
      is64
        ? { name: u32(o), type: u32(o + 4), flags: u64(o + 8), offset: Number(u64(o + 0x18)), size: Number(u64(o + 0x20)) }
        : { name: u32(o), type: u32(o + 4), flags: BigInt(u32(o + 8)), offset: u32(o + 0x10), size: u32(o + 0x14) },
    );
  }
  const strtab = raw[shstrndx];
  const sections = raw.map((s) => {
    const start = strtab.offset + s.name;
    return {
      name: buf.toString('latin1', start, buf.indexOf(0, start)),
      type: s.type,
      flags: s.flags,
      data: s.type === 8 ? Buffer.alloc(0) : buf.subarray(s.offset, s.offset + s.size),
    };
  });
  return { is64, le, type: u16(0x10), machine: u16(0x12), sections };
}

const SHF_COMPRESSED = 0x800n;

/** .debug_info contents and how they were compressed */
function debugInfo(elf: Elf): { data: Buffer | null; compression: 'none' | 'zlib' | 'zstd' | 'zlib-gnu' } {
  const plain = elf.sections.find((s) => s.name === '.debug_info');
  if (plain) {
    if (!(plain.flags & SHF_COMPRESSED)) return { data: plain.data, compression: 'none' };
    const rd32 = (o: number) => (elf.le ? plain.data.readUInt32LE(o) : plain.data.readUInt32BE(o));
    const chType = rd32(0);
    const hdr = elf.is64 ? 24 : 12;
    if (chType === 1) return { data: zlib.inflateSync(plain.data.subarray(hdr)), compression: 'zlib' };
    if (chType === 2) return { data: null, compression: 'zstd' };
    throw new Error(`unknown ch_type ${chType}`);
  }
  const z = elf.sections.find((s) => s.name === '.zdebug_info');
  if (z) {
    expect(z.data.toString('latin1', 0, 4)).toBe('ZLIB');
    return { data: zlib.inflateSync(z.data.subarray(12)), compression: 'zlib-gnu' };
  }
  throw new Error('no .debug_info');
}

/** DWARF version and offset size of the first unit */
function firstUnit(info: Buffer, le: boolean): { version: number; dwarf64: boolean } {
  const u32 = le ? info.readUInt32LE(0) : info.readUInt32BE(0);
  const dwarf64 = u32 === 0xffffffff;
  const vo = dwarf64 ? 12 : 4;
  return { version: le ? info.readUInt16LE(vo) : info.readUInt16BE(vo), dwarf64 };
}

// --------------------------------------------------------- a tiny BTF walker

const BTF_KIND_NAMES = [
  'UNKN', 'INT', 'PTR', 'ARRAY', 'STRUCT', 'UNION', 'ENUM', 'FWD', 'TYPEDEF', 'VOLATILE',
  'CONST', 'RESTRICT', 'FUNC', 'FUNC_PROTO', 'VAR', 'DATASEC', 'FLOAT', 'DECL_TAG', 'TYPE_TAG', 'ENUM64',
];

/** Check the header and walk the type section; returns the kinds of types 1..N */
function walkBtf(buf: Buffer): { le: boolean; kinds: string[] } {
  expect(buf.length).toBeGreaterThanOrEqual(24);
  const le = buf.readUInt16LE(0) === 0xeb9f;
  if (!le) expect(buf.readUInt16BE(0)).toBe(0xeb9f);
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  expect(buf[2]).toBe(1); // version
  const hdrLen = u32(4);
  expect(hdrLen).toBeGreaterThanOrEqual(24);
  const typeOff = u32(8);
  const typeLen = u32(12);
  const strOff = u32(16);
  const strLen = u32(20);
  expect(hdrLen + strOff + strLen).toBe(buf.length);
  expect(hdrLen + typeOff + typeLen).toBeLessThanOrEqual(hdrLen + strOff);
  const strings = buf.subarray(hdrLen + strOff, hdrLen + strOff + strLen);
  expect(strings[0]).toBe(0);
  expect(strings[strings.length - 1]).toBe(0);
  const kinds: string[] = [];
  let p = hdrLen + typeOff;
  const end = p + typeLen;
  while (p < end) {
    const nameOff = u32(p);
    const info = u32(p + 4);
    expect(nameOff).toBeLessThan(strLen);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    expect(kind).toBeGreaterThan(0);
    expect(kind).toBeLessThan(BTF_KIND_NAMES.length);
    p += 12;
    switch (BTF_KIND_NAMES[kind]) {
      case 'INT': p += 4; break;
      case 'ARRAY': p += 12; break;
      case 'STRUCT': case 'UNION': p += 12 * vlen; break;
      case 'ENUM': p += 8 * vlen; break;
      case 'FUNC_PROTO': p += 8 * vlen; break;
      case 'VAR': p += 4; break;
      case 'DATASEC': p += 12 * vlen; break;
      case 'DECL_TAG': p += 4; break;
      case 'ENUM64': p += 12 * vlen; break;
      default: break;
    }
    kinds.push(BTF_KIND_NAMES[kind]);
  }
  expect(p).toBe(end);
  return { le, kinds };
}

// ------------------------------------------------------------------ the tests

const objects = listObjects();
const tags = goldenTags();

describe('testdata objects', () => {
  it('exist and match the build matrix of scripts/build-testdata.sh', (ctx) => {
    expect(objects.length).toBeGreaterThan(0);
    const r = tool('bash', [path.join(ROOT, 'scripts/build-testdata.sh'), '--list']);
    if (!r.ok) ctx.skip(`cannot run scripts/build-testdata.sh --list: ${r.stderr.trim()}`);
    const listed = r.stdout.split('\n').filter(Boolean).map((l) => path.basename(l)).sort();
    expect(objects).toEqual(listed);
  });

  it('cover every source file', () => {
    const used = new Set(objects.map((o) => o.split('.')[0]));
    const sources = fs.readdirSync(SRC_DIR).filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2));
    // <set>_a.c, <set>_b.c ... are linked into <set>.*
    for (const s of sources) if (/_[a-z]$/.test(s) && used.has(s.slice(0, -2))) used.add(s);
    for (const s of sources) expect(used.has(s), `${s}.c is not built`).toBe(true);
  });

  it('keep the committed size small', () => {
    let total = 0;
    for (const d of [OBJ_DIR, GOLDEN_DIR]) {
      const walk = (p: string): void => {
        for (const e of fs.readdirSync(p, { withFileTypes: true })) {
          const f = path.join(p, e.name);
          if (e.isDirectory()) walk(f);
          else total += fs.statSync(f).size;
        }
      };
      walk(d);
    }
    expect(total).toBeLessThan(8 << 20);
  });

  const MACHINES: Record<string, number> = { x86_64: 62, aarch64: 183, s390x: 22 };
  const ET: Record<string, number> = { o: 1, exe: 2, so: 3 };

  for (const name of objects) {
    it(`${name} is what its name says`, () => {
      const m = OBJ_RE.exec(name);
      expect(m, `${name} does not follow <src>.<compiler>-<arch>-dwarf<N>[-variant].<o|so|exe>`).not.toBeNull();
      const [, , , arch, dwarf, variantStr, ext] = m!;
      const variants = variantStr.split('-').filter(Boolean);
      const elf = readElf(fs.readFileSync(path.join(OBJ_DIR, name)));
      expect(elf.is64).toBe(true);
      expect(elf.machine).toBe(MACHINES[arch]);
      expect(elf.le).toBe(arch !== 's390x');
      expect(elf.type).toBe(ET[ext]);
      if (ext === 'o') expect(elf.sections.some((s) => /^\.rela\.z?debug_info$/.test(s.name))).toBe(true);

      const { data, compression } = debugInfo(elf);
      const expected = variants.includes('zlib')
        ? 'zlib'
        : variants.includes('zstd')
          ? 'zstd'
          : variants.includes('zlibgnu')
            ? 'zlib-gnu'
            : 'none';
      expect(compression).toBe(expected);
      if (data) {
        const unit = firstUnit(data, elf.le);
        expect(unit.version).toBe(Number(dwarf));
        expect(unit.dwarf64).toBe(variants.includes('dwarf64'));
      }
      // no machine paths leak into the committed objects
      const text = fs.readFileSync(path.join(OBJ_DIR, name)).toString('latin1');
      expect(text).not.toMatch(/\/(work|root|home|tmp)\//);
    });
  }
});

describe('goldens', () => {
  it('exist for at least the default tag', () => {
    expect(tags).toContain('pahole-1.24');
  });

  for (const tag of tags) {
    describe(tag, () => {
      const dir = path.join(GOLDEN_DIR, tag);
      const failures = readFailures(tag);
      const versions = readKeyValues(path.join(dir, 'VERSIONS'));

      it('records the pahole and bpftool versions', () => {
        expect(versions.get('pahole')).toMatch(/^v\d+\.\d+/);
        expect(versions.get('bpftool')).toMatch(/bpftool v\d/);
        expect(versions.get('pahole_flags')).toContain('--btf_encode_detached');
      });

      it('has a golden or a recorded refusal for every object, and nothing else', () => {
        for (const obj of objects) {
          const btf = fs.existsSync(path.join(dir, `${obj}.btf`));
          const txt = fs.existsSync(path.join(dir, `${obj}.txt`));
          if (failures.has(obj)) {
            expect(btf || txt, `${tag}: ${obj} is listed in FAILURES but has a golden`).toBe(false);
          } else {
            expect(btf && txt, `${tag}: ${obj} has no golden (.btf and .txt) and no FAILURES line`).toBe(true);
          }
        }
        for (const f of fs.readdirSync(dir)) {
          if (!/\.(btf|txt)$/.test(f)) continue;
          expect(objects, `${tag}/${f} has no object`).toContain(f.replace(/\.(btf|txt)$/, ''));
        }
        for (const obj of failures.keys()) expect(objects, `${tag}/FAILURES names a missing ${obj}`).toContain(obj);
      });

      const goldens = objects.filter((o) => !failures.has(o) && fs.existsSync(path.join(dir, `${o}.btf`)));

      it('has well-formed .btf files that agree with their .txt dumps', () => {
        for (const obj of goldens) {
          const buf = fs.readFileSync(path.join(dir, `${obj}.btf`));
          const { le, kinds } = walkBtf(buf);
          expect(le, `${obj}: BTF byte order differs from the object's`).toBe(!obj.includes('-s390x-'));
          const txt = fs.readFileSync(path.join(dir, `${obj}.txt`), 'utf8');
          const dumped = [...txt.matchAll(/^\[(\d+)\] ([A-Z_0-9]+) /gm)];
          expect(dumped.map((d) => Number(d[1]))).toEqual(kinds.map((_, i) => i + 1));
          expect(dumped.map((d) => d[2])).toEqual(kinds);
        }
      });

      it('dump identically with the recorded bpftool', (ctx) => {
        const v = tool('bpftool', ['version']);
        if (!v.ok) ctx.skip('bpftool is not installed: cannot re-dump the goldens');
        const have = v.stdout.split('\n')[0].trim();
        const want = versions.get('bpftool');
        if (have !== want) ctx.skip(`installed ${have} differs from the goldens' ${want}: dump format may differ`);
        for (const obj of goldens) {
          const r = tool('bpftool', ['btf', 'dump', 'file', path.join(dir, `${obj}.btf`)]);
          expect(r.ok, `${tag}/${obj}: bpftool failed: ${r.stderr}`).toBe(true);
          expect(r.stdout, `${tag}/${obj}.txt differs from a fresh bpftool dump`).toBe(
            fs.readFileSync(path.join(dir, `${obj}.txt`), 'utf8'),
          );
        }
      });
    });
  }
});
