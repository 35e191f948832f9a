import { describe, expect, it } from 'vitest';
import { AbbrevCache, AbbrevTable } from '../../src/dwarf/abbrev.js';

// three one-entry tables: code 1, tag t, no children, DW_AT_name DW_FORM_string; then the end
const table = (tag: number): number[] => [1, tag, 0, 0x03, 0x08, 0, 0, 0];
const section = new Uint8Array([...table(0x11), ...table(0x13), ...table(0x16)]);

describe('AbbrevCache', () => {
  it('keeps the most recently used tables and parses an evicted one again', () => {
    const cache = new AbbrevCache(section, 2);
    const a = cache.get(0), b = cache.get(8);
    expect(cache.get(0)).toBe(a); // a is now the most recent
    const c = cache.get(16); // evicts b
    expect(cache.get(0)).toBe(a);
    expect(cache.get(16)).toBe(c);
    const b2 = cache.get(8);
    expect(b2).not.toBe(b);
    expect([...b2.tag]).toEqual([...b.tag]);
    expect([a.tag[0], b2.tag[0], c.tag[0]]).toEqual([0x11, 0x13, 0x16]);
  });
});

/** ULEB128 / SLEB128 bytes of `v` (DWARF 5, 7.6). */
function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
}
function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = ((v % 128) + 128) % 128;
    v = Math.floor(v / 128);
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

describe('AbbrevTable', () => {
  it('reads multi-byte codes, tags, names and forms, implicit constants and the children flag', () => {
    const bytes = [
      ...uleb(300), ...uleb(0x6000), 1, // code 300, DW_TAG_LLVM_annotation, children
      ...uleb(0x2007), ...uleb(0x0e), // DW_AT_MIPS_linkage_name-range name, DW_FORM_strp
      0x3a, 0x21, ...sleb(-5), // DW_AT_decl_file, DW_FORM_implicit_const -5
      0x3b, 0x21, ...sleb(2 ** 40 + 3), // a constant past 32 bits
      0x3e, 0x21, ...sleb(-(2 ** 35)),
      0, 0,
      1, 0x13, 0, 0x03, 0x08, 0, 0, // code 1, DW_TAG_structure_type, DW_AT_name DW_FORM_string
      0,
    ];
    const t = new AbbrevTable(new Uint8Array([0xaa, ...bytes]), 1);
    expect(t.count).toBe(2);
    expect([...t.tag]).toEqual([0x6000, 0x13]);
    expect([...t.children]).toEqual([1, 0]);
    expect(t.hasAnnotations).toBe(true);
    expect([...t.attrStart]).toEqual([0, 4]);
    expect([...t.attrCount]).toEqual([4, 1]);
    expect([...t.attrName]).toEqual([0x2007, 0x3a, 0x3b, 0x3e, 0x03]);
    expect([...t.attrForm]).toEqual([0x0e, 0x21, 0x21, 0x21, 0x08]);
    expect([...t.attrConst]).toEqual([0, -5, 2 ** 40 + 3, -(2 ** 35), 0]);
    expect(t.byCode.length).toBe(301);
    expect(t.byCode[300]).toBe(0);
    expect(t.byCode[1]).toBe(1);
    expect(t.byCode[2]).toBe(-1);
  });

  it('keeps every entry of tables larger than its first buffers, and each table its own', () => {
    // 3,000 abbreviations of 9 attributes each: more than the first 1,024 / 16,384 slots
    const big: number[] = [];
    for (let code = 1; code <= 3000; code++) {
      big.push(...uleb(code), ...uleb(code % 7 === 0 ? 0x13 : 0x0d), code & 1);
      for (let k = 0; k < 9; k++) big.push(...uleb(0x2000 + k), k === 8 ? 0x21 : 0x0b, ...(k === 8 ? sleb(-code) : []));
      big.push(0, 0);
    }
    big.push(0);
    const small = [5, 0x24, 0, 0x3e, 0x0b, 0, 0, 0];
    const data = new Uint8Array([...small, ...big]);
    const a = new AbbrevTable(data, small.length);
    const b = new AbbrevTable(data, 0);
    expect(a.count).toBe(3000);
    expect(a.attrName.length).toBe(27000);
    for (const code of [1, 1024, 1025, 1821, 3000]) {
      const i = a.byCode[code];
      expect(i).toBe(code - 1);
      expect(a.tag[i]).toBe(code % 7 === 0 ? 0x13 : 0x0d);
      expect(a.children[i]).toBe(code & 1);
      expect(a.attrStart[i]).toBe(9 * i);
      expect(a.attrCount[i]).toBe(9);
      expect([...a.attrName.subarray(9 * i, 9 * i + 9)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((k) => 0x2000 + k));
      expect(a.attrForm[9 * i + 8]).toBe(0x21);
      expect(a.attrConst[9 * i + 8]).toBe(-code);
      expect(a.attrConst[9 * i + 7]).toBe(0);
    }
    expect(a.hasAnnotations).toBe(false);
    expect([b.count, b.tag[0], b.attrName[0], b.attrForm[0], b.byCode[5]]).toEqual([1, 0x24, 0x3e, 0x0b, 0]);
    expect(new AbbrevTable(data, small.length).attrConst[9 * 2999 + 8]).toBe(-3000);
  });

  it('refuses a truncated table, an unknown form, an absurd code and an overlong constant, naming the offset', () => {
    expect(() => new AbbrevTable(new Uint8Array([1, 0x13]), 0)).toThrow('.debug_abbrev: truncated at 0x2');
    expect(() => new AbbrevTable(new Uint8Array([1, 0x13, 0, 0x03, 0x80]), 0)).toThrow('.debug_abbrev: truncated at 0x5');
    expect(() => new AbbrevTable(new Uint8Array([1, 0x13, 0, 0x03, 0x21, 0xff]), 0)).toThrow('.debug_abbrev: truncated at 0x6');
    expect(() => new AbbrevTable(new Uint8Array([1, 0x13, 0, 0x03, 0x7f, 0, 0, 0]), 0))
      .toThrow('.debug_abbrev: unknown form 0x7f in abbreviation 1 at 0x5');
    expect(() => new AbbrevTable(new Uint8Array([...uleb(2_000_000), 0x13, 0, 0, 0, 0]), 0))
      .toThrow('.debug_abbrev: absurd abbreviation code 2000000 at 0x3');
    expect(() => new AbbrevTable(new Uint8Array([0]), 1)).toThrow('abbreviation table offset 0x1 past the end of .debug_abbrev');
    // an implicit constant of 11 bytes: more than 64 bits
    expect(() => new AbbrevTable(new Uint8Array([1, 0x13, 0, 0x3a, 0x21, ...Array(10).fill(0x80), 0, 0, 0, 0]), 0))
      .toThrow('.debug_abbrev: SLEB128 longer than 10 bytes at 0xf');
  });
});
