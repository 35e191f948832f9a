// `npm run bench -- FILE [--runs N] [--jobs LIST (default 1,N: N the available CPUs)] [--pahole PATH] [--pahole-args "..."]`
//
// Times `dwarf2btf encode` and pahole's BTF encoder on the same file, alternating the two so
// that machine noise hits both alike, and prints medians, peak RSS and the ratios. A benchmark,
// not a test: nothing here asserts. Each run's wall time, CPU time and peak RSS come from a small
// python3 wrapper (getrusage of the child), which every machine here has. The CPU time (user +
// system, all threads) is what a tool costs whatever else the machine runs; the steal column says
// how much CPU the hypervisor took from the machine during the runs (a virtual machine's wall
// times stretch with it).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure } from './measure.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  if (i < 0) return def;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const runs = Number(opt('--runs', '5'));
// by default -j1 and -jN, N the available CPUs (-j1 alone on a one-CPU machine)
const cpus = os.availableParallelism?.() ?? os.cpus().length;
const jobs = String(opt('--jobs', cpus > 1 ? `1,${cpus}` : '1')).split(',').map(Number);
const paholeBin = opt('--pahole', 'pahole');
const paholeArgs = opt('--pahole-args', '--btf_gen_floats').split(' ').filter(Boolean);
const features = opt('--btf_features', 'default');
const file = args[0];
if (!file) {
  console.error('usage: npm run bench -- FILE [--runs N] [--jobs 1,2] [--pahole PATH] [--pahole-args "--btf_gen_floats"]');
  process.exit(2);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dwarf2btf-bench-'));
const ours = (j) => [process.execPath, path.join(root, 'dist/src/cli/main.js'), 'encode', `--btf_features=${features}`, '-j', String(j), '--quiet', '-o', path.join(tmp, 'ours.btf'), file];
const havePahole = spawnSync(paholeBin, ['--version']).status === 0;
const paholeVersion = havePahole ? spawnSync(paholeBin, ['--version'], { encoding: 'utf8' }).stdout.trim() : null;
const theirs = (j) => [paholeBin, '-J', ...paholeArgs, ...(j > 1 ? [`-j${j}`] : []), `--btf_encode_detached=${path.join(tmp, 'pahole.btf')}`, file];

const results = new Map();
const add = (k, m) => { if (!results.has(k)) results.set(k, []); results.get(k).push(m); };
for (let i = 0; i < runs; i++) {
  for (const j of jobs) {
    add(`dwarf2btf -j${j}`, measure(ours(j)));
    if (havePahole) add(`pahole -j${j}`, measure(theirs(j)));
  }
}
fs.rmSync(tmp, { recursive: true, force: true });

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const rows = [...results].map(([k, ms]) => ({
  k, wall: median(ms.map((m) => m.wall)), cpu: median(ms.map((m) => m.cpu)), rss: Math.max(...ms.map((m) => m.rssMiB)),
  steal: ms.some((m) => m.steal < 0) ? null : median(ms.map((m) => m.steal)),
}));
console.log(`${path.basename(file)}: ${runs} alternating runs, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs${paholeVersion ? `, pahole ${paholeVersion}` : ', pahole not installed'}`);
console.log('| tool | median wall (s) | median CPU (s) | peak RSS (MiB) | median steal (s) |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.k} | ${r.wall.toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.rss.toFixed(0)} | ${r.steal === null ? '-' : r.steal.toFixed(2)} |`);
for (const j of jobs) {
  const a = rows.find((r) => r.k === `dwarf2btf -j${j}`);
  const b = rows.find((r) => r.k === `pahole -j${j}`);
  if (a && b) console.log(`ratio dwarf2btf/pahole at -j${j}: wall ${(a.wall / b.wall).toFixed(2)}x, CPU ${(a.cpu / b.cpu).toFixed(2)}x, RSS ${(a.rss / b.rss).toFixed(2)}x`);
}
// how much faster more threads make each tool (the first -j given is the reference)
for (const j of jobs.slice(1)) {
  const speedup = (tool) => {
    const one = rows.find((r) => r.k === `${tool} -j${jobs[0]}`), n = rows.find((r) => r.k === `${tool} -j${j}`);
    return one && n ? `${tool} ${(one.wall / n.wall).toFixed(2)}x` : null;
  };
  const parts = ['dwarf2btf', 'pahole'].map(speedup).filter(Boolean);
  console.log(`-j${j} faster than -j${jobs[0]}: ${parts.join(', ')}`);
}
