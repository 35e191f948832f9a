// Sections read in windows: what ensure() promises, at the start, middle and end of a section,
// past its end, and when the file is shorter than the section says.
import { describe, expect, it } from 'vitest';
import { SectionSource, type ReadAt } from '../../src/dwarf/section-source.js';
import { InputError } from '../../src/errors.js';

// a "file" of 300 bytes whose byte i is i & 0xff; the section is [100, 200)
const file = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
const reads: [number, number][] = [];
const readAt: ReadAt = (offset, length, into) => {
  reads.push([offset, length]);
  const n = Math.max(0, Math.min(length, file.length - offset));
  into.set(file.subarray(offset, offset + n));
  return n;
};

/** The section's bytes [off, off + n) as the source holds them after ensure(off, n). */
function take(s: SectionSource, off: number, n: number): number[] {
  s.ensure(off, n);
  expect(s.base).toBeLessThanOrEqual(off);
  expect(s.end).toBeGreaterThanOrEqual(Math.min(off + n, s.size));
  return Array.from({ length: Math.min(n, s.size - off) }, (_, k) => s.bytes[off + k - s.base]);
}

describe('SectionSource', () => {
  it('reads windows of at least its chunk, and again only when asked for bytes outside the last', () => {
    reads.length = 0;
    const s = SectionSource.fromFile({ offset: 100, size: 100 }, readAt, 16);
    expect(take(s, 0, 4)).toEqual([100, 101, 102, 103]);
    expect(take(s, 10, 6)).toEqual([110, 111, 112, 113, 114, 115]);
    expect(reads).toEqual([[100, 16]]);
    // more than a chunk: one read of what is asked
    expect(take(s, 20, 40)).toEqual(Array.from({ length: 40 }, (_, k) => 120 + k));
    expect(reads[1]).toEqual([120, 40]);
    // the end of the section: the window stops there
    expect(take(s, 95, 16)).toEqual([195, 196, 197, 198, 199]);
    expect(s.end).toBe(100);
  });

  it('is empty past the end of the section', () => {
    const s = SectionSource.fromFile({ offset: 100, size: 100 }, readAt, 16);
    s.ensure(150, 200);
    expect([s.base, s.end]).toEqual([100, 100]);
    s.ensure(20, 4);
    expect([s.base, s.end]).toEqual([20, 36]);
    s.ensure(100, 4);
    expect([s.base, s.end]).toEqual([100, 100]);
  });

  it('fails with an input error when the file ends inside the section', () => {
    const s = SectionSource.fromFile({ offset: 250, size: 100 }, readAt, 16);
    expect(take(s, 0, 4)).toEqual([250, 251, 252, 253]);
    expect(() => s.ensure(40, 16)).toThrow(InputError);
    expect(() => s.ensure(40, 16)).toThrow(/past the end of the file \(at file offset 300\)/);
  });

  it('held in memory: the whole section, always', () => {
    const s = SectionSource.inMemory(file.subarray(0, 50));
    s.ensure(40, 100);
    expect([s.base, s.end, s.size]).toEqual([0, 50, 50]);
    expect(s.bytes[45]).toBe(45);
  });
});
