import { decodeString } from '../elf/symbols.js';
import { InputError, hex } from '../errors.js';
import { AbbrevCache, AbbrevTable, fixedFormSize } from './abbrev.js';
import { At, Form } from './constants.js';
import type { DwarfSections } from './sections.js';
import type { UnitHeader } from './unit.js';

const MAX_ATTRS = 256;
/** Attribute codes below this are looked up in a table (DWARF 5's go up to 0x8c). */
const ROW = 160;
const TWO32 = 2 ** 32;

/**
 * A zero-copy DIE cursor over .debug_info. `read(off)` decodes one DIE's attributes into
 * preallocated typed arrays; accessors answer for that DIE until the next read. Nothing is
 * allocated per DIE: callers keep offsets, not objects.
 *
 * Attribute values are held as 64-bit halves (`lo`, `hi`) plus the form; references are made
 * absolute, strings are resolved lazily through a per-reader cache.
 */
export class DieReader {
  /**
   * The bytes of .debug_info being read: the whole section, or just the current unit when the
   * caller streams units (setUnit with a window). `base` is the section offset of info[0].
   */
  info: Uint8Array;
  base = 0;
  private dv: DataView;
  readonly le: boolean;
  private readonly sec: DwarfSections;
  private readonly abbrevs: AbbrevCache;
  private strCache = new Map<number, string>();
  private lineStrCache = new Map<number, string>();

  // current unit
  unit!: UnitHeader;
  private table!: AbbrevTable;
  strOffsetsBase = 0;
  addrBase = 0;

  // current DIE
  /** Offset of the DIE. */
  off = 0;
  /** Offset after its attributes: its first child when it has children, else its next sibling. */
  next = 0;
  tag = 0;
  hasChildren = false;
  /** Number of attributes. */
  n = 0;
  readonly form = new Uint16Array(MAX_ATTRS);
  readonly lo = new Uint32Array(MAX_ATTRS);
  readonly hi = new Uint32Array(MAX_ATTRS);
  /** Block/exprloc length (value position is in lo). */
  readonly len = new Uint32Array(MAX_ATTRS);
  /**
   * Attribute index by DW_AT code (< ROW), one row per abbreviation of the current table, built
   * when the abbreviation is first read: rows[rowBase + code], -1 if absent. Row 0 is all -1 (no
   * attributes: null entries, skipped DIEs).
   */
  private rows = new Int16Array(ROW).fill(-1);
  private rowReady = new Uint8Array(0);
  private rowTable: AbbrevTable | null = null;
  private rowBase = 0;
  /** First abbreviation entry of the current DIE's attributes (for codes >= ROW). */
  private attrS = 0;
  private gen = 0;
  /**
   * A DIE of a fixed-size abbreviation is decoded lazily: read() only records where its values
   * start (lazyPos; attrS says which abbreviation entries describe them); find() decodes an
   * attribute on first use (decoded[i] === gen once done).
   */
  private lazy = false;
  private lazyPos = 0;
  private readonly decoded = new Float64Array(MAX_ATTRS);

  // scratch for LEB decoding
  private p = 0;
  // The two words of a 64-bit value. They start as doubles: V8 gives a field the representation of
  // its first value, and the first word of 2^31 or more (a kernel address) would otherwise change
  // it mid-run, deoptimizing every function that reads the reader.
  private vlo = 0.5;
  private vhi = 0.5;

  constructor(sec: DwarfSections, abbrevs?: AbbrevCache) {
    this.sec = sec;
    this.info = sec.info;
    this.dv = new DataView(sec.info.buffer, sec.info.byteOffset, sec.info.byteLength);
    this.le = sec.littleEndian;
    this.abbrevs = abbrevs ?? new AbbrevCache(sec.abbrev);
  }

  /** The sections this reader reads. */
  get sections(): DwarfSections {
    return this.sec;
  }

  /** .debug_str, if any. */
  get debugStr(): Uint8Array | undefined {
    return this.sec.str;
  }

  /** Whether the current unit's abbreviations include DW_TAG_LLVM_annotation. */
  get unitHasAnnotations(): boolean {
    return this.table.hasAnnotations;
  }

  /**
   * Makes `u` the current unit and reads its base attributes (str_offsets_base, addr_base).
   * `window`, when given, holds the unit's bytes [u.offset, u.end) (streaming: the whole
   * section need not be in memory).
   */
  setUnit(u: UnitHeader, window?: Uint8Array): void {
    if (window) {
      if (window.length < u.end - u.offset) this.fail(`unit window too short`, u.offset);
      this.info = window;
      this.base = u.offset;
      this.dv = new DataView(window.buffer, window.byteOffset, window.byteLength);
    } else if (this.base !== 0 || this.info !== this.sec.info) {
      this.info = this.sec.info;
      this.base = 0;
      this.dv = new DataView(this.info.buffer, this.info.byteOffset, this.info.byteLength);
    }
    this.unit = u;
    this.table = this.abbrevs.get(u.abbrevOffset);
    this.table.prepare(u.offsetSize, u.addressSize, u.version);
    if (this.table !== this.rowTable) {
      const count = this.table.count;
      this.rowTable = this.table;
      if (this.rowReady.length < count) this.rowReady = new Uint8Array(count);
      else this.rowReady.fill(0, 0, count);
      if (this.rows.length < (count + 1) * ROW) {
        const rows = new Int16Array((count + 1) * ROW);
        rows.fill(-1, 0, ROW);
        this.rows = rows;
      }
    }
    this.strOffsetsBase = u.version >= 5 ? 8 : 0;
    this.addrBase = u.version >= 5 ? 8 : 0;
    if (this.read(u.dieOffset)) {
      const sob = this.find(At.str_offsets_base);
      if (sob >= 0) this.strOffsetsBase = this.lo[sob];
      let ab = this.find(At.addr_base);
      if (ab < 0) ab = this.find(At.GNU_addr_base);
      if (ab >= 0) this.addrBase = this.lo[ab];
    }
  }

  private fail(msg: string, at = this.p + this.base): never {
    throw new InputError(`.debug_info: ${msg} at ${hex(at)}`);
  }

  /** The byte at section offset `pos`. */
  byteAt(pos: number): number {
    return this.info[pos - this.base];
  }

  private uleb(): number {
    const d = this.info;
    let p = this.p, b = d[p++], r = b & 0x7f;
    if (b & 0x80) {
      let mul = 128;
      do {
        if (p >= d.length) this.fail('truncated LEB128');
        b = d[p++];
        r += (b & 0x7f) * mul;
        mul *= 128;
      } while (b & 0x80);
    }
    this.p = p;
    return r;
  }

  /** Reads a ULEB128 into vlo/vhi (exact to 64 bits); leaves its bit count and last byte. */
  private uleb64(): void {
    const d = this.info;
    let p = this.p, lo = 0, hi = 0, shift = 0, b: number;
    do {
      if (p >= d.length) this.fail('truncated LEB128');
      b = d[p++];
      const bits = b & 0x7f;
      if (shift < 32) {
        lo |= bits << shift;
        if (shift > 25) hi |= bits >>> (32 - shift);
      } else if (shift < 64) {
        hi |= bits << (shift - 32);
      }
      shift += 7;
    } while (b & 0x80);
    this.p = p;
    this.vlo = lo >>> 0;
    this.vhi = hi >>> 0;
    this.lebBits = shift;
    this.lebLast = b;
  }
  private lebBits = 0;
  private lebLast = 0;

  /** Sign-extends the SLEB128 uleb64() read last in vlo/vhi to 64-bit two's complement. */
  private signExtend64(): void {
    const shift = this.lebBits;
    if (!(this.lebLast & 0x40) || shift >= 64) return;
    if (shift < 32) {
      this.vlo = (this.vlo | (-1 << shift)) >>> 0;
      this.vhi = 0xffffffff;
    } else {
      this.vhi = (this.vhi | (-1 << (shift - 32))) >>> 0;
    }
  }

  private u16(p: number): number { return this.dv.getUint16(p, this.le); }
  private u32(p: number): number { return this.dv.getUint32(p, this.le); }
  private u24(p: number): number {
    const d = this.info;
    return this.le ? d[p] | d[p + 1] << 8 | d[p + 2] << 16 : d[p] << 16 | d[p + 1] << 8 | d[p + 2];
  }
  private u64(p: number): void {
    if (this.le) { this.vlo = this.u32(p); this.vhi = this.u32(p + 4); }
    else { this.vhi = this.u32(p); this.vlo = this.u32(p + 4); }
  }
  private offsetAt(p: number, size: number): number {
    if (size === 4) return this.u32(p);
    this.u64(p);
    return this.vhi * TWO32 + this.vlo;
  }

  /**
   * Decodes the DIE at `off`. Returns false for a null entry (end of a sibling chain).
   * Offsets must lie inside the current unit.
   */
  read(off: number): boolean {
    const idx = this.header(off);
    if (idx < 0) return false;
    const t = this.table;
    const s = t.attrStart[idx];
    const n = t.attrCount[idx];
    if (n > MAX_ATTRS) this.fail(`too many attributes (${n})`, off);
    this.n = n;
    if (this.rowReady[idx] === 0) this.buildRow(idx);
    this.rowBase = (idx + 1) * ROW;
    this.attrS = s;
    const fixed = t.fixedSize[idx];
    this.lazy = fixed >= 0;
    if (fixed >= 0) {
      this.lazyPos = this.p;
      this.p += fixed;
    } else {
      for (let i = 0; i < n; i++) this.readValue(i, t.attrForm[s + i], t.attrConst[s + i]);
    }
    this.endDie(off);
    return true;
  }

  /** Reads only the DIE header at `off` and returns the offset after its attributes (no values kept). */
  skipAttrs(off: number): number {
    const idx = this.header(off);
    if (idx < 0) return this.next;
    const t = this.table;
    const fixed = t.fixedSize[idx];
    if (fixed >= 0) {
      this.p += fixed;
    } else {
      const s = t.attrStart[idx], e = s + t.attrCount[idx];
      for (let j = s; j < e; j++) this.skipValue(t.attrForm[j]);
    }
    return this.endDie(off);
  }

  /**
   * Starts the DIE at `off`: its abbreviation code, tag and children flag, no attributes yet.
   * Returns the abbreviation's index, or -1 for a null entry (then `next` is set).
   */
  private header(off: number): number {
    const u = this.unit;
    if (off < u.dieOffset || off >= u.end) this.fail(`DIE offset ${hex(off)} outside its unit [${hex(u.offset)}, ${hex(u.end)})`, off);
    this.off = off;
    this.p = off - this.base;
    const code = this.uleb();
    this.n = 0;
    this.rowBase = 0;
    this.gen++;
    if (code === 0) {
      this.next = this.p + this.base;
      this.tag = 0;
      this.hasChildren = false;
      return -1;
    }
    const t = this.table;
    const idx = code < t.byCode.length ? t.byCode[code] : -1;
    if (idx < 0) this.fail(`bad abbreviation code ${code}`, off);
    this.tag = t.tag[idx];
    this.hasChildren = t.children[idx] !== 0;
    return idx;
  }

  /** Ends the DIE at `off` whose attributes end at `p`: sets and returns `next`. */
  private endDie(off: number): number {
    const next = this.p + this.base;
    if (next > this.unit.end) this.fail(`DIE runs past the end of its unit`, off);
    this.next = next;
    return next;
  }

  /**
   * Offset of the next sibling of the DIE at `off` (skipping its subtree).
   * Uses DW_AT_sibling when present.
   */
  siblingOf(off: number): number {
    if (!this.read(off)) return this.next;
    if (!this.hasChildren) return this.next;
    const sib = this.find(At.sibling);
    if (sib >= 0) {
      const target = this.lo[sib];
      if (target > off && target <= this.unit.end) return target;
    }
    return this.skipChildren(this.next);
  }

  /** Given the offset of a first child, returns the offset after the terminating null entry. */
  skipChildren(first: number): number {
    let depth = 1;
    let p = first;
    const end = this.unit.end;
    while (depth > 0) {
      if (p >= end) this.fail('children run past the end of the unit', p);
      const next = this.skipAttrs(p);
      if (this.tag === 0) depth--;
      else if (this.hasChildren) depth++;
      p = next;
    }
    return p;
  }

  private readValue(i: number, form: number, implicitConst: number): void {
    const d = this.info;
    let p = this.p;
    this.form[i] = form;
    this.hi[i] = 0;
    switch (form) {
      case Form.addr:
        if (this.unit.addressSize === 8) { this.u64(p); this.lo[i] = this.vlo; this.hi[i] = this.vhi; }
        else this.lo[i] = this.unit.addressSize === 4 ? this.u32(p) : this.u16(p);
        this.p = p + this.unit.addressSize;
        return;
      case Form.data1: case Form.flag: case Form.strx1: case Form.addrx1:
        this.lo[i] = d[p]; this.p = p + 1; return;
      case Form.ref1:
        this.lo[i] = this.unit.offset + d[p]; this.p = p + 1; return;
      case Form.data2: case Form.strx2: case Form.addrx2:
        this.lo[i] = this.u16(p); this.p = p + 2; return;
      case Form.ref2:
        this.lo[i] = this.unit.offset + this.u16(p); this.p = p + 2; return;
      case Form.strx3: case Form.addrx3:
        this.lo[i] = this.u24(p); this.p = p + 3; return;
      case Form.data4: case Form.strx4: case Form.addrx4:
        this.lo[i] = this.u32(p); this.p = p + 4; return;
      case Form.ref4:
        this.lo[i] = this.unit.offset + this.u32(p); this.p = p + 4; return;
      case Form.data8: case Form.ref_sig8:
        this.u64(p); this.lo[i] = this.vlo; this.hi[i] = this.vhi; this.p = p + 8; return;
      case Form.ref8:
        this.u64(p); this.lo[i] = this.unit.offset + this.vhi * TWO32 + this.vlo; this.p = p + 8; return;
      case Form.data16:
        this.lo[i] = p + this.base; this.len[i] = 16; this.p = p + 16; return;
      case Form.sdata: case Form.udata:
        // one path for both (udata is the rarer: V8 would deoptimize at its first)
        this.uleb64();
        if (form === Form.sdata) this.signExtend64();
        this.lo[i] = this.vlo; this.hi[i] = this.vhi; return;
      case Form.ref_udata:
        this.lo[i] = this.unit.offset + this.uleb(); return;
      case Form.strx: case Form.addrx: case Form.loclistx: case Form.rnglistx:
      case Form.GNU_addr_index: case Form.GNU_str_index:
        this.lo[i] = this.uleb(); return;
      case Form.implicit_const:
        this.lo[i] = implicitConst >>> 0;
        this.hi[i] = implicitConst < 0 ? 0xffffffff : Math.floor(implicitConst / TWO32) >>> 0;
        return;
      case Form.flag_present:
        this.lo[i] = 1; return;
      case Form.strp: case Form.line_strp: case Form.sec_offset: case Form.strp_sup:
      case Form.GNU_strp_alt: case Form.GNU_ref_alt: {
        const size = this.unit.offsetSize;
        this.lo[i] = this.offsetAt(p, size);
        this.p = p + size;
        return;
      }
      case Form.ref_addr: {
        const size = this.unit.version <= 2 ? this.unit.addressSize : this.unit.offsetSize;
        this.lo[i] = this.offsetAt(p, size);
        this.p = p + size;
        return;
      }
      case Form.string: {
        this.lo[i] = p + this.base;
        while (p < d.length && d[p] !== 0) p++;
        if (p >= d.length) this.fail('unterminated string');
        this.p = p + 1;
        return;
      }
      case Form.block1: this.blockValue(i, d[p], p + 1); return;
      case Form.block2: this.blockValue(i, this.u16(p), p + 2); return;
      case Form.block4: this.blockValue(i, this.u32(p), p + 4); return;
      case Form.block: case Form.exprloc: {
        const n = this.uleb();
        this.blockValue(i, n, this.p);
        return;
      }
      case Form.indirect: {
        const f = this.uleb();
        if (f === Form.indirect) this.fail('nested DW_FORM_indirect');
        if (f === Form.implicit_const) this.fail('DW_FORM_indirect to implicit_const');
        this.readValue(i, f, 0);
        return;
      }
      default:
        this.fail(`unknown form ${hex(form)}`);
    }
  }

  private blockValue(i: number, n: number, at: number): void {
    if (at + this.base + n > this.unit.end) this.fail('block runs past the end of its unit', at + this.base);
    this.lo[i] = at + this.base;
    this.len[i] = n;
    this.p = at + n;
  }

  private skipValue(form: number): void {
    const u = this.unit;
    const fixed = fixedFormSize(form, u.offsetSize, u.addressSize, u.version);
    if (fixed >= 0) { this.p += fixed; return; }
    const d = this.info;
    switch (form) {
      case Form.sdata: case Form.udata: case Form.ref_udata: case Form.strx: case Form.addrx:
      case Form.loclistx: case Form.rnglistx: case Form.GNU_addr_index: case Form.GNU_str_index: {
        let p = this.p;
        while (p < d.length && d[p] & 0x80) p++;
        this.p = p + 1;
        return;
      }
      case Form.string: {
        let p = this.p;
        while (p < d.length && d[p] !== 0) p++;
        if (p >= d.length) this.fail('unterminated string');
        this.p = p + 1;
        return;
      }
      case Form.block1: this.p += 1 + d[this.p]; return;
      case Form.block2: this.p += 2 + this.u16(this.p); return;
      case Form.block4: this.p += 4 + this.u32(this.p); return;
      case Form.block: case Form.exprloc: {
        const n = this.uleb();
        this.p += n;
        return;
      }
      case Form.indirect: {
        const f = this.uleb();
        if (f === Form.indirect || f === Form.implicit_const) this.fail('bad DW_FORM_indirect');
        this.skipValue(f);
        return;
      }
      default:
        this.fail(`unknown form ${hex(form)}`);
    }
  }

  // ---- accessors for the current DIE ----

  /** Index of attribute `at`, or -1. */
  find(at: number): number {
    const i = this.index(at);
    if (i >= 0 && this.lazy && this.decoded[i] !== this.gen) this.decode(i);
    return i;
  }

  /** Index of attribute `at` in the current DIE, or -1 (its value not decoded). */
  private index(at: number): number {
    if (at < ROW) return this.rows[this.rowBase + at];
    const names = this.table.attrName, s = this.attrS;
    for (let i = 0, n = this.n; i < n; i++) if (names[s + i] === at) return i;
    return -1;
  }

  /** The row of abbreviation `idx` of the current table (see rows). */
  private buildRow(idx: number): void {
    const t = this.table, base = (idx + 1) * ROW, s = t.attrStart[idx], n = t.attrCount[idx];
    const rows = this.rows;
    rows.fill(-1, base, base + ROW);
    for (let i = 0; i < n; i++) {
      const at = t.attrName[s + i];
      if (at < ROW && rows[base + at] < 0) rows[base + at] = i;
    }
    this.rowReady[idx] = 1;
  }

  /** Decodes attribute i of the current (lazily read) DIE. */
  private decode(i: number): void {
    const t = this.table, j = this.attrS + i, p = this.p;
    this.p = this.lazyPos + t.attrOffset[j];
    this.readValue(i, t.attrForm[j], t.attrConst[j]);
    this.p = p;
    this.decoded[i] = this.gen;
  }

  has(at: number): boolean {
    return this.index(at) >= 0;
  }

  /** The attribute as an unsigned number (exact below 2^53); `def` when absent. */
  udata(at: number, def = 0): number {
    const i = this.find(at);
    if (i < 0) return def;
    return this.hi[i] * TWO32 + this.lo[i];
  }

  /** Value as a 64-bit BigInt (two's complement for sdata/implicit_const). */
  big(i: number): bigint {
    return BigInt(this.hi[i]) << 32n | BigInt(this.lo[i]);
  }

  /** Whether attribute i's form is a constant class form that may be signed. */
  isSignedForm(i: number): boolean {
    const f = this.form[i];
    return f === Form.sdata || f === Form.implicit_const;
  }

  /** Absolute offset of a reference attribute, or 0 when absent or not a reference into .debug_info. */
  ref(at: number): number {
    const i = this.find(at);
    if (i < 0) return 0;
    // ref_addr, ref1, ref2, ref4, ref8, ref_udata: 0x10..0x15 (one test for all: a chain of
    // comparisons would leave V8 without feedback for the rare ones past ref4)
    const f = this.form[i];
    return f >= Form.ref_addr && f <= Form.ref_udata ? this.lo[i] : 0;
  }

  /** String value of attribute `at`, or null. */
  str(at: number): string | null {
    const i = this.find(at);
    return i < 0 ? null : this.strAt(i);
  }

  strAt(i: number): string | null {
    switch (this.form[i]) {
      case Form.strp: return this.strFrom(this.sec.str, this.lo[i], this.strCache, '.debug_str');
      case Form.line_strp: return this.strFrom(this.sec.lineStr, this.lo[i], this.lineStrCache, '.debug_line_str');
      case Form.string: return this.strFrom(this.info, this.lo[i] - this.base, null, '.debug_info');
      case Form.strx: case Form.strx1: case Form.strx2: case Form.strx3: case Form.strx4: case Form.GNU_str_index:
        return this.strFrom(this.sec.str, this.strIndex(this.lo[i]), this.strCache, '.debug_str');
      default: return null;
    }
  }

  /** .debug_str offset of a string attribute in .debug_str (for cheap comparisons), or -1. */
  strOffset(i: number): number {
    switch (this.form[i]) {
      case Form.strp: return this.lo[i];
      case Form.strx: case Form.strx1: case Form.strx2: case Form.strx3: case Form.strx4: case Form.GNU_str_index:
        return this.strIndex(this.lo[i]);
      default: return -1;
    }
  }

  /**
   * Where the string of attribute i lives: sets `strSec` to the section and returns the position
   * of its first byte, or -1 when the attribute is not a string.
   */
  strPos(i: number): number {
    switch (this.form[i]) {
      case Form.strp: this.strSec = this.sec.str; return this.lo[i];
      case Form.line_strp: this.strSec = this.sec.lineStr; return this.lo[i];
      case Form.string: this.strSec = this.info; return this.lo[i] - this.base;
      case Form.strx: case Form.strx1: case Form.strx2: case Form.strx3: case Form.strx4: case Form.GNU_str_index:
        this.strSec = this.sec.str;
        return this.strIndex(this.lo[i]);
      default: return -1;
    }
  }
  /** Section of the last strPos. */
  strSec: Uint8Array | undefined;

  /** Whether the string at `pos` of `sec` equals the ASCII string `s`. */
  static strEquals(sec: Uint8Array, pos: number, s: string): boolean {
    const n = s.length;
    if (pos + n >= sec.length) return false;
    for (let k = 0; k < n; k++) if (sec[pos + k] !== s.charCodeAt(k)) return false;
    return sec[pos + n] === 0;
  }

  private strIndex(index: number): number {
    const so = this.sec.strOffsets;
    const size = this.unit.offsetSize;
    const at = this.strOffsetsBase + index * size;
    if (!so || at + size > so.length) this.fail(`string index ${index} outside .debug_str_offsets`);
    const dv = new DataView(so.buffer, so.byteOffset, so.byteLength);
    return size === 4 ? dv.getUint32(at, this.le) : dv.getUint32(at + (this.le ? 0 : 4), this.le) + dv.getUint32(at + (this.le ? 4 : 0), this.le) * TWO32;
  }

  private strFrom(sec: Uint8Array | undefined, off: number, cache: Map<number, string> | null, what: string): string {
    const hit = cache?.get(off);
    if (hit !== undefined) return hit;
    if (!sec || off >= sec.length) this.fail(`string offset ${hex(off)} outside ${what}`);
    let e = off;
    while (e < sec.length && sec[e] !== 0) e++;
    const s = decodeString(sec, off, e);
    cache?.set(off, s);
    return s;
  }

  /** Address value of attribute i (DW_FORM_addr or an addrx form) as two halves in `out`. */
  addrAt(i: number, out: { lo: number; hi: number }): boolean {
    const f = this.form[i];
    if (f === Form.addr) { out.lo = this.lo[i]; out.hi = this.hi[i]; return true; }
    if (f === Form.addrx || f === Form.addrx1 || f === Form.addrx2 || f === Form.addrx3 || f === Form.addrx4 || f === Form.GNU_addr_index) {
      return this.addrIndex(this.lo[i], out);
    }
    return false;
  }

  /** Reads entry `index` of .debug_addr for the current unit. */
  addrIndex(index: number, out: { lo: number; hi: number }): boolean {
    const a = this.sec.addr;
    const size = this.unit.addressSize;
    const at = this.addrBase + index * size;
    if (!a || at + size > a.length) return false;
    const dv = new DataView(a.buffer, a.byteOffset, a.byteLength);
    if (size === 8) {
      out.lo = dv.getUint32(at + (this.le ? 0 : 4), this.le);
      out.hi = dv.getUint32(at + (this.le ? 4 : 0), this.le);
    } else {
      out.lo = size === 4 ? dv.getUint32(at, this.le) : dv.getUint16(at, this.le);
      out.hi = 0;
    }
    return true;
  }

  /** Reads a ULEB128 at `p` of .debug_info (for expression operands); returns [value, next]. */
  ulebAt(p: number): number {
    this.p = p - this.base;
    return this.uleb();
  }
  /** Position after the last ulebAt. */
  get pos(): number {
    return this.p + this.base;
  }
  /** Reads a 64-bit address at `p` into out (current unit's address size). */
  readAddr(pos: number, out: { lo: number; hi: number }): void {
    const p = pos - this.base;
    if (this.unit.addressSize === 8) { this.u64(p); out.lo = this.vlo; out.hi = this.vhi; }
    else { out.lo = this.unit.addressSize === 4 ? this.u32(p) : this.u16(p); out.hi = 0; }
  }
}
