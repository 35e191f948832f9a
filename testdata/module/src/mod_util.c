/* The module, second compile unit: its own types, some far past 2 MiB. */
#include "kernel.h"

struct timer_list;	/* declared only here: resolves to the kernel's struct */

/* a member 2 MiB in: a bit offset that needs more than 24 bits (no bitfield, no kind flag) */
struct huge_table {
	char slots[2 * 1024 * 1024 + 8];
	int after_2mib;
	struct list_head tail;
};

struct flags_word { unsigned int a:3, b:9, c:20; u8 tail; };

struct huge_table *the_table;
struct flags_word util_flags;
enum { UTIL_A = 1, UTIL_B = 2 } util_mode;

void util_arm(struct timer_list *t)
{
	mod_timer(t, 5);
}

int util_count(struct huge_table *h)
{
	return h->after_2mib + util_flags.b;
}
