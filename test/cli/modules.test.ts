// `dwarf2btf encode/dump/check` on modules, run as a user runs them (the built dist/): split BTF
// over a base given as raw BTF or as an ELF file with .BTF, the distilled base in place and with
// -o, relocation by dump/check --base, and every way a base can be wrong.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BtfTable } from '../../src/btf/table.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/main.js');
const OBJ = path.join(ROOT, 'testdata/module/obj');
const G124 = path.join(ROOT, 'testdata/module/golden/pahole-1.24');
const G131 = path.join(ROOT, 'testdata/module/golden/pahole-1.31');
const MOD = path.join(OBJ, 'mod.gcc-x86_64.o');
const F124 = '--btf_features=var,float,decl_tag,type_tag,enum64';
const haveObjcopy = spawnSync('objcopy', ['--version']).status === 0;
const haveBpftool = spawnSync('bpftool', ['version']).status === 0;
const SYSFS = '/sys/kernel/btf/vmlinux';

function run(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const sha = (f: string): string => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const same = (a: string, b: string): boolean => fs.readFileSync(a).equals(fs.readFileSync(b));

let dir = '';
beforeAll(() => {
  if (!fs.existsSync(BIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dwarf2btf-modules-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function copy(src: string, name: string): string {
  const f = path.join(dir, name);
  fs.copyFileSync(src, f);
  return f;
}

function sections(file: string, ...names: string[]): string[] {
  const args: string[] = [];
  const outs = names.map((n) => path.join(dir, `${path.basename(file)}${n}`));
  names.forEach((n, i) => args.push('--dump-section', `${n}=${outs[i]}`));
  const r = spawnSync('objcopy', [...args, file, path.join(dir, 'scratch.o')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`objcopy: ${r.stderr}`);
  return outs;
}

describe('encode --btf_base', () => {
  it('raw base: pahole 1.24\'s split BTF byte for byte', () => {
    const out = path.join(dir, 'raw.btf');
    const r = run('encode', F124, '--btf_base', path.join(G124, 'kernel.gcc-x86_64.o.btf'), '-o', out, MOD);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(same(out, path.join(G124, 'mod.gcc-x86_64.o.btf'))).toBe(true);
  });

  it.skipIf(!haveObjcopy)('ELF base (a kernel object whose .BTF we added in place), module in place', () => {
    const vmlinux = copy(path.join(OBJ, 'kernel.gcc-x86_64.o'), 'vmlinux');
    expect(run('encode', F124, vmlinux).status).toBe(0);
    const ko = copy(MOD, 'inplace.ko');
    const r = run('encode', F124, '--btf_base', vmlinux, ko);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [btf] = sections(ko, '.BTF');
    expect(same(btf, path.join(G124, 'mod.gcc-x86_64.o.btf'))).toBe(true);
    expect(run('check', '--base', vmlinux, ko).stdout).toMatch(/ok, \d+ types/);
  });

  it.skipIf(!haveObjcopy)('--btf_features=base_ref (the form users type) in place: the .BTF.base and .BTF pahole 1.31 writes', () => {
    const ko = copy(MOD, 'baseref.ko');
    const base = path.join(G131, 'kernel.gcc-x86_64.o.btf');
    const r = run('encode', '--btf_features=base_ref', '--btf_base', base, ko);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [btf, dist] = sections(ko, '.BTF', '.BTF.base');
    expect(same(dist, path.join(G131, 'mod.gcc-x86_64.o.dist.base'))).toBe(true);
    expect(same(btf, path.join(G131, 'mod.gcc-x86_64.o.dist.btf'))).toBe(true);
    // -o writes the same two things to OUT and OUT.base
    const out = path.join(dir, 'baseref.btf');
    expect(run('encode', '--btf_features=default,distilled_base', '--btf_base', base, '-o', out, MOD).status).toBe(0);
    expect(same(out, btf)).toBe(true);
    expect(same(out + '.base', dist)).toBe(true);
    // dump without --base: over the distilled base; with it: relocated onto the kernel
    const plain = run('dump', ko);
    expect(plain.status).toBe(0);
    expect(plain.stdout).toBe(run('dump', '--distilled_base', out + '.base', out).stdout);
    const reloc = run('dump', '--base', base, ko);
    expect(reloc.status).toBe(0);
    expect(reloc.stdout).toBe(run('dump', '--base', base, '--distilled_base', out + '.base', out).stdout);
    const firstId = Number(/^\[(\d+)\]/.exec(reloc.stdout)![1]);
    expect(firstId).toBe(BtfTable.parse(fs.readFileSync(base)).endId);
    expect(run('check', ko).status).toBe(0);
    expect(run('check', '--base', base, ko).status).toBe(0);
    // encoding again without the feature would leave .BTF.base stale: refused
    const again = run('encode', '--btf_base', base, ko);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/has a \.BTF\.base section/);
    // with it, both sections are replaced
    expect(run('encode', '--btf_features=base_ref', '--btf_base', base, ko).status).toBe(0);
    const [btf2, dist2] = sections(ko, '.BTF', '.BTF.base');
    expect(same(btf2, out) && same(dist2, out + '.base')).toBe(true);
  });

  it.skipIf(!haveBpftool)('bpftool reads the distilled base and the split BTF over it as we dump them', () => {
    const out = path.join(dir, 'bt.btf');
    expect(run('encode', '--btf_features=base_ref', '--btf_base', path.join(G131, 'kernel.gcc-x86_64.o.btf'), '-o', out, MOD).status).toBe(0);
    const b1 = spawnSync('bpftool', ['btf', 'dump', 'file', out + '.base'], { encoding: 'utf8' });
    expect(b1.status).toBe(0);
    expect(run('dump', out + '.base').stdout).toBe(b1.stdout);
    const b2 = spawnSync('bpftool', ['-B', out + '.base', 'btf', 'dump', 'file', out], { encoding: 'utf8' });
    expect(b2.status).toBe(0);
    expect(run('dump', '--distilled_base', out + '.base', out).stdout).toBe(b2.stdout);
  });

  it('relocating onto a kernel whose embedded struct grew: one line naming the type', () => {
    const out = path.join(dir, 'v3.btf');
    expect(run('encode', '--btf_features=base_ref', '--btf_base', path.join(G124, 'kernel.gcc-x86_64.o.btf'), '-o', out, MOD).status).toBe(0);
    const r = run('dump', '--base', path.join(G124, 'kernel-v3.gcc-x86_64.o.btf'), '--distilled_base', out + '.base', out);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot relocate its BTF onto the given base: distilled base type STRUCT 'kref' size 4 \[\d+\] has no match in the base: a module struct\/union embeds it, so the size must match, and the base has STRUCT 'kref' size 8/);
    // the next release, whose ids all moved, is fine
    expect(run('check', '--base', path.join(G124, 'kernel-v2.gcc-x86_64.o.btf'), '--distilled_base', out + '.base', out).status).toBe(0);
  });

  it('distilled_base with no base to distill from', () => {
    const r = run('encode', '--btf_features=default,distilled_base', '-o', path.join(dir, 'nobase.btf'), path.join(ROOT, 'testdata/obj/multi.gcc-x86_64-dwarf5.o'));
    if (fs.existsSync(SYSFS)) {
      // the running kernel's BTF is taken as the base; a miniature object does not define struct module: fine
      expect(r.status).toBe(0);
    } else {
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/needs the BTF of the kernel the module is built for/);
    }
  });

  it.skipIf(!fs.existsSync(SYSFS))('base_ref without --btf_base uses the running kernel\'s BTF, and says when the module is not built for it', () => {
    const ko = copy(MOD, 'sysfs.ko');
    const before = sha(ko);
    const r = run('encode', '--btf_features=base_ref', ko);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the base BTF \/sys\/kernel\/btf\/vmlinux does not match it: its struct module has size/);
    expect(sha(ko)).toBe(before);
  });
});

describe('a wrong base: one line, exit 1, the module untouched, no file left behind', () => {
  const cases: [string, () => string, RegExp][] = [
    ['missing', () => path.join(dir, 'no-such-vmlinux'), /no-such-vmlinux: no such file/],
    ['not BTF', () => path.join(ROOT, 'README.md'), /README\.md: not BTF: bad BTF magic/],
    ['an ELF without .BTF', () => path.join(OBJ, 'kernel.gcc-x86_64.o'), /no \.BTF section: not a base BTF/],
    ['split BTF (a module\'s)', () => path.join(G124, 'mod.gcc-x86_64.o.btf'), /not a base BTF: its string section does not start with the empty string \(split BTF\?\)/],
    ['another kernel (struct module grew)', () => path.join(G124, 'kernel-v3.gcc-x86_64.o.btf'), /does not match it: its struct module has size \d+, the base's \[\d+\] \d+: it was built for another kernel/],
    ['no kernel at all (no struct module)', () => path.join(ROOT, 'testdata/golden/pahole-1.24/structs.gcc-x86_64-dwarf5.o.btf'), /does not match it: it defines struct module, which the base lacks/],
    ['the other byte order', () => path.join(G124, 'kernel.gcc-s390x.o.btf'), /is big-endian, the file little-endian/],
  ];
  for (const [what, base, msg] of cases) {
    it(what, () => {
      const ko = copy(MOD, `wrong-${what.replace(/\W+/g, '-')}.ko`);
      const before = sha(ko);
      const files = fs.readdirSync(dir).sort();
      for (const args of [[ko], ['-o', path.join(dir, 'never.btf'), ko]]) {
        const r = run('encode', '--btf_base', base(), ...args);
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(msg);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(sha(ko)).toBe(before);
        expect(fs.readdirSync(dir).sort()).toEqual(files);
      }
    });
  }
});
