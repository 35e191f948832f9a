/**
 * The `dwarf2btf encode` command line in its plain forms, read without yargs: loading yargs takes
 * about 0.1 s, more than encoding a small module, and a kernel build encodes thousands of them.
 * Anything else — help, another command, an option spelled another way, a repeated single-value
 * option, `--` — gives null, and yargs parses it as before (with its messages).
 */
export interface EncodeArgv {
  file: string;
  btf_features?: string[];
  o?: string;
  btf_base?: string;
  lang_exclude?: string;
  /** '1.24' or '1.31' (another value is left to yargs, which names the choices). */
  rules?: string;
  /** -j's value as yargs gives it: '' for a bare -j. */
  j?: string;
  stats?: boolean;
  verbose?: boolean;
  quiet?: boolean;
}

const VALUE = new Map<string, 'btf_features' | 'o' | 'btf_base' | 'lang_exclude' | 'rules'>([
  ['--btf_features', 'btf_features'], ['-o', 'o'], ['--output', 'o'], ['--btf_base', 'btf_base'],
  ['--lang_exclude', 'lang_exclude'], ['--rules', 'rules'],
]);
const RULES = new Set(['1.24', '1.31']);
const FLAGS = new Set(['--stats', '--verbose', '--quiet']);
const NUMBER = /^[0-9]+$/;

export function parseEncodeArgs(argv: readonly string[]): EncodeArgv | null {
  if (argv[0] !== 'encode') return null;
  const a: Partial<EncodeArgv> = {};
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-')) {
      if (a.file !== undefined) return null;
      a.file = arg;
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const key = VALUE.get(name);
    if (key) {
      let v: string;
      if (eq >= 0) v = arg.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('-')) v = argv[++i];
      else return null;
      if (key === 'rules' && !RULES.has(v)) return null;
      if (key === 'btf_features') (a.btf_features ??= []).push(v);
      else if (a[key] !== undefined) return null;
      else a[key] = v;
      continue;
    }
    if (FLAGS.has(arg)) {
      const f = arg.slice(2) as 'stats' | 'verbose' | 'quiet';
      if (a[f]) return null;
      a[f] = true;
      continue;
    }
    let j: string | null = null;
    if (arg === '-j' || arg === '--jobs') {
      // yargs takes the next argument as the value whatever it is: leave the odd cases to it
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('-')) j = '';
      else if (NUMBER.test(next)) j = argv[++i];
      else return null;
    }
    else if (/^-j[0-9]+$/.test(arg)) j = arg.slice(2);
    else if (/^--jobs=[0-9]+$/.test(arg)) j = arg.slice(7);
    if (j === null || a.j !== undefined) return null;
    a.j = j;
  }
  return a.file === undefined ? null : (a as EncodeArgv);
}
