import { InputError, hex } from '../errors.js';
import { SHN_XINDEX } from './constants.js';

const utf8 = new TextDecoder('utf-8');

/** Decodes bytes [start, end) of a string table: UTF-8, with a fast path for short ASCII names. */
export function decodeString(table: Uint8Array, start: number, end: number): string {
  if (end - start > 64) return utf8.decode(table.subarray(start, end));
  for (let i = start; i < end; i++) if (table[i] >= 0x80) return utf8.decode(table.subarray(start, end));
  return String.fromCharCode.apply(null, table.subarray(start, end) as unknown as number[]);
}

/**
 * A symbol table (.symtab or .dynsym) as parallel arrays, one slot per symbol, so that a vmlinux
 * with ~150k symbols costs a few typed arrays instead of 150k objects. Index 0 is the reserved
 * null symbol, as in the file.
 */
export class ElfSymbols {
  readonly count: number;
  /** st_name: offset of the name in `strtab`. */
  readonly nameOff: Uint32Array;
  /** st_value: an address (ET_EXEC/ET_DYN) or an offset in the symbol's section (ET_REL). */
  readonly value: BigUint64Array;
  /** st_size */
  readonly size: BigUint64Array;
  /** st_info: type = info & 0xf (STT_*), binding = info >> 4 (STB_*). */
  readonly info: Uint8Array;
  /** st_other: visibility = other & 3 (STV_*). */
  readonly other: Uint8Array;
  /** Section index, with SHN_XINDEX already resolved through .symtab_shndx; SHN_ABS etc. kept. */
  readonly shndx: Uint32Array;
  /** The linked string table. */
  readonly strtab: Uint8Array;
  private readonly names: (string | undefined)[];

  /**
   * Decodes `count` symbols from `data` (the symbol table's bytes). `xindex` is the content of the
   * SHT_SYMTAB_SHNDX section linked to this table, or null if there is none. `what` names the
   * table in error messages.
   */
  constructor(
    data: Uint8Array,
    is64: boolean,
    littleEndian: boolean,
    strtab: Uint8Array,
    xindex: Uint8Array | null,
    what: string,
  ) {
    const entsize = is64 ? 24 : 16;
    const n = Math.floor(data.length / entsize);
    this.count = n;
    this.nameOff = new Uint32Array(n);
    this.value = new BigUint64Array(n);
    this.size = new BigUint64Array(n);
    this.info = new Uint8Array(n);
    this.other = new Uint8Array(n);
    this.shndx = new Uint32Array(n);
    this.strtab = strtab;
    this.names = new Array(n);
    // A string table must end in NUL so that every in-range offset names a terminated string.
    if (strtab.length > 0 && strtab[strtab.length - 1] !== 0) {
      throw new InputError(`string table of ${what} does not end with a NUL byte`);
    }
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const xdv = xindex ? new DataView(xindex.buffer, xindex.byteOffset, xindex.byteLength) : null;
    const le = littleEndian;
    for (let i = 0, o = 0; i < n; i++, o += entsize) {
      const name = dv.getUint32(o, le);
      if (name !== 0 && name >= strtab.length) {
        throw new InputError(`symbol ${i} of ${what} has name offset ${hex(name)} outside its string table (size ${hex(strtab.length)})`);
      }
      this.nameOff[i] = name;
      let shndx: number;
      if (is64) {
        // Elf64_Sym: st_name u32, st_info u8, st_other u8, st_shndx u16, st_value u64, st_size u64
        this.info[i] = dv.getUint8(o + 4);
        this.other[i] = dv.getUint8(o + 5);
        shndx = dv.getUint16(o + 6, le);
        this.value[i] = dv.getBigUint64(o + 8, le);
        this.size[i] = dv.getBigUint64(o + 16, le);
      } else {
        // Elf32_Sym: st_name u32, st_value u32, st_size u32, st_info u8, st_other u8, st_shndx u16
        this.value[i] = BigInt(dv.getUint32(o + 4, le));
        this.size[i] = BigInt(dv.getUint32(o + 8, le));
        this.info[i] = dv.getUint8(o + 12);
        this.other[i] = dv.getUint8(o + 13);
        shndx = dv.getUint16(o + 14, le);
      }
      if (shndx === SHN_XINDEX) {
        // The real index is entry i (u32) of the SHT_SYMTAB_SHNDX section.
        if (!xdv || (i + 1) * 4 > xdv.byteLength) {
          throw new InputError(`symbol ${i} of ${what} uses SHN_XINDEX but there is no matching .symtab_shndx entry`);
        }
        shndx = xdv.getUint32(i * 4, le);
      }
      this.shndx[i] = shndx;
    }
  }

  /** The symbol's name (decoded on first use, then cached). */
  name(i: number): string {
    let s = this.names[i];
    if (s === undefined) {
      const off = this.nameOff[i];
      if (off === undefined) throw new RangeError(`symbol index ${i} out of range (count ${this.count})`);
      s = off === 0 && this.strtab.length === 0 ? '' : decodeString(this.strtab, off, this.strtab.indexOf(0, off));
      this.names[i] = s;
    }
    return s;
  }

  /** STT_* of symbol i. */
  type(i: number): number {
    return this.info[i] & 0xf;
  }

  /** STB_* of symbol i. */
  bind(i: number): number {
    return this.info[i] >> 4;
  }
}
