// Applying the relocations of an ET_REL file (.o, .ko) to one of its (debug) sections, so that
// references between debug sections (string offsets, abbrev offsets, line table offsets, code
// addresses) hold their final values as in a linked file.
//
// All arithmetic is done modulo 2^64 on pairs of 32-bit words (lo, hi): exact, and much faster than
// BigInt on the hundreds of thousands of relocations of a large module.

import { InputError, hex } from '../errors.js';
import * as C from './constants.js';
import type { ElfSymbols } from './symbols.js';

/** What a relocation computes; S = symbol value, A = addend, P = address of the place. */
const enum Op {
  None, // nothing
  Abs, // S + A
  PcRel, // S + A - P
  Add, // *P + (S + A)          (RISC-V label differences)
  Sub, // *P - (S + A)
  Set6, // low 6 bits of the byte = S + A  (RISC-V)
  Sub6, // low 6 bits of the byte -= S + A
  SetUleb, // the ULEB128 at P = S + A, keeping its length  (RISC-V)
  SubUleb, // the ULEB128 at P -= S + A
  PpcDtpRel, // S + A - 0x8000: offset in the TLS block (the assembler adds 0x8000 to the addend)
}

/** A relocation type: the operation and the width in bytes of the field it writes. */
type Howto = readonly [op: Op, width: number];

const NONE: Howto = [Op.None, 0];
const ABS8: Howto = [Op.Abs, 1];
const ABS16: Howto = [Op.Abs, 2];
const ABS32: Howto = [Op.Abs, 4];
const ABS64: Howto = [Op.Abs, 8];
const PC16: Howto = [Op.PcRel, 2];
const PC32: Howto = [Op.PcRel, 4];
const PC64: Howto = [Op.PcRel, 8];

// The relocation types that appear in non-allocated (debug) sections, per machine. TLS
// "offset in the TLS block" relocations (DW_OP_form_tls_address operands) are resolved to S + A,
// the symbol's offset in its TLS section: the best a relocatable file can tell.
const MACHINES = new Map<number, { name: string; types: Map<number, Howto> }>([
  [C.EM_X86_64, { name: 'x86_64', types: new Map([
    [0, NONE], [1, ABS64] /* R_X86_64_64 */, [2, PC32] /* PC32 */, [10, ABS32] /* 32 */,
    [11, ABS32] /* 32S */, [24, PC64] /* PC64 */, [17, ABS64] /* DTPOFF64 */, [21, ABS32] /* DTPOFF32 */,
  ]) }],
  [C.EM_386, { name: 'i386', types: new Map([
    [0, NONE], [1, ABS32] /* R_386_32 */, [2, PC32] /* PC32 */, [32, ABS32] /* TLS_LDO_32 */,
  ]) }],
  [C.EM_AARCH64, { name: 'aarch64', types: new Map([
    [0, NONE], [256, NONE], [257, ABS64] /* ABS64 */, [258, ABS32] /* ABS32 */, [259, ABS16] /* ABS16 */,
    [260, PC64] /* PREL64 */, [261, PC32] /* PREL32 */, [262, PC16] /* PREL16 */, [1029, ABS64] /* TLS_DTPREL64 */,
  ]) }],
  [C.EM_S390, { name: 's390', types: new Map([
    [0, NONE], [1, ABS8] /* R_390_8 */, [3, ABS16] /* 16 */, [4, ABS32] /* 32 */, [5, PC32] /* PC32 */,
    [22, ABS64] /* 64 */, [23, PC64] /* PC64 */, [52, ABS32] /* TLS_LDO32 */, [53, ABS64] /* TLS_LDO64 */,
  ]) }],
  [C.EM_RISCV, { name: 'riscv', types: new Map<number, Howto>([
    [0, NONE], [1, ABS32] /* R_RISCV_32 */, [2, ABS64] /* 64 */, [8, ABS32] /* TLS_DTPREL32 */,
    [9, ABS64] /* TLS_DTPREL64 */, [33, [Op.Add, 1]], [34, [Op.Add, 2]], [35, [Op.Add, 4]], [36, [Op.Add, 8]],
    [37, [Op.Sub, 1]], [38, [Op.Sub, 2]], [39, [Op.Sub, 4]], [40, [Op.Sub, 8]], [43, NONE] /* ALIGN */,
    [51, NONE] /* RELAX */, [52, [Op.Sub6, 1]], [53, [Op.Set6, 1]], [54, ABS8] /* SET8 */,
    [55, ABS16] /* SET16 */, [56, ABS32] /* SET32 */, [57, PC32] /* 32_PCREL */,
    [60, [Op.SetUleb, 0]], [61, [Op.SubUleb, 0]],
  ]) }],
  [C.EM_PPC64, { name: 'ppc64', types: new Map<number, Howto>([
    [0, NONE], [1, ABS32] /* R_PPC64_ADDR32 */, [3, ABS16] /* ADDR16 */, [26, PC32] /* REL32 */,
    [38, ABS64] /* ADDR64 */, [44, PC64] /* REL64 */, [78, [Op.PpcDtpRel, 8]] /* DTPREL64 */,
  ]) }],
  [C.EM_PPC, { name: 'ppc', types: new Map<number, Howto>([
    [0, NONE], [1, ABS32] /* R_PPC_ADDR32 */, [3, ABS16] /* ADDR16 */, [26, PC32] /* REL32 */,
    [78, [Op.PpcDtpRel, 4]] /* DTPREL32 */,
  ]) }],
  [C.EM_ARM, { name: 'arm', types: new Map([
    [0, NONE], [2, ABS32] /* R_ARM_ABS32 */, [3, PC32] /* REL32 */, [106, ABS32] /* TLS_LDO32 */,
  ]) }],
]);

export function machineName(machine: number): string {
  return MACHINES.get(machine)?.name ?? `machine ${machine}`;
}

/** Symbol values as (lo, hi) word pairs, computed once per symbol table (and section layout). */
const valueWords = new WeakMap<ElfSymbols, Uint32Array>();
const laidOutWords = new WeakMap<BigUint64Array, Uint32Array>();

function symbolWords(syms: ElfSymbols, sectionAddr: BigUint64Array | null | undefined): Uint32Array {
  const cache = sectionAddr ? laidOutWords : valueWords;
  const key = sectionAddr ?? syms;
  let w = (cache as WeakMap<object, Uint32Array>).get(key);
  if (!w) {
    w = new Uint32Array(syms.count * 2);
    for (let i = 0; i < syms.count; i++) {
      let v = syms.value[i];
      const sh = syms.shndx[i];
      if (sectionAddr && sh < sectionAddr.length) v = (v + sectionAddr[sh]) & 0xffffffffffffffffn;
      w[2 * i] = Number(v & 0xffffffffn);
      w[2 * i + 1] = Number(v >> 32n);
    }
    (cache as WeakMap<object, Uint32Array>).set(key, w);
  }
  return w;
}

export interface RelocationJob {
  machine: number;
  is64: boolean;
  littleEndian: boolean;
  /** The section being relocated: its bytes (modified in place), address and description. */
  data: Uint8Array;
  addr: bigint;
  what: string;
  /** The SHT_REL or SHT_RELA section's bytes and description. */
  rel: Uint8Array;
  rela: boolean;
  relWhat: string;
  /** The symbol table the relocation section links to (null: sh_link 0, only symbol 0 allowed). */
  syms: ElfSymbols | null;
  /**
   * Addresses given to the sections of a relocatable file (see ElfFile.relLayout): added to the
   * value of every symbol defined in such a section, so that addresses in different sections differ.
   */
  sectionAddr?: BigUint64Array | null;
}

const TWO32 = 0x1_0000_0000;

/** Applies every relocation of `job.rel` to `job.data`, in order (RISC-V ADD/SUB pairs need it). */
export function applyRelocations(job: RelocationJob): void {
  const { is64, littleEndian: le, data, rela } = job;
  const machine = MACHINES.get(job.machine);
  const entsize = rela ? (is64 ? 24 : 12) : is64 ? 16 : 8;
  const n = Math.floor(job.rel.length / entsize);
  if (n === 0) return;
  if (!machine) {
    throw new InputError(`${job.relWhat}: relocations for ${machineName(job.machine)} are not supported`);
  }
  const rv = new DataView(job.rel.buffer, job.rel.byteOffset, job.rel.byteLength);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const symCount = job.syms ? job.syms.count : 1;
  const symW = job.syms ? symbolWords(job.syms, job.sectionAddr) : new Uint32Array(2);
  const addrLo = Number(job.addr & 0xffffffffn);
  const addrHi = Number((job.addr >> 32n) & 0xffffffffn);
  // Offsets of the low and high words of a 64-bit field.
  const loOff = le ? 0 : 4;
  const hiOff = le ? 4 : 0;

  for (let k = 0, o = 0; k < n; k++, o += entsize) {
    let offset: number, sym: number, type: number, aLo = 0, aHi = 0;
    if (is64) {
      // Elf64_Rel(a): r_offset u64, r_info u64 (symbol << 32 | type), [r_addend i64]
      offset = rv.getUint32(o + hiOff, le) * TWO32 + rv.getUint32(o + loOff, le);
      sym = rv.getUint32(o + 8 + hiOff, le);
      type = rv.getUint32(o + 8 + loOff, le);
      if (rela) {
        aLo = rv.getUint32(o + 16 + loOff, le);
        aHi = rv.getUint32(o + 16 + hiOff, le);
      }
    } else {
      // Elf32_Rel(a): r_offset u32, r_info u32 (symbol << 8 | type), [r_addend i32]
      offset = rv.getUint32(o, le);
      const info = rv.getUint32(o + 4, le);
      sym = info >>> 8;
      type = info & 0xff;
      if (rela) {
        aLo = rv.getUint32(o + 8, le);
        aHi = aLo & 0x8000_0000 ? 0xffffffff : 0;
      }
    }
    const howto = machine.types.get(type);
    if (!howto) {
      throw new InputError(`${job.relWhat}: unsupported ${machine.name} relocation type ${type} (entry ${k}, offset ${hex(offset)} in ${job.what})`);
    }
    const [op, width] = howto;
    if (op === Op.None) continue;
    if (offset + Math.max(width, 1) > data.length) {
      throw new InputError(`${job.relWhat}: relocation ${k} at offset ${hex(offset)} is outside ${job.what} (size ${hex(data.length)})`);
    }
    if (sym >= symCount) {
      throw new InputError(`${job.relWhat}: relocation ${k} refers to symbol ${sym}, but the symbol table has ${symCount} entries`);
    }
    if (!rela && width > 0) {
      // REL: the addend is the field's current content.
      aLo = readLo(dv, offset, width, le);
      aHi = width === 8 ? dv.getUint32(offset + hiOff, le) : 0;
    }
    // v = S + A
    let vLo = symW[2 * sym] + aLo;
    let vHi = (symW[2 * sym + 1] + aHi + (vLo >= TWO32 ? 1 : 0)) >>> 0;
    vLo >>>= 0;
    switch (op) {
      case Op.Abs:
        break;
      case Op.PcRel: {
        // P = section address + offset
        const pLo = addrLo + (offset % TWO32);
        const pHi = addrHi + Math.floor(offset / TWO32) + (pLo >= TWO32 ? 1 : 0);
        [vLo, vHi] = sub64(vLo, vHi, pLo >>> 0, pHi >>> 0);
        break;
      }
      case Op.PpcDtpRel:
        [vLo, vHi] = sub64(vLo, vHi, 0x8000, 0);
        break;
      case Op.Add:
      case Op.Sub: {
        const cLo = readLo(dv, offset, width, le);
        const cHi = width === 8 ? dv.getUint32(offset + hiOff, le) : 0;
        if (op === Op.Add) {
          const lo = cLo + vLo;
          vHi = (cHi + vHi + (lo >= TWO32 ? 1 : 0)) >>> 0;
          vLo = lo >>> 0;
        } else {
          [vLo, vHi] = sub64(cLo, cHi, vLo, vHi);
        }
        break;
      }
      case Op.Set6:
      case Op.Sub6: {
        const b = data[offset];
        const six = op === Op.Set6 ? vLo : b - vLo;
        data[offset] = (b & 0xc0) | (six & 0x3f);
        continue;
      }
      case Op.SetUleb:
      case Op.SubUleb:
        patchUleb(data, offset, op === Op.SetUleb, vLo, vHi, job, k);
        continue;
    }
    switch (width) {
      case 1:
        data[offset] = vLo & 0xff;
        break;
      case 2:
        dv.setUint16(offset, vLo & 0xffff, le);
        break;
      case 4:
        dv.setUint32(offset, vLo, le);
        break;
      case 8:
        dv.setUint32(offset + loOff, vLo, le);
        dv.setUint32(offset + hiOff, vHi, le);
        break;
    }
  }
}

/** The low 32 bits of the width-byte field at `offset` (the low word for 8-byte fields). */
function readLo(dv: DataView, offset: number, width: number, le: boolean): number {
  switch (width) {
    case 1:
      return dv.getUint8(offset);
    case 2:
      return dv.getUint16(offset, le);
    case 4:
      return dv.getUint32(offset, le);
    default:
      return dv.getUint32(offset + (le ? 0 : 4), le);
  }
}

/** (aLo, aHi) - (bLo, bHi) modulo 2^64. */
function sub64(aLo: number, aHi: number, bLo: number, bHi: number): [number, number] {
  const borrow = aLo < bLo ? 1 : 0;
  return [(aLo - bLo) >>> 0, (aHi - bHi - borrow) >>> 0];
}

/**
 * RISC-V SET_ULEB128 / SUB_ULEB128: the field is an existing ULEB128 whose length must not change,
 * so the new value is truncated to its 7 bits per byte and written back with the same number of
 * bytes (continuation bits kept).
 */
function patchUleb(data: Uint8Array, offset: number, set: boolean, vLo: number, vHi: number, job: RelocationJob, k: number): void {
  let end = offset;
  let cur = 0n;
  for (let shift = 0n; ; shift += 7n) {
    if (end >= data.length) {
      throw new InputError(`${job.relWhat}: relocation ${k} at offset ${hex(offset)}: ULEB128 runs past the end of ${job.what}`);
    }
    const b = data[end++];
    cur |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  const v = (BigInt(vHi) << 32n) | BigInt(vLo);
  let r = BigInt.asUintN(64, set ? v : cur - v);
  for (let p = offset; p < end; p++) {
    data[p] = Number(r & 0x7fn) | (p < end - 1 ? 0x80 : 0);
    r >>= 7n;
  }
}
