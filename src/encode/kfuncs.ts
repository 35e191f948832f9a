/**
 * kfuncs: kernel functions BPF programs may call, registered in `.BTF_ids` kfunc sets. The
 * kernel's BTF_KFUNCS_START(set) / BTF_ID_FLAGS(func, name, flags) / BTF_KFUNCS_END(set) macros
 * lay a set out as
 *
 *   __BTF_ID__set8__<set>:          u32 count, u32 flags (BTF_SET8_KFUNCS = 1 for kfunc sets)
 *   __BTF_ID__func__<name>__<n>:    u32 id (filled in by resolve_btfids), u32 kfunc flags
 *   ...
 *
 * with the set symbol's size spanning its entries. pahole 1.31 (decl_tag_kfuncs) tags the FUNC of
 * every function listed in a kfunc set with DECL_TAG "bpf_kfunc", plus "bpf_fastcall" when its
 * flags have KF_FASTCALL. With the attributes feature too, a kfunc whose flags say that its return
 * value or first or second argument points into a BPF arena (KF_ARENA_RET, KF_ARENA_ARG1,
 * KF_ARENA_ARG2) has that pointer replaced in its prototype by a new PTR to a TYPE_TAG
 * "address_space(1)" with kind_flag set (a type attribute, which the kernel accepts from 6.16).
 */
import type { ElfFile } from '../elf/reader.js';
import { InputError } from '../errors.js';
import type { ElfFunctions } from './symtab.js';

const SET8_PREFIX = '__BTF_ID__set8__';
const FUNC_PREFIX = '__BTF_ID__func__';
const BTF_SET8_KFUNCS = 1;
/** include/linux/btf.h */
export const KF_FASTCALL = 1 << 12;
export const KF_ARENA_RET = 1 << 13;
export const KF_ARENA_ARG1 = 1 << 14;
export const KF_ARENA_ARG2 = 1 << 15;
export const ARENA_ATTR = 'address_space(1)';
export const KFUNC_TAG = 'bpf_kfunc';
export const FASTCALL_TAG = 'bpf_fastcall';

/**
 * The function a `__BTF_ID__func__<name>__<n>` symbol names, or null: the text between the
 * prefix and the last "__" before the final '_'-free counter.
 */
export function kfuncName(sym: string): string | null {
  if (!sym.startsWith(FUNC_PREFIX)) return null;
  const rest = sym.slice(FUNC_PREFIX.length);
  if (!rest.includes('__')) return null;
  const last = rest.lastIndexOf('_');
  if (last < 1 || rest[last - 1] !== '_') return null;
  return rest.slice(0, last - 1);
}

/**
 * Marks the kfuncs of `elf`'s .BTF_ids kfunc sets in `fns` (kfunc, kfuncFlags). Returns how many
 * set entries named a known function. Files without .BTF_ids or a symbol table have none.
 */
export function collectKfuncs(elf: ElfFile, fns: ElfFunctions): number {
  const sec = elf.section('.BTF_ids');
  const syms = elf.symbols();
  if (!sec || !syms) return 0;
  const data = elf.sectionData(sec);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const le = elf.littleEndian;
  const base = sec.addr;
  const ranges: bigint[] = [];
  for (let i = 0; i < syms.count; i++) {
    if (syms.shndx[i] !== sec.index) continue;
    const name = syms.name(i);
    if (!name.startsWith(SET8_PREFIX)) continue;
    const off = Number(syms.value[i] - base);
    if (off < 0 || off + 8 > data.length) continue;
    if ((dv.getUint32(off + 4, le) & BTF_SET8_KFUNCS) === 0) continue;
    ranges.push(syms.value[i], syms.value[i] + syms.size[i]);
  }
  if (ranges.length === 0) return 0;
  let found = 0;
  for (let i = 0; i < syms.count; i++) {
    if (syms.shndx[i] !== sec.index) continue;
    const func = kfuncName(syms.name(i));
    if (func === null) continue;
    const addr = syms.value[i];
    let r = 0;
    while (r < ranges.length && !(ranges[r] <= addr && addr < ranges[r + 1])) r += 2;
    if (r >= ranges.length) continue;
    const off = Number(addr - base);
    if (off < 0 || off + 8 > data.length) {
      throw new InputError(`kfunc '${func}' lies outside section .BTF_ids`);
    }
    const k = fns.index.get(func);
    if (k === undefined) continue;
    fns.kfunc[k] = 1;
    fns.kfuncFlags[k] = dv.getUint32(off + 4, le);
    found++;
  }
  return found;
}
