// Fragments as a worker sends them: packed, structured-cloned with their buffers transferred,
// unpacked on the other side, they equal what the encoder made.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StringTable } from '../../src/btf/strings.js';
import { DieReader } from '../../src/dwarf/die.js';
import { ElfFile } from '../../src/elf/reader.js';
import { CuEncoder, type CuFragment, type FuncCandidate, type VarCandidate } from '../../src/encode/cu.js';
import { defaultFeatures, rulesFor } from '../../src/encode/features.js';
import { copyFragment, packFragment, unpackFragment } from '../../src/encode/fragment.js';
import { cuOptions, openDwarf } from '../../src/encode/pipeline.js';

const OBJ = path.resolve(import.meta.dirname, '../../testdata/obj');

/** The fragment's contents as plain values (its tables' used words, its candidates). */
function contents(f: CuFragment) {
  const { types, protos, ...rest } = f;
  return {
    ...rest,
    types: [...types.words.subarray(0, types.nWords)], typeOffs: [...types.offs.subarray(0, types.count)],
    protos: [...protos.words.subarray(0, protos.nWords)], protoOffs: [...protos.offs.subarray(0, protos.count)],
  };
}

/** Sends `f` as the worker does and receives it as the main thread does. */
function sent(f: CuFragment, strings: StringTable): CuFragment {
  const transfer: ArrayBuffer[] = [];
  const msg = structuredClone(packFragment(f, transfer), { transfer });
  return unpackFragment(msg, strings);
}

function fragments(file: string): { frags: CuFragment[]; strings: StringTable } {
  const elf = ElfFile.open(path.join(OBJ, file));
  try {
    const features = defaultFeatures();
    const opts = cuOptions(features, [], elf.machine, rulesFor(features));
    const dwarf = openDwarf(elf, opts.funcChecks);
    const strings = new StringTable(0, 1 << 16);
    const enc = new CuEncoder(new DieReader(dwarf.sec), opts, strings);
    const frags: CuFragment[] = [];
    for (const u of dwarf.units) {
      const f = enc.encode(u, dwarf.window?.(u));
      if (f) frags.push(f);
    }
    return { frags, strings };
  } finally {
    elf.close();
  }
}

describe('fragment messages', () => {
  // every committed object BTF can hold (not the complex-number ones): functions, variables (per-CPU, static, extern), decl tags (clang)
  const files = fs.readdirSync(OBJ).filter((f) => f.endsWith('.o') && !f.includes('_bad') && !f.startsWith('complex'));

  it('arrive equal to what was encoded, candidates and tables alike', () => {
    let funcs = 0, vars = 0, tagged = 0;
    for (const file of files) {
      const { frags, strings } = fragments(file);
      for (const f of frags) {
        const before = contents(f);
        const after = sent(f, strings);
        expect(contents(after), file).toEqual({ ...before, reloc: after.reloc });
        expect(after.reloc!.refs.length + after.reloc!.strs.length).toBeGreaterThan(0);
        funcs += f.funcs.length;
        vars += f.vars.length;
        tagged += [...f.funcs, ...f.vars].filter((c) => c.tags).length;
      }
    }
    // the objects exercise what the packing has to carry
    expect(funcs).toBeGreaterThan(100);
    expect(vars).toBeGreaterThan(50);
    expect(tagged).toBeGreaterThan(5);
  });

  it('carry every flag, null and tag of their candidates', () => {
    const { frags, strings } = fragments('vars.gcc-x86_64-dwarf5.o');
    const f = frags[0];
    const func = (i: number): FuncCandidate => ({
      name: i === 1 ? null : `f${i}`, external: (i & 1) === 1, proto: i + 1, tags: i === 2 ? [{ value: 'x', component: -1 }] : null,
      die: 0xfffffff0 + i, unexpectedReg: (i & 2) === 2, uncertainLoc: (i & 4) === 4,
    });
    const variable = (i: number): VarCandidate => ({
      name: i === 3 ? null : `v${i}`, declaration: (i & 1) === 1, global: (i & 2) === 2, addrLo: 0xffffffff - i, addrHi: 0x80000000 + i,
      hasSpec: (i & 4) === 4, specName: i === 5 ? null : `s${i}`, topLevel: (i & 8) === 8, artificial: (i & 16) === 16,
      type: i, external: (i & 32) === 32, size: 2 ** 33 + i, tags: i === 6 ? [{ value: 'y', component: 0 }, { value: 'z', component: -1 }] : null,
      die: i,
    });
    const funcs = Array.from({ length: 8 }, (_, i) => func(i));
    const vars = Array.from({ length: 64 }, (_, i) => variable(i));
    const after = sent({ ...f, funcs, vars }, strings);
    expect(after.funcs).toEqual(funcs);
    expect(after.vars).toEqual(vars);
    expect(sent({ ...f, funcs: [], vars: [] }, strings)).toMatchObject({ funcs: [], vars: [] });
  });

  it('copied on this thread, outlive the encoder reusing its tables', () => {
    const elf = ElfFile.open(path.join(OBJ, 'multi.gcc-x86_64-dwarf5.o'));
    try {
      const features = defaultFeatures();
      const opts = cuOptions(features, [], elf.machine, rulesFor(features));
      const dwarf = openDwarf(elf, opts.funcChecks);
      const enc = new CuEncoder(new DieReader(dwarf.sec), opts, new StringTable(0, 1 << 16), true);
      const copies: CuFragment[] = [], seen: ReturnType<typeof contents>[] = [];
      for (const u of dwarf.units) {
        const f = enc.encode(u, dwarf.window?.(u));
        if (!f) continue;
        seen.push(contents(f));
        copies.push(copyFragment(f));
      }
      expect(copies.length).toBeGreaterThan(1);
      copies.forEach((c, i) => expect(contents(c)).toEqual({ ...seen[i], reloc: c.reloc }));
    } finally {
      elf.close();
    }
  });
});
