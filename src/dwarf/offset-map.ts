/**
 * A map from section offsets (non-negative integers) to non-negative integers, in one typed
 * array of (key + 1, value) pairs (open addressing, linear probing, at most half full; 0: empty
 * slot), so that a lookup touches one cache line. For caches keyed by .debug_str offsets: a direct
 * array would need 4 bytes for every byte of the section (14 MB for a vmlinux), this needs 16 to
 * 32 bytes per entry present.
 */
export class OffsetMap {
  private slots: Int32Array;
  private shift: number;
  size = 0;

  constructor(bits = 10) {
    this.slots = new Int32Array(2 << bits);
    this.shift = 32 - bits;
  }

  /** The value of `key`, or -1. */
  get(key: number): number {
    const slots = this.slots, k = key + 1, mask = slots.length - 2;
    for (let s = (Math.imul(k, 0x9e3779b1) >>> this.shift) << 1; ; s = (s + 2) & mask) {
      const x = slots[s];
      if (x === k) return slots[s + 1];
      if (x === 0) return -1;
    }
  }

  /** Sets `key` to `val` (both >= 0). */
  set(key: number, val: number): void {
    if ((this.size + 1) * 4 > this.slots.length) this.grow();
    const slots = this.slots, k = key + 1, mask = slots.length - 2;
    let s = (Math.imul(k, 0x9e3779b1) >>> this.shift) << 1;
    while (slots[s] !== 0 && slots[s] !== k) s = (s + 2) & mask;
    if (slots[s] === 0) this.size++;
    slots[s] = k;
    slots[s + 1] = val;
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2);
    this.slots = slots;
    this.shift--;
    const mask = slots.length - 2;
    for (let i = 0; i < old.length; i += 2) {
      const k = old[i];
      if (k === 0) continue;
      let s = (Math.imul(k, 0x9e3779b1) >>> this.shift) << 1;
      while (slots[s] !== 0) s = (s + 2) & mask;
      slots[s] = k;
      slots[s + 1] = old[i + 1];
    }
  }
}
