// The real kernel build: testdata/kbuild/hello (an out-of-tree module) built with Debian's kernel
// headers and PAHOLE=dwarf2btf-pahole, as `make -C <headers> M=<dir> modules` runs it (the 6.12
// Kbuild adds --btf_features=distilled_base for out-of-tree modules). Its .BTF.base and .BTF are
// compared with what pahole 1.31 wrote in the same build (testdata/kbuild/golden, made by
// scripts/make-kbuild-goldens.sh), and relocated onto the headers' vmlinux BTF.
// Skipped, saying why, when the headers (apt-get install linux-headers-6.12.117+deb12-cloud-amd64),
// make or the compiler they were configured with are missing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffBtf } from '../../src/btf/diff.js';
import { Kind } from '../../src/btf/kinds.js';
import { BtfTable } from '../../src/btf/table.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PAHOLE_BIN = path.join(ROOT, 'dist/src/cli/pahole.js');
const MAIN_BIN = path.join(ROOT, 'dist/src/cli/main.js');
const HEADERS = process.env.KBUILD_HEADERS ?? '/usr/src/linux-headers-6.12.117+deb12-cloud-amd64';
const GOLD = path.join(ROOT, 'testdata/kbuild/golden/pahole-1.31');

function whyNot(): string | null {
  if (!fs.existsSync(path.join(HEADERS, 'Makefile'))) {
    return `kernel headers not installed at ${HEADERS} (apt-get install linux-headers-6.12.117+deb12-cloud-amd64, or set KBUILD_HEADERS)`;
  }
  if (spawnSync('make', ['--version']).status !== 0) return 'make is not installed';
  const cc = /CONFIG_CC_VERSION_TEXT="(\S+)/.exec(fs.readFileSync(path.join(HEADERS, '.config'), 'utf8'))?.[1] ?? 'gcc';
  if (spawnSync(cc, ['--version']).status !== 0) return `the headers' compiler ${cc} is not installed`;
  if (spawnSync('objcopy', ['--version']).status !== 0) return 'objcopy is not installed';
  return null;
}
const reason = whyNot();
if (reason) console.warn(`skipping the Kbuild test: ${reason}`);

/** Whether the goldens were made with these very headers (else only self-consistency is checked). */
function goldenHeaders(): boolean {
  const v = fs.readFileSync(path.join(GOLD, 'VERSIONS'), 'utf8');
  return v.includes(`headers: ${path.basename(HEADERS)}\n`);
}

let dir = '';
let built = { status: -1, out: '' };
beforeAll(() => {
  if (reason) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dwarf2btf-kbuild-'));
  const mod = path.join(dir, 'hello');
  fs.mkdirSync(mod);
  for (const f of ['hello.c', 'Kbuild']) fs.copyFileSync(path.join(ROOT, 'testdata/kbuild/hello', f), path.join(mod, f));
  // PAHOLE= must name one executable (scripts/pahole-version.sh runs "$1 --version")
  const wrapper = path.join(dir, 'dwarf2btf-pahole');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${PAHOLE_BIN}" "$@"\n`, { mode: 0o755 });
  const r = spawnSync('make', ['-C', HEADERS, `M=${mod}`, `PAHOLE=${wrapper}`, 'CONFIG_PAHOLE_VERSION=131', 'modules'], { encoding: 'utf8' });
  built = { status: r.status ?? -1, out: `${r.stdout}\n${r.stderr}` };
}, 300_000);
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(reason !== null)('Kbuild with PAHOLE=dwarf2btf-pahole (out-of-tree module, Debian 6.12 headers)', () => {
  const ko = () => path.join(dir, 'hello/hello.ko');
  const dump = (name: string): Buffer => {
    const out = path.join(dir, `hello${name}`);
    const r = spawnSync('objcopy', ['--dump-section', `${name}=${out}`, ko(), path.join(dir, 'scratch.o')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`objcopy: ${r.stderr}`);
    return fs.readFileSync(out);
  };

  it('builds, running the BTF step through the drop-in', () => {
    expect(built.status, built.out).toBe(0);
    expect(built.out).toMatch(/BTF \[M\] .*hello\.ko/);
    expect(built.out).not.toMatch(/Skipping BTF generation/);
  });

  it('writes the .BTF.base and .BTF pahole 1.31 writes, byte for byte', () => {
    const base = dump('.BTF.base');
    const btf = dump('.BTF');
    if (!goldenHeaders()) {
      console.warn(`the goldens were made with other headers than ${HEADERS}: not compared`);
      return;
    }
    expect(base.equals(fs.readFileSync(path.join(GOLD, 'hello.ko.BTF.base')))).toBe(true);
    const dist = BtfTable.parse(base);
    const ours = BtfTable.parse(btf, dist);
    const theirs = BtfTable.parse(fs.readFileSync(path.join(GOLD, 'hello.ko.BTF')), dist);
    const d = diffBtf(ours, theirs);
    expect([...d.onlyA.keys(), ...d.onlyB.keys()]).toEqual([]);
    expect(btf.equals(fs.readFileSync(path.join(GOLD, 'hello.ko.BTF')))).toBe(true);
  });

  it('tags the module\'s kfuncs (its .BTF_ids set) with DECL_TAG bpf_kfunc, as pahole 1.31 does', () => {
    const dist = BtfTable.parse(dump('.BTF.base'));
    const ours = BtfTable.parse(dump('.BTF'), dist);
    const tagged: string[] = [];
    for (let id = ours.startId; id < ours.endId; id++) {
      if (ours.kind(id) === Kind.DECL_TAG && ours.name(id) === 'bpf_kfunc') tagged.push(ours.name(ours.sizeOrType(id)));
    }
    expect(tagged.sort()).toEqual(['hello_kfunc_count', 'hello_kfunc_value']);
  });

  it('relocates onto the headers\' vmlinux BTF, by the kernel\'s rules', () => {
    const vmlinux = path.join(HEADERS, 'vmlinux');
    const check = spawnSync(process.execPath, [MAIN_BIN, 'check', '--base', vmlinux, ko()], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    const d = spawnSync(process.execPath, [MAIN_BIN, 'dump', '--base', vmlinux, ko()], { encoding: 'utf8' });
    expect(d.status).toBe(0);
    const base = BtfTable.parse(dump('.BTF.base'));
    expect(d.stdout).toMatch(/STRUCT 'hello_item' size=40 vlen=4/);
    const first = Number(/^\[(\d+)\]/.exec(d.stdout)![1]);
    expect(first).toBeGreaterThan(base.endId);
  });
});
