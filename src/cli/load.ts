import * as fs from 'node:fs';
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

/**
 * Loads BTF from a raw BTF file or from an ELF file's `.BTF` section (`section` to pick another).
 * With `base`, the data is split BTF over it.
 */
export function loadBtf(path: string, base: BtfTable | null = null, section = '.BTF'): BtfTable {
  if (isElf(path)) {
    const elf = ElfFile.open(path);
    try {
      const sec = elf.section(section);
      if (!sec) throw new InputError(`no ${section} section`);
      return BtfTable.parse(elf.sectionData(sec), base, section);
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
  return BtfTable.parse(bytes, base, 'BTF');
}
