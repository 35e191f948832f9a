// `npm start`: encodes the bundled sample object with the freshly built dwarf2btf, checks the
// result by the kernel's rules, compares it with the BTF pahole 1.31 (--btf_features=default)
// and pahole 1.24 (--btf_gen_floats) made for the same object, and prints a summary.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeFile } from '../dist/src/encode/pipeline.js';
import { defaultFeatures, noFeatures } from '../dist/src/encode/features.js';
import { validateBtf } from '../dist/src/btf/validate.js';
import { KIND_NAMES } from '../dist/src/btf/kinds.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sample = 'multi.gcc-x86_64-dwarf5.o';
const input = path.join(root, 'testdata/obj', sample);
const golden131 = path.join(root, 'testdata/golden/pahole-1.31', sample + '.btf');
const golden124 = path.join(root, 'testdata/golden/pahole-1.24', sample + '.btf');

const features = defaultFeatures();
const t0 = performance.now();
const res = encodeFile(input, { features });
const ms = performance.now() - t0;
const bytes = res.btf.serialize(!res.littleEndian);
const out = path.join(os.tmpdir(), `dwarf2btf-sample-${process.pid}.btf`);
fs.writeFileSync(out, bytes);

const kinds = new Map();
for (let id = res.btf.startId; id < res.btf.endId; id++) {
  const k = KIND_NAMES[res.btf.kind(id)];
  kinds.set(k, (kinds.get(k) ?? 0) + 1);
}
const problem = validateBtf(res.btf);
console.log(`dwarf2btf sample: testdata/obj/${sample}`);
console.log(`  ${res.stats.cus} compile units, ${res.stats.dies} DIEs -> ${res.stats.typesBeforeDedup} types -> ${res.btf.count} after dedup, ${bytes.length} bytes of BTF in ${ms.toFixed(0)} ms`);
console.log(`  kinds: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
console.log(`  kernel rules: ${problem ? `FAILED [${problem.id}] ${problem.kind}: ${problem.message}` : 'pass'}`);
if (fs.existsSync(golden131)) {
  const same = Buffer.from(bytes).equals(fs.readFileSync(golden131));
  console.log(`  same bytes as pahole 1.31 --btf_features=default: ${same ? 'yes' : 'NO'}`);
  if (!same) process.exitCode = 1;
}
if (fs.existsSync(golden124)) {
  // pahole 1.24 ran with --btf_gen_floats: variables, decl/type tags, enum64 and floats, its rules
  const legacy = { ...noFeatures(), var: true, float: true, decl_tag: true, type_tag: true, enum64: true };
  const same = Buffer.from(encodeFile(input, { features: legacy }).btf.serialize()).equals(fs.readFileSync(golden124));
  console.log(`  same bytes as pahole 1.24 --btf_gen_floats (with its feature set): ${same ? 'yes' : 'NO'}`);
  if (!same) process.exitCode = 1;
}
console.log(`  written to ${out}`);
if (problem) process.exitCode = 1;
