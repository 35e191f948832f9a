import { InputError, hex } from '../errors.js';
import { Ut } from './constants.js';

/** A unit header in .debug_info. Offsets are absolute in the section. */
export interface UnitHeader {
  offset: number;
  /** One past the unit's last byte. */
  end: number;
  version: number;
  unitType: number;
  offsetSize: 4 | 8;
  addressSize: number;
  abbrevOffset: number;
  /** Offset of the unit's first DIE. */
  dieOffset: number;
}

/**
 * Parses the unit header at `off`. `info` may be a window onto the section holding at least the
 * header, starting at section offset `base`; `size` is the whole section's size.
 */
export function readUnitHeader(info: Uint8Array, off: number, le: boolean, base = 0, size = info.length): UnitHeader {
  const h = readHeaderAt(info, off - base, le, size - base, base);
  h.offset += base;
  h.end += base;
  h.dieOffset += base;
  if (base !== 0 && h.end > size) throw new InputError(`.debug_info: unit at ${hex(h.offset)} extends past the end of the section (${hex(size)})`);
  return h;
}

function readHeaderAt(info: Uint8Array, off: number, le: boolean, size: number, base: number): UnitHeader {
  const at = hex(off + base);
  const dv = new DataView(info.buffer, info.byteOffset, info.byteLength);
  const need = (n: number, p: number): void => {
    if (p + n > info.length) throw new InputError(`.debug_info: unit header at ${at} truncated`);
  };
  let p = off;
  need(4, p);
  let length = dv.getUint32(p, le);
  p += 4;
  let offsetSize: 4 | 8 = 4;
  if (length === 0xffffffff) {
    need(8, p);
    const hi = dv.getUint32(p + (le ? 4 : 0), le);
    length = dv.getUint32(p + (le ? 0 : 4), le) + hi * 2 ** 32;
    p += 8;
    offsetSize = 8;
  } else if (length >= 0xfffffff0) {
    throw new InputError(`.debug_info: reserved unit length ${hex(length)} at ${at}`);
  }
  const end = p + length;
  if (end > size) throw new InputError(`.debug_info: unit at ${at} (length ${hex(length)}) extends past the end of the section (${hex(size + base)})`);
  need(2, p);
  const version = dv.getUint16(p, le);
  p += 2;
  if (version < 2 || version > 5) throw new InputError(`.debug_info: unsupported DWARF version ${version} in unit at ${at}`);
  let unitType = Ut.compile, addressSize: number, abbrevOffset: number;
  const readOff = (): number => {
    need(offsetSize, p);
    let v: number;
    if (offsetSize === 4) v = dv.getUint32(p, le);
    else v = dv.getUint32(p + (le ? 0 : 4), le) + dv.getUint32(p + (le ? 4 : 0), le) * 2 ** 32;
    p += offsetSize;
    return v;
  };
  if (version >= 5) {
    need(2, p);
    unitType = info[p++];
    addressSize = info[p++];
    abbrevOffset = readOff();
    if (unitType === Ut.skeleton || unitType === Ut.split_compile) p += 8;
    else if (unitType === Ut.type || unitType === Ut.split_type) { p += 8; readOff(); }
    else if (unitType !== Ut.compile && unitType !== Ut.partial) {
      throw new InputError(`.debug_info: unknown unit type ${unitType} at ${at}`);
    }
  } else {
    abbrevOffset = readOff();
    need(1, p);
    addressSize = info[p++];
  }
  if (addressSize !== 4 && addressSize !== 8 && addressSize !== 2) {
    throw new InputError(`.debug_info: unit at ${at} has unsupported address size ${addressSize}`);
  }
  if (p > end) throw new InputError(`.debug_info: unit header at ${at} longer than the unit`);
  return { offset: off, end, version, unitType, offsetSize, addressSize, abbrevOffset, dieOffset: p };
}

/**
 * All unit headers of a .debug_info that is not in memory: `readAt(offset, n)` returns up to n
 * bytes of the section at `offset`.
 */
export function scanUnits(readAt: (offset: number, n: number) => Uint8Array, size: number, le: boolean): UnitHeader[] {
  const units: UnitHeader[] = [];
  let off = 0;
  while (off < size) {
    if (size - off < 4) break;
    const head = readAt(off, Math.min(48, size - off));
    const u = readUnitHeader(head, off, le, off, size);
    units.push(u);
    off = u.end;
  }
  return units;
}

/** All unit headers of .debug_info, in order. */
export function readUnits(info: Uint8Array, le: boolean): UnitHeader[] {
  const units: UnitHeader[] = [];
  let off = 0;
  while (off < info.length) {
    // some linkers pad between units with zeros
    if (info.length - off < 4) break;
    const u = readUnitHeader(info, off, le);
    units.push(u);
    off = u.end;
  }
  return units;
}
