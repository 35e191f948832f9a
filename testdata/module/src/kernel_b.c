/* The kernel, second compile unit. */
#include "kernel.h"

/* another struct 'ops', bigger than kernel_a.c's */
struct ops { int (*open)(void *); int (*release)(void *); long (*ioctl)(void *, unsigned int, unsigned long); };

struct ops file_ops;
struct module kernel_module;
union ktime boot_time;
atomic_t global_count;

void mod_timer(struct timer_list *t, unsigned long expires)
{
	t->expires = expires;
	atomic_t *c = &global_count;
	c->counter++;
}

__attribute__((section(".data..percpu"))) u64 percpu_counter;
