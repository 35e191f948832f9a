// Writing a copy of an ELF file with sections added or replaced (e.g. .BTF), and atomic file writes.
//
// Layout strategy: everything the ELF header, the program headers, the segments and the kept
// sections refer to stays at its offset, byte for byte. New section contents, the extended
// section-name string table and a new section header table are appended after the last byte still
// in use; a replaced section's header is pointed at its new contents.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, hex } from '../errors.js';
import * as C from './constants.js';
import { ElfFile, describe, type ElfSection } from './reader.js';

export interface SectionContents {
  name: string;
  data: Uint8Array;
  /**
   * sh_addralign of a new section (default 1, as pahole gives .BTF). A new section is SHT_PROGBITS
   * with flags 0; a replaced section keeps its header apart from offset and size (SHT_NOBITS
   * becomes SHT_PROGBITS, SHF_COMPRESSED is cleared since the new data is stored as is).
   */
  align?: number;
  /**
   * When the section lies in a loadable segment and its new contents do not fit there: instead of
   * failing, it leaves the segment — it becomes a section that is not allocated (SHF_ALLOC
   * cleared, address 0) with its contents appended like a new section's, and the segment's bytes
   * stay as they were. For .BTF of a linked vmlinux, which the kernel build extracts with
   * `objcopy --only-section=.BTF` (a vmlinux that already has an allocated .BTF is re-encoded).
   */
  mayLeaveSegment?: boolean;
}

/**
 * Writes `outPath` (atomically) as a copy of `input` in which each of `sections` replaces the
 * first section of that name, or is added as a new section. `input` may be a path or an ElfFile
 * (which stays open). `outPath` may be the input's own path.
 *
 * A replaced section that lies inside a segment cannot move: its new contents are written in place
 * (the rest of the old space zero-filled), and an InputError is thrown if they do not fit (unless
 * the section may leave the segment, see SectionContents.mayLeaveSegment).
 * Bytes after the last one in use (the old section header table, the old contents of replaced
 * sections, unreferenced trailing data) are dropped.
 */
export function setSections(input: ElfFile | string, sections: readonly SectionContents[], outPath: string): void {
  if (typeof input === 'string') {
    const elf = ElfFile.open(input);
    try {
      setSections(elf, sections, outPath);
    } finally {
      elf.close();
    }
    return;
  }
  const plan = planLayout(input, sections);
  const src = input;
  withTempFile(outPath, (tmp) => {
    // Start from a copy of the input (copyFileSync can use reflinks or copy_file_range),
    // truncated after its last byte in use.
    if (src.path !== undefined) fs.copyFileSync(src.path, tmp);
    const fd = fs.openSync(tmp, src.path !== undefined ? 'r+' : 'w');
    try {
      if (src.path !== undefined) fs.ftruncateSync(fd, plan.keep);
      else writeAll(fd, src.readBytes(0, plan.keep), 0);
      for (const w of plan.writes) writeAll(fd, w.data, w.offset);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  });
}

interface Write {
  offset: number;
  data: Uint8Array;
}

interface Plan {
  /** Length of the input prefix to keep. */
  keep: number;
  /** Everything to write over / after it, including the new headers. */
  writes: Write[];
}

/** Computes the new headers and where everything goes. */
function planLayout(elf: ElfFile, sections: readonly SectionContents[]): Plan {
  const w = elf.is64 ? 1 : 0;
  const le = elf.littleEndian;
  const shdrSize = C.SHDR_SIZE[w];
  const names = new Set<string>();
  for (const s of sections) {
    if (names.has(s.name)) throw new Error(`section ${s.name} given twice`);
    if (s.name === '' || s.name.includes('\0')) throw new Error(`bad section name ${JSON.stringify(s.name)}`);
    names.add(s.name);
  }

  const segs = elf.segments().filter((p) => p.filesz > 0);
  const inSegment = (s: ElfSection) => segs.some((p) => s.offset < p.offset + p.filesz && p.offset < s.offset + s.size);
  const occupiesFile = (s: ElfSection) => s.index > 0 && s.type !== C.SHT_NOBITS && s.type !== C.SHT_NULL && s.size > 0;

  // The section headers: the old table as is (raw, so that every field keeps its exact bits), or
  // a null section 0 if the file had none.
  const oldCount = elf.sections.length;
  let shstrndx = elf.shstrndx;
  let count = Math.max(oldCount, 1);
  const table = oldCount > 0 ? elf.readBytes(elf.shoff, oldCount * shdrSize).slice() : new Uint8Array(shdrSize);

  // Section names: the old string table, extended when names are added.
  const enc = new TextEncoder();
  const oldStrSec = shstrndx !== 0 ? elf.sections[shstrndx] : undefined;
  const oldStr = oldStrSec ? elf.readBytes(oldStrSec.offset, oldStrSec.size) : new Uint8Array(0);
  const strParts: Uint8Array[] = [oldStr.length > 0 ? oldStr : new Uint8Array(1)]; // offset 0 = ""
  let strLen = strParts[0].length;
  const addName = (name: string): number => {
    const off = strLen;
    const b = enc.encode(name + '\0');
    strParts.push(b);
    strLen += b.length;
    return off;
  };
  const newHeaders: Uint8Array[] = [];
  const newHeader = (name: number, type: number, flags: number, align: number): { bytes: Uint8Array; index: number } => {
    const bytes = new Uint8Array(shdrSize);
    const f = new Writer(bytes, le, elf.is64);
    // Elf64_Shdr / Elf32_Shdr: name, type, flags, addr, offset, size, link, info, addralign, entsize
    f.u32(0, name);
    f.u32(4, type);
    f.word(8, flags);
    f.word(elf.is64 ? 48 : 32, align);
    newHeaders.push(bytes);
    return { bytes, index: count++ };
  };
  if (shstrndx === 0) {
    shstrndx = newHeader(addName('.shstrtab'), C.SHT_STRTAB, 0, 1).index;
  }

  // Decide where each new content goes: in place (inside a segment), or appended (offset
  // assigned below). `header` is the section header to patch.
  const inPlace: Write[] = [];
  const appended: { header: Uint8Array; data: Uint8Array; align: number }[] = [];
  const replaced = new Set<number>();
  for (const s of sections) {
    const old = elf.section(s.name);
    if (old && old.index === shstrndx) throw new Error(`cannot replace the section name string table ${s.name}`);
    if (!old) {
      const align = s.align ?? 1;
      const { bytes } = newHeader(addName(s.name), C.SHT_PROGBITS, 0, align);
      appended.push({ header: bytes, data: s.data, align });
      continue;
    }
    const header = table.subarray(old.index * shdrSize, (old.index + 1) * shdrSize);
    const f = new Writer(header, le, elf.is64);
    if (old.type === C.SHT_NOBITS) f.u32(4, C.SHT_PROGBITS);
    if (old.flags & C.SHF_COMPRESSED) f.u32(elf.is64 && !le ? 12 : 8, old.flags & ~C.SHF_COMPRESSED);
    if (occupiesFile(old) && inSegment(old) && s.data.length > old.size && s.mayLeaveSegment) {
      f.u32(elf.is64 && !le ? 12 : 8, old.flags & ~(C.SHF_ALLOC | C.SHF_COMPRESSED));
      f.word(elf.is64 ? 16 : 12, 0); // sh_addr
      replaced.add(old.index);
      appended.push({ header, data: s.data, align: old.addralign });
    } else if (occupiesFile(old) && inSegment(old)) {
      if (s.data.length > old.size) {
        throw new InputError(`${describe(old)} lies in a loadable segment and cannot move; its new contents (${hex(s.data.length)} bytes) do not fit in its ${hex(old.size)} bytes`);
      }
      const buf = new Uint8Array(old.size);
      buf.set(s.data);
      inPlace.push({ offset: old.offset, data: buf });
      f.word(elf.is64 ? 32 : 20, s.data.length);
    } else {
      replaced.add(old.index);
      appended.push({ header, data: s.data, align: old.addralign });
    }
  }
  const namesChanged = strParts.length > 1 || oldStr.length === 0;

  // The last byte in use by what stays: the ELF header, the program header table, the segments
  // and the sections that are neither replaced nor (the name table, if rewritten) superseded.
  let keep = elf.ehsize;
  if (elf.phoff !== 0 && elf.phnum > 0) keep = Math.max(keep, elf.phoff + elf.phnum * C.PHDR_SIZE[w]);
  for (const p of segs) keep = Math.max(keep, p.offset + p.filesz);
  for (const s of elf.sections) {
    if (!occupiesFile(s) || replaced.has(s.index) || (namesChanged && s.index === shstrndx)) continue;
    keep = Math.max(keep, s.offset + s.size);
  }

  const writes: Write[] = [...inPlace];
  let pos = keep;
  const place = (data: Uint8Array, align: number): number => {
    // Power-of-two alignment of at least 8 (harmless, and friendly to mmap readers); absurd values are ignored.
    const a = align > 8 && align <= 0x10000 && (align & (align - 1)) === 0 ? align : 8;
    pos = Math.ceil(pos / a) * a;
    const off = pos;
    if (data.length > 0) writes.push({ offset: off, data });
    pos += data.length;
    return off;
  };
  // The name table goes first: a later replacement of the (last) new section then drops its old
  // contents instead of leaving them behind the name table.
  if (namesChanged) {
    const str = concat(strParts, strLen);
    const header = shstrndx < oldCount ? table.subarray(shstrndx * shdrSize, (shstrndx + 1) * shdrSize) : newHeaders[0];
    const f = new Writer(header, le, elf.is64);
    f.word(elf.is64 ? 24 : 16, place(str, 1));
    f.word(elf.is64 ? 32 : 20, str.length);
  }
  for (const a of appended) {
    const f = new Writer(a.header, le, elf.is64);
    f.word(elf.is64 ? 24 : 16, a.data.length > 0 ? place(a.data, a.align) : pos); // sh_offset
    f.word(elf.is64 ? 32 : 20, a.data.length); // sh_size
  }
  const shdrs = concat([table, ...newHeaders], count * shdrSize);
  const shoff = place(shdrs, elf.is64 ? 8 : 4);
  if (!elf.is64 && pos > 0xffffffff) throw new InputError('output would exceed 4 GiB, the limit of a 32-bit ELF file');

  // Section 0 holds the counts that do not fit in the ELF header's 16-bit fields (>= SHN_LORESERVE).
  const s0 = new Writer(shdrs.subarray(0, shdrSize), le, elf.is64);
  s0.word(elf.is64 ? 32 : 20, count >= C.SHN_LORESERVE ? count : 0); // sh_size
  s0.u32(elf.is64 ? 40 : 24, shstrndx >= C.SHN_LORESERVE ? shstrndx : 0); // sh_link

  const ehdr = elf.readBytes(0, elf.ehsize).slice();
  const eh = new Writer(ehdr, le, elf.is64);
  const x = elf.is64 ? 58 : 46; // e_shentsize, e_shnum, e_shstrndx
  eh.word(elf.is64 ? 40 : 32, shoff); // e_shoff
  eh.u16(x, shdrSize);
  eh.u16(x + 2, count >= C.SHN_LORESERVE ? 0 : count);
  eh.u16(x + 4, shstrndx >= C.SHN_LORESERVE ? C.SHN_XINDEX : shstrndx);
  writes.push({ offset: 0, data: ehdr });
  return { keep, writes };
}

/** Writes header fields in the file's byte order. */
class Writer {
  private dv: DataView;
  constructor(
    bytes: Uint8Array,
    private le: boolean,
    private is64: boolean,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(o: number, v: number): void {
    this.dv.setUint16(o, v, this.le);
  }
  u32(o: number, v: number): void {
    this.dv.setUint32(o, v >>> 0, this.le);
  }
  /** An address-sized field (u32 or u64). */
  word(o: number, v: number): void {
    if (this.is64) this.dv.setBigUint64(o, BigInt(v), this.le);
    else this.dv.setUint32(o, v, this.le);
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let p = 0;
  for (const b of parts) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}

function writeAll(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) {
    done += fs.writeSync(fd, data, done, Math.min(data.length - done, 1 << 30), position + done);
  }
}

/**
 * Has `fill` create a temporary file next to `outPath` (in the same directory, so that the rename
 * is atomic), then renames it over `outPath`. On any error the temporary file is removed and
 * `outPath` is left as it was.
 */
function withTempFile(outPath: string, fill: (tmp: string) => void): void {
  const tmp = path.join(path.dirname(outPath), `.${path.basename(outPath)}.${process.pid}.tmp`);
  try {
    fill(tmp);
    fs.renameSync(tmp, outPath);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  syncDir(path.dirname(outPath));
}

/** Makes the rename durable; not all file systems allow fsync on a directory, so failures are ignored. */
function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // best effort
  }
}

/** Writes `data` (one buffer or the concatenation of several) to `outPath` atomically. */
export function writeFileAtomic(outPath: string, data: Uint8Array | readonly Uint8Array[]): void {
  const parts = data instanceof Uint8Array ? [data] : data;
  withTempFile(outPath, (tmp) => {
    const fd = fs.openSync(tmp, 'w');
    try {
      let pos = 0;
      for (const p of parts) {
        writeAll(fd, p, pos);
        pos += p.length;
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  });
}
