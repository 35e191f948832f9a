// BtfTable's type offsets by id (BtfTable.offsById), which streaming dedup reads in place.
import { describe, expect, it } from 'vitest';
import { Kind } from '../../src/btf/kinds.js';
import { BtfTable } from '../../src/btf/table.js';

function table(n: number): BtfTable {
  const t = new BtfTable(null, undefined, 16, 4);
  const int = t.addInt('int', 4, 1);
  for (let i = 1; i < n; i++) t.addRef(Kind.PTR, '', int);
  return t;
}

describe('BtfTable.offsById', () => {
  it('indexes the offsets by type id, in the same memory, with a spare element 0', () => {
    const t = table(10); // grown from 4 offsets twice on the way
    const v = t.offsById()!;
    expect(v).not.toBeNull();
    for (let id = 1; id < t.endId; id++) expect(v[id]).toBe(t.offs[id - 1]);
    v[0] = 1234; // the caller's slot: no type's offset
    expect([...t.offs.subarray(0, t.count)]).toEqual([...v.subarray(1, t.endId)]);
    v[1] = 99;
    expect(t.offs[0]).toBe(99);
  });

  it('gives a new view once the offsets have grown', () => {
    const t = table(4);
    const v = t.offsById()!;
    t.addRef(Kind.CONST, '', 1);
    expect(v.buffer).not.toBe(t.offs.buffer);
    expect(t.offsById()![t.count]).toBe(t.offs[t.count - 1]);
  });

  it('is null for offsets that came from outside and for split tables', () => {
    const t = table(3);
    expect(BtfTable.fromParts(t.strings, t.words, t.nWords, t.offs.slice(), t.count).offsById()).toBeNull();
    const replaced = table(3);
    replaced.offs = replaced.offs.slice();
    expect(replaced.offsById()).toBeNull();
    expect(new BtfTable(t).offsById()).toBeNull();
  });

  it('holds for a parsed table', () => {
    const t = table(40);
    const p = BtfTable.parse(t.serialize());
    const v = p.offsById()!;
    for (let id = 1; id < p.endId; id++) expect(v[id]).toBe(t.offs[id - 1]);
  });
});
