#!/usr/bin/env node
// Module (split BTF) measurements on Debian's 6.1 cloud kernel corpus (scripts/corpus.mjs).
// A measurement, not a test: it prints counts and exits 0 unless it cannot run.
//
//   npm run build && node scripts/modules-corpus.mjs debian [--limit N] [--only SUBSTRING]
//       every module encoded in this process over the vmlinux's own .BTF with Debian's flags
//       (pahole 1.24 --btf_gen_floats = var,float,decl_tag,type_tag,enum64), compared with the
//       .BTF Debian shipped (the -unsigned package): data types, all types; modules that differ
//       (or all, with --all-pahole) also against pahole 1.24 run here single-threaded (Debian's
//       build ran pahole -j, whose CU order varies); and distill -> relocate -> dedup round trips.
//   PAHOLE=/path/to/pahole-1.31 node scripts/modules-corpus.mjs pahole [--limit N]
//       the same with --btf_features=default over $PAHOLE's own vmlinux BTF, compared with
//       $PAHOLE's module BTF; then distilled_base: our distillation of $PAHOLE's split BTF, and
//       our whole encode, against the .BTF/.BTF.base $PAHOLE writes into a copy of the module.
//       $PAHOLE's outputs are cached under <corpus cache>/pahole-<version>/.
//
// Lists of the modules that differ go to stdout (--list), the counts always.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, corpusPaths, listModules, moduleBtfPath, vmlinuxBtfPath } from './corpus.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(root, 'dist/src', p));
const { BtfTable } = await dist('btf/table.js');
const { diffBtf } = await dist('btf/diff.js');
const { distillBase } = await dist('btf/distill.js');
const { relocateSplit } = await dist('btf/relocate.js');
const { encodeFile } = await dist('encode/pipeline.js');
const { defaultFeatures, noFeatures, parseFeatures } = await dist('encode/features.js');
const { baseMismatch } = await dist('cli/encode-run.js');
const { ElfFile } = await dist('elf/reader.js');
const { dedup } = await dist('btf/dedup.js');
const { dumpBtf } = await dist('btf/dump.js');
const { validateBtf } = await dist('btf/validate.js');

const args = process.argv.slice(2);
const mode = args[0];
const limitAt = args.indexOf('--limit');
const limit = limitAt >= 0 ? Number(args[limitAt + 1]) : Infinity;
const list = args.includes('--list');
const allPahole = args.includes('--all-pahole');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : null;
if (mode !== 'debian' && mode !== 'pahole') {
  console.error('usage: node scripts/modules-corpus.mjs debian|pahole [--limit N] [--list]');
  process.exit(2);
}
const paths = await corpusPaths();
if (!paths) {
  console.error('the corpus is not fetched: node scripts/corpus.mjs fetch');
  process.exit(1);
}
const modules = listModules('dbg').filter((m) => !only || m.includes(only)).slice(0, limit);
const read = (f) => fs.readFileSync(f);
const sameBytes = (a, b) => Buffer.from(a).equals(Buffer.from(b));
const sectionOf = (file, name) => {
  const elf = ElfFile.open(file);
  try {
    const s = elf.section(name);
    return s ? elf.sectionData(s).slice() : null;
  } finally {
    elf.close();
  }
};
const counts = {};
const bump = (k, name) => {
  (counts[k] ??= []).push(name);
};
const t0 = Date.now();

if (mode === 'debian') {
  const vmlBtf = vmlinuxBtfPath();
  const base = BtfTable.parse(read(vmlBtf));
  const havePahole = spawnSync('pahole', ['--version'], { encoding: 'utf8' }).stdout?.trim() === 'v1.24';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dwarf2btf-modules-'));
  const features = parseFeatures('var,float,decl_tag,type_tag,enum64', noFeatures());
  for (const rel of modules) {
    const file = path.join(paths.dbg.modulesDir, rel);
    const shipped = moduleBtfPath(rel);
    if (!shipped) { bump('no shipped .BTF', rel); continue; }
    let ours;
    try {
      ours = encodeFile(file, { features, base }).btf;
    } catch (e) {
      bump('encode failed', `${rel}: ${e.message}`);
      continue;
    }
    if (baseMismatch(ours)) bump('base reported as not matching (false alarm)', rel);
    const theirs = BtfTable.parse(read(shipped), base);
    const d = diffBtf(ours, theirs, true);
    bump(d.onlyA.size || d.onlyB.size ? 'data types differ' : 'data types identical', rel);
    const a = diffBtf(ours, theirs, false);
    bump(a.onlyA.size || a.onlyB.size ? 'all types differ' : 'all types identical', rel);
    if (ours.count === theirs.count) bump('same type count', rel);
    if (sameBytes(ours.serialize(), read(shipped))) bump('byte-identical', rel);
    // round trip: distilled, relocated onto the vmlinux, deduplicated again: the same bytes
    try {
      const dd = distillBase(ours);
      const reloc = relocateSplit(BtfTable.parse(dd.split.serialize(), BtfTable.parse(dd.base.serialize())), base);
      const valid = validateBtf(reloc) === null && diffBtf(reloc, ours).onlyB.size === 0;
      bump(valid ? 'distill -> relocate: valid, every type of the split BTF' : 'distill -> relocate: invalid or types missing', rel);
      // deduplicated again it is usually the split BTF exactly (dedup can merge more once the
      // references go through the base's named types)
      const back = dedup(reloc);
      bump(sameBytes(back.serialize(), ours.serialize()) ? 'distill -> relocate -> dedup: byte-identical'
        : back.count < ours.count ? 'distill -> relocate -> dedup: fewer types' : 'distill -> relocate -> dedup: differs', rel);
    } catch (e) {
      bump('distill/relocate failed', `${rel}: ${e.message}`);
    }
    if ((d.onlyA.size || d.onlyB.size || a.onlyA.size || a.onlyB.size || allPahole) && havePahole) {
      // Debian ran pahole -j, whose CU order (and so which copy dedup keeps) varies from run to
      // run: compare with pahole (1.24, single-threaded) run here on the same module
      const out = path.join(tmp, 'p.btf');
      fs.rmSync(out, { force: true }); // pahole does not truncate an existing output file
      const r = spawnSync('pahole', ['-J', '--btf_gen_floats', '--btf_base', vmlBtf, `--btf_encode_detached=${out}`, file], { encoding: 'utf8' });
      if (r.status === 0 && sameBytes(ours.serialize(), read(out))) bump('differing from Debian\'s: byte-identical to pahole -j1 run here', rel);
      else bump('differing from Debian\'s: also differ from pahole -j1 run here', rel);
    }
  }
} else {
  const pahole = process.env.PAHOLE;
  if (!pahole) {
    console.error('set PAHOLE to the pahole (1.28 or later) to compare with');
    process.exit(2);
  }
  const version = spawnSync(pahole, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const dir = path.join(cacheDir(), `pahole-${version}`);
  fs.mkdirSync(path.join(dir, 'modules'), { recursive: true });
  const vmlBtf = path.join(dir, 'vmlinux.btf');
  const run = (argv) => {
    const r = spawnSync(pahole, argv, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${pahole} ${argv.join(' ')}: ${r.stderr.trim()}`);
  };
  if (!fs.existsSync(vmlBtf)) {
    console.error(`encoding the vmlinux with ${pahole} ...`);
    fs.rmSync(`${vmlBtf}.tmp`, { force: true }); // pahole does not truncate an existing output file
    run(['-J', '-j', '--btf_features=default', `--btf_encode_detached=${vmlBtf}.tmp`, paths.vmlinux]);
    fs.renameSync(`${vmlBtf}.tmp`, vmlBtf);
  }
  const base = BtfTable.parse(read(vmlBtf));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dwarf2btf-modules-'));
  for (const rel of modules) {
    const file = path.join(paths.dbg.modulesDir, rel);
    const stem = path.join(dir, 'modules', rel.replace(/\.ko$/, ''));
    fs.mkdirSync(path.dirname(stem), { recursive: true });
    try {
      if (!fs.existsSync(`${stem}.btf`)) {
        fs.rmSync(`${stem}.btf.tmp`, { force: true });
        run(['-J', '--btf_features=default', '--btf_base', vmlBtf, `--btf_encode_detached=${stem}.btf.tmp`, file]);
        fs.renameSync(`${stem}.btf.tmp`, `${stem}.btf`);
      }
      if (!fs.existsSync(`${stem}.dist.base`)) {
        const copy = path.join(tmp, 'm.ko');
        fs.copyFileSync(file, copy);
        run(['-J', '--btf_features=default,distilled_base', '--btf_base', vmlBtf, copy]);
        fs.writeFileSync(`${stem}.dist.btf`, sectionOf(copy, '.BTF'));
        fs.writeFileSync(`${stem}.dist.base`, sectionOf(copy, '.BTF.base'));
      }
    } catch (e) {
      bump('pahole failed', `${rel}: ${e.message}`);
      continue;
    }
    const theirs = BtfTable.parse(read(`${stem}.btf`), base);
    const pBase = read(`${stem}.dist.base`);
    const pSplit = read(`${stem}.dist.btf`);
    // distillation alone, on pahole's own split BTF
    let pd;
    try {
      pd = distillBase(theirs);
      const ok = sameBytes(pd.base.serialize(), pBase) && sameBytes(pd.split.serialize(), pSplit);
      bump(ok ? 'distill of pahole\'s split: byte-identical' : 'distill of pahole\'s split: differs', rel);
      // pahole's distilled module relocated onto the vmlinux: valid by the kernel's rules and
      // holding every type of pahole's plain split BTF (plus the copies of vmlinux types that
      // distillation moved into it); deduplicated again, usually that split BTF exactly (dedup
      // can merge more once the references go through the base's named types)
      const back = relocateSplit(BtfTable.parse(pSplit, BtfTable.parse(pBase)), base);
      const valid = validateBtf(back) === null && diffBtf(back, theirs).onlyB.size === 0;
      bump(valid ? 'pahole\'s distilled BTF relocated: valid, every type of its split BTF' : 'pahole\'s distilled BTF relocated: invalid or types missing', rel);
      const again = dedup(back);
      bump(dumpBtf(again) === dumpBtf(theirs) ? 'pahole\'s distilled BTF relocated and re-deduplicated: its split BTF'
        : again.count < theirs.count ? 'pahole\'s distilled BTF relocated and re-deduplicated: fewer types than its split BTF'
          : 'pahole\'s distilled BTF relocated and re-deduplicated: differs from its split BTF', rel);
    } catch (e) {
      bump('distill/relocate failed', `${rel}: ${e.message}`);
    }
    let ours;
    try {
      ours = encodeFile(file, { features: defaultFeatures(), base }).btf;
    } catch (e) {
      bump('encode failed', `${rel}: ${e.message}`);
      continue;
    }
    if (baseMismatch(ours)) bump('base reported as not matching (false alarm)', rel);
    const d = diffBtf(ours, theirs, true);
    bump(d.onlyA.size || d.onlyB.size ? 'data types differ' : 'data types identical', rel);
    const a = diffBtf(ours, theirs, false);
    const allSame = !(a.onlyA.size || a.onlyB.size);
    bump(allSame ? 'all types identical' : 'all types differ', rel);
    if (sameBytes(ours.serialize(), read(`${stem}.btf`))) bump('split byte-identical', rel);
    const od = distillBase(ours);
    const same = sameBytes(od.base.serialize(), pBase) && sameBytes(od.split.serialize(), pSplit);
    bump(same ? 'distilled .BTF + .BTF.base byte-identical' : 'distilled .BTF/.BTF.base differ', rel);
    if (sameBytes(od.base.serialize(), pBase)) bump('distilled .BTF.base byte-identical', rel);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

console.log(`${mode}: ${modules.length} modules in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
for (const [k, v] of Object.entries(counts).sort()) {
  console.log(`  ${k}: ${v.length}`);
  if (list && !/identical|same/.test(k)) for (const n of v.slice(0, 50)) console.log(`    ${n}`);
}
