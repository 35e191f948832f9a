/**
 * dumpBtf against `bpftool btf dump file` byte for byte, on BTF that pahole encodes from gcc and
 * clang objects (every kind), clang's own .BTF for the bpf target (VAR, DATASEC, extern linkage),
 * split BTF, hand-built oddities, and the running kernel's vmlinux BTF when there is one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpBtf, dumpBtfId } from '../../src/btf/dump.js';
import { Kind } from '../../src/btf/kinds.js';
import { BtfTable } from '../../src/btf/table.js';
import { clangBpfBtf, paholeBtf } from './fixtures.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';

function run(cmd: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}
const haveTool = (cmd: string, arg = '--version') => run(cmd, [arg]).ok;

const tools = {
  bpftool: haveTool('bpftool', 'version'),
  pahole: haveTool('pahole'),
  gcc: haveTool('gcc'),
  clang: haveTool('clang'),
  objcopy: haveTool('llvm-objcopy'),
};
const missing = Object.entries(tools).filter(([, ok]) => !ok).map(([name]) => name);
if (missing.length) console.warn(`dump.test: skipping oracle comparisons that need: ${missing.join(', ')}`);
const canPahole = tools.bpftool && tools.pahole;

/** Fails with the first differing line instead of a multi-megabyte diff. */
function expectSameText(actual: string, expected: string, what: string): void {
  if (actual === expected) return;
  const a = actual.split('\n');
  const e = expected.split('\n');
  let i = 0;
  while (i < a.length && i < e.length && a[i] === e[i]) i++;
  expect.fail(`${what}: first difference at line ${i + 1}\n  ours:    ${JSON.stringify(a[i])}\n  bpftool: ${JSON.stringify(e[i])}`);
}

/** bpftool's dump as a binary string (one character per byte), as dumpBtf makes it. */
function bpftoolDump(file: string, base?: string): string {
  const args = [...(base ? ['-B', base] : []), 'btf', 'dump', 'file', file];
  const r = spawnSync('bpftool', args, { encoding: 'latin1', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`bpftool ${args.join(' ')} failed: ${r.stderr ?? ''}${r.error ? String(r.error) : ''}`);
  return r.stdout;
}
function load(file: string, base: BtfTable | null = null): BtfTable {
  return BtfTable.parse(readFileSync(file), base, file);
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dwarf2btf-dump-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** gcc/clang object -> pahole detached BTF; returns the .btf path. */

describe.skipIf(!canPahole || !tools.gcc)('dumpBtf vs bpftool on pahole output (gcc)', () => {
  it('covers every kind pahole emits for C', () => {
    const btf = paholeBtf(dir, 'kinds', 'gcc', 'kinds.c');
    const t = load(btf);
    const text = dumpBtf(t);
    for (const k of ['INT', 'PTR', 'ARRAY', 'STRUCT', 'UNION', 'ENUM', 'ENUM64', 'FWD', 'TYPEDEF', 'VOLATILE',
      'CONST', 'RESTRICT', 'FUNC', 'FUNC_PROTO', 'FLOAT']) {
      expect(text, k).toMatch(new RegExp(`^\\[\\d+\\] ${k} `, 'm'));
    }
    expect(text).toContain('bitfield_size=');
    expect(text).toContain("'(anon)' type_id=0"); // varargs
    expect(text).toContain('val=18446744073709551615ULL');
    expect(text).toContain('val=-4294967296LL');
    expectSameText(text, bpftoolDump(btf), 'kinds.btf');
  });

  it('dumps split BTF numbered from the split start, as bpftool -B does', () => {
    const baseFile = paholeBtf(dir, 'kinds', 'gcc', 'kinds.c');
    const splitFile = paholeBtf(dir, 'split', 'gcc', 'split.c', [`--btf_base=${baseFile}`]);
    const base = load(baseFile);
    const split = load(splitFile, base);
    expect(split.startId).toBe(base.endId);
    const text = dumpBtf(split);
    expect(text.startsWith(`[${base.endId}] `)).toBe(true);
    expect(text).toMatch(/DATASEC '\.data\.\.percpu'/);
    expectSameText(text, bpftoolDump(splitFile, baseFile), 'split.btf');
  });
});

describe.skipIf(!canPahole || !tools.clang)('dumpBtf vs bpftool on pahole output (clang, tags)', () => {
  it('covers DECL_TAG and TYPE_TAG', () => {
    const btf = paholeBtf(dir, 'tags', 'clang', 'tags.c');
    const text = dumpBtf(load(btf));
    expect(text).toMatch(/DECL_TAG 'tag1' type_id=\d+ component_idx=-1/);
    expect(text).toMatch(/DECL_TAG 'tag2' type_id=\d+ component_idx=\d/);
    expect(text).toMatch(/TYPE_TAG 'user' type_id=\d+/);
    expectSameText(text, bpftoolDump(btf), 'tags.btf');
  });
});

describe.skipIf(!tools.bpftool || !tools.clang || !tools.objcopy)('dumpBtf vs bpftool on clang -target bpf .BTF', () => {
  it('covers VAR, DATASEC and extern linkage', () => {
    const btf = clangBpfBtf(dir);
    const text = dumpBtf(load(btf));
    expect(text).toMatch(/VAR 'tvar' type_id=\d+, linkage=global/);
    expect(text).toMatch(/VAR 'ext_var' type_id=\d+, linkage=extern/);
    expect(text).toMatch(/FUNC 'ext_fn' type_id=\d+ linkage=extern/);
    expect(text).toMatch(/\ttype_id=\d+ offset=0 size=16 \(VAR 'arr'\)/);
    expectSameText(text, bpftoolDump(btf), 'tags.bpf.btf');
  });
});

/** Types bpftool prints without complaint although they are not valid BTF. */
function oddTable(): BtfTable {
  const t = new BtfTable();
  const int = t.addInt('int', 4, 3); // encoding 3: UNKN
  t.addInt('b', 1, 4, 0, 1);
  t.begin(t.addStr('f'), Kind.FUNC, 5, 0, 77); // linkage 5: (unknown)
  const v = t.begin(t.addStr('v'), Kind.VAR, 0, 0, int);
  t.push(9); // linkage 9: (unknown)
  t.begin(t.addStr('.sec'), Kind.DATASEC, 3, 0, 4);
  for (const w of [v, 0, 4, 999, 0, 4, 0, 1, 1]) t.push(w); // a VAR, an id past the end, void
  t.begin(12345, Kind.TYPEDEF, 0, 0, int); // name offset past the strings: (invalid)
  t.addEnum('e', 4, true, [{ name: 'A', value: -1 }, { name: 'B', value: 0x7fffffff }, { name: 'C', value: -0x80000000 }]);
  t.addEnum('u', 4, false, [{ name: 'A', value: -1 }]);
  t.begin(t.addStr('e64'), Kind.ENUM64, 3, 1, 8);
  for (const w of [t.addStr('X'), 0, 0x80000000, t.addStr('Y'), 0xffffffff, 0xffffffff, t.addStr('Z'), 5, 0]) t.push(w);
  t.begin(t.addStr('u64'), Kind.ENUM64, 2, 0, 8);
  for (const w of [t.addStr('P'), 0xffffffff, 0x1fffff, t.addStr('Q'), 1, 0x200000]) t.push(w); // around 2^53
  t.begin(t.addStr('tag'), Kind.DECL_TAG, 0, 0, int);
  t.push(0xfffffffe); // component_idx -2
  t.addComposite(Kind.STRUCT, '', 4, [{ name: '', type: int, bitOffset: 0 }]);
  t.addComposite(Kind.UNION, 'bf', 4, [{ name: 'x', type: int, bitOffset: 0, bitSize: 31 }, { name: 'y', type: int, bitOffset: 0 }]);
  t.begin(t.addStr('fw'), Kind.FWD, 0, 1, 0);
  t.begin(t.addStr('half'), Kind.FLOAT, 0, 0, 2);
  t.addRef(Kind.TYPE_TAG, 'attr', int, 1);
  t.addFuncProto(0, []);
  // names bpftool prints byte for byte: UTF-8, and bytes that are not UTF-8
  t.addRef(Kind.TYPEDEF, 'caf\u00e9_\u4e2d', int);
  const raw = new Uint8Array([0x74, 0xff, 0xc3, 0x28, 0x80]);
  t.begin(t.addStrBytes(raw, 0, raw.length), Kind.DECL_TAG, 0, 0, int);
  t.push(0xffffffff);
  return t;
}

describe('dumpBtf on hand-built tables', () => {
  it('prints 64-bit enum values exactly, signed and unsigned', () => {
    const text = dumpBtf(oddTable());
    expect(text).toContain("\t'X' val=-9223372036854775808LL\n\t'Y' val=-1LL\n\t'Z' val=5LL\n");
    expect(text).toContain("\t'P' val=9007199254740991ULL\n\t'Q' val=9007199254740993ULL\n");
    expect(text).toContain("\t'A' val=-1\n\t'B' val=2147483647\n\t'C' val=-2147483648\n");
    expect(text).toContain("'u' encoding=UNSIGNED size=4 vlen=1\n\t'A' val=4294967295\n");
    expect(text).toContain("[6] TYPEDEF '(invalid)' type_id=1\n");
    // names are their bytes, not decoded: one character per byte
    expect(text).toContain(`TYPEDEF '${Buffer.from('caf\u00e9_\u4e2d').toString('latin1')}' type_id=1\n`);
    expect(text).toContain("DECL_TAG 't\u00ff\u00c3(\u0080' type_id=1 component_idx=-1\n");
  });

  it('dumpBtfId prints one type without the trailing newline', () => {
    const t = oddTable();
    expect(dumpBtfId(t, 1)).toBe("[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=UNKN");
    expect(dumpBtf(t).split('\n').slice(0, 2).join('\n')).toBe(`${dumpBtfId(t, 1)}\n${dumpBtfId(t, 2)}`);
  });

  it.skipIf(!tools.bpftool)('matches bpftool on odd but loadable tables, in both byte orders', () => {
    const t = oddTable();
    for (const bigEndian of [false, true]) {
      const file = join(dir, `odd-${bigEndian ? 'be' : 'le'}.btf`);
      writeFileSync(file, t.serialize(bigEndian));
      const parsed = load(file);
      expect(parsed.bigEndian).toBe(bigEndian);
      expectSameText(dumpBtf(parsed), bpftoolDump(file), file);
    }
  });

  it('dumps an empty split table as nothing', () => {
    const base = oddTable();
    expect(dumpBtf(new BtfTable(base))).toBe('');
  });
});

describe.skipIf(!tools.bpftool || !existsSync(VMLINUX))('dumpBtf vs bpftool on the running kernel', () => {
  it('matches on vmlinux BTF', () => {
    const t0 = performance.now();
    const t = load(VMLINUX);
    const text = dumpBtf(t);
    const ms = performance.now() - t0;
    expectSameText(text, bpftoolDump(VMLINUX), VMLINUX);
    console.log(`vmlinux: ${t.count} types parsed and dumped in ${ms.toFixed(0)} ms`);
  });

  it.skipIf(!tools.pahole || !tools.gcc)('matches on split BTF over vmlinux', () => {
    const split = paholeBtf(dir, 'split-vmlinux', 'gcc', 'split.c', [`--btf_base=${VMLINUX}`]);
    const base = load(VMLINUX);
    expectSameText(dumpBtf(load(split, base)), bpftoolDump(split, VMLINUX), 'split over vmlinux');
  });
});
