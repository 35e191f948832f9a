import { describe, expect, it } from 'vitest';
import { OffsetMap } from '../../src/dwarf/offset-map.js';
import { prng } from '../elf/helpers.js';

describe('OffsetMap', () => {
  it('answers like a Map through growth, for random and clustered keys', () => {
    const rnd = prng(7);
    const m = new OffsetMap(2);
    const ref = new Map<number, number>();
    for (let i = 0; i < 20000; i++) {
      const key = i % 3 === 0 ? i : Math.floor(rnd() * 4_000_000);
      const val = Math.floor(rnd() * 1e9);
      m.set(key, val);
      ref.set(key, val);
    }
    expect(m.size).toBe(ref.size);
    for (const [k, v] of ref) expect(m.get(k)).toBe(v);
    let misses = 0;
    for (let i = 0; i < 5000; i++) {
      const k = 4_000_000 + i;
      if (m.get(k) === -1) misses++;
    }
    expect(misses).toBe(5000);
  });

  it('keeps key 0 and value 0 apart from empty slots', () => {
    const m = new OffsetMap();
    expect(m.get(0)).toBe(-1);
    m.set(0, 0);
    expect(m.get(0)).toBe(0);
    m.set(0, 5);
    expect(m.get(0)).toBe(5);
    expect(m.size).toBe(1);
  });
});
