/* An out-of-tree style module, main compile unit: what it shares with the kernel. */
#include "kernel.h"

/* the same layout as kernel_a.c's struct ops; the kernel has two structs of that name */
struct ops { int (*probe)(struct device *); void (*remove)(struct device *); };

struct mod_dev {
	struct device *dev;		/* pointer to a kernel struct */
	struct list_head node;		/* kernel structs embedded: sizes must match on relocation */
	struct kref ref;
	const struct ops ops;		/* embedded through const; ambiguous name, told by size */
	atomic_t users;			/* kernel typedef of an anonymous struct */
	union ktime stamp;		/* kernel union */
	struct {			/* anonymous struct embedding a kernel struct */
		struct timer_list timer;
		u32 cookie;
	} watchdog;
	enum module_state state;	/* kernel enum */
	enum kernel_caps caps;		/* kernel enum64 */
	struct freq_table *freqs;	/* kernel struct with floats */
	initcall_t init;		/* kernel typedef of a function pointer */
	struct device_driver *drv;	/* only declared in the kernel */
	aligned_u32 acnt;
	struct mod_dev *next;
	struct mod_dev *devs[4];	/* array of pointers */
};

static int mod_init(void)
{
	return 0;
}

static void mod_exit(void)
{
}

struct module __this_module = { .name = "testmod", .init = mod_init, .exit = mod_exit };

int mod_probe(struct mod_dev *md)
{
	return register_device(md->dev, &__this_module) + md->ops.probe(md->dev);
}

__attribute__((section(".data..percpu"))) struct mod_dev percpu_mod;
