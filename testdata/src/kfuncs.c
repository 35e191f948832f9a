/* kfuncs.c - kfunc sets in .BTF_ids, laid out as the kernel's BTF_KFUNCS_START / BTF_ID_FLAGS /
 * BTF_KFUNCS_END macros lay them out (see btf_ids.h), for pahole 1.31's decl_tag_kfuncs: every
 * function of a kfunc set gets DECL_TAG "bpf_kfunc" on its FUNC, plus "bpf_fastcall" with
 * KF_FASTCALL. Also: a set8 that is not a kfunc set, a plain id list, a set entry naming a
 * function this object does not define, a name with "__" inside, and (clang) the kernel's
 * __bpf_kfunc annotation, a btf_decl_tag "bpf_kfunc" of its own. */
#include "btf_ids.h"

#if defined(__clang__)
#define __bpf_kfunc __attribute__((noinline, used, btf_decl_tag("bpf_kfunc")))
#else
#define __bpf_kfunc __attribute__((noinline, used))
#endif

struct task {
	int pid;
	struct task *parent;
};

__bpf_kfunc struct task *bpf_task_acquire(struct task *p)
{
	return p->pid ? p : (struct task *)0;
}

__bpf_kfunc void bpf_task_release(struct task *p)
{
	p->pid = 0;
}

__bpf_kfunc int bpf_fast_add(int a, int b)
{
	return a + b;
}

__bpf_kfunc int bpf__double__underscore(int x)
{
	return x * 2;
}

__attribute__((noinline, used)) int not_a_kfunc(int x)
{
	return x - 1;
}

__attribute__((noinline, used)) int listed_only(int x)
{
	return x + 3;
}

int kfuncs_entry(struct task *t)
{
	return bpf_fast_add(1, 2) + bpf__double__underscore(3) + not_a_kfunc(4) + listed_only(5) +
	       (bpf_task_acquire(t) != 0);
}

BTF_KFUNCS_START(demo_kfunc_ids)
BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_task_release, KF_RELEASE)
BTF_ID_FLAGS(func, bpf_fast_add, KF_FASTCALL)
BTF_ID_FLAGS(func, bpf__double__underscore)
BTF_ID_FLAGS(func, bpf_not_defined_here)
BTF_KFUNCS_END(demo_kfunc_ids)

BTF_SET8_START(demo_other_ids)
BTF_ID_FLAGS(func, not_a_kfunc)
BTF_SET8_END(demo_other_ids)

BTF_ID_LIST(demo_list)
BTF_ID(func, listed_only)
BTF_ID(struct, task)
