/* The module, third compile unit. */
#include "kernel.h"

struct mod_stats { u64 hits; union ktime last; bool enabled; double ratio; };

static struct mod_stats stats;
struct bus_type *extra_bus;

long extra_hits(void)
{
	return (long)stats.hits + (extra_bus ? 1 : 0);
}
