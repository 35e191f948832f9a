/**
 * Test helpers around the system's libbpf (the dedup oracle, test/oracles/btf-dedup.c) and the
 * compilers that produce real BTF for the tests. Everything is built once per test run in a temp
 * dir; a missing tool yields a reason to skip rather than a failure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function has(cmd: string, args: string[] = ['--version']): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.error?.message}`);
  }
}

export type OracleMode = 'concat' | 'dedup' | 'raw-dedup';

export class DedupOracle {
  private n = 0;
  private constructor(readonly dir: string, readonly bin: string) {}

  /** Compiles the oracle, or returns the reason it can't be. */
  static build(): DedupOracle | string {
    if (!has('cc')) return 'no C compiler (cc)';
    let flags: string[];
    try {
      flags = execFileSync('pkg-config', ['--cflags', '--libs', 'libbpf'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim().split(/\s+/).filter(Boolean);
    } catch {
      return 'libbpf-dev is not installed (pkg-config libbpf failed): apt-get install libbpf-dev libelf-dev zlib1g-dev pkg-config';
    }
    const dir = mkdtempSync(join(tmpdir(), 'dwarf2btf-dedup-'));
    const bin = join(dir, 'btf-dedup');
    const r = spawnSync('cc', ['-O2', '-o', bin, join(here, 'btf-dedup.c'), ...flags], { encoding: 'utf8' });
    if (r.status !== 0) return `cannot build the libbpf oracle: ${r.stderr}`;
    return new DedupOracle(dir, bin);
  }

  /**
   * Runs `pahole -J` on an ELF file with DWARF (split over `base`, raw BTF, if given) with the
   * pahole-predup.c shim preloaded: returns pahole's BTF before and after its btf__dedup.
   */
  pahole(elf: string, base?: string): { predup: Uint8Array; pahole: string } {
    if (!this.shim) {
      const flags = execFileSync('pkg-config', ['--cflags', 'libbpf'], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean);
      this.shim = join(this.dir, 'pahole-predup.so');
      run('cc', ['-O2', '-shared', '-fPIC', '-o', this.shim, join(here, 'pahole-predup.c'), ...flags, '-ldl']);
    }
    const pre = this.tmp('predup');
    const out = this.tmp('pahole.btf');
    const r = spawnSync('pahole', ['-J', '--btf_gen_floats', ...(base ? ['--btf_base', base] : []), `--btf_encode_detached=${out}`, elf],
      { env: { ...process.env, LD_PRELOAD: this.shim, PREDUP_OUT: pre }, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`pahole on ${elf} failed: ${r.stderr}`);
    return { predup: new Uint8Array(readFileSync(`${pre}.0`)), pahole: out };
  }

  private shim: string | null = null;

  /** A fresh path in the oracle's temp dir. */
  tmp(name: string): string {
    return join(this.dir, `${this.n++}-${name}`);
  }

  /**
   * Runs the oracle over raw BTF files and returns the raw BTF it wrote.
   * concat/dedup: inputs are standalone BTF appended (split over `base` if given); raw-dedup: one
   * input, raw BTF (split over `base` if given).
   */
  run(mode: OracleMode, inputs: string[], base?: string): { path: string; bytes: Uint8Array } {
    const path = this.tmp(`${mode}.btf`);
    run(this.bin, [mode, ...(base ? ['--base', base] : []), '-o', path, ...inputs]);
    return { path, bytes: new Uint8Array(readFileSync(path)) };
  }

  /** Writes `bytes` to a fresh temp file and returns its path. */
  write(name: string, bytes: Uint8Array): string {
    const path = this.tmp(name);
    writeFileSync(path, bytes);
    return path;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export type BtfFlavour = 'gcc' | 'clang' | 'pahole';

/** Which BTF producers are installed. */
export function availableFlavours(): BtfFlavour[] {
  const out: BtfFlavour[] = [];
  if (has('gcc') && spawnSync('gcc', ['-gbtf', '-x', 'c', '-c', '-o', '/dev/null', '-'], { input: 'int x;' }).status === 0) out.push('gcc');
  if (clangBin()) out.push('clang');
  if (has('gcc') && has('pahole')) out.push('pahole');
  return out;
}

let clang: string | null | undefined;
function clangBin(): string | null {
  if (clang !== undefined) return clang;
  clang = null;
  for (const c of ['clang-19', 'clang-18', 'clang-17', 'clang-16', 'clang-15', 'clang']) {
    if (spawnSync(c, ['-g', '-target', 'bpf', '-x', 'c', '-c', '-o', '/dev/null', '-'], { input: 'int x;' }).status === 0) {
      clang = c;
      break;
    }
  }
  return clang;
}

/**
 * Compiles C source `src` and extracts its BTF into `dir`; returns the raw BTF file's path.
 *  gcc: `gcc -gbtf` (GCC's own per-unit BTF); clang: `clang -target bpf -g` (.BTF of a BPF object);
 *  pahole: `gcc -g` then `pahole -J --btf_encode_detached` (pahole's BTF, deduplicated by libbpf).
 */
export function btfOf(flavour: BtfFlavour, src: string, dir: string): string {
  const stem = `${flavour}-${basename(src, '.c')}`;
  const obj = join(dir, `${stem}.o`);
  const out = join(dir, `${stem}.btf`);
  if (existsSync(out)) return out;
  switch (flavour) {
    case 'gcc':
      run('gcc', ['-gbtf', '-O0', '-w', '-c', src, '-o', obj]);
      writeFileSync(out, elfSection(readFileSync(obj), '.BTF'));
      break;
    case 'clang':
      run(clangBin()!, ['-g', '-O0', '-w', '-target', 'bpf', '-c', src, '-o', obj]);
      writeFileSync(out, elfSection(readFileSync(obj), '.BTF'));
      break;
    case 'pahole':
      run('gcc', ['-g', '-O0', '-w', '-c', src, '-o', obj]);
      run('pahole', ['-J', `--btf_encode_detached=${out}`, obj]);
      break;
  }
  return out;
}

/** The contents of section `name` of a little-endian ELF64 object. */
export function elfSection(elf: Uint8Array, name: string): Uint8Array {
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  if (dv.getUint32(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) throw new Error('not a little-endian ELF64 file');
  const shoff = Number(dv.getBigUint64(0x28, true));
  const shentsize = dv.getUint16(0x3a, true), shnum = dv.getUint16(0x3c, true), shstrndx = dv.getUint16(0x3e, true);
  const sh = (i: number) => shoff + i * shentsize;
  const strOff = Number(dv.getBigUint64(sh(shstrndx) + 0x18, true));
  for (let i = 0; i < shnum; i++) {
    let p = strOff + dv.getUint32(sh(i), true), s = '';
    while (elf[p] !== 0) s += String.fromCharCode(elf[p++]);
    if (s !== name) continue;
    const off = Number(dv.getBigUint64(sh(i) + 0x18, true)), size = Number(dv.getBigUint64(sh(i) + 0x20, true));
    return elf.subarray(off, off + size);
  }
  throw new Error(`no ${name} section`);
}
