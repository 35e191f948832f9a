/**
 * validateBtf against the kernel's own checks: hand-built tables with one problem each must be
 * reported at the right type id, valid ones (including everything pahole produces and vmlinux)
 * must pass; where bpf(BPF_BTF_LOAD) is permitted, scripts/bpf-btf-load.py asks the running
 * kernel and its verdict (and the type id its log names) must agree.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kind } from '../../src/btf/kinds.js';
import { BtfTable } from '../../src/btf/table.js';
import { validateAll, validateBtf, validateBtfBytes } from '../../src/btf/validate.js';
import { clangBpfBtf, paholeBtf } from './fixtures.js';

const LOADER = fileURLToPath(new URL('../../scripts/bpf-btf-load.py', import.meta.url));
const VMLINUX = '/sys/kernel/btf/vmlinux';

let dir = '';
let kernel = false; // whether the running kernel can be asked
let python = 'python3';
let fileNo = 0;

function run(cmd: string, args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { status: r.status, out: r.stdout ?? '', err: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}
const haveTool = (cmd: string, arg = '--version') => run(cmd, [arg]).status === 0;

/**
 * The kernel's verdict on raw BTF, and the type its log blames: the id of the last log line, or
 * for a member line (tab-indented) the id of the type line above it; null for messages about no
 * type in particular.
 */
function kernelLoad(bytes: Uint8Array): { accepted: boolean; id: number | null; log: string } {
  const file = join(dir, `k${fileNo++}.btf`);
  writeFileSync(file, bytes);
  const r = run(python, [LOADER, file]);
  if (r.status !== 0 && r.status !== 1) throw new Error(`bpf-btf-load.py exited ${r.status}: ${r.out}${r.err}`);
  const lines = r.out.trimEnd().split('\n');
  let i = lines.length - 1;
  while (i > 0 && lines[i].startsWith('\t')) i--;
  const m = /^\[(\d+)\]/.exec(lines[i]);
  return { accepted: r.status === 0, id: m ? Number(m[1]) : null, log: lines.slice(-8).join('\n') };
}

/** Whether the running kernel can be asked (decided once, at collection time, for skipIf). */
function kernelProbe(): boolean {
  if (probed) return kernel;
  probed = true;
  // the interpreter itself rather than a version-manager shim: it starts once per case
  python = run('python3', ['-c', 'import sys; print(sys.executable)']).out.trim() || 'python3';
  const t = new BtfTable();
  t.addInt('int', 4, 1);
  const probeDir = mkdtempSync(join(tmpdir(), 'dwarf2btf-probe-'));
  const file = join(probeDir, 'probe.btf');
  writeFileSync(file, t.serialize());
  const r = run(python, [LOADER, file]);
  rmSync(probeDir, { recursive: true, force: true });
  kernel = r.status === 0;
  if (!kernel) console.warn(`validate.test: not asking the kernel (bpf-btf-load.py exit ${r.status}): ${(r.out + r.err).trim()}`);
  return kernel;
}
let probed = false;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dwarf2btf-validate-'));
  kernelProbe();
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---- small builders on top of BtfTable's ----

const s = (t: BtfTable, name: string) => t.addStr(name);
function int(t: BtfTable, name = 'int', size = 4, enc = 1): number {
  return t.addInt(name, size, enc);
}
function func(t: BtfTable, name: string, proto: number, linkage = 1): number {
  return t.begin(s(t, name), Kind.FUNC, linkage, 0, proto);
}
function variable(t: BtfTable, name: string, type: number, linkage = 1): number {
  const id = t.begin(s(t, name), Kind.VAR, 0, 0, type);
  t.push(linkage);
  return id;
}
function datasec(t: BtfTable, name: string, size: number, vars: [number, number, number][]): number {
  const id = t.begin(s(t, name), Kind.DATASEC, vars.length, 0, size);
  for (const [type, off, sz] of vars) { t.push(type); t.push(off); t.push(sz); }
  return id;
}
function declTag(t: BtfTable, value: string, type: number, idx = -1): number {
  const id = t.begin(s(t, value), Kind.DECL_TAG, 0, 0, type);
  t.push(idx);
  return id;
}
function member(name: string, type: number, bitOffset: number, bitSize?: number) {
  return { name, type, bitOffset, bitSize };
}
function struct(t: BtfTable, name: string, size: number, members: ReturnType<typeof member>[], kind: Kind.STRUCT | Kind.UNION = Kind.STRUCT) {
  return t.addComposite(kind, name, size, members);
}
/** A struct with kind_flag set whatever its members (addComposite sets it only for bitfields). */
function kstruct(t: BtfTable, name: string, size: number, members: [string, number, number, number][]): number {
  const id = t.begin(s(t, name), Kind.STRUCT, members.length, 1, size);
  for (const [n, type, off, bits] of members) { t.push(s(t, n)); t.push(type); t.push((bits << 24 | off) >>> 0); }
  return id;
}

interface Case {
  name: string;
  build: (t: BtfTable) => void;
  /** Id of the type the first problem is about; null: valid BTF. */
  bad: number | null;
  /** Expected wording of the problem. */
  msg?: RegExp;
}

const valid: Case[] = [
  { name: 'one int', bad: null, build: (t) => { int(t); } },
  { name: 'self-referencing struct through a pointer', bad: null, build: (t) => {
    int(t); // 1
    t.addRef(Kind.PTR, '', 3); // 2
    struct(t, 'node', 16, [member('v', 1, 0), member('next', 2, 64)]); // 3
  } },
  { name: 'void, fwd and func_proto behind modifiers and pointers', bad: null, build: (t) => {
    t.addRef(Kind.TYPEDEF, 'void_t', 0); // 1
    t.addRef(Kind.CONST, '', 0); // 2
    t.begin(s(t, 'opaque'), Kind.FWD, 0, 1, 0); // 3
    t.addRef(Kind.PTR, '', 3); // 4
    t.addRef(Kind.TYPEDEF, 'opaque_t', 3); // 5
    t.addFuncProto(0, []); // 6
    t.addRef(Kind.TYPEDEF, 'fn_t', 6); // 7
    t.addRef(Kind.PTR, '', 7); // 8
    t.addRef(Kind.PTR, '', 2); // 9
  } },
  { name: 'a pointer to a FUNC resolved before it', bad: null, build: (t) => {
    int(t); // 1
    t.addFuncProto(1, []); // 2
    func(t, 'f', 2); // 3
    t.addRef(Kind.PTR, '', 3); // 4
  } },
  { name: 'a CONST to a FUNC, resolved on the way', bad: null, build: (t) => {
    int(t); // 1
    t.addRef(Kind.CONST, '', 4); // 2: the walk descends into the FUNC, which resolves to its proto
    t.addFuncProto(1, []); // 3
    func(t, 'f', 3); // 4
  } },
  { name: 'varargs, named parameters, struct return', bad: null, build: (t) => {
    int(t); // 1
    struct(t, 'pair', 8, [member('a', 1, 0), member('b', 1, 32)]); // 2
    t.addFuncProto(2, [{ name: 'n', type: 1 }, { name: '', type: 0 }]); // 3
    func(t, 'vf', 3, 0); // 4
  } },
  { name: 'bitfields, flexible array, nested arrays, floats', bad: null, build: (t) => {
    int(t); // 1
    t.addInt('unsigned char', 1, 0); // 2
    t.addArray(2, 1, 0); // 3: flexible
    t.addArray(1, 1, 4); // 4
    t.addArray(4, 1, 3); // 5: int[3][4]
    t.begin(s(t, 'double'), Kind.FLOAT, 0, 0, 8); // 6
    t.addEnum('e', 4, true, [{ name: 'E_NEG', value: -1 }]); // 7
    struct(t, 'bf', 72, [member('a', 1, 0, 3), member('b', 1, 3, 29), member('c', 2, 32, 8), member('e', 7, 40, 4),
      member('d', 6, 64), member('m', 5, 128), member('flex', 3, 576)]); // 8
    struct(t, 'plain', 12, [member('x', 1, 0), member('y', 6, 0)], Kind.UNION); // 9: a double in a 12-byte union
  } },
  { name: 'variables in a section', bad: null, build: (t) => {
    int(t); // 1
    t.addArray(1, 1, 4); // 2
    variable(t, 'a', 1); // 3
    variable(t, 'b', 2, 0); // 4
    datasec(t, '.data', 32, [[3, 0, 4], [4, 8, 16]]); // 5
    datasec(t, 'my section (printable)', 4, [[3, 0, 4]]); // 6
  } },
  { name: 'decl tags and type tags', bad: null, build: (t) => {
    int(t); // 1
    t.addRef(Kind.TYPE_TAG, 'user', 1); // 2
    t.addRef(Kind.TYPE_TAG, 'rcu', 2); // 3
    t.addRef(Kind.PTR, '', 3); // 4
    struct(t, 's', 16, [member('a', 1, 0), member('p', 4, 64)]); // 5
    t.addFuncProto(1, [{ name: 'x', type: 1 }]); // 6
    func(t, 'f', 6); // 7
    variable(t, 'v', 1); // 8
    t.addRef(Kind.TYPEDEF, 'td', 1); // 9
    declTag(t, 'tag', 5, 1); // 10
    declTag(t, 'tag', 7, 0); // 11
    declTag(t, 'tag', 7); // 12
    declTag(t, 'tag', 8); // 13
    declTag(t, 'tag', 9); // 14
    t.addRef(Kind.CONST, '', 4); // 15: const after the tags is fine
  } },
  { name: 'names with dots, 512 long', bad: null, build: (t) => {
    int(t); // 1
    struct(t, '.a.b', 4, [member('x.y', 1, 0)]); // 2
    t.addRef(Kind.TYPEDEF, 'x'.repeat(512), 1); // 3
  } },
  { name: 'kind_flag int/enum/pointer members', bad: null, build: (t) => {
    int(t); // 1
    t.addEnum('e', 4, false, [{ name: 'A', value: 1 }]); // 2
    t.addRef(Kind.PTR, '', 1); // 3
    t.addRef(Kind.TYPEDEF, 'ti', 1); // 4
    kstruct(t, 'k', 24, [['a', 1, 0, 0], ['b', 2, 32, 7], ['c', 3, 64, 0], ['d', 4, 128, 5], ['e', 2, 160, 0]]); // 5
  } },
];

const invalid: Case[] = [
  // ---- check_meta: one type at a time ----
  { name: 'stray info bits', bad: 2, msg: /Invalid btf_info/, build: (t) => {
    int(t);
    t.addRef(Kind.PTR, '', 1);
    t.words[t.nWords - 2] |= 1 << 16;
  } },
  { name: 'name offset past the strings', bad: 2, msg: /Invalid name_offset:9999/, build: (t) => { int(t); t.begin(9999, Kind.TYPEDEF, 0, 0, 1); } },
  { name: 'INT with vlen', bad: 1, msg: /vlen != 0/, build: (t) => { t.begin(s(t, 'i'), Kind.INT, 1, 0, 4); t.push(32); } },
  { name: 'INT with kind_flag', bad: 1, msg: /kind_flag/, build: (t) => { t.begin(s(t, 'i'), Kind.INT, 0, 1, 4); t.push(32); } },
  { name: 'INT with stray bits', bad: 1, msg: /Invalid int_data/, build: (t) => { t.begin(s(t, 'i'), Kind.INT, 0, 0, 4); t.push(0x10000020); } },
  { name: 'INT over 128 bits', bad: 1, msg: /nr_bits exceeds 128/, build: (t) => { t.addInt('i', 32, 0, 8, 128); } },
  { name: 'INT bits past its size', bad: 1, msg: /exceeds type_size/, build: (t) => { t.addInt('i', 4, 0, 1, 32); } },
  { name: 'INT with two encodings', bad: 1, msg: /Unsupported encoding/, build: (t) => { t.addInt('i', 4, 3); } },
  { name: 'named PTR', bad: 2, msg: /Invalid name/, build: (t) => { int(t); t.addRef(Kind.PTR, 'p', 1); } },
  { name: 'CONST with kind_flag', bad: 2, msg: /kind_flag/, build: (t) => { int(t); t.addRef(Kind.CONST, '', 1, 1); } },
  { name: 'TYPEDEF without a name', bad: 2, msg: /Invalid name/, build: (t) => { int(t); t.addRef(Kind.TYPEDEF, '', 1); } },
  { name: 'TYPEDEF with a $ in its name', bad: 2, msg: /Invalid name/, build: (t) => { int(t); t.addRef(Kind.TYPEDEF, 'a$b', 1); } },
  { name: 'TYPEDEF with a name starting with a digit', bad: 2, build: (t) => { int(t); t.addRef(Kind.TYPEDEF, '9a', 1); } },
  { name: 'TYPEDEF with a non-ASCII name (UTF-8 continuation bytes are not letters)', bad: 2, build: (t) => { int(t); t.addRef(Kind.TYPEDEF, 'caf\u00e9', 1); } },
  { name: 'TYPEDEF with a 513-byte name', bad: 2, build: (t) => { int(t); t.addRef(Kind.TYPEDEF, 'y'.repeat(513), 1); } },
  { name: 'TYPE_TAG without a value', bad: 2, msg: /Invalid name/, build: (t) => { int(t); t.addRef(Kind.TYPE_TAG, '', 1); t.addRef(Kind.PTR, '', 2); } },
  { name: 'VOLATILE to a type id over the maximum', bad: 1, msg: /Invalid type_id/, build: (t) => { t.addRef(Kind.VOLATILE, '', 0x100000); } },
  { name: 'named ARRAY', bad: 2, build: (t) => { int(t); t.begin(s(t, 'a'), Kind.ARRAY, 0, 0, 0); t.push(1); t.push(1); t.push(1); } },
  { name: 'ARRAY with a size', bad: 2, msg: /size != 0/, build: (t) => { int(t); t.begin(0, Kind.ARRAY, 0, 0, 4); t.push(1); t.push(1); t.push(1); } },
  { name: 'ARRAY of void', bad: 2, msg: /Invalid elem/, build: (t) => { int(t); t.addArray(0, 1, 1); } },
  { name: 'ARRAY without an index type', bad: 2, msg: /Invalid index/, build: (t) => { int(t); t.addArray(1, 0, 1); } },
  { name: 'STRUCT with a bad name', bad: 2, build: (t) => { int(t); struct(t, 'a-b', 4, [member('x', 1, 0)]); } },
  { name: 'member with a bad name', bad: 2, msg: /member 'x y': Invalid name/, build: (t) => { int(t); struct(t, 's', 4, [member('x y', 1, 0)]); } },
  { name: 'member of type void', bad: 2, msg: /Invalid type_id/, build: (t) => { int(t); struct(t, 's', 4, [member('x', 0, 0)]); } },
  { name: 'UNION member at an offset', bad: 2, msg: /bits_offset/, build: (t) => { int(t); struct(t, 'u', 8, [member('x', 1, 0), member('y', 1, 32)], Kind.UNION); } },
  { name: 'members out of order', bad: 2, msg: /bits_offset/, build: (t) => { int(t); struct(t, 's', 8, [member('x', 1, 32), member('y', 1, 0)]); } },
  { name: 'member offset past the struct', bad: 2, msg: /exceeds its struct size/, build: (t) => { int(t); struct(t, 's', 4, [member('x', 1, 40)]); } },
  { name: 'ENUM of 3 bytes', bad: 1, msg: /Unexpected size/, build: (t) => { t.addEnum('e', 3, false, [{ name: 'A', value: 1 }]); } },
  { name: 'ENUM value without a name', bad: 1, msg: /Invalid name/, build: (t) => { t.addEnum('e', 4, false, [{ name: '', value: 1 }]); } },
  { name: 'ENUM64 of 16 bytes', bad: 1, msg: /Unexpected size/, build: (t) => { t.begin(s(t, 'e'), Kind.ENUM64, 0, 0, 16); } },
  { name: 'FWD without a name', bad: 1, build: (t) => { t.begin(0, Kind.FWD, 0, 0, 0); } },
  { name: 'FWD with a type', bad: 2, msg: /type != 0/, build: (t) => { int(t); t.begin(s(t, 'f'), Kind.FWD, 0, 0, 1); } },
  { name: 'extern FUNC', bad: 3, msg: /linkage/, build: (t) => { int(t); t.addFuncProto(1, []); func(t, 'f', 2, 2); } },
  { name: 'FUNC without a name', bad: 3, build: (t) => { int(t); t.addFuncProto(1, []); func(t, '', 2); } },
  { name: 'named FUNC_PROTO', bad: 2, build: (t) => { int(t); t.begin(s(t, 'p'), Kind.FUNC_PROTO, 0, 0, 1); } },
  { name: 'extern VAR', bad: 2, msg: /Linkage not supported/, build: (t) => { int(t); variable(t, 'v', 1, 2); } },
  { name: 'VAR of type void', bad: 1, msg: /Invalid type_id/, build: (t) => { variable(t, 'v', 0); } },
  { name: 'DATASEC of size 0', bad: 3, msg: /size == 0/, build: (t) => { int(t); variable(t, 'v', 1); datasec(t, '.data', 0, [[2, 0, 4]]); } },
  { name: 'DATASEC name with a tab', bad: 3, msg: /Invalid name/, build: (t) => { int(t); variable(t, 'v', 1); datasec(t, 'a\tb', 4, [[2, 0, 4]]); } },
  { name: 'DATASEC entries overlapping', bad: 4, msg: /Invalid offset/, build: (t) => { int(t); variable(t, 'v', 1); variable(t, 'w', 1); datasec(t, '.d', 8, [[2, 0, 4], [3, 2, 4]]); } },
  { name: 'DATASEC entry past the end', bad: 3, msg: /offset\+size/, build: (t) => { int(t); variable(t, 'v', 1); datasec(t, '.d', 6, [[2, 4, 4]]); } },
  { name: 'DATASEC entry of size 0', bad: 3, msg: /Invalid size/, build: (t) => { int(t); variable(t, 'v', 1); datasec(t, '.d', 6, [[2, 0, 0]]); } },
  { name: 'FLOAT of 3 bytes', bad: 1, msg: /Invalid type_size/, build: (t) => { t.begin(s(t, 'f'), Kind.FLOAT, 0, 0, 3); } },
  { name: 'DECL_TAG without a value', bad: 2, msg: /Invalid value/, build: (t) => { int(t); declTag(t, '', 1); } },
  { name: 'DECL_TAG component -2', bad: 3, msg: /component_idx/, build: (t) => { int(t); struct(t, 's', 4, [member('x', 1, 0)]); declTag(t, 'x', 2, -2); } },

  // ---- resolve: references between types ----
  { name: 'PTR to a missing type', bad: 1, msg: /Invalid type_id/, build: (t) => { t.addRef(Kind.PTR, '', 7); } },
  { name: 'PTR to a VAR', bad: 3, msg: /Invalid type_id/, build: (t) => { int(t); variable(t, 'v', 1); t.addRef(Kind.PTR, '', 2); } },
  { name: 'PTR to a FUNC resolved after it', bad: 2, msg: /Invalid type_id/, build: (t) => {
    int(t); t.addRef(Kind.PTR, '', 4); t.addFuncProto(1, []); func(t, 'f', 3);
  } },
  { name: 'typedef loop', bad: 1, msg: /Loop detected/, build: (t) => { t.addRef(Kind.TYPEDEF, 'a', 2); t.addRef(Kind.TYPEDEF, 'b', 1); } },
  { name: 'pointer loop', bad: 1, msg: /Loop detected/, build: (t) => { t.addRef(Kind.PTR, '', 2); t.addRef(Kind.CONST, '', 1); } },
  { name: 'structs containing each other', bad: 1, msg: /Loop detected/, build: (t) => {
    struct(t, 'a', 4, [member('b', 2, 0)]); struct(t, 'b', 4, [member('a', 1, 0)]);
  } },
  { name: 'modifier chain deeper than 32', bad: 1, msg: /max resolving depth/, build: (t) => {
    for (let i = 1; i <= 40; i++) t.addRef(Kind.CONST, '', i + 1);
    int(t);
  } },
  { name: 'ARRAY indexed by a struct', bad: 3, msg: /Invalid index/, build: (t) => { int(t); struct(t, 's', 4, [member('x', 1, 0)]); t.addArray(1, 2, 2); } },
  { name: 'ARRAY indexed by a bitfield int', bad: 2, msg: /Invalid index/, build: (t) => { t.addInt('i', 4, 0, 0, 3); t.addArray(1, 1, 2); } },
  { name: 'ARRAY of FWD', bad: 3, msg: /Invalid elem/, build: (t) => { int(t); t.begin(s(t, 'f'), Kind.FWD, 0, 0, 0); t.addArray(2, 1, 2); } },
  { name: 'ARRAY of bitfield ints', bad: 3, msg: /array of int/, build: (t) => { int(t); t.addInt('i3', 1, 0, 0, 3); t.addArray(2, 1, 2); } },
  { name: 'ARRAY over 4 GiB', bad: 2, msg: /overflows/, build: (t) => { int(t); t.addArray(1, 1, 0x40000000); } },
  { name: 'member past the struct end', bad: 2, msg: /member 'y': Member exceeds struct_size/, build: (t) => { int(t); struct(t, 's', 6, [member('x', 1, 0), member('y', 1, 32)]); } },
  { name: 'pointer member not byte aligned', bad: 3, msg: /not byte aligned/, build: (t) => { int(t); t.addRef(Kind.PTR, '', 1); struct(t, 's', 16, [member('p', 2, 4)]); } },
  { name: 'member of FWD type', bad: 3, msg: /Invalid member/, build: (t) => { int(t); t.begin(s(t, 'f'), Kind.FWD, 0, 0, 0); struct(t, 's', 4, [member('f', 2, 0)]); } },
  { name: 'member typedef of FWD', bad: 4, msg: /Invalid member/, build: (t) => {
    int(t); t.begin(s(t, 'f'), Kind.FWD, 0, 0, 0); t.addRef(Kind.TYPEDEF, 'ft', 2); struct(t, 's', 4, [member('f', 3, 0)]);
  } },
  { name: 'member of FUNC_PROTO type', bad: 3, msg: /Invalid member/, build: (t) => { int(t); t.addFuncProto(1, []); struct(t, 's', 4, [member('f', 2, 0)]); } },
  { name: 'kind_flag member of a bitfield int', bad: 3, msg: /base type/, build: (t) => { int(t); t.addInt('i3', 1, 0, 0, 3); kstruct(t, 's', 4, [['a', 2, 0, 2]]); } },
  { name: 'bitfield wider than its int', bad: 2, msg: /bitfield_size/, build: (t) => { int(t); kstruct(t, 's', 8, [['a', 1, 0, 33]]); } },
  { name: 'kind_flag int member off a byte', bad: 2, msg: /Invalid member offset/, build: (t) => { int(t); kstruct(t, 's', 8, [['a', 1, 3, 0]]); } },
  { name: 'bitfield past the struct end', bad: 2, msg: /exceeds struct_size/, build: (t) => { int(t); kstruct(t, 's', 4, [['a', 1, 30, 4]]); } },
  { name: 'enum bitfield over 32 bits', bad: 2, msg: /bitfield_size/, build: (t) => {
    t.begin(s(t, 'e'), Kind.ENUM64, 0, 0, 8); kstruct(t, 's', 8, [['a', 1, 0, 33]]);
  } },
  { name: 'pointer member with a bitfield size', bad: 3, msg: /bitfield_size/, build: (t) => { int(t); t.addRef(Kind.PTR, '', 1); kstruct(t, 's', 8, [['p', 2, 0, 8]]); } },
  { name: 'misaligned float member', bad: 2, msg: /properly aligned/, build: (t) => { t.begin(s(t, 'double'), Kind.FLOAT, 0, 0, 8); struct(t, 's', 16, [member('d', 1, 32)]); } },
  { name: 'int member reaching over 128 copied bits', bad: 2, msg: /nr_copy_bits/, build: (t) => { t.addInt('i', 16, 0, 0, 128); struct(t, 's', 32, [member('x', 1, 4)]); } },
  { name: 'FUNC to an INT', bad: 2, msg: /FUNC_PROTO/, build: (t) => { int(t); func(t, 'f', 1); } },
  { name: 'FUNC with an unnamed parameter', bad: 3, msg: /arg#2/, build: (t) => { int(t); t.addFuncProto(1, [{ name: 'a', type: 1 }, { name: '', type: 1 }]); func(t, 'f', 2); } },
  { name: 'DECL_TAG on an INT', bad: 2, msg: /Invalid type_id/, build: (t) => { int(t); declTag(t, 'x', 1); } },
  { name: 'DECL_TAG on member 1 of a one-member struct', bad: 3, msg: /component_idx/, build: (t) => { int(t); struct(t, 's', 4, [member('x', 1, 0)]); declTag(t, 'x', 2, 1); } },
  { name: 'DECL_TAG on a VAR component', bad: 3, msg: /component_idx/, build: (t) => { int(t); variable(t, 'v', 1); declTag(t, 'x', 2, 0); } },
  { name: 'DECL_TAG on parameter 2 of a one-parameter FUNC', bad: 4, msg: /component_idx/, build: (t) => {
    int(t); t.addFuncProto(1, [{ name: 'a', type: 1 }]); func(t, 'f', 2); declTag(t, 'x', 3, 1);
  } },
  { name: 'VAR of FWD type', bad: 2, msg: /Invalid type_id/, build: (t) => { t.begin(s(t, 'f'), Kind.FWD, 0, 0, 0); variable(t, 'v', 1); } },
  { name: 'VAR of FUNC_PROTO type', bad: 3, build: (t) => { int(t); t.addFuncProto(1, []); variable(t, 'v', 2); } },
  { name: 'DATASEC entry that is no VAR', bad: 2, msg: /Not a VAR/, build: (t) => { int(t); datasec(t, '.d', 4, [[1, 0, 4]]); } },
  { name: 'DATASEC entry smaller than its VAR', bad: 4, msg: /Invalid size/, build: (t) => { int(t); t.addInt('long', 8, 1); variable(t, 'v', 2); datasec(t, '.d', 8, [[3, 0, 4]]); } },
  { name: 'FUNC_PROTO returning FWD', bad: 2, msg: /return type/, build: (t) => { t.begin(s(t, 'f'), Kind.FWD, 0, 0, 0); t.addFuncProto(1, []); } },
  { name: 'FUNC_PROTO returning a VAR', bad: 3, msg: /return type/, build: (t) => { int(t); variable(t, 'v', 1); t.addFuncProto(2, []); } },
  { name: 'void parameter before the last', bad: 2, msg: /arg#1/, build: (t) => { int(t); t.addFuncProto(1, [{ name: '', type: 0 }, { name: 'b', type: 1 }]); } },
  { name: 'named vararg', bad: 2, msg: /arg#2/, build: (t) => { int(t); t.addFuncProto(1, [{ name: 'a', type: 1 }, { name: 'rest', type: 0 }]); } },
  { name: 'parameter with a bad name', bad: 2, msg: /arg#1/, build: (t) => { int(t); t.addFuncProto(1, [{ name: 'a b', type: 1 }]); } },
  { name: 'parameter of FWD type', bad: 3, msg: /arg#1/, build: (t) => { int(t); t.begin(s(t, 'f'), Kind.FWD, 0, 0, 0); t.addFuncProto(1, [{ name: 'a', type: 2 }]); } },
  { name: 'parameter type resolving to a broken struct', bad: 3, msg: /Member exceeds/, build: (t) => {
    int(t); t.addFuncProto(1, [{ name: 'a', type: 3 }]); struct(t, 's', 2, [member('x', 1, 0)]);
  } },

  // ---- type tags ----
  { name: 'CONST before a TYPE_TAG', bad: 3, msg: /Type tags don't precede modifiers/, build: (t) => {
    int(t); t.addRef(Kind.TYPE_TAG, 'user', 1); t.addRef(Kind.CONST, '', 2); t.addRef(Kind.PTR, '', 3);
  } },
  { name: 'TYPEDEF of a TYPE_TAG', bad: 3, msg: /Type tags/, build: (t) => { int(t); t.addRef(Kind.TYPE_TAG, 'user', 1); t.addRef(Kind.TYPEDEF, 'td', 2); } },
];

function table(c: Case): BtfTable {
  const t = new BtfTable();
  c.build(t);
  return t;
}

describe('validateBtf on hand-built tables', () => {
  for (const c of valid) {
    it(`accepts: ${c.name}`, () => {
      const t = table(c);
      expect(validateAll(t)).toEqual([]);
      if (kernel) {
        const k = kernelLoad(t.serialize());
        expect(k.accepted, `kernel log:\n${k.log}`).toBe(true);
      }
    });
  }
  for (const c of invalid) {
    it(`rejects: ${c.name}`, () => {
      const t = table(c);
      const p = validateBtf(t);
      expect(p, 'a problem').not.toBeNull();
      expect(p!.id, p!.text).toBe(c.bad);
      if (c.msg) expect(p!.text).toMatch(c.msg);
      expect(p!.text.startsWith(`[${c.bad}] ${p!.kind} `)).toBe(true);
      if (kernel) {
        const k = kernelLoad(t.serialize());
        expect(k.accepted, `kernel accepted what we reject: ${p!.text}`).toBe(false);
        if (k.id !== null) expect(k.id, `kernel log:\n${k.log}\nours: ${p!.text}`).toBe(c.bad);
      }
    });
  }
});

describe('validateAll', () => {
  it('goes on after a problem, without reporting types that depend on a broken one', () => {
    const t = new BtfTable();
    int(t); // 1
    t.addRef(Kind.PTR, 'p', 1); // 2: named pointer
    t.addRef(Kind.CONST, '', 2); // 3: refers to the broken pointer only
    t.addInt('i', 4, 3); // 4: bad encoding
    struct(t, 's', 2, [member('x', 1, 0)]); // 5: too small
    t.addRef(Kind.TYPEDEF, 'loop', 6); // 6: loop
    const all = validateAll(t);
    expect(all.map((p) => p.id)).toEqual([2, 4, 5, 6]);
    expect(validateAll(t, 2).map((p) => p.id)).toEqual([2, 4]);
    expect(validateBtf(t)!.id).toBe(2);
  });
});

describe('string section and header', () => {
  it('checks the string section of base and split BTF', () => {
    const t = new BtfTable();
    int(t);
    t.strings.bytes[0] = 65; // no longer starts with NUL
    expect(validateBtf(t)!.text).toMatch(/^strings: Invalid string section/);
    const base = new BtfTable();
    int(base);
    const split = new BtfTable(base);
    expect(validateBtf(split)).toBeNull(); // no types, no strings: fine for split BTF
    expect(validateBtf(new BtfTable())!.text).toMatch(/No type found/);
  });

  const good = () => {
    const t = new BtfTable();
    int(t);
    t.addRef(Kind.TYPEDEF, 'myint', 1);
    return t.serialize();
  };
  const cases: [string, (b: Uint8Array) => Uint8Array, RegExp][] = [
    ['bad magic', (b) => { b[0] = 0; return b; }, /Invalid magic/],
    ['big-endian data', (b) => { b.set([0xeb, 0x9f], 0); return b; }, /Invalid magic/],
    ['version 2', (b) => { b[2] = 2; return b; }, /Unsupported version/],
    ['flags', (b) => { b[3] = 1; return b; }, /Unsupported flags/],
    ['header longer than the data', (b) => { new DataView(b.buffer).setUint32(4, 1000, true); return b; }, /btf_header not found/],
    ['non-zero bytes in a longer header', (b) => {
      const c = new Uint8Array(b.length + 8);
      c.set(b.subarray(0, 24));
      c.set(b.subarray(24), 32);
      new DataView(c.buffer).setUint32(4, 32, true);
      c[28] = 1;
      return c;
    }, /Unsupported btf_header/],
    ['gap between sections', (b) => {
      const dv = new DataView(b.buffer);
      const c = new Uint8Array(b.length + 4);
      const typeLen = dv.getUint32(12, true);
      c.set(b.subarray(0, 24 + typeLen));
      c.set(b.subarray(24 + typeLen), 28 + typeLen);
      new DataView(c.buffer).setUint32(16, typeLen + 4, true);
      return c;
    }, /Unsupported section found/],
    ['strings before types', (b) => {
      const dv = new DataView(b.buffer);
      const typeLen = dv.getUint32(12, true), strLen = dv.getUint32(20, true);
      const c = new Uint8Array(b.length);
      c.set(b.subarray(0, 24));
      c.set(b.subarray(24 + typeLen), 24);
      c.set(b.subarray(24, 24 + typeLen), 24 + strLen);
      const cv = new DataView(c.buffer);
      cv.setUint32(8, strLen, true);
      cv.setUint32(16, 0, true);
      return c;
    }, /String section is not at the end/],
    ['string section not ending in NUL', (b) => { b[b.length - 1] = 65; return b; }, /Invalid string section/],
    ['no data', (b) => {
      const c = b.slice(0, 24);
      const dv = new DataView(c.buffer);
      dv.setUint32(12, 0, true); dv.setUint32(16, 0, true); dv.setUint32(20, 0, true);
      return c;
    }, /No data/],
  ];
  it('accepts a good blob', () => {
    expect(validateBtfBytes(good())).toEqual([]);
  });
  for (const [name, mangle, msg] of cases) {
    it(`rejects: ${name}`, () => {
      const bytes = mangle(good());
      const problems = validateBtfBytes(bytes);
      expect(problems.length).toBeGreaterThan(0);
      expect(problems[0].text).toMatch(msg);
      if (kernel) expect(kernelLoad(bytes).accepted).toBe(false);
    });
  }
});

describe('scripts/bpf-btf-load.py', () => {
  it.skipIf(!haveTool('python3'))('exits 2 without a readable file', () => {
    expect(run(python, [LOADER]).status).toBe(2);
    expect(run(python, [LOADER, join(dir, 'no-such.btf')]).status).toBe(2);
  });

  it.skipIf(!kernelProbe())('prints accepted, or the verifier log', () => {
    const t = new BtfTable();
    int(t);
    const ok = join(dir, 'ok.btf');
    writeFileSync(ok, t.serialize());
    expect(run(python, [LOADER, ok])).toMatchObject({ status: 0, out: 'accepted\n' });
    t.addInt('bad', 4, 3);
    const bad = join(dir, 'bad.btf');
    writeFileSync(bad, t.serialize());
    const r = run(python, [LOADER, bad]);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/^\[2\] INT bad .*Unsupported encoding$/m);
  });
});

// ---- real BTF: pahole output, clang's .BTF, vmlinux ----

const tools = {
  pahole: haveTool('pahole'),
  gcc: haveTool('gcc'),
  clang: haveTool('clang'),
  objcopy: haveTool('llvm-objcopy'),
};
const missing = Object.entries(tools).filter(([, ok]) => !ok).map(([name]) => name);
if (missing.length) console.warn(`validate.test: skipping checks of real BTF that need: ${missing.join(', ')}`);


describe.skipIf(!tools.pahole || !tools.gcc || !tools.clang)('validateBtf on pahole output', () => {
  it('finds nothing wrong with base BTF, and neither does the kernel', () => {
    for (const [name, cc, src] of [['kinds', 'gcc', 'kinds.c'], ['tags', 'clang', 'tags.c'], ['split-full', 'gcc', 'split.c']]) {
      const file = paholeBtf(dir, name, cc, src);
      const bytes = readFileSync(file);
      expect(validateBtfBytes(bytes), name).toEqual([]);
      if (kernel) expect(kernelLoad(bytes).accepted, name).toBe(true);
    }
  });

  it('finds nothing wrong with split BTF', () => {
    const baseFile = paholeBtf(dir, 'kinds', 'gcc', 'kinds.c');
    const base = BtfTable.parse(readFileSync(baseFile));
    const split = BtfTable.parse(readFileSync(paholeBtf(dir, 'split', 'gcc', 'split.c', [`--btf_base=${baseFile}`])), base);
    expect(validateAll(split)).toEqual([]);
  });

  it('reports a broken split type by its split id', () => {
    const base = BtfTable.parse(readFileSync(paholeBtf(dir, 'kinds', 'gcc', 'kinds.c')));
    const split = new BtfTable(base);
    const p = split.addRef(Kind.PTR, '', 1); // to a base type
    const bad = struct(split, 'in_split', 4, [member('x', p, 0)]);
    expect(validateBtf(split)!.id).toBe(bad);
    expect(validateBtf(split)!.text).toMatch(/Member exceeds struct_size/);
  });
});

/** Mutated copies of real BTF: references, member offsets and sizes set to other values. */
function* mutants(t0: BtfTable, n: number, seed: number): Generator<BtfTable> {
  let x = seed;
  const rand = (m: number) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return Math.floor((x / 2 ** 32) * m);
  };
  const refs: number[] = [], offsets: number[] = [], sizes: number[] = [];
  for (let id = t0.startId; id < t0.endId; id++) {
    const at = t0.at(id) + 3, k = t0.kind(id), vlen = t0.vlen(id);
    if (k === Kind.ARRAY) refs.push(at, at + 1), sizes.push(at + 2);
    else if (k === Kind.STRUCT || k === Kind.UNION) for (let i = 0; i < vlen; i++) refs.push(at + 3 * i + 1), offsets.push(at + 3 * i + 2);
    else if (k === Kind.FUNC_PROTO) for (let i = 0; i < vlen; i++) refs.push(at + 2 * i + 1);
    else if (k === Kind.DATASEC) for (let i = 0; i < vlen; i++) refs.push(at + 3 * i), offsets.push(at + 3 * i + 1), sizes.push(at + 3 * i + 2);
    if (k === Kind.INT || k === Kind.STRUCT || k === Kind.UNION || k === Kind.ENUM || k === Kind.FLOAT || k === Kind.DATASEC) sizes.push(at - 1);
    else if (k !== Kind.ARRAY && k !== Kind.FWD && k !== Kind.ENUM64) refs.push(at - 1);
  }
  for (let i = 0; i < n; i++) {
    const t = BtfTable.parse(t0.serialize());
    for (let m = 1 + rand(3); m > 0; m--) {
      const c = rand(10);
      const pick = (a: number[]) => a[rand(a.length)];
      if (c < 6) t.words[pick(refs)] = rand(t.endId + 1);
      else if (c < 8 && offsets.length) { const w = pick(offsets); t.words[w] = rand(2) ? (t.words[w] + rand(17) - 8) >>> 0 : rand(1024); }
      else { const w = pick(sizes); t.words[w] = rand(2) ? (t.words[w] + rand(9) - 4) >>> 0 : rand(64); }
    }
    yield t;
  }
}

describe.skipIf(!tools.pahole || !tools.gcc || !tools.clang)('validateBtf agrees with the kernel on broken real BTF', () => {
  it.skipIf(!kernelProbe())('on mutated pahole output', () => {
    let rejected = 0;
    for (const [name, cc, src] of [['kinds', 'gcc', 'kinds.c'], ['tags', 'clang', 'tags.c']]) {
      const t0 = BtfTable.parse(readFileSync(paholeBtf(dir, name, cc, src)));
      for (const t of mutants(t0, 60, name.length)) {
        const p = validateBtf(t);
        const k = kernelLoad(t.serialize());
        expect(k.accepted, `ours: ${p?.text ?? 'accepted'}\nkernel:\n${k.log}`).toBe(p === null);
        if (p && k.id !== null) expect(p.id, `ours: ${p.text}\nkernel:\n${k.log}`).toBe(k.id);
        if (p) rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(40); // the mutations do break things
  });
});

describe.skipIf(!tools.clang || !tools.objcopy)("validateBtf on clang's .BTF for the bpf target", () => {
  it('rejects what the kernel rejects (extern VAR, DATASEC sizes not yet fixed up by libbpf)', () => {
    const btf = clangBpfBtf(dir);
    const bytes = readFileSync(btf);
    const problems = validateBtfBytes(bytes);
    expect(problems.map((p) => p.message).join('\n')).toMatch(/Linkage not supported/);
    expect(problems.some((p) => p.kind === 'DATASEC' && /size == 0/.test(p.message))).toBe(true);
    if (kernel) {
      const k = kernelLoad(bytes);
      expect(k.accepted).toBe(false);
      expect(k.id).toBe(problems[0].id);
    }
  });
});

describe.skipIf(!existsSync(VMLINUX))('validateBtf on the running kernel', () => {
  it('finds nothing wrong with vmlinux BTF, quickly', () => {
    const bytes = readFileSync(VMLINUX);
    const t0 = performance.now();
    const problems = validateBtfBytes(bytes);
    const ms = performance.now() - t0;
    expect(problems).toEqual([]);
    console.log(`vmlinux: parsed and validated in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(5000);
  });

  it('validates split BTF over vmlinux', () => {
    if (!tools.pahole || !tools.gcc) return;
    const base = BtfTable.parse(readFileSync(VMLINUX));
    const split = BtfTable.parse(readFileSync(paholeBtf(dir, 'split-vmlinux', 'gcc', 'split.c', [`--btf_base=${VMLINUX}`])), base);
    expect(validateAll(split)).toEqual([]);
  });
});
