/**
 * A map from section offsets (non-negative integers) to non-negative integers, in two typed arrays
 * (open addressing, linear probing, at most half full). For caches keyed by .debug_str offsets: a
 * direct array would need 4 bytes for every byte of the section (14 MB for a vmlinux), this needs
 * 16 bytes per entry present.
 */
export class OffsetMap {
  /** key + 1 per slot (0: empty). */
  private keys: Int32Array;
  private vals: Int32Array;
  private shift: number;
  size = 0;

  constructor(bits = 10) {
    this.keys = new Int32Array(1 << bits);
    this.vals = new Int32Array(1 << bits);
    this.shift = 32 - bits;
  }

  /** The value of `key`, or -1. */
  get(key: number): number {
    const keys = this.keys, k = key + 1, mask = keys.length - 1;
    for (let s = Math.imul(k, 0x9e3779b1) >>> this.shift; ; s = (s + 1) & mask) {
      const x = keys[s];
      if (x === k) return this.vals[s];
      if (x === 0) return -1;
    }
  }

  /** Sets `key` to `val` (both >= 0). */
  set(key: number, val: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys, k = key + 1, mask = keys.length - 1;
    let s = Math.imul(k, 0x9e3779b1) >>> this.shift;
    while (keys[s] !== 0 && keys[s] !== k) s = (s + 1) & mask;
    if (keys[s] === 0) this.size++;
    keys[s] = k;
    this.vals[s] = val;
  }

  private grow(): void {
    const oldKeys = this.keys, oldVals = this.vals;
    const n = oldKeys.length * 2;
    this.keys = new Int32Array(n);
    this.vals = new Int32Array(n);
    this.shift--;
    const mask = n - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i];
      if (k === 0) continue;
      let s = Math.imul(k, 0x9e3779b1) >>> this.shift;
      while (this.keys[s] !== 0) s = (s + 1) & mask;
      this.keys[s] = k;
      this.vals[s] = oldVals[i];
    }
  }
}
