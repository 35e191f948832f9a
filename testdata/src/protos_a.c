/* protos_a.c, protos_b.c - two compile units linked into one object (ld -r, like a module) whose
 * functions pahole 1.31 compares across units (consistent_func):
 *   - item_weight: defined once, declared elsewhere: kept;
 *   - pick: a static function in each unit, with different prototypes, two symbols at two
 *     addresses: left out;
 *   - scale: global here, an always-inline static with another prototype in protos_b.c (one ELF
 *     symbol, two DWARF definitions that disagree): left out;
 *   - clamp: global here, an inline static in protos_b.c whose parameter is const-qualified
 *     (pahole matches const loosely): kept, with this unit's prototype;
 *   - tweak: static, called with a constant: an optimized clone (tweak.constprop.0) at -O2,
 *     encoded under its own name;
 *   - zz_last: a static function in each unit, alike, two symbols at two addresses, but the last
 *     name in order, whose addresses pahole never compares: kept;
 * and weak variables defined in both units, per-CPU and not: one symbol, two DWARF variables at
 * one address (pahole's DATASEC then has overlapping entries, which the kernel refuses). */
#include "protos.h"

long scale(long v, int shift);
int clamp(int *v);

__attribute__((weak)) int tunable = 3;
__attribute__((weak)) __percpu_section long pcpu_weak;
__percpu_section int pcpu_a_only;

noinline int item_weight(const struct item *it)
{
	return it->w + (it->name ? it->name[0] : 0);
}

static noinline int pick(int a)
{
	return a * 7 + tunable;
}

noinline long scale(long v, int shift)
{
	return v << shift;
}

noinline int clamp(int *v)
{
	return *v < 0 ? 0 : *v > 100 ? 100 : *v;
}

static noinline int tweak(int a, int b)
{
	return a * b + pcpu_a_only;
}

static noinline int zz_last(int a)
{
	return a + 11;
}

int protos_a_entry(int x)
{
	struct item it = { x, "a" };

	return pick(x) + item_weight(&it) + (int)scale(x, 2) + clamp(&x) + tweak(x, 3) + tweak(x + 1, 3) +
	       (int)pcpu_weak + zz_last(x);
}
