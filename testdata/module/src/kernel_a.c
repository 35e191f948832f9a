/* The kernel, first compile unit. */
#include "kernel.h"

/* a struct named 'ops' of this unit; kernel_b.c has another of another size */
struct ops { int (*probe)(struct device *); void (*remove)(struct device *); };

struct ops core_ops;
struct bus_type platform_bus = { .name = "platform" };
struct freq_table freq;
enum kernel_caps kcaps;
initcall_t first_initcall;
aligned_u32 aligned_counter;

int register_device(struct device *dev, struct module *owner)
{
	return dev->parent != 0 && owner->state == MODULE_STATE_LIVE;
}

__attribute__((section(".data..percpu"))) struct list_head percpu_list;
