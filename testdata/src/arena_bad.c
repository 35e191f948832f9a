/* arena_bad.c - a kfunc flagged KF_ARENA_ARG1 whose first argument is not a pointer: with the
 * "attributes" feature pahole 1.31 fails to encode the file, and so must dwarf2btf. Without the
 * feature the flag means nothing to the encoder. */
#include "btf_ids.h"

__attribute__((noinline, used)) int bpf_arena_bad(int n, void *p)
{
	return n + (p != 0);
}

int arena_bad_entry(void)
{
	return bpf_arena_bad(1, (void *)0);
}

BTF_KFUNCS_START(arena_bad_ids)
BTF_ID_FLAGS(func, bpf_arena_bad, KF_ARENA_ARG1)
BTF_KFUNCS_END(arena_bad_ids)
