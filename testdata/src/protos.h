/* protos.h - what protos_a.c and protos_b.c share. */
#ifndef PROTOS_H
#define PROTOS_H

#define noinline __attribute__((noinline))
#define __percpu_section __attribute__((section(".data..percpu")))

struct item {
	int w;
	const char *name;
};

int item_weight(const struct item *it);
int protos_a_entry(int x);
int protos_b_entry(int x);

#endif
