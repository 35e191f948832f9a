/**
 * Bytes of a section that is read in pieces: either held whole in memory, or read from the file
 * in windows as it is needed. A linked file's location lists (22 MB for a vmlinux) are looked at
 * for a few parameters per function, unit after unit, so a window of the file around the current
 * unit's lists serves nearly every lookup and the section never has to be in memory at once.
 */

import { InputError } from '../errors.js';

/** Where a section lies in the file, for reading it in windows. */
export interface SectionExtent {
  offset: number;
  size: number;
}

/** Reads `length` bytes at file offset `offset` into `into` (from 0); returns how many it read. */
export type ReadAt = (offset: number, length: number, into: Uint8Array) => number;

/**
 * After ensure(off, need): `bytes[k]` is the section's byte `base + k` for base + k < `end`, and
 * [off, min(off + need, size)) lies within [base, end). `end === size` when the window reaches
 * the end of the section.
 */
export class SectionSource {
  /** The least window fromFile() reads (tests make it small to cross window ends often). */
  static defaultChunk = 1 << 18;

  bytes: Uint8Array;
  base = 0;
  end: number;
  readonly size: number;

  private constructor(bytes: Uint8Array, size: number, private readonly read: ReadAt | null, private readonly offset: number) {
    this.bytes = bytes;
    this.size = size;
    this.end = read ? 0 : size;
  }

  /** A section held in memory. */
  static inMemory(bytes: Uint8Array): SectionSource {
    return new SectionSource(bytes, bytes.length, null, 0);
  }

  /** A section read from the file in windows of at least `chunk` bytes. */
  static fromFile(extent: SectionExtent, read: ReadAt, chunk = SectionSource.defaultChunk): SectionSource {
    return new SectionSource(new Uint8Array(Math.min(chunk, extent.size)), extent.size, read, extent.offset);
  }

  /** Makes [off, min(off + need, size)) readable (see the class); throws if the file is short. */
  ensure(off: number, need: number): void {
    const read = this.read;
    if (!read) return;
    const want = Math.min(off + need, this.size);
    if (off >= this.base && want <= this.end) return;
    if (off >= this.size) {
      this.base = this.end = this.size;
      return;
    }
    const n = Math.min(Math.max(this.bytes.length, want - off), this.size - off);
    if (n > this.bytes.length) this.bytes = new Uint8Array(n);
    const got = read(this.offset + off, n, this.bytes);
    if (got < n) throw new InputError(`a section runs past the end of the file (at file offset ${this.offset + off + got})`);
    this.base = off;
    this.end = off + n;
  }
}
