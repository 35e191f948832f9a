/* multi_b.c - second CU: sees struct device_private only as a
 * declaration; defines the global registry; has its own static validate()
 * and a struct conflict that differs from the one in multi_c.c. */
#include "common.h"

struct conflict {			/* same name, other layout in multi_c.c */
	int a;
};

struct registry global_registry = {
	.devices = { &global_registry.devices, &global_registry.devices },
};

struct conflict conflict_b;

static __attribute__((noinline)) int validate(int id, const char *why)
{
	return id >= 0 && why;
}

void device_unregister(struct device *dev)
{
	if (!validate((int)dev->id, "unregister"))
		return;
	dev->state = DEV_OFF;
	dev->p = (struct device_private *)0;
	global_registry.count.counter--;
	conflict_b.a++;
}

int device_count(const struct registry *r)
{
	int n = 0;
	for (const struct list_head *l = r->devices.next; l && l != &r->devices; l = l->next)
		n++;
	return n;
}
