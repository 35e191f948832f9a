// Distilled base (btf/distill.ts) against pahole 1.31's .BTF.base/.BTF (libbpf's
// btf__distill_base) byte for byte, plus its rules on hand-built tables.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { distillBase } from '../../src/btf/distill.js';
import { Kind } from '../../src/btf/kinds.js';
import { BtfTable } from '../../src/btf/table.js';
import { validateBtf } from '../../src/btf/validate.js';
import { InputError } from '../../src/errors.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const GOLD = path.join(ROOT, 'testdata/module/golden/pahole-1.31');
const ROWS = ['gcc-x86_64', 'clang-x86_64', 'gcc-s390x'];
const read = (f: string): Buffer => fs.readFileSync(path.join(GOLD, f));

describe('distillBase matches pahole 1.31 (libbpf btf__distill_base) byte for byte', () => {
  for (const tc of ROWS) {
    it(`mod.${tc}.o: pahole's own split BTF distilled`, () => {
      const base = BtfTable.parse(read(`kernel.${tc}.o.btf`));
      const split = BtfTable.parse(read(`mod.${tc}.o.btf`), base);
      const d = distillBase(split);
      const big = split.bigEndian;
      expect(Buffer.from(d.base.serialize(big)).equals(read(`mod.${tc}.o.dist.base`))).toBe(true);
      expect(Buffer.from(d.split.serialize(big)).equals(read(`mod.${tc}.o.dist.btf`))).toBe(true);
      expect(validateBtf(d.base)).toBeNull();
      expect(validateBtf(d.split)).toBeNull();
      // the input is left as it was
      expect(Buffer.from(split.serialize(big)).equals(read(`mod.${tc}.o.btf`))).toBe(true);
    });
  }
});

/** A small base: int, named struct, anonymous struct, typedef of it, enum64, fwd, func. */
function makeBase(): { base: BtfTable; ids: Record<string, number> } {
  const b = new BtfTable();
  const int = b.addInt('int', 4, 1);
  const list = b.addComposite(Kind.STRUCT, 'list_head', 16, []);
  const anon = b.addComposite(Kind.STRUCT, '', 4, [{ name: 'counter', type: int, bitOffset: 0 }]);
  const atomic = b.addRef(Kind.TYPEDEF, 'atomic_t', anon);
  const e64 = b.begin(b.addStr('caps'), Kind.ENUM64, 1, 0, 8);
  b.push(b.addStr('CAP_HIGH')); b.push(0); b.push(1);
  const fwd = b.addRef(Kind.FWD, 'device_driver', 0);
  const proto = b.addFuncProto(int, []);
  const func = b.begin(b.addStr('kernel_func'), Kind.FUNC, 1, 0, proto);
  const anonEnum = b.addEnum('', 4, false, [{ name: 'A', value: 1 }]);
  const ptr = b.addRef(Kind.PTR, '', list);
  return { base: b, ids: { int, list, anon, atomic, e64, fwd, proto, func, anonEnum, ptr } };
}

describe('distillBase rules', () => {
  it('keeps named types in the base (structs and enums memberless), moves the rest to the split', () => {
    const { base, ids } = makeBase();
    const s = new BtfTable(base);
    const user = s.addComposite(Kind.STRUCT, 'user', 48, [
      { name: 'a', type: ids.atomic, bitOffset: 0 },
      { name: 'l', type: ids.ptr, bitOffset: 64 },
      { name: 'c', type: ids.e64, bitOffset: 128 },
      { name: 'd', type: ids.anonEnum, bitOffset: 192 },
    ]);
    s.addRef(Kind.PTR, '', ids.fwd);
    s.addRef(Kind.PTR, '', user);
    const d = distillBase(s);
    // new base, in base id order: int, list_head (memberless), caps as a sized ENUM, the fwd
    const kinds = [];
    for (let id = 1; id < d.base.endId; id++) kinds.push(`${d.base.kind(id)}:${d.base.name(id)}:${d.base.vlen(id)}:${d.base.sizeOrType(id)}`);
    expect(kinds).toEqual([`${Kind.INT}:int:0:4`, `${Kind.STRUCT}:list_head:0:16`, `${Kind.ENUM}:caps:0:8`, `${Kind.FWD}:device_driver:0:0`]);
    // split: its own 3 types, then the anonymous struct, the typedef, the anonymous enum, the pointer
    const split = d.split;
    expect(split.startId).toBe(5);
    expect(split.count).toBe(7);
    const own = split.startId;
    expect(split.name(own)).toBe('user');
    const moved = [own + 3, own + 4, own + 5, own + 6].map((id) => `${split.kind(id)}:${split.name(id)}`);
    expect(moved).toEqual([`${Kind.STRUCT}:`, `${Kind.TYPEDEF}:atomic_t`, `${Kind.ENUM}:`, `${Kind.PTR}:`]);
    // references renumbered: the typedef to the moved struct, the struct member to the new base int
    expect(split.sizeOrType(own + 4)).toBe(own + 3);
    expect(split.extra(own + 3, 1)).toBe(1);
    expect(split.sizeOrType(own + 6)).toBe(2);
    expect(split.extra(own, 1)).toBe(own + 4);
    expect(split.extra(own, 7)).toBe(3);
    expect(split.sizeOrType(own + 1)).toBe(4); // PTR -> FWD
    expect(split.sizeOrType(own + 2)).toBe(own); // own ids shifted down
    expect(validateBtf(split)).toBeNull();
  });

  it('refuses BTF without a base', () => {
    const t = new BtfTable();
    t.addInt('int', 4, 1);
    expect(() => distillBase(t)).toThrow(/split BTF/);
  });

  it('refuses a reference to a base FUNC, naming both types', () => {
    const { base, ids } = makeBase();
    const s = new BtfTable(base);
    const tag = s.begin(s.addStr('tag'), Kind.DECL_TAG, 0, 0, ids.func);
    s.push(0xffffffff);
    expect(tag).toBe(base.endId);
    expect(() => distillBase(s)).toThrow(InputError);
    expect(() => distillBase(s)).toThrow(/DECL_TAG 'tag'.*FUNC 'kernel_func'/);
  });

  it('refuses a named enum whose size is not 1, 2, 4 or 8', () => {
    const b = new BtfTable();
    const e = b.addEnum('odd', 3, false, [{ name: 'X', value: 0 }]);
    const s = new BtfTable(b);
    s.addRef(Kind.PTR, '', e);
    expect(() => distillBase(s)).toThrow(/size 3/);
  });
});
