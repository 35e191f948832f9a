#!/usr/bin/env node
// Per-module speed: pahole against dwarf2btf-pahole, one process per module as a kernel build
// runs them (Node's start included), alternating the two on each module so that machine noise
// hits both alike. A benchmark, not a test.
//
//   npm run build && node scripts/bench-modules.mjs [--count N] [--runs R] [--module NAME]
//
//   --count N    the first N modules of the Debian corpus (scripts/corpus.mjs), default 100
//   --runs R     runs per module and tool (the median is kept), default 1
//   --module M   instead: only modules whose path contains M (e.g. af_key), --runs default 15
//   --pahole P   the pahole to compare with (default pahole); flags: -J -j --btf_gen_floats
//                --btf_base <the vmlinux's .BTF> --btf_encode_detached=<tmp> (Debian's, 1.24)
//
// Prints per-tool sums over the modules, the median per-module ratio, and peak RSS.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure } from './measure.mjs';
import { corpusPaths, listModules, vmlinuxBtfPath } from './corpus.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i < 0 ? def : args[i + 1];
};
const only = opt('--module', null);
const count = Number(opt('--count', '100'));
const runs = Number(opt('--runs', only ? '15' : '1'));
const pahole = opt('--pahole', 'pahole');
const paths = await corpusPaths();
if (!paths) {
  console.error('the corpus is not fetched: node scripts/corpus.mjs fetch');
  process.exit(1);
}
const base = vmlinuxBtfPath();
const all = listModules('dbg');
const modules = only ? all.filter((m) => m.includes(only)) : all.slice(0, count);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dwarf2btf-bench-'));
const out = path.join(tmp, 'out.btf');

function measureModule(cmd) {
  fs.rmSync(out, { force: true }); // pahole does not truncate an existing output file
  return measure(cmd);
}
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const flags = ['-J', '-j', '--btf_gen_floats', '--btf_base', base, `--btf_encode_detached=${out}`];
const tools = {
  pahole: (f) => [pahole, ...flags, f],
  'dwarf2btf-pahole': (f) => [process.execPath, path.join(root, 'dist/src/cli/pahole.js'), ...flags, f],
};
const sum = { pahole: 0, 'dwarf2btf-pahole': 0 };
const rss = { pahole: 0, 'dwarf2btf-pahole': 0 };
const ratios = [];
for (const rel of modules) {
  const file = path.join(paths.dbg.modulesDir, rel);
  const w = { pahole: [], 'dwarf2btf-pahole': [] };
  for (let i = 0; i < runs; i++) {
    for (const t of i % 2 ? ['dwarf2btf-pahole', 'pahole'] : ['pahole', 'dwarf2btf-pahole']) {
      const m = measureModule(tools[t](file));
      w[t].push(m.wall);
      rss[t] = Math.max(rss[t], m.rssMiB);
    }
  }
  for (const t of Object.keys(w)) sum[t] += median(w[t]);
  ratios.push(median(w['dwarf2btf-pahole']) / median(w.pahole));
  if (only) console.log(`${rel}: pahole ${median(w.pahole).toFixed(3)} s, dwarf2btf-pahole ${median(w['dwarf2btf-pahole']).toFixed(3)} s (medians of ${runs})`);
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`${modules.length} modules, ${runs} run(s) each, alternating; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
for (const t of Object.keys(sum)) console.log(`  ${t}: ${sum[t].toFixed(2)} s in all, peak RSS ${rss[t].toFixed(0)} MiB`);
console.log(`  ratio of the sums ${(sum['dwarf2btf-pahole'] / sum.pahole).toFixed(2)}, median per-module ratio ${median(ratios).toFixed(2)}`);
