#!/usr/bin/env node
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { FEATURES, defaultFeatures, noFeatures, parseFeatures, type Features } from '../encode/features.js';
import { parseEncodeArgs, type EncodeArgv } from './encode-args.js';
import { runEncode } from './encode-run.js';
import type { Argv } from 'yargs';
import { UsageError, runCli, type Out } from './run.js';
// yargs, the progress bar and the modules only other commands use are loaded when needed: a plain
// `encode` (what a kernel build runs per module) never loads them (see encode-args.ts)

const featureHelp = FEATURES.map((f) => `  ${f.name}${f.default ? ' (default)' : ''}: ${f.help}`).join('\n');

/** Features that change how the output is written, not what is encoded. */
const OUTPUT_ONLY = new Set(['distilled_base', 'base_ref', 'reproducible_build']);

function features(list: string[] | undefined): Features {
  if (!list || list.length === 0) return defaultFeatures();
  // `--btf_features=base_ref` alone (the form users type) adds to the default set
  const words = list.join(',').split(',').map((w) => w.trim()).filter(Boolean);
  const f = words.every((w) => OUTPUT_ONLY.has(w)) ? defaultFeatures() : noFeatures();
  for (const l of list) parseFeatures(l, f, true);
  return f;
}

/** Runs `fn`, prefixing input errors with the file they are about. */
export function about<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InputError && !(e instanceof UsageError)) throw new InputError(`${file}: ${e.message}`);
    throw e;
  }
}

/** `about` for a promise. */
export async function aboutAsync<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof InputError && !(e instanceof UsageError)) throw new InputError(`${file}: ${e.message}`);
    throw e;
  }
}

/** `encode`, whichever parser read its command line. */
async function encodeCommand(a: EncodeArgv, out: Out): Promise<void> {
  const file = a.file;
  // the progress bar (cli-progress) only on a terminal; -j's value checked where it is parsed
  const wantBar = !a.quiet && process.stderr.isTTY;
  const progress = wantBar || a.j !== undefined ? await import('./progress.js') : null;
  const jobs = progress ? progress.parseJobs(a.j) : os.availableParallelism();
  const bar = wantBar ? progress!.progressBar(false) : null;
  const res = await runEncode({
    file,
    features: features(a.btf_features),
    basePath: a.btf_base,
    // a module built for the running kernel needs no --btf_base to get a distilled base
    defaultBasePath: '/sys/kernel/btf/vmlinux',
    out: a.o,
    jobs,
    rules: a.rules as '1.24' | '1.31' | undefined,
    progress: bar?.update,
    langExclude: a.lang_exclude ? a.lang_exclude.split(',').filter(Boolean) : [],
    verbose: a.verbose,
    log: (l) => process.stderr.write(l + '\n'),
  }).finally(() => bar?.stop());
  if (a.stats) {
    const s = res.stats;
    const t = Object.entries(s.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}s${s.rss[k] === undefined ? '' : ` (RSS ${s.rss[k]} MiB)`}`).join(', ');
    const b = s.batches ? `; ${s.batches.batches} batches: ${s.batches.local} on this thread (${s.batches.held} held for order), ${s.batches.workers} on workers` : '';
    const d = s.dedupStreamed ? '; dedup streamed' : '; dedup all at once';
    out.err(`${path.basename(file)}: ${s.cus} CUs, ${s.dies} DIEs, ${s.typesBeforeDedup} types before dedup, ${s.types} after; ${t}${b}${d}; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  }
}

runCli('dwarf2btf', async (argv, out) => {
  const plain = parseEncodeArgs(argv.slice(2));
  if (plain) return encodeCommand(plain, out);
  const [{ default: yargs }, { hideBin }, { diffBtf }, { dumpBtf }, { validateBtf }, { loadBtf }] = await Promise.all([
    import('yargs'), import('yargs/helpers'), import('../btf/diff.js'), import('../btf/dump.js'),
    import('../btf/validate.js'), import('./load.js'),
  ]);
  // dump and check: a BTF file, with the base and distilled base split BTF needs
  const withBase = <T>(y: Argv<T>) => y
    .positional('file', { type: 'string', demandOption: true })
    .option('base', { alias: 'B', type: 'string', describe: 'base BTF for split BTF (a module with .BTF.base is relocated onto it)' })
    .option('distilled_base', { type: 'string', describe: 'distilled base of a raw split BTF (the OUT.base of encode -o)' });
  const loadWithBase = (a: Record<string, unknown>) => {
    const { file, base: basePath, distilled_base: distPath } = a as { file: string; base?: string; distilled_base?: string };
    const base = basePath ? about(basePath, () => loadBtf(basePath)) : null;
    const dist = distPath ? about(distPath, () => loadBtf(distPath)) : null;
    return about(file, () => loadBtf(file, base, '.BTF', dist));
  };
  await yargs(hideBin(argv))
    // `--btf_features=LIST FILE`: an array option must not swallow the file that follows it
    .parserConfiguration({ 'greedy-arrays': false })
    .scriptName('dwarf2btf')
    .usage('$0 <command> [options]')
    .command(
      'encode <file>',
      'Encode the DWARF of a vmlinux, module (.ko) or object (.o) as BTF',
      (y) => y
        .positional('file', { type: 'string', demandOption: true, describe: 'ELF file with DWARF' })
        .option('btf_features', { type: 'string', array: true, describe: `comma-separated BTF features (default: "default")\n${featureHelp}` })
        .option('o', { alias: 'output', type: 'string', describe: 'write raw BTF to this file instead of adding .BTF to FILE (with distilled_base: the split BTF; the distilled base goes to OUT.base)' })
        .option('btf_base', { type: 'string', describe: 'base BTF (a vmlinux or other ELF with .BTF, or raw BTF): the output is split BTF over it (with distilled_base, default: /sys/kernel/btf/vmlinux)' })
        .option('lang_exclude', { type: 'string', describe: 'comma-separated languages whose CUs are skipped (e.g. rust)' })
        .option('rules', { type: 'string', choices: ['1.24', '1.31'], describe: 'choose functions and variables as this pahole does (default: 1.31 when optimized_func, consistent_func, decl_tag_kfuncs or global_var is on, else 1.24)' })
        .option('j', { alias: 'jobs', type: 'string', describe: 'worker threads to encode compile units on (no value or absent: the available CPUs; output is identical for any number)' })
        .option('stats', { type: 'boolean', describe: 'print phase timings and counts on stderr' })
        .option('verbose', { type: 'boolean', describe: 'say what is skipped and why' })
        .option('quiet', { type: 'boolean', describe: 'no progress output' }),
      async (a) => {
        await encodeCommand(a as unknown as EncodeArgv, out);
      },
    )
    .command(
      'dump <file>',
      'Print BTF (raw, or the .BTF of an ELF file) as `bpftool btf dump file` does',
      withBase,
      (a) => {
        const t = loadWithBase(a);
        out.writeBinary(dumpBtf(t));
      },
    )
    .command(
      'check <file>',
      'Validate BTF by the kernel\'s rules; exit 1 with the first problem',
      withBase,
      (a) => {
        const t = loadWithBase(a);
        const p = validateBtf(t);
        if (p) {
          out.err(`${a.file}: ${p.text}`);
          process.exitCode = 1;
        } else {
          out.write(`${a.file}: ok, ${t.count} types\n`);
        }
      },
    )
    .command(
      'diff <a> <b>',
      'Compare two BTFs type by type, independent of type ids; exit 1 if they differ',
      (y) => y
        .positional('a', { type: 'string', demandOption: true })
        .positional('b', { type: 'string', demandOption: true })
        .option('base', { alias: 'B', type: 'string', describe: 'base BTF for both (split BTF)' })
        .option('data', { type: 'boolean', describe: 'compare data types only (no FUNC, VAR, DATASEC, DECL_TAG, nor prototypes only functions use)' })
        .option('max', { type: 'number', default: 20, describe: 'differences to list per side' }),
      (a) => {
        const base = a.base ? about(a.base, () => loadBtf(a.base as string)) : null;
        const ta = about(a.a as string, () => loadBtf(a.a as string, base));
        const tb = about(a.b as string, () => loadBtf(a.b as string, base));
        const d = diffBtf(ta, tb, !!a.data);
        const what = a.data ? 'data types' : 'types';
        out.write(`${a.a}: ${d.countA} ${what}; ${a.b}: ${d.countB} ${what}; ${d.common} in common\n`);
        const list = (m: Map<string, number>, side: string): void => {
          let n = 0;
          for (const [k, c] of m) {
            if (n++ >= (a.max as number)) { out.write(`  ... ${m.size - (a.max as number)} more only in ${side}\n`); break; }
            out.write(`  only in ${side}${c > 1 ? ` (x${c})` : ''}: ${k}\n`);
          }
        };
        list(d.onlyA, a.a as string);
        list(d.onlyB, a.b as string);
        if (d.onlyA.size || d.onlyB.size) process.exitCode = 1;
        else out.write('same types\n');
      },
    )
    .demandCommand(1, 'name a command: encode, dump, check or diff')
    .strict()
    .help()
    .version(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    })
    .parseAsync();
});

