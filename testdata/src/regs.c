/* regs.c - functions whose BTF prototype would not say where the parameters really are, which
 * pahole 1.31 (consistent_func) leaves out, next to ones it keeps. Built with -O2:
 *   - a struct returned by value: the hidden result pointer takes the first argument register, so
 *     every parameter arrives one register later (x86_64, s390x; aarch64 uses x8 and is not hit);
 *   - the same with a struct parameter: exempt (a struct may take several registers);
 *   - an unused first parameter: clang's copy takes the second in the first register;
 *   - a packed struct passed by value after the register parameters: its stack slot is uncertain;
 *   - the same with a naturally aligned struct, and plain functions: kept. */

#define noinline __attribute__((noinline))

struct big {
	long a, b, c, d;
};

struct small {
	int x;
};

struct __attribute__((packed)) pk {
	char c;
	int i;
};

struct aligned_pair {
	int a;
	int b;
};

noinline struct big make_big(long seed)
{
	struct big b = { seed, seed * 2, seed * 3, seed ^ 5 };
	return b;
}

noinline struct big make_big_from(struct small s, long seed)
{
	struct big b = { s.x, seed, s.x + seed, 0 };
	return b;
}

static noinline int drop_first(int unused, int x)
{
	return x * 3 + 1;
}

noinline int nine_packed(int a, int b, int c, int d, int e, int f, int g, int h, struct pk p)
{
	return a + b + c + d + e + f + g + h + p.c + p.i;
}

noinline int nine_aligned(int a, int b, int c, int d, int e, int f, int g, int h, struct aligned_pair p)
{
	return a - b + c - d + e - f + g - h + p.a * p.b;
}

noinline long plain(long a, long b)
{
	return a ^ (b << 3);
}

long regs_entry(long v)
{
	struct big b = make_big(v);
	struct small s = { (int)v };
	struct big c = make_big_from(s, v + 1);
	struct pk p = { 1, (int)v };
	struct aligned_pair q = { 2, 3 };

	return b.a + c.d + drop_first(0, (int)v) + drop_first(1, (int)v + 1) +
	       nine_packed(1, 2, 3, 4, 5, 6, 7, 8, p) + nine_aligned(1, 2, 3, 4, 5, 6, 7, 8, q) + plain(v, 2);
}
