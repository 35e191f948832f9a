import { InputError } from '../errors.js';
import {
  BTF_HEADER_LEN, BTF_MAGIC, BTF_VERSION, Kind, KIND_MAX, extraWords, infoKflag, infoKind, infoVlen, makeInfo,
} from './kinds.js';
import { StringTable } from './strings.js';

/**
 * A BTF type table stored flat: every type is its on-disk sequence of 32-bit words
 * (name_off, info, size_or_type, then the kind's trailing words) in one growable Uint32Array,
 * with `offs[i]` giving the first word of the i-th type of this table.
 *
 * Type ids are absolute: a base table holds ids 1..count (0 is void); a split table continues
 * the base's numbering at `startId`. Accessors take absolute ids and defer to the base for base ids.
 */
export class BtfTable {
  readonly base: BtfTable | null;
  readonly startId: number;
  strings: StringTable;
  words: Uint32Array;
  nWords = 0;
  offs: Uint32Array;
  count = 0;
  /** The buffer of the offs this table allocated: one spare element before offs[0] (see offsById). */
  private offsBuffer: ArrayBufferLike | null = null;

  constructor(base: BtfTable | null = null, strings?: StringTable, wordCapacity = 1024, typeCapacity = 256) {
    this.base = base;
    this.startId = base ? base.startId + base.count : 1;
    this.strings = strings ?? new StringTable(base ? base.strEnd() : 0);
    this.words = new Uint32Array(wordCapacity);
    this.offs = this.newOffs(typeCapacity, 0);
  }

  /** A new offs array of `n` elements holding the first `keep` current ones. */
  private newOffs(n: number, keep: number): Uint32Array {
    const buf = new Uint32Array(n + 1);
    const o = buf.subarray(1);
    if (keep > 0) o.set(this.offs.subarray(0, keep));
    this.offsBuffer = buf.buffer;
    return o;
  }

  /**
   * The type offsets indexed by type id, sharing offs' memory: element i + 1 is offs[i], and
   * element 0 (the spare slot before offs[0]) is the caller's to use. Null for a table with a base,
   * or whose offs came from outside (fromParts). A new view is needed once offs has grown.
   */
  offsById(): Uint32Array | null {
    const o = this.offs;
    if (this.startId !== 1 || o.buffer !== this.offsBuffer || o.byteOffset !== 4) return null;
    return new Uint32Array(o.buffer, 0, o.length + 1);
  }

  /** One past the last absolute string offset (the next table's string start). */
  strEnd(): number {
    return this.strings.start + this.strings.len;
  }

  /** One past the last type id (the number of ids including void and the base's). */
  get endId(): number {
    return this.startId + this.count;
  }

  /** A base table made of existing parts (e.g. received from a worker); the arrays are adopted. */
  static fromParts(strings: StringTable, words: Uint32Array, nWords: number, offs: Uint32Array, count: number): BtfTable {
    const t = new BtfTable(null, strings, 4, 4);
    t.words = words;
    t.nWords = nWords;
    t.offs = offs;
    t.count = count;
    return t;
  }

  /** Appends n raw words (whole types; pair with appendOffs). */
  appendWords(src: Uint32Array, n: number): void {
    this.growWords(n);
    this.words.set(src.subarray(0, n), this.nWords);
    this.nWords += n;
  }

  /** Appends `count` type offsets, each shifted by `shift` words. */
  appendOffs(src: Uint32Array, count: number, shift: number): void {
    if (this.count + count > this.offs.length) {
      let cap = this.offs.length * 2;
      while (cap < this.count + count) cap *= 2;
      this.offs = this.newOffs(cap, this.count);
    }
    for (let i = 0; i < count; i++) this.offs[this.count + i] = src[i] + shift;
    this.count += count;
  }

  /**
   * Makes room for at least `words` more words and `types` more types, so that appending them
   * copies nothing. Room never written costs no memory (the pages of a fresh array are not touched
   * until used), so a generous estimate is cheap, and doubling a 100 MB table is not.
   */
  reserve(words: number, types: number): void {
    if (this.nWords + words > this.words.length) {
      const w = new Uint32Array(this.nWords + words);
      w.set(this.words.subarray(0, this.nWords));
      this.words = w;
    }
    if (this.count + types > this.offs.length) this.offs = this.newOffs(this.count + types, this.count);
  }

  /** Empties the table for reuse, keeping its buffers (string table untouched). */
  reset(): void {
    this.count = 0;
    this.nWords = 0;
  }

  // ---- building ----

  private growWords(n: number): void {
    if (this.nWords + n <= this.words.length) return;
    let cap = this.words.length * 2;
    while (cap < this.nWords + n) cap *= 2;
    const w = new Uint32Array(cap);
    w.set(this.words.subarray(0, this.nWords));
    this.words = w;
  }

  /**
   * Starts a type; its trailing words must follow with push(). Returns its id.
   * `nameOff` is an absolute string offset (see addStr).
   */
  begin(nameOff: number, kind: number, vlen: number, kflag: boolean | number, sizeOrType: number): number {
    if (this.count === this.offs.length) this.offs = this.newOffs(this.offs.length * 2, this.count);
    this.growWords(3 + extraWords(kind, vlen));
    const at = this.nWords;
    this.offs[this.count++] = at;
    const w = this.words;
    w[at] = nameOff;
    w[at + 1] = makeInfo(kind, vlen, kflag);
    w[at + 2] = sizeOrType >>> 0;
    this.nWords = at + 3;
    return this.startId + this.count - 1;
  }

  push(word: number): void {
    if (this.nWords === this.words.length) this.growWords(1);
    this.words[this.nWords++] = word >>> 0;
  }

  /** Copies type `id` of `src` (words verbatim: ids and string offsets are not translated). */
  copyRaw(src: BtfTable, id: number): number {
    const t = src.owner(id);
    const at = t.offs[id - t.startId];
    const n = 3 + extraWords(infoKind(t.words[at + 1]), infoVlen(t.words[at + 1]));
    const nid = this.begin(t.words[at], infoKind(t.words[at + 1]), infoVlen(t.words[at + 1]),
      infoKflag(t.words[at + 1]), t.words[at + 2]);
    this.words[this.nWords - 2] = t.words[at + 1];
    for (let i = 3; i < n; i++) this.push(t.words[at + i]);
    return nid;
  }

  addStr(s: string): number {
    if (s === '') return 0;
    if (this.base) {
      const found = this.base.findStr(s);
      if (found >= 0) return found;
    }
    return this.strings.add(s);
  }

  /** addStr for the bytes src[s..e) (no NUL inside). */
  addStrBytes(src: Uint8Array, s: number, e: number): number {
    if (s === e) return 0;
    if (this.base) {
      const found = this.base.findStrBytes(src, s, e);
      if (found >= 0) return found;
    }
    return this.strings.addBytes(src, s, e);
  }

  /** findStr for the bytes src[s..e). */
  findStrBytes(src: Uint8Array, s: number, e: number): number {
    if (s === e) return 0;
    if (this.base) {
      const f = this.base.findStrBytes(src, s, e);
      if (f >= 0) return f;
    }
    return this.strings.findBytes(src, s, e);
  }

  /** Offset of `s` in this table's strings or its base's, or -1 (does not add). */
  findStr(s: string): number {
    if (s === '') return 0;
    if (this.base) {
      const f = this.base.findStr(s);
      if (f >= 0) return f;
    }
    return this.strings.find(s);
  }

  // ---- convenience builders (tests and small users; the encoder uses begin/push) ----

  addInt(name: string, size: number, encoding: number, bitsOffset = 0, nrBits = size * 8): number {
    const id = this.begin(this.addStr(name), Kind.INT, 0, 0, size);
    this.push((encoding & 0xf) << 24 | (bitsOffset & 0xff) << 16 | (nrBits & 0xff));
    return id;
  }
  addRef(kind: Kind, name: string, type: number, kflag = 0): number {
    return this.begin(this.addStr(name), kind, 0, kflag, type);
  }
  addArray(elem: number, index: number, nelems: number): number {
    const id = this.begin(0, Kind.ARRAY, 0, 0, 0);
    this.push(elem); this.push(index); this.push(nelems);
    return id;
  }
  addComposite(kind: Kind.STRUCT | Kind.UNION, name: string, size: number,
    members: { name: string; type: number; bitOffset: number; bitSize?: number }[]): number {
    const kflag = members.some((m) => (m.bitSize ?? 0) > 0);
    const id = this.begin(this.addStr(name), kind, members.length, kflag, size);
    for (const m of members) {
      this.push(this.addStr(m.name));
      this.push(m.type);
      this.push(kflag ? ((m.bitSize ?? 0) << 24 | m.bitOffset) : m.bitOffset);
    }
    return id;
  }
  addEnum(name: string, size: number, signed: boolean, values: { name: string; value: number }[]): number {
    const id = this.begin(this.addStr(name), Kind.ENUM, values.length, signed, size);
    for (const v of values) { this.push(this.addStr(v.name)); this.push(v.value | 0); }
    return id;
  }
  addFuncProto(ret: number, params: { name: string; type: number }[]): number {
    const id = this.begin(0, Kind.FUNC_PROTO, params.length, 0, ret);
    for (const p of params) { this.push(this.addStr(p.name)); this.push(p.type); }
    return id;
  }

  // ---- reading ----

  /** The table that holds `id` (this or an ancestor). */
  owner(id: number): BtfTable {
    let t: BtfTable = this;
    while (id < t.startId) {
      if (!t.base) throw new RangeError(`type id ${id} below table start`);
      t = t.base;
    }
    if (id >= t.startId + t.count) throw new RangeError(`type id ${id} out of range`);
    return t;
  }

  /** Word index of type `id`'s header; valid only when `id` belongs to this table. */
  at(id: number): number {
    return this.offs[id - this.startId];
  }

  word(id: number, i: number): number {
    const t = id >= this.startId ? this : this.owner(id);
    return t.words[t.offs[id - t.startId] + i];
  }
  nameOff(id: number): number { return this.word(id, 0); }
  info(id: number): number { return this.word(id, 1); }
  kind(id: number): number { return id === 0 ? 0 : infoKind(this.word(id, 1)); }
  vlen(id: number): number { return infoVlen(this.word(id, 1)); }
  kflag(id: number): number { return infoKflag(this.word(id, 1)); }
  sizeOrType(id: number): number { return this.word(id, 2); }
  /** The i-th trailing word of type `id`. */
  extra(id: number, i: number): number { return this.word(id, 3 + i); }

  str(off: number): string {
    return this.stringsOf(off).get(off);
  }
  /** str() as StringTable.getBinary gives it: the bytes, not decoded. */
  strBinary(off: number): string {
    return this.stringsOf(off).getBinary(off);
  }
  /** The string table (this one's or a base's) that holds offset `off`. */
  private stringsOf(off: number): StringTable {
    let t: BtfTable = this;
    while (off < t.strings.start) {
      if (!t.base) throw new InputError(`string offset ${off} out of range`);
      t = t.base;
    }
    return t.strings;
  }
  name(id: number): string {
    return id === 0 ? '' : this.str(this.nameOff(id));
  }

  /** The split part as raw BTF bytes. */
  serialize(bigEndian = false): Uint8Array {
    const typeLen = this.nWords * 4;
    const strBytes = this.strings.view();
    const out = new Uint8Array(BTF_HEADER_LEN + typeLen + strBytes.length);
    const dv = new DataView(out.buffer);
    const le = !bigEndian;
    dv.setUint16(0, BTF_MAGIC, le);
    out[2] = BTF_VERSION;
    out[3] = 0;
    dv.setUint32(4, BTF_HEADER_LEN, le);
    dv.setUint32(8, 0, le);
    dv.setUint32(12, typeLen, le);
    dv.setUint32(16, typeLen, le);
    dv.setUint32(20, strBytes.length, le);
    if (le && isHostLittleEndian) {
      out.set(new Uint8Array(this.words.buffer, this.words.byteOffset, typeLen), BTF_HEADER_LEN);
    } else {
      for (let i = 0; i < this.nWords; i++) dv.setUint32(BTF_HEADER_LEN + i * 4, this.words[i], le);
    }
    out.set(strBytes, BTF_HEADER_LEN + typeLen);
    return out;
  }

  /**
   * Parses raw BTF (either byte order). With `base`, the data is split BTF over it.
   * Structural problems (bounds, unknown kinds) throw InputError; semantic checks are validate's.
   */
  static parse(bytes: Uint8Array, base: BtfTable | null = null, what = 'BTF'): BtfTable {
    if (bytes.length < BTF_HEADER_LEN) throw new InputError(`${what}: too short for a BTF header (${bytes.length} bytes)`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let le = true;
    if (dv.getUint16(0, true) !== BTF_MAGIC) {
      if (dv.getUint16(0, false) !== BTF_MAGIC) throw new InputError(`${what}: bad BTF magic 0x${dv.getUint16(0, true).toString(16)}`);
      le = false;
    }
    if (bytes[2] !== BTF_VERSION) throw new InputError(`${what}: unsupported BTF version ${bytes[2]}`);
    const hdrLen = dv.getUint32(4, le);
    if (hdrLen < BTF_HEADER_LEN || hdrLen > bytes.length) throw new InputError(`${what}: bad header length ${hdrLen}`);
    const typeOff = dv.getUint32(8, le), typeLen = dv.getUint32(12, le);
    const strOff = dv.getUint32(16, le), strLen = dv.getUint32(20, le);
    const dataLen = bytes.length - hdrLen;
    if (typeOff + typeLen > dataLen || typeOff + typeLen < typeOff) throw new InputError(`${what}: type section [${typeOff}, +${typeLen}) past the end (${dataLen} data bytes)`);
    if (strOff + strLen > dataLen || strOff + strLen < strOff) throw new InputError(`${what}: string section [${strOff}, +${strLen}) past the end (${dataLen} data bytes)`);
    if (typeOff % 4 !== 0 || typeLen % 4 !== 0) throw new InputError(`${what}: type section not 4-byte aligned`);
    const strStart = base ? base.strEnd() : 0;
    const strings = StringTable.fromBytes(bytes.subarray(hdrLen + strOff, hdrLen + strOff + strLen), strStart);
    const nWords = typeLen / 4;
    const t = new BtfTable(base, strings, Math.max(nWords, 16), Math.max(16, nWords / 4 | 0));
    const w = t.words;
    const tb = hdrLen + typeOff;
    if (le && isHostLittleEndian && (bytes.byteOffset + tb) % 4 === 0) {
      w.set(new Uint32Array(bytes.buffer, bytes.byteOffset + tb, nWords));
    } else {
      for (let i = 0; i < nWords; i++) w[i] = dv.getUint32(tb + i * 4, le);
    }
    t.nWords = nWords;
    let p = 0;
    while (p < nWords) {
      if (p + 3 > nWords) throw new InputError(`${what}: truncated type at offset ${p * 4} of the type section`);
      const info = w[p + 1];
      const kind = infoKind(info);
      if (kind === 0 || kind > KIND_MAX) throw new InputError(`${what}: type [${t.startId + t.count}] has unknown kind ${kind} (type section offset ${p * 4})`);
      const n = 3 + extraWords(kind, infoVlen(info));
      if (p + n > nWords) throw new InputError(`${what}: type [${t.startId + t.count}] runs past the end of the type section`);
      if (t.count === t.offs.length) t.offs = t.newOffs(t.offs.length * 2, t.count);
      t.offs[t.count++] = p;
      p += n;
    }
    t.bigEndian = !le;
    return t;
  }

  /** Byte order the table was parsed from (serialize defaults to little endian). */
  bigEndian = false;
}

export const isHostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
