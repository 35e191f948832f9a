// StreamingDedup: dedup's first passes run as types are appended, the rest at the end; the result
// must be exactly dedup()'s, whether it streamed or had to fall back to the all-at-once passes.
import { describe, expect, it } from 'vitest';
import { StreamingDedup, dedup } from '../../src/btf/dedup.js';
import { Kind } from '../../src/btf/kinds.js';
import { BtfTable } from '../../src/btf/table.js';
import { copyType } from '../../src/encode/assemble.js';
import { randomUnits } from '../oracles/random-btf.js';

/** Appends every type of `u` to `t` as the encoder's assembler appends a unit (strings interned). */
function append(t: BtfTable, u: BtfTable): void {
  const shift = t.endId - 1;
  const map = (id: number): number => (id === 0 ? 0 : id + shift);
  const str = (off: number): number => (off === 0 ? 0 : t.addStr(u.str(off)));
  for (let id = 1; id < u.endId; id++) copyType(t, u, id, map, str);
}

function allAtOnce(units: BtfTable[]): Uint8Array {
  const t = new BtfTable();
  for (const u of units) append(t, u);
  return dedup(t, { consume: true }).serialize();
}

function streamed(units: BtfTable[]): { bytes: Uint8Array; fellBack: boolean } {
  const t = new BtfTable();
  const sd = new StreamingDedup(t, 16);
  for (const u of units) {
    append(t, u);
    sd.feed();
  }
  const fellBack = sd.fallsBack;
  return { bytes: sd.finish().serialize(), fellBack };
}

describe('StreamingDedup', () => {
  it('equals dedup() on random units (forward-declared enums and structs, same-named variants)', () => {
    let fell = 0;
    const seeds = Number(process.env.DEDUP_FUZZ_SEEDS ?? 300);
    for (let seed = 1; seed <= seeds; seed++) {
      const units = randomUnits(seed, 4 + (seed % 9));
      const s = streamed(units);
      if (s.fellBack) fell++;
      expect(Buffer.from(s.bytes).equals(Buffer.from(allAtOnce(units))), `seed ${seed}`).toBe(true);
    }
    // these units are made to be hard on enums: many fall back, but both ways are exercised
    expect(fell).toBeGreaterThan(0);
    expect(fell).toBeLessThan(seeds);
  });

  it('equals dedup() whether it reads the table\'s own offsets or a copy of them', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const units = randomUnits(seed, 4 + (seed % 9));
      const expected = Buffer.from(allAtOnce(units));
      // offsets adopted from outside from the start: the streaming state keeps a copy throughout
      const a = BtfTable.fromParts(new BtfTable().strings, new Uint32Array(16), 0, new Uint32Array(4), 0);
      // the table's own offsets until, halfway, they are replaced from outside: it switches to a copy
      const b = new BtfTable();
      const sa = new StreamingDedup(a, 16), sb = new StreamingDedup(b, 16);
      units.forEach((u, i) => {
        append(a, u);
        sa.feed();
        append(b, u);
        if (i === units.length >> 1) b.offs = b.offs.slice();
        sb.feed();
      });
      expect(a.offsById()).not.toBeNull(); // grown by the table itself meanwhile
      expect(Buffer.from(sa.finish().serialize()).equals(expected), `seed ${seed}, copied`).toBe(true);
      expect(Buffer.from(sb.finish().serialize()).equals(expected), `seed ${seed}, switched`).toBe(true);
    }
  });

  it('falls back, with the same result, when two structs are equivalent to a new one', () => {
    // struct s { struct t *p; } with two different full struct t, then with t only declared: the
    // third s is equivalent to both (a FWD matches any struct of its name)
    const unit = (t: 'int' | 'long' | 'fwd'): BtfTable => {
      const u = new BtfTable();
      let target: number;
      if (t === 'fwd') {
        target = u.begin(u.addStr('t'), Kind.FWD, 0, 0, 0);
      } else {
        const x = u.addInt(t, t === 'int' ? 4 : 8, 1);
        target = u.begin(u.addStr('t'), Kind.STRUCT, 1, 0, 8);
        u.push(u.addStr('x')); u.push(x); u.push(0);
      }
      const ptr = u.begin(0, Kind.PTR, 0, 0, target);
      u.begin(u.addStr('s'), Kind.STRUCT, 1, 0, 8);
      u.push(u.addStr('p')); u.push(ptr); u.push(0);
      return u;
    };
    const units = [unit('int'), unit('long'), unit('fwd')];
    const s = streamed(units);
    expect(s.fellBack).toBe(true);
    expect(Buffer.from(s.bytes).equals(Buffer.from(allAtOnce(units)))).toBe(true);
  });

  it('says after finish() whether finish() fell back, also when only it found out', () => {
    // a later enum definition can unsettle an earlier comparison: only finish() sees that
    let late = 0, streamedToTheEnd = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const t = new BtfTable();
      const sd = new StreamingDedup(t, 16);
      for (const u of randomUnits(seed, 4 + (seed % 9))) {
        append(t, u);
        sd.feed();
      }
      const before = sd.fallsBack;
      sd.finish();
      if (before) expect(sd.fallsBack, `seed ${seed}`).toBe(true);
      else if (sd.fallsBack) late++;
      else streamedToTheEnd++;
    }
    expect(late).toBeGreaterThan(0);
    expect(streamedToTheEnd).toBeGreaterThan(0);
  });

  it('leaves split BTF and tables with duplicate strings to dedup()', () => {
    const base = new BtfTable();
    base.addInt('int', 4, 1);
    const split = new BtfTable(base);
    split.addInt('int', 4, 1);
    const sd = new StreamingDedup(split);
    sd.feed();
    expect(sd.fallsBack).toBe(true);
    expect(sd.finish().count).toBe(0);
  });
});
