/* multi_c.c - third CU: driver operations; its own struct conflict and a
 * static per-CPU variable with the same name as in multi_a.c. */
#include "common.h"

struct conflict {			/* differs from multi_b.c */
	long a;
	char b;
};

static __percpu_section int local_count;
__percpu_section u64 pcpu_calls;
struct conflict conflict_c;

static int dummy_probe(struct device *dev)
{
	return dev->id == 0;
}

static void dummy_remove(struct device *dev)
{
	dev->state = DEV_OFF;
}

static long dummy_ioctl(struct device *dev, unsigned int cmd, unsigned long arg)
{
	return (long)(cmd + arg + dev->id);
}

const struct driver_ops dummy_ops = {
	.probe = dummy_probe,
	.remove = dummy_remove,
	.ioctl = dummy_ioctl,
};

u64 driver_call(struct device *dev, unsigned int cmd)
{
	local_count++;
	pcpu_calls++;
	conflict_c.b = (char)cmd;
	if (dummy_ops.probe(dev))
		return 0;
	return (u64)dummy_ops.ioctl(dev, cmd, 0);
}
