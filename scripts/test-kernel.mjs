// `npm run test:kernel [-- --no-fetch]`: the checks on Debian's real 6.1 cloud kernel that CI
// cannot afford. Fetches the kernel debug package into the corpus cache (scripts/corpus.mjs),
// encodes its vmlinux with `--btf_features=default`, and checks that
//   - `dwarf2btf check` passes and bpftool reads the result;
//   - `dwarf2btf dump` equals `bpftool btf dump file`, on our BTF and on the vmlinux's own .BTF;
//   - the running kernel accepts it (BPF_BTF_LOAD through scripts/bpf-btf-load.py);
//   - its data types equal pahole's type for type (pahole run here on the same vmlinux); with
//     pahole >= 1.26 (--btf_features=default): at least 99.5% of all types equal, the
//     .data..percpu DATASEC identical, and the functions that differ listed;
//   - with --btf_features=default,global_var: every section pahole gives variables has a DATASEC,
//     `check` passes and the running kernel accepts it.
// Each check that cannot run here (no bpftool, no pahole, bpf() not permitted) says so and is
// skipped; the script exits non-zero only when a check that ran failed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusPaths, fetchCorpus } from './corpus.mjs';
import { loadBtf } from '../dist/src/cli/load.js';
import { TypeKeys } from '../dist/src/btf/diff.js';

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
      if (newer) {
        const a = loadBtf(out), b = loadBtf(ref);
        const m = matchTypes(a, b);
        const share = m.common / Math.max(a.count, b.count);
        const msg = `${m.common} of ${a.count} types equal pahole ${version}'s ${b.count} (${(share * 100).toFixed(3)}%)`;
        share >= 0.995 ? ok(msg) : bad(msg);
        const fa = funcs(a), fb = funcs(b);
        const only = (x, y) => [...x].filter((n) => !y.has(n));
        console.log(`INFO functions: ${fa.size} ours, ${fb.size} pahole's; only ours: ${only(fa, fb).slice(0, 20).join(' ') || '-'}; only pahole's: ${only(fb, fa).slice(0, 20).join(' ') || '-'}`);
        const pa = datasecs(a).get('.data..percpu'), pb = datasecs(b).get('.data..percpu');
        pa && pa === pb ? ok(`.data..percpu DATASEC identical (${pa.split('\n').length} variables)`) : bad('.data..percpu DATASEC differs');
      }
    }
  }
}

// --btf_features=default,global_var
const gout = path.join(tmp, 'vmlinux-globals.btf');
const genc = ours('encode', '--btf_features=default,global_var', '-o', gout, vmlinux);
if (genc.status !== 0) bad(`encode with global_var: ${genc.stderr.trim()}`);
else {
  const chk = ours('check', gout);
  chk.status === 0 ? ok(`global_var: check: ${chk.stdout.trim()}`) : bad(`global_var: check: ${chk.stderr.trim()}`);
  const load = run('python3', [path.join(root, 'scripts/bpf-btf-load.py'), gout]);
  if (load.status === 77) skip(`global_var: kernel check: ${load.stdout.trim() || load.stderr.trim()}`);
  else if (load.status === 0) ok('global_var: the running kernel accepts it (BPF_BTF_LOAD)');
  else bad(`global_var: the running kernel rejects it: ${(load.stdout + load.stderr).trim().split('\n').slice(-3).join(' | ')}`);
  const pahole = process.env.PAHOLE ?? 'pahole';
  const pv = run(pahole, ['--version']);
  if (pv.status !== 0 || !/^v1\.(2[6-9]|[3-9]\d)/.test(pv.stdout.trim())) skip('no pahole >= 1.26: global_var comparison');
  else {
    const ref = path.join(tmp, 'pahole-globals.btf');
    const p = run(pahole, ['-J', '--btf_features=default,global_var', `--btf_encode_detached=${ref}`, vmlinux]);
    if (p.status !== 0) bad(`pahole global_var failed: ${p.stderr.trim()}`);
    else {
      const da = datasecs(loadBtf(gout)), db = datasecs(loadBtf(ref));
      const missing = [...db.keys()].filter((k) => !da.has(k));
      missing.length === 0 ? ok(`global_var: a DATASEC for each of pahole's ${db.size} sections`) : bad(`global_var: no DATASEC for ${missing.join(' ')}`);
      const differ = [...db.keys()].filter((k) => da.get(k) !== db.get(k));
      console.log(`INFO global_var: DATASECs that differ from pahole's (overlapping entries left out): ${differ.join(' ') || '-'}`);
    }
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);

/** How many types of `a` have an equal type in `b` (id-independent keys, counted with repeats). */
function matchTypes(a, b) {
  const ka = new TypeKeys(a), kb = new TypeKeys(b);
  const count = new Map();
  for (let id = 1; id < b.endId; id++) { const k = kb.key(id); count.set(k, (count.get(k) ?? 0) + 1); }
  let common = 0;
  for (let id = 1; id < a.endId; id++) {
    const k = ka.key(id);
    const n = count.get(k) ?? 0;
    if (n > 0) { common++; count.set(k, n - 1); }
  }
  return { common };
}

function funcs(t) {
  const out = new Set();
  for (let id = 1; id < t.endId; id++) if (t.kind(id) === 12) out.add(t.name(id));
  return out;
}

/** Each DATASEC as text: its entries' variable names, offsets and sizes. */
function datasecs(t) {
  const out = new Map();
  for (let id = 1; id < t.endId; id++) {
    if (t.kind(id) !== 15) continue;
    const lines = [`size ${t.sizeOrType(id)}`];
    for (let i = 0; i < t.vlen(id); i++) {
      const v = t.extra(id, i * 3);
      lines.push(`${t.name(v)} ${t.extra(id, i * 3 + 1)} ${t.extra(id, i * 3 + 2)}`);
    }
    out.set(t.name(id), lines.join('\n'));
  }
  return out;
}
process.exit(failed ? 1 : 0);
