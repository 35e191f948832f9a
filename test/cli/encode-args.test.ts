// The plain `encode` command lines that skip yargs (src/cli/encode-args.ts): what they read, which
// ones are left to yargs, and that both paths write the same output.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEncodeArgs } from '../../src/cli/encode-args.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/main.js');

describe('parseEncodeArgs', () => {
  it('reads the plain forms', () => {
    expect(parseEncodeArgs(['encode', '--btf_features=var,float', '--btf_features', 'enum64', '--btf_base', 'vmlinux', '-o', 'out.btf', 'm.ko'])).toEqual({
      file: 'm.ko', btf_features: ['var,float', 'enum64'], btf_base: 'vmlinux', o: 'out.btf',
    });
    expect(parseEncodeArgs(['encode', 'm.ko', '--output=o.btf', '--lang_exclude=rust', '--stats', '--quiet', '--verbose', '--rules=1.24'])).toEqual({
      file: 'm.ko', o: 'o.btf', lang_exclude: 'rust', stats: true, quiet: true, verbose: true, rules: '1.24',
    });
  });

  it('-j, -j N, -jN, --jobs, --jobs=N as yargs gives them', () => {
    expect(parseEncodeArgs(['encode', '-j', 'm.ko'])).toBeNull(); // yargs would take m.ko as the value
    expect(parseEncodeArgs(['encode', 'm.ko', '-j'])?.j).toBe('');
    expect(parseEncodeArgs(['encode', '-j', '--stats', 'm.ko'])?.j).toBe('');
    expect(parseEncodeArgs(['encode', '-j', '4', 'm.ko'])?.j).toBe('4');
    expect(parseEncodeArgs(['encode', '-j4', 'm.ko'])?.j).toBe('4');
    expect(parseEncodeArgs(['encode', '--jobs=2', 'm.ko'])?.j).toBe('2');
  });

  it('leaves everything else to yargs', () => {
    for (const argv of [
      ['dump', 'x'], ['encode'], ['encode', '--help'], ['encode', 'a.o', 'b.o'], ['encode', '-o', 'a', '-o', 'b', 'x.o'],
      ['encode', '--stats=false', 'x.o'], ['encode', '--no-stats', 'x.o'], ['encode', '--btfFeatures=var', 'x.o'],
      ['encode', '--rules=2.0', 'x.o'], ['encode', '--', 'x.o'], ['encode', '--btf_base'], ['encode', '-jx', 'x.o'],
      ['encode', '--stats', '--stats', 'x.o'],
    ]) {
      expect(parseEncodeArgs(argv), argv.join(' ')).toBeNull();
    }
  });
});

describe('both paths', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dwarf2btf-args-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('write the same BTF, and the yargs path still reports its errors', () => {
    const obj = path.join(ROOT, 'testdata/module/obj/mod.gcc-x86_64.o');
    const base = path.join(ROOT, 'testdata/module/golden/pahole-1.24/kernel.gcc-x86_64.o.btf');
    const run = (...a: string[]) => spawnSync(process.execPath, [BIN, 'encode', ...a], { encoding: 'utf8' });
    const plain = run('--btf_base', base, '-o', path.join(dir, 'plain.btf'), obj);
    // `--verbose=false` is not a plain form: yargs parses this one
    const viaYargs = run('--verbose=false', '--btf_base', base, '-o', path.join(dir, 'yargs.btf'), obj);
    expect(plain.status).toBe(0);
    expect(viaYargs.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'plain.btf')).equals(fs.readFileSync(path.join(dir, 'yargs.btf')))).toBe(true);
    const bad = run('--rules=2.0', obj);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Choices: "1\.24", "1\.31"/);
  });
});
