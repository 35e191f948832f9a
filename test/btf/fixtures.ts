// BTF made from the C fixtures of testdata/btf by the tools the tests compare with: pahole's
// detached BTF of a gcc/clang object, and clang's own .BTF for the bpf target.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../testdata/btf/', import.meta.url));

/** Runs a command; its stdout, or an error naming it with its stderr. */
export function must(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${(r.stderr ?? '') + (r.error ? String(r.error) : '')}`);
  return r.stdout ?? '';
}

/** Fixture `src` compiled by `compiler` into `dir`, then pahole -J --btf_gen_floats: the .btf path. */
export function paholeBtf(dir: string, name: string, compiler: string, src: string, extra: string[] = []): string {
  const obj = join(dir, `${name}.o`);
  const btf = join(dir, `${name}.btf`);
  must(compiler, ['-g', '-O1', '-c', join(FIXTURES, src), '-o', obj]);
  must('pahole', ['-J', '--btf_gen_floats', ...extra, `--btf_encode_detached=${btf}`, obj]);
  return btf;
}

/** tags.c compiled by clang for the bpf target into `dir`; its .BTF section's path. */
export function clangBpfBtf(dir: string): string {
  const obj = join(dir, 'tags.bpf.o');
  const btf = join(dir, 'tags.bpf.btf');
  must('clang', ['-target', 'bpf', '-g', '-O2', '-c', join(FIXTURES, 'tags.c'), '-o', obj]);
  must('llvm-objcopy', [`--dump-section=.BTF=${btf}`, obj]);
  return btf;
}
