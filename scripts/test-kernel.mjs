// `npm run test:kernel [-- --no-fetch]`: the checks on Debian's real 6.1 cloud kernel that CI
// cannot afford. Fetches the kernel debug package into the corpus cache (scripts/corpus.mjs),
// encodes its vmlinux with `--btf_features=default`, and checks that
//   - `dwarf2btf check` passes and bpftool reads the result;
//   - `dwarf2btf dump` equals `bpftool btf dump file`, on our BTF and on the vmlinux's own .BTF;
//   - the running kernel accepts it (BPF_BTF_LOAD through scripts/bpf-btf-load.py);
//   - its data types equal pahole's type for type (pahole run here on the same vmlinux).
// Each check that cannot run here (no bpftool, no pahole, bpf() not permitted) says so and is
// skipped; the script exits non-zero only when a check that ran failed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusPaths, fetchCorpus } from './corpus.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'dist/src/cli/main.js');
const noFetch = process.argv.includes('--no-fetch');
let failed = 0, passed = 0, skipped = 0;
const ok = (msg) => { passed++; console.log(`PASS ${msg}`); };
const bad = (msg) => { failed++; console.log(`FAIL ${msg}`); };
const skip = (msg) => { skipped++; console.log(`SKIP ${msg}`); };

const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
const ours = (...args) => run(process.execPath, [bin, ...args]);

let paths = await corpusPaths();
if (!paths && !noFetch) {
  console.log('fetching the Debian kernel corpus (about 310 MB) ...');
  try {
    await fetchCorpus({ kinds: ['dbg'] });
    paths = await corpusPaths();
  } catch (e) {
    console.log(`SKIP: cannot fetch the corpus: ${e.message}`);
  }
}
if (!paths?.vmlinux || !fs.existsSync(paths.vmlinux)) {
  console.log('SKIP: the Debian kernel corpus is not available (see scripts/corpus.mjs)');
  console.log('0 passed, 0 failed, 1 skipped');
  process.exit(0);
}
const vmlinux = paths.vmlinux;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dwarf2btf-kernel-'));
const out = path.join(tmp, 'vmlinux.btf');

const t0 = Date.now();
const enc = ours('encode', '--btf_features=default', '--stats', '-o', out, vmlinux);
if (enc.status !== 0) {
  bad(`encode: ${enc.stderr.trim()}`);
} else {
  ok(`encode in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${enc.stderr.trim()}`);
}

if (fs.existsSync(out)) {
  const chk = ours('check', out);
  chk.status === 0 ? ok(`check: ${chk.stdout.trim()}`) : bad(`check: ${chk.stderr.trim()}`);

  const haveBpftool = run('bpftool', ['version']).status === 0;
  if (!haveBpftool) skip('bpftool is not installed: dump comparison');
  else {
    for (const [what, file, own] of [['our BTF', out, ['dump', out]], ["the vmlinux's own .BTF", vmlinux, ['dump', vmlinux]]]) {
      const theirs = run('bpftool', ['btf', 'dump', 'file', file]);
      if (theirs.status !== 0) { bad(`bpftool cannot read ${what}: ${theirs.stderr.trim()}`); continue; }
      const mine = ours(...own);
      mine.stdout === theirs.stdout ? ok(`dump equals bpftool on ${what} (${theirs.stdout.split('\n').length} lines)`)
        : bad(`dump differs from bpftool on ${what}`);
    }
  }

  const load = run('python3', [path.join(root, 'scripts/bpf-btf-load.py'), out]);
  if (load.status === 77) skip(`kernel check: ${load.stdout.trim() || load.stderr.trim()}`);
  else if (load.status === 0) ok('the running kernel accepts it (BPF_BTF_LOAD)');
  else bad(`the running kernel rejects it: ${(load.stdout + load.stderr).trim().split('\n').slice(-3).join(' | ')}`);

  const pahole = process.env.PAHOLE ?? 'pahole';
  const pv = run(pahole, ['--version']);
  if (pv.status !== 0) skip('pahole is not installed: type-for-type comparison');
  else {
    const version = pv.stdout.trim();
    const newer = /^v1\.(2[6-9]|[3-9]\d)/.test(version);
    const ref = path.join(tmp, 'pahole.btf');
    const args = ['-J', ...(newer ? ['--btf_features=default'] : ['--btf_gen_floats']), `--btf_encode_detached=${ref}`, vmlinux];
    const p = run(pahole, args);
    if (p.status !== 0) bad(`pahole ${version} failed: ${p.stderr.trim()}`);
    else {
      const d = ours('diff', '--data', out, ref);
      d.status === 0 ? ok(`data types equal pahole ${version}'s: ${d.stdout.split('\n')[0]}`)
        : bad(`data types differ from pahole ${version}'s:\n${d.stdout}`);
      const all = ours('diff', out, ref);
      console.log(`INFO all types against pahole ${version}: ${all.stdout.split('\n')[0]}`);
      const same = fs.readFileSync(out).equals(fs.readFileSync(ref));
      console.log(`INFO byte-identical to pahole ${version}: ${same ? 'yes' : 'no'}`);
    }
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
