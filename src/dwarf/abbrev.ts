import { InputError, hex } from '../errors.js';
import { Form, Tag } from './constants.js';

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
    let tags: number[] = [], kids: number[] = [], starts: number[] = [], counts: number[] = [], codes: number[] = [];
    const names: number[] = [], forms: number[] = [], consts: number[] = [];
    let p = offset;
    const end = data.length;
    const leb = (signed: boolean): number => {
      let result = 0, mul = 1, b: number;
      do {
        if (p >= end) throw new InputError(`.debug_abbrev: truncated at ${hex(p)}`);
        b = data[p++];
        result += (b & 0x7f) * mul;
        mul *= 128;
      } while (b & 0x80);
      if (signed && b & 0x40) result -= mul;
      return result;
    };
    const uleb = (): number => leb(false);
    const sleb = (): number => leb(true);
    let maxCode = 0;
    for (;;) {
      const code = uleb();
      if (code === 0) break;
      if (code > 1e6) throw new InputError(`.debug_abbrev: absurd abbreviation code ${code} at ${hex(p)}`);
      const tag = uleb();
      if (p >= end) throw new InputError(`.debug_abbrev: truncated at ${hex(p)}`);
      const ch = data[p++];
      codes.push(code); tags.push(tag); kids.push(ch ? 1 : 0); starts.push(names.length);
      let n = 0;
      for (;;) {
        const name = uleb();
        const form = uleb();
        if (name === 0 && form === 0) break;
        if (form === Form.indirect || isKnownForm(form)) {
          names.push(name); forms.push(form);
          consts.push(form === Form.implicit_const ? sleb() : 0);
        } else {
          throw new InputError(`.debug_abbrev: unknown form ${hex(form)} in abbreviation ${code} at ${hex(p)}`);
        }
        n++;
      }
      counts.push(n);
      if (code > maxCode) maxCode = code;
    }
    this.count = codes.length;
    this.hasAnnotations = tags.includes(Tag.LLVM_annotation);
    this.tag = Uint32Array.from(tags);
    this.children = Uint8Array.from(kids);
    this.attrStart = Uint32Array.from(starts);
    this.attrCount = Uint16Array.from(counts);
    this.attrName = Uint32Array.from(names);
    this.attrForm = Uint16Array.from(forms);
    this.attrConst = Float64Array.from(consts);
    this.fixedSize = new Int32Array(this.count);
    this.attrOffset = new Int32Array(this.attrForm.length);
    this.byCode = new Int32Array(maxCode + 1).fill(-1);
    for (let i = 0; i < codes.length; i++) if (this.byCode[codes[i]] === -1) this.byCode[codes[i]] = i;
    tags = kids = starts = counts = codes = [];
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
