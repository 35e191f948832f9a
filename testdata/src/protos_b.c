/* protos_b.c - see protos_a.c. */
#include "protos.h"

__attribute__((weak)) int tunable = 4;
__attribute__((weak)) __percpu_section long pcpu_weak;
__percpu_section int pcpu_b_only;

static inline __attribute__((always_inline)) int scale(int v)
{
	return v * 2 + pcpu_b_only;
}

static inline __attribute__((always_inline)) int clamp(const int *v)
{
	return *v < 0 ? 0 : *v;
}

static noinline int pick(int a, int b)
{
	return a - b;
}

static noinline int zz_last(int a)
{
	return a - 11;
}

int protos_b_entry(int x)
{
	struct item it = { x, "b" };

	return scale(x) + clamp(&x) + pick(x, tunable) + item_weight(&it) + (int)pcpu_weak + zz_last(x);
}
