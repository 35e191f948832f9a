/* multi_a.c - first CU of the multi-CU inputs: the only CU with the
 * complete definition of struct device_private. */
#include "common.h"

struct device_private {
	struct device *device;
	struct list_head knode_class;
	void *driver_data;
	unsigned long flags;
	struct { u32 lo, hi; } range;
};

/* same static name as in multi_b.c, with another prototype */
static __attribute__((noinline)) int validate(const struct device *dev)
{
	return dev && dev->name;
}

/* static per-CPU variable with the same name as one in multi_c.c */
static __percpu_section int local_count;
__percpu_section struct device_private pcpu_private;

static struct device_private private_pool[4];
static int pool_used;

struct device_private *device_private_alloc(struct device *dev)
{
	struct device_private *p = &private_pool[pool_used++ & 3];
	p->device = dev;
	p->driver_data = 0;
	p->flags = 0;
	return p;
}

int device_register(struct device *dev)
{
	if (!validate(dev))
		return -1;
	dev->p = device_private_alloc(dev);
	dev->state = DEV_ON;
	dev->node.next = global_registry.devices.next;
	global_registry.devices.next = &dev->node;
	global_registry.count.counter++;
	local_count++;
	return 0;
}
