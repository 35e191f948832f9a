// A lazy ELF reader: opening a file reads only the ELF header, the section header table and the
// section-name string table; section contents are read on demand.

import * as fs from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import * as zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import { InputError, hex, printable } from '../errors.js';
import * as C from './constants.js';
import { applyRelocations } from './relocate.js';
import { ElfSymbols, decodeString } from './symbols.js';

export interface ElfSection {
  index: number;
  name: string;
  /** sh_type (SHT_*) */
  type: number;
  /** sh_flags (SHF_*); only the low 32 bits of 64-bit flags are kept. */
  flags: number;
  addr: bigint;
  /** Position of the contents in the file (meaningless for SHT_NOBITS). */
  offset: number;
  /** sh_size: size in the file (compressed size for SHF_COMPRESSED sections). */
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface ElfSegment {
  /** p_type (PT_*) */
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  filesz: number;
  memsz: number;
}

export interface ElfOpenOptions {
  /**
   * Allocates the buffer that sectionData() and debugSection() return (it must be at least n bytes
   * long; the first n are used), e.g. backed by a SharedArrayBuffer to hand to workers.
   */
  alloc?: (n: number) => Uint8Array;
}

/** Where the bytes come from: a file descriptor or a buffer. */
interface Source {
  readonly size: number;
  /** Reads [offset, offset + length) into `into` if given, else into a new array (or a view). */
  read(offset: number, length: number, into?: Uint8Array): Uint8Array;
  close(): void;
}

/**
 * Reads file bytes [offset, offset + length) of `fd` into `into` (from 0), as many as the file
 * has; returns how many that was. An I/O error becomes an InputError naming the offset.
 */
export function readFd(fd: number, offset: number, length: number, into: Uint8Array): number {
  let done = 0;
  while (done < length) {
    // readSync may return fewer bytes than asked; a single call is also limited to < 2 GiB.
    let n: number;
    try {
      n = fs.readSync(fd, into, done, Math.min(length - done, 1 << 30), offset + done);
    } catch (e) {
      throw new InputError(`read error at offset ${hex(offset + done)}: ${(e as Error).message.split(',')[0]}`);
    }
    if (n === 0) break;
    done += n;
  }
  return done;
}

class FdSource implements Source {
  constructor(
    private fd: number,
    readonly size: number,
  ) {}

  read(offset: number, length: number, into?: Uint8Array): Uint8Array {
    if (this.fd < 0) throw new Error('ElfFile is closed');
    const out = into ?? new Uint8Array(length);
    const done = readFd(this.fd, offset, length, out);
    if (done < length) throw new InputError(`unexpected end of file at offset ${hex(offset + done)} (file changed while being read?)`);
    return out;
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

class BufferSource implements Source {
  readonly size: number;
  constructor(private buf: Uint8Array) {
    this.size = buf.length;
  }

  read(offset: number, length: number, into?: Uint8Array): Uint8Array {
    const view = this.buf.subarray(offset, offset + length);
    if (!into) return view;
    into.set(view);
    return into;
  }

  close(): void {}
}


/** Reads unsigned fields of a header in the file's byte order. */
class Fields {
  private dv: DataView;
  constructor(
    bytes: Uint8Array,
    private le: boolean,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(o: number): number {
    return this.dv.getUint8(o);
  }
  u16(o: number): number {
    return this.dv.getUint16(o, this.le);
  }
  u32(o: number): number {
    return this.dv.getUint32(o, this.le);
  }
  /** A u64 as a number; values above 2^53 lose precision, but such sizes and offsets fail range checks anyway. */
  u64(o: number): number {
    const lo = this.dv.getUint32(this.le ? o : o + 4, this.le);
    const hi = this.dv.getUint32(this.le ? o + 4 : o, this.le);
    return hi * 0x1_0000_0000 + lo;
  }
  big64(o: number): bigint {
    return this.dv.getBigUint64(o, this.le);
  }
}

export class ElfFile {
  /** The path given to open(), if any. */
  readonly path: string | undefined;
  readonly fileSize: number;
  readonly is64: boolean;
  readonly littleEndian: boolean;
  /** e_type: ET_REL (1), ET_EXEC (2), ET_DYN (3), ... */
  readonly type: number;
  /** e_machine: EM_X86_64 (62), EM_AARCH64 (183), ... */
  readonly machine: number;
  /** e_flags */
  readonly flags: number;
  readonly ehsize: number;
  /** Section header table position, entry size and count (after the SHN_LORESERVE escapes). */
  readonly shoff: number;
  readonly shentsize: number;
  readonly shnum: number;
  /** Index of the section-name string table (0: none). */
  readonly shstrndx: number;
  /** Program header table position, entry size and count (after the PN_XNUM escape). */
  readonly phoff: number;
  readonly phentsize: number;
  readonly phnum: number;
  readonly sections: ElfSection[];

  private src: Source;
  private alloc: ((n: number) => Uint8Array) | undefined;
  private byName: Map<string, ElfSection> | undefined;
  private relocsBySection: Map<number, ElfSection[]> | undefined;
  private symtabs = new Map<number, ElfSymbols>();
  private segs: ElfSegment[] | undefined;

  /** Opens an ELF file, reading only its headers. The caller must close() it. */
  static open(path: string, opts: ElfOpenOptions = {}): ElfFile {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (e) {
      // "ENOENT: no such file or directory, open '...'": the caller adds the file name.
      throw new InputError(`cannot open: ${(e as Error).message.split(',')[0]}`);
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw new InputError('not a regular file');
      return new ElfFile(new FdSource(fd, st.size), path, opts);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  /**
   * Reads an ELF image held in memory. Without `opts.alloc`, sectionData() may return views into
   * `buf` (debugSection() copies before applying relocations): don't modify them.
   */
  static fromBytes(buf: Uint8Array, opts: ElfOpenOptions = {}): ElfFile {
    return new ElfFile(new BufferSource(buf), undefined, opts);
  }

  private constructor(src: Source, path: string | undefined, opts: ElfOpenOptions) {
    this.src = src;
    this.path = path;
    this.alloc = opts.alloc;
    this.fileSize = src.size;

    // e_ident: magic, class, data encoding, version.
    if (src.size < C.EI_NIDENT) throw new InputError(`not an ELF file (only ${src.size} bytes)`);
    const ident = src.read(0, C.EI_NIDENT);
    if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) {
      throw new InputError('not an ELF file (bad magic number)');
    }
    if (ident[4] !== C.ELFCLASS32 && ident[4] !== C.ELFCLASS64) throw new InputError(`unsupported ELF class ${ident[4]} (e_ident[EI_CLASS])`);
    if (ident[5] !== C.ELFDATA2LSB && ident[5] !== C.ELFDATA2MSB) {
      throw new InputError(`unsupported ELF data encoding ${ident[5]} (e_ident[EI_DATA])`);
    }
    if (ident[6] !== C.EV_CURRENT) throw new InputError(`unsupported ELF version ${ident[6]} (e_ident[EI_VERSION])`);
    this.is64 = ident[4] === C.ELFCLASS64;
    this.littleEndian = ident[5] === C.ELFDATA2LSB;
    const w = this.is64 ? 1 : 0;
    const ehsize = C.EHDR_SIZE[w];
    if (src.size < ehsize) throw new InputError(`file too small for an ELF header (${src.size} bytes, need ${ehsize})`);
    this.ehsize = ehsize;

    // Elf32_Ehdr / Elf64_Ehdr: the two differ only in the width of e_entry, e_phoff and e_shoff.
    const h = new Fields(src.read(0, ehsize), this.littleEndian);
    const a = this.is64 ? 8 : 4; // width of an address/offset field
    const word = (o: number) => (this.is64 ? h.u64(o) : h.u32(o));
    this.type = h.u16(16);
    this.machine = h.u16(18);
    const phoff = word(24 + a);
    const shoff = word(24 + 2 * a);
    const x = 24 + 3 * a; // e_flags, then the u16 fields
    this.flags = h.u32(x);
    const phentsize = h.u16(x + 6);
    let phnum = h.u16(x + 8);
    const shentsize = h.u16(x + 10);
    let shnum = h.u16(x + 12);
    let shstrndx = h.u16(x + 14);
    this.shoff = shoff;
    this.shentsize = shentsize;
    this.phoff = phoff;
    this.phentsize = phentsize;

    // The section header table. Section 0 is reserved; it carries the section count, the
    // shstrtab index and the program header count when they don't fit in the ELF header.
    let shdrs: Uint8Array | undefined;
    const shdrSize = C.SHDR_SIZE[w];
    if (shoff === 0) {
      shnum = 0;
      shstrndx = 0;
    } else {
      if (shentsize !== shdrSize) throw new InputError(`bad section header size e_shentsize=${shentsize} (expected ${shdrSize})`);
      if (shoff + shdrSize > src.size) throw new InputError(`section header table offset ${hex(shoff)} is past the end of the file (size ${hex(src.size)})`);
      const s0 = new Fields(src.read(shoff, shdrSize), this.littleEndian);
      if (shnum === 0) {
        // e_shnum = 0: the real count is sh_size of section 0.
        shnum = this.is64 ? s0.u64(32) : s0.u32(20);
        if (shnum === 0) throw new InputError('e_shnum is 0 but the section header table is not empty (e_shoff != 0) and section 0 gives no count');
      }
      // e_shstrndx = SHN_XINDEX: the real index is sh_link of section 0.
      if (shstrndx === C.SHN_XINDEX) shstrndx = this.is64 ? s0.u32(40) : s0.u32(24);
      // e_phnum = PN_XNUM: the real count is sh_info of section 0.
      if (phnum === C.PN_XNUM) phnum = this.is64 ? s0.u32(44) : s0.u32(28);
      if (shoff + shnum * shdrSize > src.size) {
        throw new InputError(`section header table (offset ${hex(shoff)}, ${shnum} entries) extends past end of file (size ${hex(src.size)})`);
      }
      if (shstrndx >= shnum) throw new InputError(`section name string table index ${shstrndx} is out of range (${shnum} sections)`);
      shdrs = src.read(shoff, shnum * shdrSize);
    }
    this.shnum = shnum;
    this.shstrndx = shstrndx;
    this.phnum = phnum;
    if (phoff !== 0 && phnum > 0) {
      const phdrSize = C.PHDR_SIZE[w];
      if (phentsize !== phdrSize) throw new InputError(`bad program header size e_phentsize=${phentsize} (expected ${phdrSize})`);
      if (phoff + phnum * phdrSize > src.size) {
        throw new InputError(`program header table (offset ${hex(phoff)}, ${phnum} entries) extends past end of file (size ${hex(src.size)})`);
      }
    }

    this.sections = [];
    if (!shdrs) return;
    const sh = new Fields(shdrs, this.littleEndian);
    const nameOffs: number[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = i * shdrSize;
      // Elf64_Shdr: name u32, type u32, flags u64, addr u64, offset u64, size u64, link u32, info u32, addralign u64, entsize u64
      // Elf32_Shdr: the same fields, all u32.
      nameOffs.push(sh.u32(o));
      const sec: ElfSection = this.is64
        ? {
            index: i, name: '', type: sh.u32(o + 4), flags: sh.u32(o + (this.littleEndian ? 8 : 12)),
            addr: sh.big64(o + 16), offset: sh.u64(o + 24), size: sh.u64(o + 32), link: sh.u32(o + 40),
            info: sh.u32(o + 44), addralign: sh.u64(o + 48), entsize: sh.u64(o + 56),
          }
        : {
            index: i, name: '', type: sh.u32(o + 4), flags: sh.u32(o + 8), addr: BigInt(sh.u32(o + 12)),
            offset: sh.u32(o + 16), size: sh.u32(o + 20), link: sh.u32(o + 24), info: sh.u32(o + 28),
            addralign: sh.u32(o + 32), entsize: sh.u32(o + 36),
          };
      this.sections.push(sec);
    }
    // Section 0 is SHT_NULL: its size field may hold the section count, not a size.
    const inFile = (s: ElfSection) => s.index > 0 && s.type !== C.SHT_NOBITS && s.type !== C.SHT_NULL;
    if (shstrndx !== 0) {
      const strsec = this.sections[shstrndx];
      if (strsec.type !== C.SHT_STRTAB) throw new InputError(`section name string table (section ${shstrndx}) has type ${strsec.type}, not SHT_STRTAB`);
      this.checkRange(strsec, `section ${shstrndx} (section name string table)`);
      const strtab = src.read(strsec.offset, strsec.size);
      for (const sec of this.sections) {
        const off = nameOffs[sec.index];
        if (off >= strtab.length) {
          if (off === 0) continue; // empty name, empty table
          throw new InputError(`section ${sec.index} has name offset ${hex(off)} outside the section name string table (size ${hex(strtab.length)})`);
        }
        const end = strtab.indexOf(0, off);
        if (end < 0) throw new InputError(`name of section ${sec.index} is not NUL-terminated`);
        sec.name = decodeString(strtab, off, end);
      }
    }
    for (const sec of this.sections) if (inFile(sec)) this.checkRange(sec);
  }

  private checkRange(sec: ElfSection, what?: string): void {
    if (sec.offset + sec.size > this.fileSize) {
      throw new InputError(`${what ?? describe(sec)} extends past end of file (offset ${hex(sec.offset)}, size ${hex(sec.size)}, file size ${hex(this.fileSize)})`);
    }
  }

  /** Sets ElfOpenOptions.alloc for the sections read from now on. */
  setAllocator(alloc: ((n: number) => Uint8Array) | undefined): void {
    this.alloc = alloc;
  }

  close(): void {
    this.src.close();
  }

  /** The first section with this name. */
  section(name: string): ElfSection | undefined {
    if (!this.byName) {
      this.byName = new Map();
      for (const s of this.sections) if (!this.byName.has(s.name)) this.byName.set(s.name, s);
    }
    return this.byName.get(name);
  }

  sectionByIndex(i: number): ElfSection | undefined {
    return this.sections[i];
  }

  /** Raw bytes of the file (a fresh array for files, possibly a view for fromBytes()). */
  readBytes(offset: number, length: number, into?: Uint8Array): Uint8Array {
    if (!(offset >= 0 && length >= 0 && offset + length <= this.fileSize)) {
      throw new InputError(`read of ${hex(length)} bytes at offset ${hex(offset)} is past the end of the file (size ${hex(this.fileSize)})`);
    }
    return this.src.read(offset, length, into);
  }

  /** The program headers (read on first use). */
  segments(): ElfSegment[] {
    if (this.segs) return this.segs;
    const segs: ElfSegment[] = [];
    if (this.phoff !== 0 && this.phnum > 0) {
      const size = C.PHDR_SIZE[this.is64 ? 1 : 0];
      const p = new Fields(this.readBytes(this.phoff, this.phnum * size), this.littleEndian);
      for (let i = 0; i < this.phnum; i++) {
        const o = i * size;
        // Elf64_Phdr: type u32, flags u32, offset u64, vaddr u64, paddr u64, filesz u64, memsz u64, align u64
        // Elf32_Phdr: type, offset, vaddr, paddr, filesz, memsz, flags, align (all u32)
        const seg: ElfSegment = this.is64
          ? { type: p.u32(o), flags: p.u32(o + 4), offset: p.u64(o + 8), vaddr: p.big64(o + 16), filesz: p.u64(o + 32), memsz: p.u64(o + 40) }
          : { type: p.u32(o), offset: p.u32(o + 4), vaddr: BigInt(p.u32(o + 8)), filesz: p.u32(o + 16), memsz: p.u32(o + 20), flags: p.u32(o + 24) };
        if (seg.offset + seg.filesz > this.fileSize) {
          throw new InputError(`program header ${i} extends past end of file (offset ${hex(seg.offset)}, size ${hex(seg.filesz)})`);
        }
        segs.push(seg);
      }
    }
    this.segs = segs;
    return segs;
  }

  /**
   * The contents of a section, decompressed if it is SHF_COMPRESSED (zlib or zstd) or a legacy
   * .zdebug_* section. SHT_NOBITS sections occupy no file space: the result is empty.
   * The buffer comes from opts.alloc when given.
   */
  sectionData(sec: ElfSection): Uint8Array {
    return this.readSection(sec, this.alloc).data;
  }

  /**
   * The contents of a section (by name, e.g. '.debug_info'; falls back to the legacy '.zdebug_info'),
   * decompressed and, in an ET_REL file, with its relocations applied. ET_EXEC/ET_DYN files are
   * already linked: their relocation sections, if any, are ignored. With `layout`, symbols in
   * allocated sections of an ET_REL file get the addresses of relLayout() (pahole's view).
   */
  debugSection(name: string, layout = false): Uint8Array | undefined {
    let sec = this.section(name);
    if (!sec && name.startsWith('.debug_')) sec = this.section('.zdebug_' + name.slice(7));
    return sec && this.relocatedData(sec, layout);
  }

  /** sectionData() with the section's relocations applied when the file is ET_REL. */
  relocatedData(sec: ElfSection, layout = false): Uint8Array {
    const relocs = this.type === C.ET_REL ? this.relocationSections(sec) : [];
    let { data, shared } = this.readSection(sec, this.alloc);
    if (relocs.length === 0) return data;
    if (shared) data = data.slice(); // don't modify the caller's buffer
    const addr = sec.addr;
    for (const rs of relocs) {
      const relData = this.readSection(rs, undefined).data;
      const rela = rs.type === C.SHT_RELA;
      const entsize = (rela ? C.RELA_SIZE : C.REL_SIZE)[this.is64 ? 1 : 0];
      if (rs.entsize !== entsize && rs.entsize !== 0) throw new InputError(`${describe(rs)} has entry size ${rs.entsize}, expected ${entsize}`);
      if (relData.length % entsize !== 0) throw new InputError(`${describe(rs)} size ${hex(relData.length)} is not a multiple of its entry size ${entsize}`);
      let syms: ElfSymbols | null = null;
      if (rs.link !== 0) {
        const st = this.sections[rs.link];
        if (!st || (st.type !== C.SHT_SYMTAB && st.type !== C.SHT_DYNSYM)) {
          throw new InputError(`${describe(rs)} links to section ${rs.link}, which is not a symbol table`);
        }
        syms = this.symbolTable(st);
      }
      applyRelocations({
        machine: this.machine, is64: this.is64, littleEndian: this.littleEndian,
        data, addr, what: describe(sec), rel: relData, rela, relWhat: describe(rs), syms,
        sectionAddr: layout && (sec.flags & C.SHF_ALLOC) === 0 ? this.relLayout() : null,
      });
    }
    return data;
  }

  /**
   * For ET_REL files, an address for every allocated section, laid out one after another from
   * 0x10000 in section order with each section's alignment (as elfutils' libdwfl lays out an
   * object it reports offline, which is how pahole sees a module's DWARF addresses). Indexed by
   * section number; 0 for sections that are not allocated. Null for other file types.
   * Relocated debug sections carry these addresses, so an address tells which section it is in.
   */
  relLayout(): BigUint64Array | null {
    if (this.type !== C.ET_REL) return null;
    if (this.layout) return this.layout;
    const out = new BigUint64Array(this.sections.length);
    let end = 0x10000n;
    for (const s of this.sections) {
      if (s.index === 0 || (s.flags & C.SHF_ALLOC) === 0) continue;
      const align = BigInt(s.addralign > 0 ? s.addralign : 1);
      const at = (end + align - 1n) / align * align;
      out[s.index] = at;
      end = at + BigInt(s.size);
    }
    this.layout = out;
    return out;
  }
  private layout: BigUint64Array | undefined;

  /** The SHT_REL/SHT_RELA sections that apply to `sec` (sh_info = its index), in file order. */
  relocationSections(sec: ElfSection): ElfSection[] {
    if (!this.relocsBySection) {
      this.relocsBySection = new Map();
      for (const s of this.sections) {
        if (s.type !== C.SHT_REL && s.type !== C.SHT_RELA) continue;
        const list = this.relocsBySection.get(s.info);
        if (list) list.push(s);
        else this.relocsBySection.set(s.info, [s]);
      }
    }
    return this.relocsBySection.get(sec.index) ?? [];
  }

  /** The .symtab symbol table (the first SHT_SYMTAB section), or null if the file has none. */
  symbols(): ElfSymbols | null {
    const sec = this.sections.find((s) => s.type === C.SHT_SYMTAB);
    return sec ? this.symbolTable(sec) : null;
  }

  /** Decodes a SHT_SYMTAB or SHT_DYNSYM section (cached). */
  symbolTable(sec: ElfSection): ElfSymbols {
    let t = this.symtabs.get(sec.index);
    if (t) return t;
    const what = describe(sec);
    const entsize = C.SYM_SIZE[this.is64 ? 1 : 0];
    if (sec.entsize !== entsize) throw new InputError(`${what} has entry size ${sec.entsize}, expected ${entsize}`);
    const strsec = this.sections[sec.link];
    if (!strsec || sec.link === 0 || strsec.type !== C.SHT_STRTAB) {
      throw new InputError(`${what} links to section ${sec.link}, which is not a string table`);
    }
    const data = this.readSection(sec, undefined).data;
    if (data.length % entsize !== 0) throw new InputError(`${what} size ${hex(data.length)} is not a multiple of its entry size ${entsize}`);
    const strtab = this.readSection(strsec, undefined).data;
    // Extended section indexes live in a SHT_SYMTAB_SHNDX section whose sh_link is this table.
    const xsec = this.sections.find((s) => s.type === C.SHT_SYMTAB_SHNDX && s.link === sec.index);
    const xindex = xsec ? this.readSection(xsec, undefined).data : null;
    t = new ElfSymbols(data, this.is64, this.littleEndian, strtab, xindex, what);
    this.symtabs.set(sec.index, t);
    return t;
  }

  /** Reads (and decompresses) a section. `shared`: the result is a view of the caller's buffer. */
  private readSection(sec: ElfSection, alloc: ((n: number) => Uint8Array) | undefined): { data: Uint8Array; shared: boolean } {
    if (sec.type === C.SHT_NOBITS || sec.type === C.SHT_NULL || sec.size === 0) return { data: new Uint8Array(0), shared: false };
    this.checkRange(sec);
    if (sec.flags & C.SHF_COMPRESSED) {
      return { data: this.decompressSection(sec, this.src.read(sec.offset, sec.size), alloc), shared: false };
    }
    if (sec.name.startsWith('.zdebug') && sec.size >= 12) {
      // Legacy GNU compression: "ZLIB", the uncompressed size as a big-endian u64, a zlib stream.
      const head = this.src.read(sec.offset, 12);
      if (head[0] === 0x5a && head[1] === 0x4c && head[2] === 0x49 && head[3] === 0x42) {
        const size = Number(new DataView(head.buffer, head.byteOffset, 12).getBigUint64(4, false));
        const body = this.src.read(sec.offset + 12, sec.size - 12);
        return { data: this.inflate(sec, C.ELFCOMPRESS_ZLIB, body, size, alloc), shared: false };
      }
    }
    const into = alloc ? allocate(alloc, sec.size, sec) : undefined;
    const data = this.src.read(sec.offset, sec.size, into);
    return { data, shared: !into && this.src instanceof BufferSource };
  }

  /** SHF_COMPRESSED: an Elf32_Chdr/Elf64_Chdr (type, size, alignment) followed by the compressed stream. */
  private decompressSection(sec: ElfSection, raw: Uint8Array, alloc: ((n: number) => Uint8Array) | undefined): Uint8Array {
    const chsize = C.CHDR_SIZE[this.is64 ? 1 : 0];
    if (raw.length < chsize) throw new InputError(`${describe(sec)} is compressed but too small for a compression header (${raw.length} bytes)`);
    const f = new Fields(raw, this.littleEndian);
    // Elf64_Chdr: ch_type u32, ch_reserved u32, ch_size u64, ch_addralign u64; Elf32_Chdr: three u32
    const type = f.u32(0);
    const size = this.is64 ? f.u64(8) : f.u32(4);
    return this.inflate(sec, type, raw.subarray(chsize), size, alloc);
  }

  private inflate(sec: ElfSection, type: number, body: Uint8Array, size: number, alloc: ((n: number) => Uint8Array) | undefined): Uint8Array {
    const what = describe(sec);
    if (size > bufferConstants.MAX_LENGTH) throw new InputError(`${what}: uncompressed size ${hex(size)} is too large`);
    if (type === C.ELFCOMPRESS_ZLIB) {
      let out: Uint8Array;
      try {
        // maxOutputLength bounds the work on a corrupt or hostile stream; one extra byte detects overrun.
        out = zlib.inflateSync(body, { maxOutputLength: Math.min(size + 1, bufferConstants.MAX_LENGTH) });
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'ERR_BUFFER_TOO_LARGE') throw new InputError(`${what}: decompressed data is larger than the declared ${hex(size)} bytes`);
        throw new InputError(`${what}: corrupt zlib data (${(e as Error).message})`);
      }
      if (out.length !== size) throw new InputError(`${what}: decompressed size ${hex(out.length)} differs from the declared ${hex(size)}`);
      if (!alloc) return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      const into = allocate(alloc, size, sec);
      into.set(out);
      return into;
    }
    if (type === C.ELFCOMPRESS_ZSTD) {
      const out = allocate(alloc ?? ((n) => new Uint8Array(n)), size, sec);
      let pos = 0;
      let overrun = false;
      // Streaming, so that the output goes straight into its final buffer.
      const d = new Decompress((chunk) => {
        if (pos + chunk.length > size) overrun = true;
        else out.set(chunk, pos);
        pos += chunk.length;
      });
      try {
        d.push(body, true);
      } catch (e) {
        throw new InputError(`${what}: corrupt zstd data (${(e as Error).message})`);
      }
      if (overrun) throw new InputError(`${what}: decompressed data is larger than the declared ${hex(size)} bytes`);
      if (pos !== size) throw new InputError(`${what}: decompressed size ${hex(pos)} differs from the declared ${hex(size)}`);
      return out;
    }
    throw new InputError(`${what}: unsupported compression type ${type}`);
  }
}

function allocate(alloc: (n: number) => Uint8Array, n: number, sec: ElfSection): Uint8Array {
  let buf: Uint8Array;
  try {
    buf = alloc(n);
  } catch (e) {
    if (e instanceof RangeError) throw new InputError(`${describe(sec)}: cannot allocate ${hex(n)} bytes for its contents`);
    throw e;
  }
  if (buf.length < n) throw new Error(`alloc(${n}) returned only ${buf.length} bytes`);
  return buf.length === n ? buf : buf.subarray(0, n);
}

/** "section 12 (.debug_info)", for error messages. */
export function describe(sec: ElfSection): string {
  return `section ${sec.index} (${printable(sec.name)})`;
}
