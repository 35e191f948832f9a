/* multi_d.c - fourth CU: the entry point of the executable variant; uses
 * the shared types only through pointers and calls across CUs. */
#include "common.h"

static struct device devs[2] = {
	{ .name = "dev0", .id = 0 },
	{ .name = "dev1", .id = 1 },
};

int multi_main(void)
{
	int r = 0;
	global_registry.ops = 0;
	for (int i = 0; i < 2; i++)
		r += device_register(&devs[i]);
	r += device_count(&global_registry);
	r += (int)driver_call(&devs[1], 3);
	device_unregister(&devs[0]);
	return r;
}

/* entry point for the -nostdlib static executable */
void multi_start(void)
{
	multi_main();
	for (;;)
		;
}
