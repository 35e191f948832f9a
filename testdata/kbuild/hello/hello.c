/* A small out-of-tree module for the Kbuild test (test/cli/kbuild.test.ts): kernel structs
 * embedded and pointed to, an anonymous struct, an exported function. */
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

static int __init hello_init(void)
{
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
