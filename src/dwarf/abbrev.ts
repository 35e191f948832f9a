import { InputError, hex } from '../errors.js';
import { Form, Tag } from './constants.js';

/** Scratch arrays AbbrevTable parses into: per abbreviation, and per attribute specification. */
interface Scratch {
  codes: Uint32Array; tags: Uint32Array; kids: Uint8Array; starts: Uint32Array; counts: Uint16Array;
  names: Uint32Array; forms: Uint16Array; consts: Float64Array;
}

function newScratch(abbrevs: number, attrs: number): Scratch {
  return {
    codes: new Uint32Array(abbrevs), tags: new Uint32Array(abbrevs), kids: new Uint8Array(abbrevs),
    starts: new Uint32Array(abbrevs), counts: new Uint16Array(abbrevs),
    names: new Uint32Array(attrs), forms: new Uint16Array(attrs), consts: new Float64Array(attrs),
  };
}

let scratch = newScratch(1024, 16384);

/** A larger scratch holding what `s` holds (it becomes the shared one). */
function grown(s: Scratch, abbrevs: number, attrs: number): Scratch {
  const g = newScratch(abbrevs, attrs);
  g.codes.set(s.codes); g.tags.set(s.tags); g.kids.set(s.kids); g.starts.set(s.starts); g.counts.set(s.counts);
  g.names.set(s.names); g.forms.set(s.forms); g.consts.set(s.consts);
  scratch = g;
  return g;
}

function truncated(at: number): never {
  throw new InputError(`.debug_abbrev: truncated at ${hex(at)}`);
}

/** Position after the LEB128 uleb() or sleb() read last. */
let lebEnd = 0;

/** The ULEB128 at `p` of .debug_abbrev (exact up to 2^53); sets lebEnd. */
function uleb(data: Uint8Array, p: number): number {
  let b = p < data.length ? data[p++] : truncated(p);
  let result = b & 0x7f;
  for (let mul = 128; b & 0x80; mul *= 128) {
    b = p < data.length ? data[p++] : truncated(p);
    result += (b & 0x7f) * mul;
  }
  lebEnd = p;
  return result;
}

/**
 * 128^i, as doubles: arithmetic with them is in doubles from the first byte on, so that V8's
 * optimized code does not assume small integers and deoptimize at the first constant past 2^31.
 */
const POW128 = Float64Array.from({ length: 11 }, (_, i) => 128 ** i);

/** The SLEB128 at `p` of .debug_abbrev (exact up to 2^53; up to 10 bytes); sets lebEnd. */
function sleb(data: Uint8Array, p: number): number {
  let result = 0, i = 0, b: number;
  do {
    b = p < data.length ? data[p++] : truncated(p);
    if (i === 10) throw new InputError(`.debug_abbrev: SLEB128 longer than 10 bytes at ${hex(p - 1)}`);
    result += (b & 0x7f) * POW128[i++];
  } while (b & 0x80);
  lebEnd = p;
  return result - ((b >> 6) & 1) * POW128[i]; // negative when the last byte's bit 6 is set
}

/**
 * One abbreviation table (.debug_abbrev at some offset), stored flat.
 * Abbreviation i (0-based, in table order) has `tag[i]`, `children[i]`, and attribute specs
 * `attrName/attrForm/attrConst[attrStart[i] .. attrStart[i] + attrCount[i])`.
 * `byCode` maps a DIE's abbreviation code to i (dense array; codes are small in practice).
 */
export class AbbrevTable {
  count = 0;
  tag: Uint32Array;
  children: Uint8Array;
  attrStart: Uint32Array;
  attrCount: Uint16Array;
  /** Bytes of attribute data when every form is fixed-size for (offsetSize, addressSize), else -1. */
  fixedSize: Int32Array;
  /** Per attribute entry: its value's offset from the end of the abbreviation code, in a DIE of a
   *  fixed-size abbreviation (fixedSize >= 0); valid with fixedSize. */
  attrOffset: Int32Array;
  attrName: Uint32Array;
  attrForm: Uint16Array;
  attrConst: Float64Array;
  byCode: Int32Array;
  /** Some abbreviation is a DW_TAG_LLVM_annotation (clang's btf_decl_tag/btf_type_tag). */
  readonly hasAnnotations: boolean;
  /** Sizes the fixedSize values were computed for. */
  private sizesKey = 0;

  constructor(data: Uint8Array, offset: number) {
    if (offset >= data.length) throw new InputError(`abbreviation table offset ${hex(offset)} past the end of .debug_abbrev`);
    // parsed into scratch arrays shared by every table (a vmlinux unit's table has ~300
    // abbreviations, ~6,000 attributes), then copied out at their exact sizes
    let s = scratch;
    let p = offset, count = 0, nAttrs = 0, maxCode = 0, annotations = false;
    for (;;) {
      const code = uleb(data, p);
      p = lebEnd;
      if (code === 0) break;
      if (code > 1e6) throw new InputError(`.debug_abbrev: absurd abbreviation code ${code} at ${hex(p)}`);
      const tag = uleb(data, p);
      p = lebEnd;
      if (p >= data.length) truncated(p);
      const ch = data[p++];
      if (count === s.codes.length) s = grown(s, count * 2, s.names.length);
      s.codes[count] = code; s.tags[count] = tag; s.kids[count] = ch ? 1 : 0; s.starts[count] = nAttrs;
      if (tag === Tag.LLVM_annotation) annotations = true;
      const first = nAttrs;
      for (;;) {
        const name = uleb(data, p);
        p = lebEnd;
        const form = uleb(data, p);
        p = lebEnd;
        if (name === 0 && form === 0) break;
        if (form !== Form.indirect && !isKnownForm(form)) {
          throw new InputError(`.debug_abbrev: unknown form ${hex(form)} in abbreviation ${code} at ${hex(p)}`);
        }
        if (nAttrs === s.names.length) s = grown(s, s.codes.length, nAttrs * 2);
        s.names[nAttrs] = name; s.forms[nAttrs] = form; s.consts[nAttrs] = 0;
        if (form === Form.implicit_const) {
          s.consts[nAttrs] = sleb(data, p);
          p = lebEnd;
        }
        nAttrs++;
      }
      s.counts[count] = nAttrs - first;
      count++;
      if (code > maxCode) maxCode = code;
    }
    this.count = count;
    this.hasAnnotations = annotations;
    this.tag = s.tags.slice(0, count);
    this.children = s.kids.slice(0, count);
    this.attrStart = s.starts.slice(0, count);
    this.attrCount = s.counts.slice(0, count);
    this.attrName = s.names.slice(0, nAttrs);
    this.attrForm = s.forms.slice(0, nAttrs);
    this.attrConst = s.consts.slice(0, nAttrs);
    this.fixedSize = new Int32Array(count);
    this.attrOffset = new Int32Array(nAttrs);
    this.byCode = new Int32Array(maxCode + 1).fill(-1);
    for (let i = 0; i < count; i++) if (this.byCode[s.codes[i]] === -1) this.byCode[s.codes[i]] = i;
  }

  /** Makes fixedSize valid for a unit with these sizes. */
  prepare(offsetSize: number, addressSize: number, version: number): void {
    const key = offsetSize * 1000 + addressSize * 10 + (version <= 2 ? 1 : 0);
    if (key === this.sizesKey) return;
    this.sizesKey = key;
    for (let i = 0; i < this.count; i++) {
      let size = 0;
      const s = this.attrStart[i], e = s + this.attrCount[i];
      for (let j = s; j < e; j++) {
        const fs = fixedFormSize(this.attrForm[j], offsetSize, addressSize, version);
        if (fs < 0) { size = -1; break; }
        this.attrOffset[j] = size;
        size += fs;
      }
      this.fixedSize[i] = size;
    }
  }
}

/** Size of a form's value when fixed, else -1. */
export function fixedFormSize(form: number, offsetSize: number, addressSize: number, version: number): number {
  switch (form) {
    case Form.flag_present:
    case Form.implicit_const:
      return 0;
    case Form.data1: case Form.ref1: case Form.flag: case Form.strx1: case Form.addrx1:
      return 1;
    case Form.data2: case Form.ref2: case Form.strx2: case Form.addrx2:
      return 2;
    case Form.strx3: case Form.addrx3:
      return 3;
    case Form.data4: case Form.ref4: case Form.strx4: case Form.addrx4: case Form.ref_sup4:
      return 4;
    case Form.data8: case Form.ref8: case Form.ref_sig8: case Form.ref_sup8:
      return 8;
    case Form.data16:
      return 16;
    case Form.addr:
      return addressSize;
    case Form.ref_addr:
      return version <= 2 ? addressSize : offsetSize;
    case Form.strp: case Form.line_strp: case Form.sec_offset: case Form.strp_sup:
    case Form.GNU_ref_alt: case Form.GNU_strp_alt:
      return offsetSize;
    default:
      return -1;
  }
}

export function isKnownForm(form: number): boolean {
  return (form >= 0x01 && form <= 0x2c && form !== 0x02) ||
    form === Form.GNU_addr_index || form === Form.GNU_str_index ||
    form === Form.GNU_ref_alt || form === Form.GNU_strp_alt;
}

/** Abbreviation tables by .debug_abbrev offset, parsed once. */
export class AbbrevCache {
  /** Tables by offset, least recently used first. */
  private tables = new Map<number, AbbrevTable>();
  /**
   * Units usually have a table each (a vmlinux: 2,172 tables, ~35 MB decoded), so only the last
   * few are kept: enough for files whose units share tables, in any order.
   */
  constructor(private data: Uint8Array, private keep = 16) {}
  get(offset: number): AbbrevTable {
    let t = this.tables.get(offset);
    if (t) {
      this.tables.delete(offset);
    } else {
      t = new AbbrevTable(this.data, offset);
      if (this.tables.size >= this.keep) this.tables.delete(this.tables.keys().next().value!);
    }
    this.tables.set(offset, t);
    return t;
  }
}
