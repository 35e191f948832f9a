/* A small out-of-tree module for the Kbuild test (test/cli/kbuild.test.ts): kernel structs
 * embedded and pointed to, an anonymous struct, an exported function, and a kfunc set
 * (BTF_KFUNCS_START/BTF_ID_FLAGS in .BTF_ids) whose functions get DECL_TAG bpf_kfunc. */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/module.h>
#include <linux/init.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

struct hello_item {
	struct list_head node;
	spinlock_t lock;
	u64 value;
	struct { struct kref ref; atomic_t users; } counts;
};

static LIST_HEAD(hello_items);

int hello_add(u64 value);

noinline int hello_add(u64 value)
{
	struct hello_item *it = kzalloc(sizeof(*it), GFP_KERNEL);

	if (!it)
		return -ENOMEM;
	it->value = value;
	spin_lock_init(&it->lock);
	list_add(&it->node, &hello_items);
	return 0;
}
EXPORT_SYMBOL(hello_add);

__bpf_kfunc_start_defs();

__bpf_kfunc u64 hello_kfunc_value(u64 x)
{
	return x + 1;
}

__bpf_kfunc int hello_kfunc_count(struct hello_item *it)
{
	return it ? 1 : 0;
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(hello_kfunc_ids)
BTF_ID_FLAGS(func, hello_kfunc_value)
BTF_ID_FLAGS(func, hello_kfunc_count, KF_TRUSTED_ARGS)
BTF_KFUNCS_END(hello_kfunc_ids)

static const struct btf_kfunc_id_set hello_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &hello_kfunc_ids,
};

static int __init hello_init(void)
{
	int err = register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING, &hello_kfunc_set);

	if (err)
		return err;
	return hello_add(42);
}

static void __exit hello_exit(void)
{
	struct hello_item *it, *tmp;

	list_for_each_entry_safe(it, tmp, &hello_items, node) {
		list_del(&it->node);
		kfree(it);
	}
}

module_init(hello_init);
module_exit(hello_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dwarf2btf Kbuild test module");
