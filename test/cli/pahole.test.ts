// dwarf2btf-pahole: pahole's command line as the kernel build uses it (kernels 5.15 to 6.12+),
// parsed in-process, then the built binary run on the module test objects.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BtfTable } from '../../src/btf/table.js';
import { noFeatures, paholeLegacyFeatures, type FeatureName, type Features } from '../../src/encode/features.js';
import { InputError } from '../../src/errors.js';
import { parsePaholeArgs, type PaholeArgs } from '../../src/cli/pahole-args.js';
import { UsageError } from '../../src/cli/run.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/pahole.js');
const OBJ = path.join(ROOT, 'testdata/module/obj');
const GOLD = path.join(ROOT, 'testdata/module/golden');
const CPUS = os.availableParallelism();
const haveObjcopy = spawnSync('objcopy', ['--version']).status === 0;

function encodeArgs(argv: string[], exists?: (p: string) => boolean): PaholeArgs {
  const c = parsePaholeArgs(argv, exists);
  if (c.kind !== 'encode') throw new Error(`not an encode: ${c.kind}`);
  return c.args;
}
const on = (f: Features): string[] => (Object.keys(f) as FeatureName[]).filter((k) => f[k]).sort();
const KBUILD_126 = '--btf_features=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func,decl_tag_kfuncs';
const DEFAULT = ['consistent_func', 'decl_tag', 'decl_tag_kfuncs', 'encode_force', 'enum64', 'float', 'optimized_func', 'type_tag', 'var'];

describe('parsePaholeArgs: the kernel build\'s command lines', () => {
  it('5.15 modules: -J --btf_base vmlinux M.ko (pahole\'s legacy defaults)', () => {
    const a = encodeArgs(['-J', '--btf_base', 'vmlinux', 'm.ko']);
    expect(a).toMatchObject({ file: 'm.ko', encode: true, detached: null, base: 'vmlinux', jobs: 1, langExclude: [] });
    expect(on(a.features)).toEqual(on(paholeLegacyFeatures()));
    expect(on(a.features)).toEqual(['decl_tag', 'enum64', 'type_tag', 'var']);
  });

  it('5.15-6.1 vmlinux: -J --btf_gen_floats -j --lang_exclude=rust .tmp_vmlinux.btf', () => {
    const a = encodeArgs(['-J', '--btf_gen_floats', '-j', '--lang_exclude=rust', '.tmp_vmlinux.btf']);
    expect(on(a.features)).toEqual(['decl_tag', 'enum64', 'float', 'type_tag', 'var']);
    expect(a.jobs).toBe(CPUS);
    expect(a.langExclude).toEqual(['rust']);
    expect(a.file).toBe('.tmp_vmlinux.btf');
  });

  it('6.2-6.7 with pahole 1.25: --skip_encoding_btf_inconsistent_proto --btf_gen_optimized', () => {
    const a = encodeArgs(['-J', '-j', '--btf_gen_floats', '--skip_encoding_btf_inconsistent_proto', '--btf_gen_optimized', 'vmlinux']);
    expect(on(a.features)).toEqual(['consistent_func', 'decl_tag', 'enum64', 'float', 'optimized_func', 'type_tag', 'var']);
  });

  it('pahole <= 1.21: --skip_encoding_btf_vars; the other skips', () => {
    const a = encodeArgs(['-J', '--skip_encoding_btf_vars', '--skip_encoding_btf_decl_tag', '--skip_encoding_btf_type_tag', '--skip_encoding_btf_enum64', 'x.o']);
    expect(on(a.features)).toEqual([]);
  });

  it('6.8-6.12 out-of-tree module: -J -j --btf_features=... -j --lang_exclude=rust --btf_features=distilled_base --btf_base vmlinux M.ko', () => {
    const a = encodeArgs(['-J', '-j', KBUILD_126, '-j', '--lang_exclude=rust', '--btf_features=distilled_base', '--btf_base', 'vmlinux', 'hello.ko']);
    expect(on(a.features)).toEqual([...DEFAULT, 'distilled_base'].sort());
    expect(a).toMatchObject({ file: 'hello.ko', base: 'vmlinux', jobs: CPUS, langExclude: ['rust'], detached: null });
  });

  it('6.13+ vmlinux: -J -j --btf_features=... --btf_features=+reproducible_build --btf_encode_detached=vmlinux.btf .tmp_vmlinux1', () => {
    const a = encodeArgs(['-J', '-j', KBUILD_126, '-j', '--btf_features=+reproducible_build', '--btf_encode_detached=.btf.vmlinux.bin.o', '.tmp_vmlinux1']);
    expect(on(a.features)).toEqual([...DEFAULT, 'reproducible_build'].sort());
    expect(a.detached).toBe('.btf.vmlinux.bin.o');
    expect(a.file).toBe('.tmp_vmlinux1');
  });
});

describe('parsePaholeArgs: pahole 1.31\'s rules', () => {
  it('the first --btf_features switches everything off, then on as listed; later legacy flags still apply', () => {
    expect(on(encodeArgs(['-J', '--btf_gen_floats', '--btf_features=var', 'x.o']).features)).toEqual(['var']);
    expect(on(encodeArgs(['-J', '--btf_features=default', '--skip_encoding_btf_vars', 'x.o']).features)).toEqual(DEFAULT.filter((f) => f !== 'var'));
    expect(on(encodeArgs(['-J', '--btf_features=var', '--btf_features=float', 'x.o']).features)).toEqual(['float', 'var']);
    expect(on(encodeArgs(['-J', '--btf_features=default,distilled_base', 'x.o']).features)).toEqual([...DEFAULT, 'distilled_base'].sort());
    expect(on(encodeArgs(['-J', '--btf_features=+global_var', 'x.o']).features)).toEqual([...DEFAULT, 'global_var'].sort());
  });

  it('base_ref is distilled_base; unknown features are ignored, or an error with --btf_features_strict', () => {
    expect(encodeArgs(['-J', '--btf_features=base_ref', 'x.o']).features.distilled_base).toBe(true);
    expect(on(encodeArgs(['-J', '--btf_features=var,no_such_thing,,float', 'x.o']).features)).toEqual(['float', 'var']);
    // pahole 1.31 has no 'all', 'true_signature' nor 'layout': ignored as it ignores them
    expect(on(encodeArgs(['-J', '--btf_features=all,layout', 'x.o']).features)).toEqual([]);
    expect(() => parsePaholeArgs(['-J', '--btf_features_strict=var,no_such_thing', 'x.o'])).toThrow(/Feature 'no_such_thing' in 'var,no_such_thing' is not supported/);
    expect(on(encodeArgs(['-J', '--btf_features_strict', 'default', 'x.o']).features)).toEqual(DEFAULT);
  });

  it('--btf_gen_all is, in pahole 1.31, --btf_features=all: every feature off', () => {
    expect(on(encodeArgs(['-J', '--btf_gen_all', 'x.o']).features)).toEqual(on(noFeatures()));
  });

  it('takes attributes as pahole 1.31 does (--btf_features=attributes, --btf_attributes)', () => {
    const a = encodeArgs(['-J', '--btf_features=default,attributes', 'x.o']);
    const b = encodeArgs(['-J', '--btf_features=default', '--btf_attributes', 'x.o']);
    expect(on(a.features)).toEqual([...DEFAULT, 'attributes'].sort());
    expect(on(b.features)).toEqual([...DEFAULT, 'attributes'].sort());
  });

  it('-j forms: -j, -jN, -j N (when no file is called N), --jobs, --jobs=N', () => {
    expect(encodeArgs(['-J', '-j8', 'x.o']).jobs).toBe(8);
    expect(encodeArgs(['-J', '-j', '3', 'x.o']).jobs).toBe(3);
    expect(encodeArgs(['-Jj', '3', 'x.o']).jobs).toBe(3);
    expect(encodeArgs(['-J', '--jobs=5', 'x.o']).jobs).toBe(5);
    expect(encodeArgs(['-J', '--jobs', 'x.o']).jobs).toBe(CPUS);
    expect(encodeArgs(['-J', '-j0', 'x.o']).jobs).toBe(1);
    const a = encodeArgs(['-J', '-j', '7'], (p) => p === '7');
    expect(a.jobs).toBe(CPUS);
    expect(a.file).toBe('7');
  });

  it('options after the file, --opt value and --opt=value, -- ends options', () => {
    const a = encodeArgs(['x.o', '--btf_base=vmlinux', '-J', '--btf_encode_detached', 'out.btf']);
    expect(a).toMatchObject({ file: 'x.o', base: 'vmlinux', detached: 'out.btf' });
    expect(encodeArgs(['-J', '--', '-odd-name.o']).file).toBe('-odd-name.o');
    expect(encodeArgs(['--btf_encode_detached=o.btf', 'x.o']).encode).toBe(true);
  });

  it('refuses unknown options naming them, and command lines that are not an encode', () => {
    const usage = (argv: string[], msg: RegExp) => {
      expect(() => parsePaholeArgs(argv)).toThrow(UsageError);
      expect(() => parsePaholeArgs(argv)).toThrow(msg);
    };
    usage(['-J', '--no_such_option', 'x.o'], /unrecognized option '--no_such_option'/);
    usage(['-J', '--btf_base'], /'--btf_base' requires an argument/);
    usage(['-J', '-C', 'foo', 'x.o'], /invalid option -- 'C'/);
    usage(['-J', '--btf_gen_floats=yes', 'x.o'], /doesn't allow an argument/);
    usage(['x.o'], /only encodes BTF/);
    usage(['-J'], /no input file/);
    usage(['-J', 'a.o', 'b.o'], /one input file expected/);
  });

  it('--version, --numeric_version, --help, --supported_btf_features', () => {
    expect(parsePaholeArgs(['--version'])).toEqual({ kind: 'version' });
    expect(parsePaholeArgs(['--numeric_version'])).toEqual({ kind: 'numeric_version' });
    expect(parsePaholeArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parsePaholeArgs(['--supported_btf_features'])).toEqual({ kind: 'supported_btf_features' });
  });
});

// ---- the built binary ----

function run(args: string[], env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const sha = (f: string): string => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

let dir = '';
beforeAll(() => {
  if (!fs.existsSync(BIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dwarf2btf-pahole-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An ELF "vmlinux" holding only the given BTF as .BTF (as Debian's headers ship one). */
function elfWithBtf(btf: string, name: string): string {
  const out = path.join(dir, name);
  const r = spawnSync('objcopy', ['--add-section', `.BTF=${btf}`, '--set-section-flags', '.BTF=alloc,readonly', path.join(OBJ, 'kernel.gcc-x86_64.o'), out]);
  if (r.status !== 0) throw new Error(`objcopy failed: ${r.stderr}`);
  return out;
}

describe('dwarf2btf-pahole (the binary)', () => {
  it('--version prints v1.31, which scripts/pahole-version.sh turns into 131', () => {
    const r = run(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('v1.31\n');
    // scripts/pahole-version.sh: $PAHOLE --version | sed -E 's/v([0-9]+)\.([0-9]+)/\1\2/'
    const sed = spawnSync('sed', ['-E', 's/v([0-9]+)\\.([0-9]+)/\\1\\2/'], { input: r.stdout, encoding: 'utf8' });
    expect(sed.stdout.trim()).toBe('131');
    expect(run(['--numeric_version']).stdout).toBe('131\n');
  });

  it('an unknown option: exit 2, one line naming it', () => {
    const r = run(['-J', '--frobnicate', 'x.o']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dwarf2btf-pahole: unrecognized option '--frobnicate'/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('-J --btf_gen_floats --btf_base BASE --btf_encode_detached=OUT: pahole 1.24\'s split BTF byte for byte', () => {
    const out = path.join(dir, 'mod124.btf');
    const base = path.join(GOLD, 'pahole-1.24/kernel.gcc-x86_64.o.btf');
    const r = run(['-J', '--btf_gen_floats', '-j', '--btf_base', base, `--btf_encode_detached=${out}`, path.join(OBJ, 'mod.gcc-x86_64.o')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.readFileSync(out).equals(fs.readFileSync(path.join(GOLD, 'pahole-1.24/mod.gcc-x86_64.o.btf')))).toBe(true);
  });

  it.skipIf(!haveObjcopy)('6.12 Kbuild module line in place: the .BTF.base and .BTF pahole 1.31 writes; LLVM_OBJCOPY ignored', () => {
    const vmlinux = elfWithBtf(path.join(GOLD, 'pahole-1.31/kernel.gcc-x86_64.o.btf'), 'vmlinux');
    const ko = path.join(dir, 'hello.ko');
    fs.copyFileSync(path.join(OBJ, 'mod.gcc-x86_64.o'), ko);
    const r = run(['-J', '-j', KBUILD_126, '-j', '--lang_exclude=rust', '--btf_features=distilled_base', '--btf_base', vmlinux, ko], { LLVM_OBJCOPY: '/bin/false' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const btf = path.join(dir, 'hello.BTF'), base = path.join(dir, 'hello.BTF.base');
    const oc = spawnSync('objcopy', ['--dump-section', `.BTF=${btf}`, '--dump-section', `.BTF.base=${base}`, ko, path.join(dir, 'scratch.o')]);
    expect(oc.status).toBe(0);
    expect(fs.readFileSync(base).equals(fs.readFileSync(path.join(GOLD, 'pahole-1.31/mod.gcc-x86_64.o.dist.base')))).toBe(true);
    expect(fs.readFileSync(btf).equals(fs.readFileSync(path.join(GOLD, 'pahole-1.31/mod.gcc-x86_64.o.dist.btf')))).toBe(true);
    // --btf_encode_detached writes plain split BTF, as pahole does, whatever the features say
    const out = path.join(dir, 'hello.detached.btf');
    expect(run(['-J', KBUILD_126, '--btf_features=distilled_base', '--btf_base', vmlinux, `--btf_encode_detached=${out}`, path.join(OBJ, 'mod.gcc-x86_64.o')]).status).toBe(0);
    expect(fs.existsSync(out + '.base')).toBe(false);
    const vb = BtfTable.parse(fs.readFileSync(path.join(GOLD, 'pahole-1.31/kernel.gcc-x86_64.o.btf')));
    expect(BtfTable.parse(fs.readFileSync(out), vb).startId).toBe(vb.endId);
  });

  it('a base of another kernel (struct module of another size): exit 1, one line, the object untouched', () => {
    const ko = path.join(dir, 'other.ko');
    fs.copyFileSync(path.join(OBJ, 'mod.gcc-x86_64.o'), ko);
    const before = sha(ko);
    const files = fs.readdirSync(dir).sort();
    const r = run(['-J', '--btf_base', path.join(GOLD, 'pahole-1.24/kernel-v3.gcc-x86_64.o.btf'), ko]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/does not match it: its struct module has size \d+, the base's \[\d+\] \d+: it was built for another kernel/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(sha(ko)).toBe(before);
    expect(fs.readdirSync(dir).sort()).toEqual(files);
  });

  it.skipIf(!haveObjcopy)('-J on a linked executable (like vmlinux): objcopy --only-section=.BTF gives the bytes of --btf_encode_detached', () => {
    const exe = path.join(dir, 'vmlinux.exe');
    fs.copyFileSync(path.join(ROOT, 'testdata/obj/multi.gcc-x86_64-dwarf5-static.exe'), exe);
    const detached = path.join(dir, 'exe.btf');
    expect(run(['-J', '--btf_gen_floats', `--btf_encode_detached=${detached}`, exe]).status).toBe(0);
    const r = run(['-J', '--btf_gen_floats', exe]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // what scripts/link-vmlinux.sh does with it
    const only = path.join(dir, 'btf.o');
    expect(spawnSync('objcopy', ['--only-section=.BTF', '--set-section-flags', '.BTF=alloc,readonly', '--strip-all', exe, only]).status).toBe(0);
    const got = path.join(dir, 'exe.dumped.btf');
    expect(spawnSync('objcopy', ['--dump-section', `.BTF=${got}`, only, path.join(dir, 'scratch2.o')]).status).toBe(0);
    expect(fs.readFileSync(got).equals(fs.readFileSync(detached))).toBe(true);
    const re = spawnSync('readelf', ['-S', '-W', exe], { encoding: 'utf8' });
    expect(re.status).toBe(0);
    expect(re.stderr).toBe('');
  });
});
