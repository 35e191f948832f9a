/**
 * Parameter locations, as far as pahole 1.31 looks at them to decide whether a function's BTF
 * prototype can be trusted: which register holds a parameter on entry, according to its
 * DW_AT_location (a single expression or a location list in .debug_loc / .debug_loclists).
 *
 * The reading follows libdw's: every entry of a location list that carries an expression counts
 * (base-address entries do not), an expression is a sequence of operations, and a malformed or
 * unknown operation ends the walk.
 */
import { Form } from '../dwarf/constants.js';
import type { DieReader } from '../dwarf/die.js';
import { SectionSource, type ReadAt, type SectionExtent } from '../dwarf/section-source.js';
import type { DwarfSections } from '../dwarf/sections.js';

const EM_SPARC = 2, EM_MIPS = 8, EM_PPC = 20, EM_PPC64 = 21, EM_S390 = 22, EM_ARM = 40, EM_SPARCV9 = 43,
  EM_ARC = 45, EM_X86_64 = 62, EM_AARCH64 = 183, EM_RISCV = 243;

const OP_REG0 = 0x50, OP_REG31 = 0x6f;
const OP_STACK_VALUE = 0x9f;
const OP_ENTRY_VALUE = 0xa3, OP_GNU_ENTRY_VALUE = 0xf3;

/** How many parameters the ABI of ELF machine `machine` passes in registers, and which (DW_OP_regN, -1: not known). */
export function registerParams(machine: number): { count: number; ops: number[] } {
  const reg = (...n: number[]): number[] => n.map((x) => OP_REG0 + x);
  switch (machine) {
    case EM_S390: return { count: 5, ops: reg(2, 3, 4, 5, 6) };
    case EM_X86_64: return { count: 6, ops: reg(5, 4, 1, 2, 8, 9) };
    case EM_SPARC: case EM_SPARCV9: return { count: 6, ops: [] };
    case EM_ARM: case EM_AARCH64: return { count: 8, ops: reg(0, 1, 2, 3, 4, 5, 6, 7) };
    case EM_ARC: case EM_MIPS: case EM_PPC: case EM_PPC64: case EM_RISCV: return { count: 8, ops: [] };
    default: return { count: 0, ops: [] };
  }
}

/** Location-list sections of the file (absent ones: lists cannot be read, as libdw without them). */
export interface LocationSections {
  loc?: SectionSource;
  loclists?: SectionSource;
}

/**
 * The location-list sections of `sec`: in memory, or read from the file with `readAt` in windows
 * (DwarfSections.locExtent, loclistsExtent).
 */
export function locationSections(sec: DwarfSections, readAt?: ReadAt): LocationSections {
  const source = (bytes: Uint8Array | undefined, extent: SectionExtent | undefined): SectionSource | undefined =>
    bytes ? SectionSource.inMemory(bytes) : extent && readAt ? SectionSource.fromFile(extent, readAt) : undefined;
  return { loc: source(sec.loc, sec.locExtent), loclists: source(sec.loclists, sec.loclistsExtent) };
}

/** What a list walk returns when it ran into the end of the bytes read so far (not the section's). */
const SHORT = -2;

/**
 * Bytes read ahead of a list: enough for nearly every list, else the walk is repeated over four
 * times as many (tests make it small to repeat walks often).
 */
export const listBytes = { first: 1024 };

/** Position after a LEB128 at `p`, or -1 if it runs past `end`. */
function lebEnd(b: Uint8Array, p: number, end: number): number {
  while (p < end && (b[p] & 0x80) !== 0) p++;
  return p < end ? p + 1 : -1;
}

function uleb(b: Uint8Array, p: number, end: number): number {
  let r = 0, mul = 1;
  for (; p < end; p++) {
    const x = b[p];
    r += (x & 0x7f) * mul;
    if ((x & 0x80) === 0) return r;
    mul *= 128;
  }
  return -1;
}

/** Unit sizes an expression's operands depend on. */
interface ExprUnit {
  addressSize: number;
  offsetSize: number;
  version: number;
}

/**
 * Position after the operation at `p` (its opcode and operands), or -1 when the opcode is unknown
 * or its operands run past `end`.
 */
export function opEnd(b: Uint8Array, p: number, end: number, u: ExprUnit): number {
  const op = b[p++];
  let q: number;
  if (op >= 0x30 && op <= 0x6f) return p; // DW_OP_lit0..31, DW_OP_reg0..31
  if (op >= 0x70 && op <= 0x8f) return lebEnd(b, p, end); // DW_OP_breg0..31
  const refSize = u.version <= 2 ? u.addressSize : u.offsetSize;
  switch (op) {
    case 0x03: q = p + u.addressSize; break; // addr
    case 0x06: case 0x12: case 0x13: case 0x14: case 0x16: case 0x17: case 0x18: case 0x19: case 0x1a:
    case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f: case 0x20: case 0x21: case 0x22: case 0x24:
    case 0x25: case 0x26: case 0x27: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x2e:
    case 0x96: case 0x97: case 0x9b: case 0x9c: case 0x9f: case 0xe0: case 0xf0:
      return p; // no operands
    case 0x08: case 0x09: case 0x15: case 0x94: case 0x95: q = p + 1; break;
    case 0x0a: case 0x0b: case 0x28: case 0x2f: case 0x98: q = p + 2; break;
    case 0x0c: case 0x0d: case 0x99: case 0xfa: q = p + 4; break;
    case 0x0e: case 0x0f: q = p + 8; break;
    case 0x10: case 0x11: case 0x23: case 0x90: case 0x91: case 0x93: case 0xa1: case 0xa2:
    case 0xa8: case 0xa9: case 0xf7: case 0xf9: case 0xfb: case 0xfc:
      return lebEnd(b, p, end); // one LEB128
    case 0x92: case 0x9d: case 0xa5: case 0xf5: { // two LEB128s
      const m = lebEnd(b, p, end);
      return m < 0 ? -1 : lebEnd(b, m, end);
    }
    case 0x9a: case 0xfd: q = p + refSize; break; // call_ref, GNU_variable_value
    case 0xa0: case 0xf2: { // implicit_pointer: a reference and a signed offset
      const m = p + refSize;
      return m > end ? -1 : lebEnd(b, m, end);
    }
    case 0x9e: case OP_ENTRY_VALUE: case OP_GNU_ENTRY_VALUE: { // a counted block
      const n = uleb(b, p, end);
      const m = lebEnd(b, p, end);
      if (n < 0 || m < 0) return -1;
      q = m + n;
      break;
    }
    case 0xa4: case 0xf4: { // const_type: type, then a one-byte size and that many bytes
      const m = lebEnd(b, p, end);
      if (m < 0 || m >= end) return -1;
      q = m + 1 + b[m];
      break;
    }
    case 0xa6: case 0xa7: case 0xf6: { // deref_type: a size byte and a type
      return p + 1 > end ? -1 : lebEnd(b, p + 1, end);
    }
    default:
      return -1;
  }
  return q <= end ? q : -1;
}

// Result of scanExpr (module scratch: no allocation per expression).
let exprOps = 0;
let exprFirst = 0;
let exprFirstAt = 0;

/**
 * Walks the expression [s, e): sets exprOps to its number of operations (less a trailing
 * DW_OP_stack_value when there is more than one), exprFirst/exprFirstAt to the first operation.
 * Returns false if an operation cannot be decoded.
 */
function scanExpr(b: Uint8Array, s: number, e: number, u: ExprUnit): boolean {
  let n = 0, last = 0, p = s;
  while (p < e) {
    const q = opEnd(b, p, e, u);
    if (q < 0) return false;
    if (n === 0) { exprFirst = b[p]; exprFirstAt = p; }
    last = b[p];
    n++;
    p = q;
  }
  exprOps = n > 1 && last === OP_STACK_VALUE ? n - 1 : n;
  return true;
}

/**
 * pahole's reading of a parameter location: the DW_OP_regN of the first location if it is a
 * lone register, or the operation inside a DW_OP_entry_value(one operation) at any location;
 * stops early at `expected`. Returns the last such operation found, or -1.
 * `r` is positioned on the parameter DIE; `i` is the index of its DW_AT_location.
 */
export function parameterRegister(r: DieReader, i: number, expected: number, lists: LocationSections, loclistsBase: number): number {
  const u = r.unit;
  const form = r.form[i];
  if (form === Form.exprloc || form === Form.block || form === Form.block1 || form === Form.block2 || form === Form.block4) {
    const s = r.lo[i] - r.base;
    halt = false;
    return exprRegister(r.info, s, s + r.len[i], u, 0, -1, expected);
  }
  let off: number;
  if (form === Form.sec_offset || ((form === Form.data4 || form === Form.data8) && u.version < 4)) {
    off = r.lo[i];
  } else if (form === Form.loclistx) {
    const t = lists.loclists;
    if (!t) return -1;
    const at = loclistsBase + r.lo[i] * u.offsetSize;
    t.ensure(at, u.offsetSize);
    if (at + u.offsetSize > t.end) return -1;
    off = loclistsBase + readOffset(t.bytes, at - t.base, u.offsetSize, r.le);
  } else {
    return -1;
  }
  const src = u.version < 5 ? lists.loc : lists.loclists;
  if (!src) return -1;
  // a list is walked over the bytes read around it; should it run past them (not past the
  // section), it is walked again over more
  for (let need = listBytes.first; ; need *= 4) {
    src.ensure(off, need);
    halt = false;
    const ret = u.version < 5 ? locRegister(r, src, off, expected) : loclistsRegister(r, src, off, expected);
    if (ret !== SHORT) return ret;
  }
}

function readOffset(b: Uint8Array, at: number, size: number, le: boolean): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (size === 4) return dv.getUint32(at, le);
  const lo = dv.getUint32(at + (le ? 0 : 4), le), hi = dv.getUint32(at + (le ? 4 : 0), le);
  return hi * 2 ** 32 + lo;
}

/** Set by exprRegister when the walk must stop (expected register found, or bad expression). */
let halt = false;

/**
 * One location's part of parameterRegister: `ret` so far, `index` of the location in its list.
 * Returns the new `ret`; sets `halt` when the walk ends here.
 */
function exprRegister(b: Uint8Array, s: number, e: number, u: ExprUnit, index: number, ret: number, expected: number): number {
  if (!scanExpr(b, s, e, u)) { halt = true; return ret; }
  if (exprOps !== 1) return ret;
  const op = exprFirst;
  if (op >= OP_REG0 && op <= OP_REG31) {
    if (index !== 0) return ret;
    if (op === expected) halt = true;
    return op;
  }
  if (op === OP_ENTRY_VALUE || op === OP_GNU_ENTRY_VALUE) {
    const p = exprFirstAt + 1;
    const n = uleb(b, p, e);
    const bs = lebEnd(b, p, e);
    // the inner expression counts as it is (no trailing stack_value dropped)
    if (n < 0 || bs < 0 || innerOps(b, bs, bs + n, u) !== 1) return ret;
    if (exprFirst === expected) halt = true;
    return exprFirst;
  }
  return ret;
}

/** Number of operations in [s, e) (exprFirst: the first), or -1 if one cannot be decoded. */
function innerOps(b: Uint8Array, s: number, e: number, u: ExprUnit): number {
  let n = 0;
  for (let p = s; p < e; n++) {
    const q = opEnd(b, p, e, u);
    if (q < 0) return -1;
    if (n === 0) exprFirst = b[p];
    p = q;
  }
  return n;
}

/**
 * DWARF 2-4 location list in .debug_loc at `off`, over the bytes `src` holds (SHORT when they end
 * before the list and the section do).
 */
function locRegister(r: DieReader, src: SectionSource, off: number, expected: number): number {
  const sec = src.bytes, base = src.base, len = src.end - base, whole = src.end === src.size;
  const u = r.unit;
  const as = u.addressSize;
  const le = r.le;
  let p = off - base, ret = -1, index = 0;
  for (;;) {
    if (p + 2 * as > len) return whole ? ret : SHORT;
    let allOnes = true, zero = true;
    for (let k = 0; k < 2 * as; k++) {
      const x = sec[p + k];
      if (k < as && x !== 0xff) allOnes = false;
      if (x !== 0) zero = false;
    }
    p += 2 * as;
    if (allOnes) continue; // base address selection
    if (zero) return ret; // end of list
    if (p + 2 > len) return whole ? ret : SHORT;
    const n = le ? sec[p] | sec[p + 1] << 8 : sec[p] << 8 | sec[p + 1];
    p += 2;
    if (p + n > len) return whole ? ret : SHORT;
    ret = exprRegister(sec, p, p + n, u, index++, ret, expected);
    if (halt) return ret;
    p += n;
  }
}

/**
 * DWARF 5 location list in .debug_loclists at `off`, over the bytes `src` holds (SHORT when they
 * end before the list and the section do).
 */
function loclistsRegister(r: DieReader, src: SectionSource, off: number, expected: number): number {
  const sec = src.bytes, end = src.end - src.base, whole = src.end === src.size;
  const u = r.unit;
  let p = off - src.base, ret = -1, index = 0;
  const skipLeb = (): boolean => { p = lebEnd(sec, p, end); return p >= 0; };
  for (;;) {
    if (p >= end) return whole ? ret : SHORT;
    const kind = sec[p++];
    switch (kind) {
      case 0x00: return ret; // end_of_list
      case 0x01: if (!skipLeb()) return whole ? ret : SHORT; continue; // base_addressx
      case 0x06: p += u.addressSize; continue; // base_address
      case 0x02: case 0x03: case 0x04: // startx_endx, startx_length, offset_pair
        if (!skipLeb() || !skipLeb()) return whole ? ret : SHORT;
        break;
      case 0x05: break; // default_location
      case 0x07: p += 2 * u.addressSize; break; // start_end
      case 0x08: p += u.addressSize; if (!skipLeb()) return whole ? ret : SHORT; break; // start_length
      default: return ret;
    }
    if (p >= end) return whole ? ret : SHORT;
    const n = uleb(sec, p, end);
    const s0 = lebEnd(sec, p, end);
    if (n < 0 || s0 < 0 || s0 + n > end) return whole ? ret : SHORT;
    ret = exprRegister(sec, s0, s0 + n, u, index++, ret, expected);
    if (halt) return ret;
    p = s0 + n;
  }
}
