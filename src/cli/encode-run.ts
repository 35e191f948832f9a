/**
 * One encode as the command lines run it (`dwarf2btf encode` and `dwarf2btf-pahole`): load the
 * base, encode, check that the base fits the module, distill the base if asked, write the
 * result — in place (sections of the input) or to a raw BTF file — atomically.
 */
import * as fs from 'node:fs';
import { distillBase } from '../btf/distill.js';
import { Kind } from '../btf/kinds.js';
import type { BtfTable } from '../btf/table.js';
import { validateBtf } from '../btf/validate.js';
import { ElfFile } from '../elf/reader.js';
import { setSections, writeFileAtomic, type SectionContents } from '../elf/writer.js';
import { InputError } from '../errors.js';
import type { Features, Rules } from '../encode/features.js';
import { encodeElfParallel, type EncodeResult } from '../encode/pipeline.js';
import { BTF_BASE_SECTION, loadBaseBtf } from './load.js';

export interface EncodeRun {
  file: string;
  features: Features;
  /** --btf_base: a vmlinux (ELF with .BTF) or raw BTF; the output is split BTF over it. */
  basePath?: string | null;
  /** The base to use when a distilled base is asked for without `basePath`, if that file exists. */
  defaultBasePath?: string;
  /** Write raw BTF here instead of adding sections to `file`. */
  out?: string | null;
  /**
   * With the distilled_base feature and `out`: where the distilled base goes. 'sibling' (default):
   * `out + '.base'`, next to the split BTF over it; 'none': not distilled at all (pahole writes
   * plain split BTF with --btf_encode_detached whatever the features say).
   */
  distilledOut?: 'sibling' | 'none';
  jobs?: number;
  /** Whose function and variable rules (default: chosen by the features, see rulesFor). */
  rules?: Rules;
  langExclude?: string[];
  verbose?: boolean;
  log?: (line: string) => void;
  progress?: (done: number, total: number) => void;
}

export interface EncodeRunResult extends EncodeResult {
  /** What was written: the split (or only) BTF, and the distilled base if one was made. */
  written: { btf: BtfTable; base: BtfTable | null };
}

/** Runs `fn`, prefixing input errors with the file they are about. */
function about<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InputError && !e.message.startsWith(file + ': ')) throw new InputError(`${file}: ${e.message}`);
    throw e;
  }
}

/**
 * Inputs smaller than this much DWARF are encoded on the calling thread whatever `jobs` says:
 * starting workers costs more than a module's few units take (a kernel build runs pahole -j on
 * every module).
 */
const MIN_PARALLEL_DEBUG_INFO = 16 << 20;

export async function runEncode(r: EncodeRun): Promise<EncodeRunResult> {
  const { file } = r;
  const distill = r.features.distilled_base && r.distilledOut !== 'none';
  let basePath = r.basePath ?? null;
  if (!basePath && distill && r.defaultBasePath && fs.existsSync(r.defaultBasePath)) basePath = r.defaultBasePath;
  const base = basePath ? about(basePath, () => loadBaseBtf(basePath as string)) : null;
  if (distill && !base) throw new InputError(`${file}: the distilled_base feature needs the BTF of the kernel the module is built for (--btf_base vmlinux): only split BTF has a base to distill`);

  const elf = about(file, () => ElfFile.open(file));
  let res: EncodeResult;
  try {
    if (!r.out) {
      about(file, () => {
        if (!distill && elf.section(BTF_BASE_SECTION)) {
          throw new InputError(`has a ${BTF_BASE_SECTION} section (a distilled base from an earlier encode) that the new .BTF would not match: encode with --btf_features=distilled_base, or remove it first (objcopy --remove-section ${BTF_BASE_SECTION})`);
        }
      });
    }
    if (base && base.bigEndian === elf.littleEndian) {
      throw new InputError(`${file}: the base BTF ${basePath} is ${base.bigEndian ? 'big' : 'little'}-endian, the file ${elf.littleEndian ? 'little' : 'big'}-endian: not its kernel`);
    }
    const info = elf.section('.debug_info');
    const jobs = info && info.size < MIN_PARALLEL_DEBUG_INFO ? 1 : r.jobs ?? 1;
    res = await aboutAsync(file, () => encodeElfParallel(elf, {
      features: r.features, base, jobs, rules: r.rules, langExclude: r.langExclude, verbose: r.verbose, log: r.log, progress: r.progress,
    }));
  } finally {
    elf.close();
  }

  if (base) {
    const mismatch = baseMismatch(res.btf);
    if (mismatch) throw new InputError(`${file}: the base BTF ${basePath} does not match it: ${mismatch}`);
  }

  let btf = res.btf;
  let distilled: BtfTable | null = null;
  if (distill) {
    const d = about(file, () => distillBase(res.btf));
    const problem = validateBtf(d.split);
    if (problem) throw new InputError(`${file}: the BTF over the distilled base would be rejected by the kernel: ${problem.text}`);
    btf = d.split;
    distilled = d.base;
  }

  const bigEndian = !res.littleEndian;
  const bytes = btf.serialize(bigEndian);
  if (r.out) {
    const out = r.out;
    if (distilled) about(out + '.base', () => writeFileAtomic(out + '.base', distilled.serialize(bigEndian)));
    about(out, () => writeFileAtomic(out, bytes));
  } else {
    // a linked vmlinux may have an allocated .BTF already: if the new one is bigger it leaves
    // the segment (the kernel build extracts it with objcopy --only-section=.BTF anyway)
    const sections: SectionContents[] = [{ name: '.BTF', data: bytes, mayLeaveSegment: true }];
    if (distilled) sections.push({ name: BTF_BASE_SECTION, data: distilled.serialize(bigEndian), mayLeaveSegment: true });
    about(file, () => setSections(file, sections, file));
  }
  return { ...res, written: { btf, base: distilled } };
}

async function aboutAsync<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof InputError && !e.message.startsWith(file + ': ')) throw new InputError(`${file}: ${e.message}`);
    throw e;
  }
}

/**
 * Whether split BTF `t` was encoded over the base of another kernel (or of no kernel). Every
 * kernel module defines `struct module` (its `__this_module`), and so does the kernel's own BTF.
 * Over the right base dedup usually maps the module's copy onto the base's; when it keeps a copy
 * (it does for about 3% of Debian's modules, whose struct module graph reaches a type that
 * differs), the copy still has the base's size. A struct module of another size means the module
 * was built for another kernel; none in the base means the base is no kernel's BTF. Objects
 * without a struct module are not checked.
 */
export function baseMismatch(t: BtfTable): string | null {
  const base = t.base;
  if (!base) return null;
  const off = t.findStr('module');
  if (off < 0) return null;
  let own = -1;
  for (let id = t.startId; id < t.endId; id++) {
    if (t.nameOff(id) === off && t.kind(id) === Kind.STRUCT && t.vlen(id) > 0) { own = id; break; }
  }
  if (own < 0) return null;
  let other = -1;
  if (off < t.strings.start) {
    for (let id = 1; id < base.endId; id++) {
      if (base.nameOff(id) !== off || base.kind(id) !== Kind.STRUCT || base.vlen(id) === 0) continue;
      if (base.sizeOrType(id) === t.sizeOrType(own)) return null;
      other = id;
    }
  }
  if (other < 0) return 'it defines struct module, which the base lacks: the base is not the BTF of a kernel with modules';
  return `its struct module has size ${t.sizeOrType(own)}, the base's [${other}] ${base.sizeOrType(other)}: it was built for another kernel`;
}
