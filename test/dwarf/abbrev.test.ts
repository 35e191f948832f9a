import { describe, expect, it } from 'vitest';
import { AbbrevCache } from '../../src/dwarf/abbrev.js';

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
