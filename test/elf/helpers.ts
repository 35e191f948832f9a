// Shared helpers for the ELF tests: temp dirs, compiling fixtures, and parsing GNU readelf output.

import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dwarf2btf-elf-'));
}

const available = new Map<string, boolean>();

/** Whether a command can be run (it is given --version). */
export function hasTool(cmd: string): boolean {
  let ok = available.get(cmd);
  if (ok === undefined) {
    const r = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
    ok = r.error === undefined && r.status === 0;
    available.set(cmd, ok);
  }
  return ok;
}

/** Runs a command and returns its stdout; throws with its stderr if it fails. */
export function run(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

/** Runs a command, returning stdout and stderr without throwing on a non-zero exit. */
export function runAll(cmd: string, args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** A small C file using structs, statics, a TLS variable and a loop (so that line tables and ranges exist). */
export const SAMPLE_C = `
struct point { int x, y; };
enum color { RED, GREEN = 5 };
static int counter;
__thread int tls_var;
int global_arr[10];
struct point origin = {1, 2};
enum color favourite = GREEN;
static int helper(int v) { return v * 2 + counter; }
int compute(struct point *p, int n) {
  int s = 0;
  for (int i = 0; i < n; i++) s += helper(p[i].x) + global_arr[i % 10];
  return s + tls_var;
}
`;

export const MAIN_C = `
#include <stdio.h>
int compute(void *p, int n);
int main(void) { printf("hello %d\\n", compute(0, 0)); return 0; }
`;

/** Writes `src` to dir/name.c and compiles it with `cc args`; returns the output path. */
export function compile(dir: string, name: string, cc: string, args: string[], src = SAMPLE_C): string {
  const c = path.join(dir, `${name}.c`);
  fs.writeFileSync(c, src);
  const out = path.join(dir, name + (args.includes('-c') ? '.o' : ''));
  run(cc, [...args, c, '-o', out]);
  return out;
}

export interface ReadelfSection {
  index: number;
  name: string;
  type: string;
  addr: bigint;
  offset: number;
  size: number;
  entsize: number;
  flags: string;
  link: number;
  info: number;
  align: number;
}

/** Parses `readelf -S -W`. */
export function readelfSections(file: string): ReadelfSection[] {
  const out: ReadelfSection[] = [];
  const re = /^\s*\[\s*(\d+)\]\s(.*?)\s+([A-Za-z_][A-Za-z0-9_ ]*?|LO(?:OS|PROC|USER)\+0x[0-9a-f]+)\s+([0-9a-f]{8,16})\s([0-9a-f]+)\s([0-9a-f]+)\s([0-9a-f]+)\s+([A-Za-z]*)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/;
  for (const line of run('readelf', ['-S', '-W', file]).split('\n')) {
    if (!/^\s*\[\s*\d+\]/.test(line)) continue;
    const m = re.exec(line);
    if (!m) throw new Error(`cannot parse readelf line: ${line}`);
    out.push({
      index: +m[1], name: m[2].trim(), type: m[3], addr: BigInt('0x' + m[4]), offset: parseInt(m[5], 16),
      size: parseInt(m[6], 16), entsize: parseInt(m[7], 16), flags: m[8], link: +m[9], info: +m[10], align: +m[11],
    });
  }
  return out;
}

/** readelf's names for section types. */
export const SECTION_TYPE_NAMES: Record<string, number> = {
  NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, HASH: 5, DYNAMIC: 6, NOTE: 7, NOBITS: 8, REL: 9,
  DYNSYM: 11, INIT_ARRAY: 14, FINI_ARRAY: 15, PREINIT_ARRAY: 16, GROUP: 17, 'SYMTAB SECTION INDICES': 18,
  GNU_HASH: 0x6ffffff6, VERDEF: 0x6ffffffd, VERNEED: 0x6ffffffe, VERSYM: 0x6fffffff, LLVM_ADDRSIG: 0x6fff4c03,
  X86_64_UNWIND: 0x70000001, ARM_EXIDX: 0x70000001, ARM_ATTRIBUTES: 0x70000003, RISCV_ATTRIBUTES: 0x70000003,
  AARCH64_ATTRIBUTES: 0x70000003, GNU_ATTRIBUTES: 0x6ffffff5,
  'LOOS+0xfff4c03': 0x6fff4c03, // SHT_LLVM_ADDRSIG
};

/** readelf's letters for section flags, in its order. */
export function flagLetters(flags: number): string {
  const letters: [number, string][] = [
    [0x1, 'W'], [0x2, 'A'], [0x4, 'X'], [0x10, 'M'], [0x20, 'S'], [0x40, 'I'], [0x80, 'L'], [0x100, 'O'],
    [0x200, 'G'], [0x400, 'T'], [0x800, 'C'], [0x80000000, 'E'],
  ];
  return letters.filter(([bit]) => (flags & bit) !== 0).map(([, l]) => l).join('');
}

export interface ReadelfSymbol {
  num: number;
  value: bigint;
  size: bigint;
  type: string;
  bind: string;
  vis: string;
  ndx: string;
  name: string;
}

/** Parses the '.symtab' table of `readelf -s -W`. */
export function readelfSymbols(file: string): ReadelfSymbol[] {
  const out: ReadelfSymbol[] = [];
  let inSymtab = false;
  const re = /^\s*(\d+):\s+([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+(\S+)\s+(\S+)\s+(\S+(?: \[[^\]]*\])?)\s+(\S+) ?(.*)$/;
  for (const line of run('readelf', ['-s', '-W', file]).split('\n')) {
    if (line.startsWith('Symbol table ')) inSymtab = line.includes("'.symtab'");
    if (!inSymtab) continue;
    const m = re.exec(line);
    if (!m) continue;
    out.push({
      num: +m[1], value: BigInt('0x' + m[2]), size: BigInt(m[3]), type: m[4], bind: m[5], vis: m[6], ndx: m[7], name: m[8],
    });
  }
  return out;
}

/** Parses a readelf hex dump (-x, --relocated-dump) into bytes; null if readelf has no data. */
export function parseHexDump(text: string): Uint8Array | null {
  const bytes: number[] = [];
  let seen = false;
  for (const line of text.split('\n')) {
    // "  0x00000010 001d0800 00000000 00000000 00000000 ................": 16 bytes as hex in 4
    // groups (36 columns), then the same bytes as text.
    const m = /^\s+0x[0-9a-f]+ /.exec(line);
    if (!m) continue;
    seen = true;
    const hexPart = line.slice(m[0].length, m[0].length + 36).replace(/ /g, '');
    for (let i = 0; i < hexPart.length; i += 2) bytes.push(parseInt(hexPart.slice(i, i + 2), 16));
  }
  return seen ? Uint8Array.from(bytes) : null;
}

/**
 * `readelf --relocated-dump=<name>` (with -z to decompress) as bytes. Note that readelf leaves
 * relocations against TLS symbols unapplied (ElfFile applies them as S + A).
 */
export function readelfRelocatedDump(file: string, name: string): Uint8Array | null {
  return parseHexDump(runAll('readelf', ['-z', `--relocated-dump=${name}`, file]).stdout);
}

/** [offset, width] of the relocations of section `name` whose symbol is `symbol` (readelf -r -W). */
export function relocationsAgainst(file: string, name: string, symbol: string): [number, number][] {
  const out: [number, number][] = [];
  let inSection = false;
  for (const line of run('readelf', ['-r', '-W', file]).split('\n')) {
    if (line.startsWith('Relocation section')) inSection = new RegExp(`'\\.rela?${name.replace(/\./g, '\\.')}'`).test(line);
    const f = line.trim().split(/\s+/);
    if (inSection && /^[0-9a-f]+$/.test(f[0]) && f[4] === symbol) out.push([parseInt(f[0], 16), /64/.test(f[2]) ? 8 : 4]);
  }
  return out;
}

/** `readelf -x <name>` (with -z to decompress) as bytes. */
export function readelfHexDump(file: string, name: string): Uint8Array | null {
  return parseHexDump(runAll('readelf', ['-z', '-x', name, file]).stdout);
}

/** A deterministic pseudo-random generator (mulberry32) for fuzzing. */
export { rng as prng } from '../oracles/random-btf.js';
