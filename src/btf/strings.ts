import { InputError } from '../errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * A BTF string section: NUL-terminated strings, deduplicated on insertion.
 * Offsets are absolute: a split BTF's strings start at `start`, the base's string section length.
 */
export class StringTable {
  bytes: Uint8Array;
  len = 0;
  readonly start: number;
  private index = new Map<string, number>();
  private decoded = new Map<number, string>();
  /**
   * Whether every string is known to be stored once (true when built with add(); false for an
   * adopted section unless it is empty). BTF dedup, like libbpf, skips its string pass then.
   */
  unique = true;

  /** `start`: offset of the first byte (0, or the base's string length for split BTF). */
  constructor(start = 0, capacity = 4096) {
    this.start = start;
    this.bytes = new Uint8Array(capacity);
    if (start === 0) {
      // the empty string lives at offset 0 of a base string section
      this.bytes[0] = 0;
      this.len = 1;
      this.index.set('', 0);
      this.decoded.set(0, '');
    }
  }

  /** Adopts an existing string section (copied) without indexing every string up front. */
  static fromBytes(section: Uint8Array, start = 0): StringTable {
    const t = new StringTable(start, Math.max(section.length, 16));
    t.bytes.set(section);
    t.len = section.length;
    t.index.clear();
    t.decoded.clear();
    t.indexed = false;
    t.unique = section.length === 0 || (start === 0 && section.length === 1);
    return t;
  }

  private indexed = true;

  private ensureIndex(): void {
    if (this.indexed) return;
    this.indexed = true;
    let p = 0;
    while (p < this.len) {
      let e = p;
      while (e < this.len && this.bytes[e] !== 0) e++;
      const s = decoder.decode(this.bytes.subarray(p, e));
      if (!this.index.has(s)) this.index.set(s, this.start + p);
      p = e + 1;
    }
  }

  private grow(need: number): void {
    if (this.len + need <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < this.len + need) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.bytes.subarray(0, this.len));
    this.bytes = b;
  }

  /** Adds `s` (or finds it) and returns its absolute offset. */
  add(s: string): number {
    this.ensureIndex();
    const found = this.index.get(s);
    if (found !== undefined) return found;
    const enc = encoder.encode(s);
    this.grow(enc.length + 1);
    const off = this.start + this.len;
    this.bytes.set(enc, this.len);
    this.bytes[this.len + enc.length] = 0;
    this.len += enc.length + 1;
    this.index.set(s, off);
    this.decoded.set(off, s);
    return off;
  }

  /** Offset of `s` if present, else -1. */
  find(s: string): number {
    this.ensureIndex();
    return this.index.get(s) ?? -1;
  }

  /** Whether `off` (absolute) lies in this table. */
  owns(off: number): boolean {
    return off >= this.start && off < this.start + this.len;
  }

  /** The string at absolute offset `off` (which may point into the middle of a string). */
  get(off: number): string {
    const hit = this.decoded.get(off);
    if (hit !== undefined) return hit;
    const p = off - this.start;
    if (p < 0 || p >= this.len) throw new InputError(`string offset ${off} out of range`);
    let e = p;
    while (e < this.len && this.bytes[e] !== 0) e++;
    const s = decoder.decode(this.bytes.subarray(p, e));
    this.decoded.set(off, s);
    return s;
  }

  /** The section bytes (a view, valid until the next add). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.len);
  }
}
