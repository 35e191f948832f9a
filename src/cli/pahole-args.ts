/**
 * dwarf2btf-pahole: a drop-in for pahole's BTF encoder as the Linux kernel build runs it
 * (`PAHOLE=dwarf2btf-pahole`), across the command lines of kernels 5.15 to 6.12 and later:
 *
 *   scripts/link-vmlinux.sh    $(PAHOLE) -J $(PAHOLE_FLAGS) [--btf_encode_detached=OUT] vmlinux
 *   scripts/Makefile.modfinal  $(PAHOLE) -J $(PAHOLE_FLAGS) $(MODULE_PAHOLE_FLAGS) --btf_base vmlinux M.ko
 *   scripts/pahole-version.sh  $(PAHOLE) --version        -> v1.31
 *
 * Options are parsed the way pahole's argp parser does (GNU style: `--opt=value` or `--opt value`,
 * `-j`, `-j8` or `-j 8`, options before or after the file), and the BTF features they select
 * follow pahole 1.31's rules, order included: without --btf_features the legacy defaults apply
 * (variables, decl and type tags, enum64) as changed by the legacy flags (--btf_gen_floats,
 * --skip_encoding_btf_*, --btf_gen_optimized, ...); the first --btf_features /
 * --btf_features_strict switches every feature off and then on as listed (unknown names are
 * ignored, or an error with the _strict form).
 *
 * Differences from pahole: only BTF encoding (-J / --btf_encode_detached) is supported; an option
 * pahole has but this does not, or one it does not know, is refused naming it (exit 2); LLVM_OBJCOPY
 * is not used (sections are written by dwarf2btf itself, atomically: a failed or interrupted run
 * leaves the input as it was); small inputs are encoded on one thread whatever -j says.
 */
import os from 'node:os';
import { FEATURES, noFeatures, paholeLegacyFeatures, type FeatureName, type Features } from '../encode/features.js';
import { InputError } from '../errors.js';
import { runEncode } from './encode-run.js';
import { UsageError, runCli } from './run.js';

/** The pahole version this stands in for (what Kbuild's pahole-version.sh reads). */
export const PAHOLE_VERSION = 'v1.31';

export interface PaholeArgs {
  file: string;
  /** -J / --btf_encode (in place), or implied by --btf_encode_detached. */
  encode: boolean;
  detached: string | null;
  base: string | null;
  features: Features;
  jobs: number;
  langExclude: string[];
  verbose: boolean;
}

export type PaholeCommand =
  | { kind: 'encode'; args: PaholeArgs }
  | { kind: 'version' }
  | { kind: 'numeric_version' }
  | { kind: 'help' }
  | { kind: 'supported_btf_features' };

type Handler = (value: string | undefined, st: ParseState) => void;
interface OptionSpec {
  /** 'none': a flag; 'required': takes a value; 'optional': a value attached (-j8, --jobs=8), or a number next (see detachedJobs). */
  arg: 'none' | 'required' | 'optional';
  short?: string;
  run: Handler;
}

interface ParseState {
  features: Features;
  /** Whether a --btf_features* option has reset the features yet (pahole does it once). */
  featuresInit: boolean;
  encode: boolean;
  detached: string | null;
  base: string | null;
  jobs: number;
  langExclude: string[];
  verbose: boolean;
  files: string[];
  command: PaholeCommand | null;
}

/** base_ref, the name the feature had in its first proposal (pahole 1.31 itself ignores it). */
const ALIASES: Record<string, FeatureName> = { base_ref: 'distilled_base' };
/** Names dwarf2btf's own --btf_features knows but pahole 1.31 does not (ignored as it would). */
const NOT_IN_131 = new Set(['true_signature', 'layout']);

function enableDefault(f: Features): void {
  for (const x of FEATURES) if (x.default) f[x.name] = true;
}

/** pahole 1.31's parse_btf_features. */
function btfFeatures(list: string, strict: boolean, st: ParseState): void {
  if (!st.featuresInit) {
    st.features = noFeatures();
    st.featuresInit = true;
  }
  if (list === 'default') {
    enableDefault(st.features);
    return;
  }
  let s = list;
  if (s.startsWith('+')) {
    enableDefault(st.features);
    s = s.slice(1);
  }
  for (const word of s.split(',')) {
    if (!word) continue;
    const name = (ALIASES[word] ?? word) as FeatureName;
    const known = FEATURES.some((x) => x.name === name) && !NOT_IN_131.has(name);
    if (known) {
      st.features[name] = true;
    } else if (word === 'default') {
      enableDefault(st.features);
    } else if (strict) {
      const names = FEATURES.filter((x) => !NOT_IN_131.has(x.name)).map((x) => x.name).join(',');
      throw new InputError(`Feature '${word}' in '${list}' is not supported. Supported BTF features are: ${names}`);
    }
  }
}

const set = (name: FeatureName, on: boolean): Handler => (_v, st) => { st.features[name] = on; };

const OPTIONS: Record<string, OptionSpec> = {
  btf_encode: { arg: 'none', short: 'J', run: (_v, st) => { st.encode = true; } },
  btf_encode_detached: { arg: 'required', run: (v, st) => { st.detached = v as string; st.encode = true; } },
  btf_base: { arg: 'required', run: (v, st) => { st.base = v as string; } },
  jobs: {
    arg: 'optional', short: 'j',
    run: (v, st) => {
      if (v === undefined) { st.jobs = os.availableParallelism(); return; }
      // pahole takes atoi(): garbage is 0, which means one thread
      const n = Number.parseInt(v, 10);
      st.jobs = Number.isFinite(n) && n > 1 ? Math.min(n, 1024) : 1;
    },
  },
  btf_features: { arg: 'required', run: (v, st) => btfFeatures(v as string, false, st) },
  btf_features_strict: { arg: 'required', run: (v, st) => btfFeatures(v as string, true, st) },
  btf_gen_all: { arg: 'none', run: (_v, st) => btfFeatures('all', false, st) },
  btf_gen_floats: { arg: 'none', run: set('float', true) },
  btf_gen_optimized: { arg: 'none', run: set('optimized_func', true) },
  btf_encode_force: { arg: 'none', run: set('encode_force', true) },
  reproducible_build: { arg: 'none', run: set('reproducible_build', true) },
  skip_encoding_btf_vars: { arg: 'none', run: set('var', false) },
  skip_encoding_btf_decl_tag: { arg: 'none', run: set('decl_tag', false) },
  skip_encoding_btf_type_tag: { arg: 'none', run: set('type_tag', false) },
  skip_encoding_btf_enum64: { arg: 'none', run: set('enum64', false) },
  skip_encoding_btf_inconsistent_proto: { arg: 'none', run: set('consistent_func', true) },
  btf_attributes: { arg: 'none', run: set('attributes', true) },
  lang_exclude: {
    arg: 'required',
    run: (v, st) => { st.langExclude.push(...(v as string).split(',').filter(Boolean)); },
  },
  verbose: { arg: 'none', short: 'V', run: (_v, st) => { st.verbose = true; } },
  quiet: { arg: 'none', short: 'q', run: () => {} },
  version: { arg: 'none', run: (_v, st) => { st.command ??= { kind: 'version' }; } },
  numeric_version: { arg: 'none', run: (_v, st) => { st.command ??= { kind: 'numeric_version' }; } },
  supported_btf_features: { arg: 'none', run: (_v, st) => { st.command ??= { kind: 'supported_btf_features' }; } },
  help: { arg: 'none', short: '?', run: (_v, st) => { st.command ??= { kind: 'help' }; } },
};
const SHORT = new Map(Object.entries(OPTIONS).filter(([, o]) => o.short).map(([name, o]) => [o.short as string, name]));

/**
 * Parses pahole's command line (without the program name). `exists` tells whether a path names a
 * file: `-j 4` takes 4 as the job count only when no file is called "4" (pahole itself takes
 * `-j`'s value only attached).
 */
export function parsePaholeArgs(argv: readonly string[], exists: (p: string) => boolean = () => false): PaholeCommand {
  const st: ParseState = {
    features: paholeLegacyFeatures(), featuresInit: false, encode: false, detached: null, base: null,
    jobs: 1, langExclude: [], verbose: false, files: [], command: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      st.files.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const spec = OPTIONS[name];
      if (!spec) throw new UsageError(`unrecognized option '${eq < 0 ? a : a.slice(0, eq)}' (dwarf2btf-pahole takes pahole's BTF encoding options only; see --help)`);
      let value: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
      if (spec.arg === 'none' && value !== undefined) throw new UsageError(`option '--${name}' doesn't allow an argument`);
      if (spec.arg === 'required' && value === undefined) {
        if (i + 1 >= argv.length) throw new UsageError(`option '--${name}' requires an argument`);
        value = argv[++i];
      }
      if (spec.arg === 'optional' && value === undefined) {
        const next = detachedJobs(argv, i, exists);
        if (next !== null) {
          value = next;
          i++;
        }
      }
      spec.run(value, st);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const c = a[k];
        const name = SHORT.get(c);
        if (!name) throw new UsageError(`invalid option -- '${c}' (dwarf2btf-pahole takes pahole's BTF encoding options only; see --help)`);
        const spec = OPTIONS[name];
        if (spec.arg === 'optional') {
          let value: string | undefined = a.slice(k + 1) || undefined;
          if (value === undefined) {
            const next = detachedJobs(argv, i, exists);
            if (next !== null) { value = next; i++; }
          }
          spec.run(value, st);
          break;
        }
        if (spec.arg === 'required') {
          let value = a.slice(k + 1);
          if (!value) {
            if (i + 1 >= argv.length) throw new UsageError(`option requires an argument -- '${c}'`);
            value = argv[++i];
          }
          spec.run(value, st);
          break;
        }
        spec.run(undefined, st);
      }
      continue;
    }
    st.files.push(a);
  }
  if (st.command) return st.command;
  if (!st.encode) throw new UsageError('dwarf2btf-pahole only encodes BTF: give -J (in place) or --btf_encode_detached=FILE');
  if (st.files.length !== 1) throw new UsageError(st.files.length === 0 ? 'no input file (FILE: a vmlinux, module or object with DWARF)' : `one input file expected, got ${st.files.length}: ${st.files.join(' ')}`);
  return {
    kind: 'encode',
    args: {
      file: st.files[0], encode: st.encode, detached: st.detached, base: st.base, features: st.features,
      jobs: st.jobs, langExclude: st.langExclude, verbose: st.verbose,
    },
  };
}

/** `-j N` / `--jobs N`: the next argument if it is a number and not the name of a file. */
function detachedJobs(argv: readonly string[], i: number, exists: (p: string) => boolean): string | null {
  const next = argv[i + 1];
  return next !== undefined && /^[0-9]+$/.test(next) && !exists(next) ? next : null;
}

const HELP = `Usage: dwarf2btf-pahole [OPTION...] FILE
Encode the DWARF of FILE (a vmlinux, module or object) as BTF, as pahole ${PAHOLE_VERSION} does.

  -J, --btf_encode               add or replace FILE's .BTF section (in place)
      --btf_encode_detached=OUT  write raw BTF to OUT instead
      --btf_base=BASE            split BTF over BASE (an ELF with .BTF such as vmlinux, or raw BTF)
      --btf_features=LIST        BTF features (pahole 1.31 names, 'default', '+LIST'); unknown ones
                                 are ignored; distilled_base (alias base_ref) writes .BTF.base
      --btf_features_strict=LIST the same, unknown features are an error
      --supported_btf_features   list the features and exit
      --btf_gen_floats, --btf_gen_optimized, --btf_encode_force, --btf_gen_all,
      --skip_encoding_btf_vars, --skip_encoding_btf_decl_tag, --skip_encoding_btf_type_tag,
      --skip_encoding_btf_enum64, --skip_encoding_btf_inconsistent_proto, --reproducible_build
                                 pahole's legacy feature flags
      --lang_exclude=LANGS       skip compile units in these languages (e.g. rust)
  -j, --jobs[=N]                 encode on N threads (default: the CPUs)
  -V, --verbose                  say what is skipped and why
  -q, --quiet                    accepted
      --version                  print the pahole version this stands in for (${PAHOLE_VERSION})
      --numeric_version          the same as a number
  -?, --help                     this help
`;

/** Runs one parsed command (errors are thrown, as InputError or UsageError). */
export async function runPahole(cmd: PaholeCommand, write: (s: string) => void): Promise<void> {
  switch (cmd.kind) {
    case 'version':
      write(`${PAHOLE_VERSION}\n`);
      return;
    case 'numeric_version':
      write(`${PAHOLE_VERSION.slice(1).replace('.', '')}\n`);
      return;
    case 'help':
      write(HELP);
      return;
    case 'supported_btf_features':
      write(FEATURES.filter((x) => !NOT_IN_131.has(x.name)).map((x) => x.name).join(',') + '\n');
      return;
    case 'encode': {
      const a = cmd.args;
      await runEncode({
        file: a.file,
        features: a.features,
        basePath: a.base,
        out: a.detached,
        // pahole writes plain split BTF with --btf_encode_detached, whatever the features say
        distilledOut: a.detached ? 'none' : 'sibling',
        jobs: a.jobs,
        langExclude: a.langExclude,
        verbose: a.verbose,
        log: (l) => process.stderr.write(l + '\n'),
      });
    }
  }
}
