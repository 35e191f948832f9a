/**
 * The candidate index of BTF dedup: a multimap from a type's signature hash to the ids of canonical
 * types with that hash, iterated in exactly the order libbpf's dedup visits its candidates.
 *
 * Why the order needs care: when several candidates are acceptable (e.g. a forward-declared enum and
 * two different full enums of the same name, or two structs that are both equivalent to a new one),
 * libbpf takes the first one its hash map yields. libbpf's hash map is a bucket array of singly
 * linked chains: a new entry is pushed at the head of its chain, and when the map grows (before an
 * insert that would make it more than 3/4 full) every chain is walked front to back and each entry
 * pushed at the head of its new chain. Entries with equal keys always share a chain, so among them
 * the order is "newest first", reversed once per growth since they were inserted.
 *
 * We reproduce that by running the same structure (same growth rule, same push-front, same rehash
 * walk) on typed arrays. Our keys are 32-bit hashes of our own: only the relative order of entries
 * with equal keys matters, and that depends on nothing but the sequence of inserts, which is the
 * same as libbpf's. Our hash must give equal keys to any two types libbpf could match (it hashes a
 * subset of the fields the equality checks compare); extra collisions only add candidates that
 * then fail the checks.
 */
export class CandidateTable {
  private keys: Int32Array;
  private vals: Int32Array;
  private nexts: Int32Array;
  private buckets = new Int32Array(0);
  private bits = 0;
  /** Number of entries. */
  size = 0;

  constructor(capacity = 1024) {
    this.keys = new Int32Array(capacity);
    this.vals = new Int32Array(capacity);
    this.nexts = new Int32Array(capacity);
  }

  private slot(key: number, bits: number): number {
    return Math.imul(key, 0x9e3779b1) >>> (32 - bits);
  }

  /** An independent copy. */
  clone(): CandidateTable {
    const c = new CandidateTable(0);
    c.keys = this.keys.slice();
    c.vals = this.vals.slice();
    c.nexts = this.nexts.slice();
    c.buckets = this.buckets.slice();
    c.bits = this.bits;
    c.size = this.size;
    return c;
  }

  /** Appends `val` under `key` (duplicates allowed). */
  add(key: number, val: number): void {
    const cap = this.buckets.length;
    // libbpf: grow when empty or when (size + 1) * 4 / 3 (integer division) exceeds the capacity
    if (cap === 0 || Math.floor((this.size + 1) * 4 / 3) > cap) this.grow();
    if (this.size >= this.keys.length) this.growPool();
    const e = this.size++;
    this.keys[e] = key;
    this.vals[e] = val;
    const b = this.slot(key, this.bits);
    this.nexts[e] = this.buckets[b];
    this.buckets[b] = e;
  }

  private growPool(): void {
    const n = Math.max(16, this.keys.length * 2);
    const k = new Int32Array(n); k.set(this.keys); this.keys = k;
    const v = new Int32Array(n); v.set(this.vals); this.vals = v;
    const x = new Int32Array(n); x.set(this.nexts); this.nexts = x;
  }

  /** Doubles the bucket array (at least 4 buckets), moving entries as libbpf's rehash does. */
  private grow(): void {
    const bits = Math.max(this.bits + 1, 2);
    const nb = new Int32Array(1 << bits).fill(-1);
    const old = this.buckets, keys = this.keys, nexts = this.nexts;
    for (let b = 0; b < old.length; b++) {
      for (let e = old[b]; e >= 0;) {
        const following = nexts[e];
        const s = this.slot(keys[e], bits);
        nexts[e] = nb[s];
        nb[s] = e;
        e = following;
      }
    }
    this.buckets = nb;
    this.bits = bits;
  }

  /** First entry under `key` (an opaque cursor), or -1. */
  first(key: number): number {
    if (this.bits === 0) return -1;
    let e = this.buckets[this.slot(key, this.bits)];
    while (e >= 0 && this.keys[e] !== key) e = this.nexts[e];
    return e;
  }

  /** The entry after cursor `e` under `key`, or -1. */
  next(e: number, key: number): number {
    e = this.nexts[e];
    while (e >= 0 && this.keys[e] !== key) e = this.nexts[e];
    return e;
  }

  /** The type id stored at cursor `e`. */
  value(e: number): number {
    return this.vals[e];
  }
}
