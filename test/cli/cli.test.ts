// The dwarf2btf command line, run as a user runs it (the built dist/), against the oracles where
// they are installed (bpftool, GNU objcopy/readelf).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/main.js');
const OBJ = path.join(ROOT, 'testdata/obj');
const GOLD = path.join(ROOT, 'testdata/golden/pahole-1.24');
const has = (cmd: string): boolean => spawnSync(cmd, ['--version']).status === 0;
const haveBpftool = spawnSync('bpftool', ['version']).status === 0;
const haveObjcopy = has('objcopy');

function run(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const sha = (f: string): string => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

let dir = '';
beforeAll(() => {
  if (!fs.existsSync(BIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dwarf2btf-cli-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('help', () => {
  it('every command has --help', () => {
    for (const cmd of ['encode', 'dump', 'check']) {
      const r = run(cmd, '--help');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`dwarf2btf ${cmd}`);
    }
    expect(run('encode', '--help').stdout).toContain('btf_features');
  });
});

describe('encode', () => {
  const obj = 'multi.gcc-x86_64-dwarf5.o';

  it('-o writes raw BTF equal to pahole 1.24 (with its feature set)', () => {
    const out = path.join(dir, 'multi.btf');
    const r = run('encode', '--btf_features=var,float,decl_tag,type_tag,enum64', '-o', out, path.join(OBJ, obj));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.readFileSync(out).equals(fs.readFileSync(path.join(GOLD, obj + '.btf')))).toBe(true);
  });

  it.skipIf(!haveObjcopy)('in place adds .BTF that objcopy extracts byte-identical to -o; twice works', () => {
    const copy = path.join(dir, 'inplace.o');
    fs.copyFileSync(path.join(OBJ, obj), copy);
    const raw = path.join(dir, 'inplace.btf');
    expect(run('encode', '-o', raw, copy).status).toBe(0);
    for (let round = 0; round < 2; round++) {
      const r = run('encode', copy);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const dumped = path.join(dir, `dumped${round}.btf`);
      const oc = spawnSync('objcopy', ['--dump-section', `.BTF=${dumped}`, copy, path.join(dir, 'scratch.o')]);
      expect(oc.status).toBe(0);
      expect(fs.readFileSync(dumped).equals(fs.readFileSync(raw))).toBe(true);
      const re = spawnSync('readelf', ['-S', '-W', copy], { encoding: 'utf8' });
      expect(re.stderr).toBe('');
      expect(re.stdout.match(/\] \.BTF /g)?.length).toBe(1);
    }
  });

  it('names an unknown feature', () => {
    const r = run('encode', '--btf_features=default,bogus', '-o', path.join(dir, 'x.btf'), path.join(OBJ, obj));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/unknown BTF feature 'bogus'/);
    expect(fs.existsSync(path.join(dir, 'x.btf'))).toBe(false);
  });

  it('refuses an unknown option with exit status 2', () => {
    const r = run('encode', '--frobnicate', path.join(OBJ, obj));
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('bad input: one line naming the file, non-zero exit, no output, input untouched', () => {
  const cases: [string, () => string, RegExp][] = [
    ['missing file', () => path.join(dir, 'nope.o'), /no such file|ENOENT/],
    ['not ELF', () => { const f = path.join(dir, 'text.o'); fs.writeFileSync(f, 'hello, world\n'.repeat(20)); return f; }, /not an ELF file/],
    ['truncated ELF', () => {
      const f = path.join(dir, 'trunc.o');
      fs.writeFileSync(f, fs.readFileSync(path.join(OBJ, 'structs.gcc-x86_64-dwarf5.o')).subarray(0, 3000));
      return f;
    }, /past|truncated|end of file/],
    ['no DWARF', () => {
      const f = path.join(dir, 'nodebug.o');
      const r = spawnSync('objcopy', ['--strip-debug', path.join(OBJ, 'structs.gcc-x86_64-dwarf5.o'), f]);
      if (r.status !== 0) fs.writeFileSync(f, Buffer.alloc(0));
      return f;
    }, /no DWARF|not an ELF/],
    ['corrupt abbreviations', () => {
      const f = path.join(dir, 'badabbrev.o');
      const b = Buffer.from(fs.readFileSync(path.join(OBJ, 'structs.gcc-x86_64-dwarf5.o')));
      // find .debug_abbrev from the ELF64 section headers and give its first entry an absurd form
      const shoff = Number(b.readBigUInt64LE(0x28));
      const shentsize = b.readUInt16LE(0x3a), shnum = b.readUInt16LE(0x3c), shstrndx = b.readUInt16LE(0x3e);
      const strOff = Number(b.readBigUInt64LE(shoff + shstrndx * shentsize + 0x18));
      for (let i = 0; i < shnum; i++) {
        const h = shoff + i * shentsize;
        const nameOff = b.readUInt32LE(h);
        const name = b.toString('latin1', strOff + nameOff, b.indexOf(0, strOff + nameOff));
        if (name === '.debug_abbrev') {
          const off = Number(b.readBigUInt64LE(h + 0x18));
          b[off + 2] = 0xff; b[off + 3] = 0xff; b[off + 4] = 0xff; b[off + 5] = 0x7f; // absurd form
        }
      }
      fs.writeFileSync(f, b);
      return f;
    }, /debug_abbrev|form|abbreviation/],
  ];
  for (const [what, make, re] of cases) {
    it(what, () => {
      const file = make();
      const before = fs.existsSync(file) ? sha(file) : '';
      const out = path.join(dir, `out-${what.replace(/ /g, '-')}.btf`);
      for (const args of [['encode', '-o', out, file], ['encode', file], ['dump', file], ['check', file]]) {
        const r = run(...args);
        expect(r.status, args.join(' ')).not.toBe(0);
        const lines = r.stderr.trim().split('\n');
        expect(lines, r.stderr).toHaveLength(1);
        expect(lines[0]).toContain(file);
        expect(lines[0]).not.toMatch(/internal error|at .*\.js:\d+/);
        if (args[0] === 'encode') expect(lines[0]).toMatch(re);
      }
      expect(fs.existsSync(out)).toBe(false);
      expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      if (before) expect(sha(file)).toBe(before);
    });
  }
});

describe.skipIf(!haveBpftool)('dump and check', () => {
  it('dump writes names byte for byte, as bpftool does (UTF-8 or not)', async () => {
    const { BtfTable } = await import('../../src/btf/table.js');
    const { Kind } = await import('../../src/btf/kinds.js');
    const t = new BtfTable();
    const int = t.addInt('int', 4, 1);
    t.addRef(Kind.TYPEDEF, 'caf\u00e9', int);
    const raw = new Uint8Array([0x78, 0xfe, 0xc3]);
    t.begin(t.addStrBytes(raw, 0, raw.length), Kind.DECL_TAG, 0, 0, int);
    t.push(0xffffffff);
    const file = path.join(dir, 'names.btf');
    fs.writeFileSync(file, t.serialize());
    const ours = spawnSync(process.execPath, [BIN, 'dump', file]);
    const theirs = spawnSync('bpftool', ['btf', 'dump', 'file', file]);
    expect(ours.status).toBe(0);
    expect(theirs.status).toBe(0);
    expect(ours.stdout.includes(Buffer.from([0x27, 0x78, 0xfe, 0xc3, 0x27]))).toBe(true);
    expect(Buffer.compare(ours.stdout, theirs.stdout)).toBe(0);
  });

  const objs = ['multi.gcc-x86_64-dwarf5.o', 'tags.clang19-x86_64-dwarf5.o', 'enums.gcc-s390x-dwarf5.o', 'vars.gcc-x86_64-dwarf5.o'];
  for (const obj of objs) {
    if (!fs.existsSync(path.join(OBJ, obj))) continue;
    it(`${obj}: dump equals bpftool, check passes`, () => {
      const out = path.join(dir, obj + '.btf');
      expect(run('encode', '-o', out, path.join(OBJ, obj)).status).toBe(0);
      const ours = run('dump', out);
      const theirs = spawnSync('bpftool', ['btf', 'dump', 'file', out], { encoding: 'utf8' });
      expect(theirs.status).toBe(0);
      expect(ours.stdout).toBe(theirs.stdout);
      const c = run('check', out);
      expect(c.status).toBe(0);
      expect(c.stdout).toMatch(/ok/);
    });
  }
});

describe('npm start', () => {
  it('the sample encodes, passes the kernel rules and matches both pahole versions', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/sample.mjs')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/kernel rules: pass/);
    expect(r.stdout).toMatch(/pahole 1\.31 --btf_features=default: yes/);
    expect(r.stdout).toMatch(/pahole 1\.24 --btf_gen_floats \(with its feature set\): yes/);
  });
});
