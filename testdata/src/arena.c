/* arena.c - kfuncs that take or return pointers into a BPF arena, flagged KF_ARENA_RET,
 * KF_ARENA_ARG1 and KF_ARENA_ARG2 in their kfunc set (as the kernel's bpf_arena kfuncs are, from
 * 6.16). With pahole 1.31's "attributes" feature (and decl_tag_kfuncs), each flagged pointer of
 * the prototype becomes a new PTR to a TYPE_TAG "address_space(1)" with kind_flag set, on the
 * type it pointed to. Also: an arena flag on a function of a set8 that is not a kfunc set (no
 * effect), and a flagged kfunc whose prototype another unflagged function shares. */
#include "btf_ids.h"

#define __bpf_kfunc __attribute__((noinline, used))

struct page {
	unsigned long flags;
	struct page *next;
};

__bpf_kfunc void *bpf_arena_alloc(void *map, unsigned int n, int node)
{
	return n ? map : (void *)0;
}

__bpf_kfunc void bpf_arena_free(void *map, void *ptr, unsigned int n)
{
	*(char *)ptr = (char)n;
}

__bpf_kfunc struct page *bpf_arena_swap(struct page *a, struct page *b)
{
	a->next = b;
	return b->next;
}

__bpf_kfunc const struct page *bpf_arena_peek(const struct page *p, int i)
{
	return p + i;
}

/* the same prototype as bpf_arena_swap, not flagged */
__bpf_kfunc struct page *bpf_page_swap(struct page *a, struct page *b)
{
	b->next = a;
	return a->next;
}

__attribute__((noinline, used)) struct page *not_a_kfunc_arena(struct page *p)
{
	return p->next;
}

int arena_entry(struct page *p)
{
	return bpf_arena_swap(p, p) == bpf_page_swap(p, p) && not_a_kfunc_arena(p) &&
	       bpf_arena_peek(p, 1) && bpf_arena_alloc(p, 1, 0);
}

BTF_KFUNCS_START(arena_kfunc_ids)
BTF_ID_FLAGS(func, bpf_arena_alloc, KF_ARENA_RET | KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_arena_free, KF_ARENA_ARG2)
BTF_ID_FLAGS(func, bpf_arena_swap, KF_ARENA_RET | KF_ARENA_ARG1 | KF_ARENA_ARG2)
BTF_ID_FLAGS(func, bpf_arena_peek, KF_ARENA_ARG1 | KF_FASTCALL)
BTF_ID_FLAGS(func, bpf_page_swap)
BTF_KFUNCS_END(arena_kfunc_ids)

BTF_SET8_START(arena_other_ids)
BTF_ID_FLAGS(func, not_a_kfunc_arena, KF_ARENA_RET | KF_ARENA_ARG1)
BTF_SET8_END(arena_other_ids)
