// Worker-thread encoding: byte-identical output for every number of jobs and however the batches
// fall between this thread and the workers, errors from a worker name the unit and stop
// everything, batches cover the units in order.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUnits } from '../../src/dwarf/unit.js';
import { ElfFile } from '../../src/elf/reader.js';
import { defaultFeatures, paholeLegacyFeatures } from '../../src/encode/features.js';
import { dedup } from '../../src/btf/dedup.js';
import { StringTable } from '../../src/btf/strings.js';
import { DieReader } from '../../src/dwarf/die.js';
import { createAssembler, functionNames, readFunctions } from '../../src/encode/assemble.js';
import { CuEncoder } from '../../src/encode/cu.js';
import { rulesFor } from '../../src/encode/features.js';
import { ParallelEncode, WorkerPool, batches, encodeParallel } from '../../src/encode/parallel.js';
import { cuOptions, encodeElf, encodeElfParallel, encodeFile, encodeFileParallel, openDwarf, readDwarfSections } from '../../src/encode/pipeline.js';
import { InputError } from '../../src/errors.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const OBJ = path.join(ROOT, 'testdata/obj');
const haveLd = spawnSync('ld', ['--version']).status === 0;

let dir = '';
let big = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dwarf2btf-par-'));
  if (haveLd) {
    // every committed x86_64 gcc DWARF 5 object linked into one relocatable: many compile units
    const objs = fs.readdirSync(OBJ).filter((f) => /\.gcc-x86_64-dwarf5\.o$/.test(f) && !f.startsWith('complex'));
    big = path.join(dir, 'big.o');
    const r = spawnSync('ld', ['-r', '-o', big, ...objs.map((o) => path.join(OBJ, o))], { encoding: 'utf8' });
    if (r.status !== 0) big = '';
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const inputs = (): string[] => [
  path.join(OBJ, 'multi.gcc-x86_64-dwarf5.o'),
  path.join(OBJ, 'multi.gcc-s390x-dwarf5.o'),
  path.join(OBJ, 'multi.clang-x86_64-dwarf5.o'),
  ...(big ? [big] : []),
].filter((f) => fs.existsSync(f));

describe('output does not depend on the number of jobs', () => {
  it('has multi-CU inputs', () => {
    expect(inputs().length).toBeGreaterThanOrEqual(3);
    if (big) {
      const elf = ElfFile.open(big);
      const n = readUnits(readDwarfSections(elf).info, true).length;
      elf.close();
      expect(n).toBeGreaterThan(10);
    }
  });
  for (const jobs of [1, 2, 3, 4, 8, 16]) {
    it(`-j${jobs} equals the single-threaded encode, on every input, twice`, async () => {
      for (const file of inputs()) {
        const ref = Buffer.from(encodeFile(file, { features: defaultFeatures() }).btf.serialize());
        for (let round = 0; round < 2; round++) {
          const res = await encodeFileParallel(file, { features: defaultFeatures(), jobs });
          expect(Buffer.from(res.btf.serialize()).equals(ref), `${path.basename(file)} -j${jobs}`).toBe(true);
        }
      }
    });
  }
});

describe('a failing unit', () => {
  it('rejects with an InputError naming the unit, for any number of jobs, and does not hang', async () => {
    if (!big) return;
    // corrupt the abbreviation code of the first DIE of a unit in the middle
    const bytes = new Uint8Array(fs.readFileSync(big));
    const elf = ElfFile.fromBytes(bytes);
    const info = elf.section('.debug_info')!;
    const units = readUnits(readDwarfSections(elf).info, true);
    const victim = units[Math.floor(units.length / 2)];
    bytes[info.offset + victim.dieOffset] = 0x7e;
    const bad = path.join(dir, 'bad.o');
    fs.writeFileSync(bad, bytes);
    for (const jobs of [1, 2, 4]) {
      const p = encodeFileParallel(bad, { features: defaultFeatures(), jobs });
      await expect(p).rejects.toThrow(InputError);
      await expect(encodeFileParallel(bad, { features: defaultFeatures(), jobs })).rejects.toThrow(
        new RegExp(`CU at 0x${victim.offset.toString(16)}.*bad abbreviation code 126`),
      );
    }
  });

  it('rejects an input without DWARF with workers already started, and stops them', async () => {
    // the workers boot while the input is read: a failure there must stop them (else the process hangs)
    const stripped = path.join(dir, 'stripped.o');
    fs.copyFileSync(path.join(OBJ, 'multi.gcc-x86_64-dwarf5.o'), stripped);
    if (spawnSync('strip', ['-g', stripped]).status !== 0) return;
    for (const jobs of [2, 4]) {
      await expect(encodeFileParallel(stripped, { features: defaultFeatures(), jobs })).rejects.toThrow(/no DWARF debug info/);
    }
    // and the process ends by itself (a worker left waiting would keep it alive)
    const url = (f: string): string => pathToFileURL(path.join(ROOT, 'dist/src/encode', f)).href;
    const script = `const { encodeFileParallel } = await import(${JSON.stringify(url('pipeline.js'))});
      const { defaultFeatures } = await import(${JSON.stringify(url('features.js'))});
      await encodeFileParallel(${JSON.stringify(stripped)}, { features: defaultFeatures(), jobs: 3 }).catch((e) => console.log(e.message));`;
    const file = path.join(dir, 'stripped.mjs');
    fs.writeFileSync(file, script);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/no DWARF debug info/);
  });

  it('starts its workers for a caller run as node --input-type=module -e, or with V8 options', () => {
    // a worker given no batches says 'done'; one that failed to start reports an error instead
    const mod = (f: string): string => JSON.stringify(pathToFileURL(path.join(ROOT, 'dist/src', f)).href);
    const file = JSON.stringify(path.join(OBJ, 'multi.gcc-x86_64-dwarf5.o'));
    const script = `const { MessageChannel } = await import('node:worker_threads');
      const { WorkerPool } = await import(${mod('encode/parallel.js')});
      const { readDwarfSections, cuOptions } = await import(${mod('encode/pipeline.js')});
      const { defaultFeatures } = await import(${mod('encode/features.js')});
      const { ElfFile } = await import(${mod('elf/reader.js')});
      const sec = readDwarfSections(ElfFile.open(${file}));
      const pool = new WorkerPool(1);
      const w = pool.workers[0];
      const said = await new Promise((resolve) => {
        w.once('error', (e) => resolve('error ' + e.code));
        w.once('message', (m) => resolve(m.type));
        const { port2 } = new MessageChannel();
        w.postMessage({ sections: sec, units: [], stream: null, options: cuOptions(defaultFeatures()), batches: [],
          claims: new Int32Array(new SharedArrayBuffer(8)), later: port2 }, [port2]);
      });
      console.log(said);
      await pool.terminate();`;
    const saved = path.join(dir, 'pool.mjs');
    fs.writeFileSync(saved, script);
    // and with node or V8 options, which workers inherit
    for (const args of [['--input-type=module', '-e', script], ['--max-old-space-size=1024', '--input-type=module', '-e', script],
      ['--max-old-space-size=1024', '--stack-size=900', saved]]) {
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 20000 });
      expect(r.stdout.trim(), `${args.slice(0, -1).join(' ')}: ${r.stderr}`).toBe('done');
    }
  });

  it('leaves no output behind from the command line', () => {
    const bad = path.join(dir, 'bad.o');
    if (!fs.existsSync(bad)) return;
    const out = path.join(dir, 'bad.btf');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/src/cli/main.js'), 'encode', '-j', '2', '-o', out, bad], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bad abbreviation code/);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('batches', () => {
  it('cover every unit once, in order, in runs of similar size', () => {
    const units = Array.from({ length: 1000 }, (_, i) => ({ offset: i * 1000, end: i * 1000 + 100 + (i * 7919) % 900 }));
    for (const jobs of [1, 2, 7, 64]) {
      const b = batches(units as never, jobs);
      expect(b[0][0]).toBe(0);
      expect(b[b.length - 1][1]).toBe(units.length);
      for (let i = 1; i < b.length; i++) expect(b[i][0]).toBe(b[i - 1][1]);
      expect(b.length).toBeGreaterThanOrEqual(Math.min(units.length, jobs * 8));
    }
  });
  it('shrink over the last quarter of the work, so that the threads finish together', () => {
    const units = Array.from({ length: 4096 }, (_, i) => ({ offset: i * 100, end: i * 100 + 100 }));
    const size = ([a, e]: [number, number]) => (e - a) * 100;
    for (const jobs of [2, 4]) {
      const b = batches(units as never, jobs);
      const share = 409600 / jobs;
      // the bulk: 1/16 of a thread's share each
      expect(size(b[0])).toBe(share / 16);
      const after = (k: number) => b.slice(0, k + 1).reduce((n, x) => n + size(x), 0);
      const tail = b.filter((_, k) => after(k) > 409600 * 0.8);
      // then each a quarter of what is left per thread, never growing, down to 1/128 of a share
      for (let k = 1; k < tail.length; k++) expect(size(tail[k])).toBeLessThanOrEqual(size(tail[k - 1]));
      expect(size(tail[0])).toBeLessThan(share / 16);
      expect(size(b[b.length - 2])).toBe(share / 128);
    }
  });
});

/**
 * An encode of `elf` set up as encodeElfParallel sets it up, with a slow calling thread (15 ms a
 * unit): the workers start, claim batches, and that thread keeps batches it took ahead of theirs
 * until their turn.
 */
function slowSetup(elf: ElfFile) {
  const features = defaultFeatures();
  const rules = rulesFor(features);
  const cuOpts = cuOptions(features, [], elf.machine, rules);
  const dwarf = openDwarf(elf, cuOpts.funcChecks);
  const fns = readFunctions(elf, rules);
  const asm = createAssembler(elf, null, features, rules, false, undefined, fns);
  cuOpts.funcNames = functionNames(rules, fns);
  const enc = new CuEncoder(new DieReader(dwarf.sec), cuOpts, new StringTable(0, 1 << 20), true);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const local = {
    encode(i: number) {
      Atomics.wait(pause, 0, 0, 15);
      const u = dwarf.units[i];
      try {
        return enc.encode(u, dwarf.window?.(u));
      } catch (e) {
        throw new InputError(`CU at 0x${u.offset.toString(16)}: ${(e as Error).message}`);
      }
    },
  };
  return { features, cuOpts, dwarf, asm, local, input: { sec: dwarf.sec, units: dwarf.units, stream: null } };
}

describe('sharing the batches between this thread and the workers', () => {
  it('gives the single-threaded output when the workers take most of the batches', async () => {
    if (!big) return;
    const elf = ElfFile.open(big);
    try {
      const { features, cuOpts, asm, local, input } = slowSetup(elf);
      const order: number[] = [];
      const stats = await encodeParallel(input, cuOpts, 3, local, (f, i) => {
        order.push(i);
        asm.add(f);
      });
      expect(stats.workers).toBeGreaterThan(0);
      expect(stats.local + stats.workers).toBe(stats.batches);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      const ours = dedup(asm.finish(), { consume: true }).serialize();
      const ref = encodeFile(big, { features }).btf.serialize();
      expect(Buffer.from(ours).equals(Buffer.from(ref))).toBe(true);
    } finally {
      elf.close();
    }
  });
});

describe('a failing unit while the workers are busy', () => {
  it('rejects naming the unit, whichever thread met it', async () => {
    if (!big) return;
    const bytes = new Uint8Array(fs.readFileSync(big));
    const probe = ElfFile.fromBytes(bytes);
    const units = readUnits(readDwarfSections(probe).info, true);
    const victim = units[units.length - 2];
    bytes[probe.section('.debug_info')!.offset + victim.dieOffset] = 0x7e;
    const { cuOpts, local, input } = slowSetup(ElfFile.fromBytes(bytes));
    await expect(encodeParallel(input, cuOpts, 3, local, () => {}))
      .rejects.toThrow(new RegExp(`CU at 0x${victim.offset.toString(16)}.*bad abbreviation code 126`));
  });
});

describe('workers started before this thread is ready to merge', () => {
  it('are stopped when the encode is given up before its merge begins', async () => {
    if (!big) return;
    const { cuOpts, input } = slowSetup(ElfFile.open(big));
    const pool = new WorkerPool(2);
    const exited = pool.workers.map((w) => new Promise<number>((resolve) => w.once('exit', resolve)));
    const job = ParallelEncode.start(input, cuOpts, 3, pool);
    await job.abort();
    expect((await Promise.all(exited)).length).toBe(2);
  }, 20000);

  it('take the function names sent after their work, and encode every function until then', async () => {
    if (!big) return;
    const elf = ElfFile.open(big);
    try {
      const features = defaultFeatures();
      const cuOpts = cuOptions(features, [], elf.machine, rulesFor(features));
      const dwarf = openDwarf(elf, cuOpts.funcChecks);
      const input = { sec: dwarf.sec, units: dwarf.units, stream: null };
      const names = async (late: string[] | null): Promise<Set<string>> => {
        const enc = new CuEncoder(new DieReader(dwarf.sec), { ...cuOpts, funcNames: late }, new StringTable(0, 1 << 20), true);
        // this thread slow, so that the workers take most batches
        const pause = new Int32Array(new SharedArrayBuffer(4));
        const local = { encode: (i: number) => { Atomics.wait(pause, 0, 0, 15); return enc.encode(dwarf.units[i]); } };
        const job = ParallelEncode.start(input, { ...cuOpts, funcNames: null }, 3, new WorkerPool(2));
        if (late) job.setFunctionNames(late);
        const seen = new Set<string>();
        const stats = await job.run(local, (f) => { for (const fn of f.funcs) seen.add(fn.name ?? ''); });
        expect(stats.workers).toBeGreaterThan(0);
        return seen;
      };
      const all = await names(null);
      expect(all.size).toBeGreaterThan(3);
      expect([...await names(['multi_main', 'validate'])].sort()).toEqual(['multi_main', 'validate']);
    } finally {
      elf.close();
    }
  }, 20000);

  it('are stopped when the assembler fails after they began, and the error is the assembler\'s', async () => {
    // a per-CPU variable's ELF symbol renamed to a name BTF cannot hold: pahole 1.24's rules
    // refuse it when the assembler reads the per-CPU symbols, after the workers have their work
    const file = path.join(OBJ, 'multi.gcc-x86_64-dwarf5.o');
    const bytes = new Uint8Array(fs.readFileSync(file));
    const strtab = ElfFile.fromBytes(bytes).section('.strtab')!;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + strtab.offset, strtab.size);
    let at = text.indexOf('local_count\0');
    expect(at).toBeGreaterThan(0);
    for (; at >= 0; at = text.indexOf('local_count\0', at + 1)) text[at + 5] = 0x2d; // '-'
    const features = paholeLegacyFeatures();
    const elf = ElfFile.fromBytes(bytes);
    await expect(encodeElfParallel(elf, { features, jobs: 3 }))
      .rejects.toThrow(/per-CPU symbol 'local-count' has a name BTF cannot hold/);
    // the same file encodes on one thread with the same error
    expect(() => encodeElf(ElfFile.fromBytes(bytes), { features })).toThrow(/per-CPU symbol 'local-count'/);
  }, 20000);
});

describe('work that cannot be sent to the workers', () => {
  it('rejects and stops them', async () => {
    if (!big) return;
    const { cuOpts, local, input } = slowSetup(ElfFile.open(big));
    const pool = new WorkerPool(2);
    const exited = pool.workers.map((w) => new Promise<number>((resolve) => w.once('exit', resolve)));
    // a function is not structured-cloneable: posting the work fails
    const bad = { ...cuOpts, notCloneable: () => 0 } as typeof cuOpts;
    await expect(encodeParallel(input, bad, 3, local, () => {}, undefined, pool)).rejects.toThrow(/could not be cloned/);
    expect((await Promise.all(exited)).length).toBe(2);
  }, 20000);
});
