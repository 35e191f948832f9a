import { InputError } from '../errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/** FNV-1a over src[s..e). */
export function hashBytes(b: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h;
}

/**
 * A BTF string section: NUL-terminated strings, deduplicated on insertion by their bytes
 * (an open-addressing hash index over the section, no JS string per entry).
 * Offsets are absolute: a split BTF's strings start at `start`, the base's string section length.
 */
export class StringTable {
  bytes: Uint8Array;
  len = 0;
  readonly start: number;
  /**
   * Whether every string is known to be stored once (true when built with add(); false for an
   * adopted section unless it is empty). BTF dedup, like libbpf, skips its string pass then.
   */
  unique = true;
  /** Section-relative offset + 1 of the string in each slot; 0: empty. */
  private slots = new Int32Array(0);
  private hashes = new Int32Array(0);
  private used = 0;
  private indexed = true;
  private decoded = new Map<number, string>();
  private scratch = new Uint8Array(256);

  /** `start`: offset of the first byte (0, or the base's string length for split BTF). */
  constructor(start = 0, capacity = 4096) {
    this.start = start;
    this.bytes = new Uint8Array(Math.max(capacity, 16));
    this.slots = new Int32Array(1024);
    this.hashes = new Int32Array(1024);
    if (start === 0) {
      // the empty string lives at offset 0 of a base string section
      this.bytes[0] = 0;
      this.len = 1;
      this.insertSlot(0, hashBytes(this.bytes, 0, 0));
    }
  }

  /** Adopts an existing string section (copied); the index is built on first lookup. */
  static fromBytes(section: Uint8Array, start = 0): StringTable {
    const t = new StringTable(start, Math.max(section.length, 16));
    t.bytes.set(section);
    t.len = section.length;
    t.slots.fill(0);
    t.used = 0;
    t.indexed = false;
    t.unique = section.length === 0 || (start === 0 && section.length === 1);
    return t;
  }

  private ensureIndex(): void {
    if (this.indexed) return;
    this.indexed = true;
    const b = this.bytes;
    // size the index for every string at once (a vmlinux has ~100,000): no rehash on the way
    const section = b.subarray(0, this.len);
    let n = 0;
    for (let z = section.indexOf(0); z >= 0; z = section.indexOf(0, z + 1)) n++;
    let cap = this.slots.length;
    while ((this.used + n + 1) * 2 > cap) cap *= 2;
    if (cap > this.slots.length) {
      this.slots = new Int32Array(cap);
      this.hashes = new Int32Array(cap);
    }
    // one tight loop (it runs once, before it is optimized): ends found natively, hashBytes inlined
    const len = this.len;
    let p = 0;
    while (p < len) {
      let e = section.indexOf(0, p);
      if (e < 0) e = len;
      let h = 0x811c9dc5 | 0;
      for (let i = p; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
      if (this.lookup(b, p, e, h) < 0) this.insertSlot(p, h);
      p = e + 1;
    }
  }

  private same(off: number, src: Uint8Array, s: number, e: number): boolean {
    const d = this.bytes;
    const n = e - s;
    if (off + n >= this.len || d[off + n] !== 0) return false;
    for (let i = 0; i < n; i++) if (d[off + i] !== src[s + i]) return false;
    return true;
  }

  /** Section-relative offset of src[s..e), or -1. */
  private lookup(src: Uint8Array, s: number, e: number, h: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = slots[i];
      if (v === 0) return -1;
      if (this.hashes[i] === h && this.same(v - 1, src, s, e)) return v - 1;
    }
  }

  private insertSlot(off: number, h: number): void {
    if ((this.used + 1) * 2 > this.slots.length) this.rehash();
    const mask = this.slots.length - 1;
    let i = h & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = off + 1;
    this.hashes[i] = h;
    this.used++;
  }

  private rehash(): void {
    const os = this.slots, oh = this.hashes;
    this.slots = new Int32Array(os.length * 2);
    this.hashes = new Int32Array(os.length * 2);
    const mask = this.slots.length - 1;
    for (let j = 0; j < os.length; j++) {
      if (os[j] === 0) continue;
      let i = oh[j] & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = os[j];
      this.hashes[i] = oh[j];
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

  /** Adds the bytes src[s..e) (no NUL inside) or finds them; returns the absolute offset. */
  addBytes(src: Uint8Array, s: number, e: number): number {
    this.ensureIndex();
    const h = hashBytes(src, s, e);
    const found = this.lookup(src, s, e, h);
    if (found >= 0) return this.start + found;
    const n = e - s;
    this.grow(n + 1);
    const off = this.len;
    const b = this.bytes;
    for (let i = 0; i < n; i++) b[off + i] = src[s + i];
    b[off + n] = 0;
    this.len += n + 1;
    this.insertSlot(off, h);
    return this.start + off;
  }

  /** Absolute offset of the bytes src[s..e) if present, else -1. */
  findBytes(src: Uint8Array, s: number, e: number): number {
    this.ensureIndex();
    const off = this.lookup(src, s, e, hashBytes(src, s, e));
    return off < 0 ? -1 : this.start + off;
  }

  private encode(s: string): number {
    if (s.length * 3 > this.scratch.length) this.scratch = new Uint8Array(s.length * 3 + 16);
    return encoder.encodeInto(s, this.scratch).written;
  }

  /** Adds `s` (or finds it) and returns its absolute offset. */
  add(s: string): number {
    const n = this.encode(s);
    return this.addBytes(this.scratch, 0, n);
  }

  /** Offset of `s` if present, else -1. */
  find(s: string): number {
    const n = this.encode(s);
    return this.findBytes(this.scratch, 0, n);
  }

  /**
   * Appends raw section bytes (whole NUL-terminated strings) without deduplicating them: for a
   * table that mirrors another one's growth (a worker's strings seen from the main thread).
   */
  appendRaw(b: Uint8Array): void {
    this.grow(b.length);
    this.bytes.set(b, this.len);
    this.len += b.length;
    this.indexed = false;
    this.slots.fill(0);
    this.used = 0;
  }

  /** Whether `off` (absolute) lies in this table. */
  owns(off: number): boolean {
    return off >= this.start && off < this.start + this.len;
  }

  /** End (section-relative, exclusive) of the string at absolute offset `off`. */
  endOf(off: number): number {
    const b = this.bytes;
    let e = off - this.start;
    while (e < this.len && b[e] !== 0) e++;
    return e;
  }

  /** The string at absolute offset `off` (which may point into the middle of a string). */
  get(off: number): string {
    const hit = this.decoded.get(off);
    if (hit !== undefined) return hit;
    const p = off - this.start;
    if (p < 0 || p >= this.len) throw new InputError(`string offset ${off} out of range`);
    const s = decoder.decode(this.bytes.subarray(p, this.endOf(off)));
    this.decoded.set(off, s);
    return s;
  }

  /**
   * The bytes of the string at absolute offset `off` as a binary string (one character, below 256,
   * per byte: not decoded, so bytes that are not UTF-8 survive a latin1 write unchanged).
   */
  getBinary(off: number): string {
    const p = off - this.start;
    if (p < 0 || p >= this.len) throw new InputError(`string offset ${off} out of range`);
    const b = this.bytes, e = this.endOf(off);
    let s = '';
    for (let i = p; i < e; i += 4096) s += String.fromCharCode(...b.subarray(i, Math.min(e, i + 4096)));
    return s;
  }

  /** The section bytes (a view, valid until the next add). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.len);
  }
}
