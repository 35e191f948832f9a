import * as fs from 'node:fs';
import { forEachIdWord } from '../btf/fields.js';
import { relocateSplit } from '../btf/relocate.js';
import { BtfTable } from '../btf/table.js';
import { ElfFile } from '../elf/reader.js';
import { InputError } from '../errors.js';

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

function readHead(path: string, n: number): Uint8Array {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw new InputError(fileError(e));
  }
  try {
    const b = new Uint8Array(n);
    const got = fs.readSync(fd, b, 0, n, 0);
    return b.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

export function fileError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && err.code === 'ENOENT') return 'no such file';
  if (err && err.code === 'EACCES') return 'permission denied';
  if (err && err.code === 'EISDIR') return 'is a directory';
  return err?.message ?? String(e);
}

export function isElf(path: string): boolean {
  const h = readHead(path, 4);
  return h.length === 4 && ELF_MAGIC.every((b, i) => h[i] === b);
}

/** The section that holds a module's distilled base (pahole --btf_features=distilled_base). */
export const BTF_BASE_SECTION = '.BTF.base';

/**
 * Loads BTF from a raw BTF file or from an ELF file's `.BTF` section (`section` to pick another).
 * With `base`, the data is split BTF over it.
 *
 * Split BTF that comes with a distilled base — an ELF file with a `.BTF.base` section next to
 * `.BTF`, or a raw file given `distBase` — is read over that distilled base, and with `base` is
 * relocated onto it as the kernel does when it loads the module (see btf/relocate.ts).
 */
export function loadBtf(path: string, base: BtfTable | null = null, section = '.BTF', distBase: BtfTable | null = null): BtfTable {
  if (isElf(path)) {
    const elf = ElfFile.open(path);
    try {
      const sec = elf.section(section);
      if (!sec) throw new InputError(`no ${section} section`);
      const dsec = section === '.BTF' && !distBase ? elf.section(BTF_BASE_SECTION) : undefined;
      if (dsec) distBase = BtfTable.parse(elf.sectionData(dsec), null, BTF_BASE_SECTION);
      const t = BtfTable.parse(elf.sectionData(sec), distBase ?? base, section);
      return distBase && base ? relocate(t, base) : t;
    } finally {
      elf.close();
    }
  }
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new InputError(fileError(e));
  }
  const t = BtfTable.parse(bytes, distBase ?? base, 'BTF');
  return distBase && base ? relocate(t, base) : t;
}

function relocate(split: BtfTable, base: BtfTable): BtfTable {
  try {
    return relocateSplit(split, base);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`cannot relocate its BTF onto the given base: ${e.message}`);
    throw e;
  }
}

/**
 * Loads the base BTF for split encoding (`--btf_base`): an ELF file with a `.BTF` section (a
 * vmlinux, which may hold nothing but BTF) or raw BTF. It must be standalone BTF: a string section
 * that starts with the empty string, and type references that stay inside it (split BTF, such as
 * a module's, is refused).
 */
export function loadBaseBtf(path: string): BtfTable {
  let t: BtfTable;
  if (isElf(path)) {
    const elf = ElfFile.open(path);
    try {
      const sec = elf.section('.BTF');
      if (!sec) throw new InputError('no .BTF section: not a base BTF (a vmlinux built with CONFIG_DEBUG_INFO_BTF has one)');
      if (elf.section(BTF_BASE_SECTION)) throw new InputError(`has a ${BTF_BASE_SECTION} section: it is a module with split BTF, not a base`);
      t = BtfTable.parse(elf.sectionData(sec), null, '.BTF');
    } finally {
      elf.close();
    }
  } else {
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(path);
    } catch (e) {
      throw new InputError(fileError(e));
    }
    t = BtfTable.parse(bytes, null, 'not BTF');
  }
  const problem = standaloneProblem(t);
  if (problem) throw new InputError(`not a base BTF: ${problem} (split BTF?)`);
  return t;
}

/** Why `t` cannot be standalone BTF (its strings or type references need a base), or null. */
function standaloneProblem(t: BtfTable): string | null {
  const s = t.strings;
  if (s.len === 0 || s.bytes[0] !== 0) return 'its string section does not start with the empty string';
  if (s.bytes[s.len - 1] !== 0) return 'its string section does not end with a NUL';
  const w = t.words, end = t.endId;
  let bad = -1;
  const check = (p: number): void => {
    if (w[p] >= end && bad < 0) bad = w[p];
  };
  for (let i = 0; i < t.count; i++) {
    const at = t.offs[i];
    if (w[at] >= s.len) return `type [${i + 1}] has name offset ${w[at]}, past its string section`;
    forEachIdWord(w, at, check);
    if (bad >= 0) return `type [${i + 1}] refers to type id ${bad}, past its last type ${end - 1}`;
  }
  return null;
}
