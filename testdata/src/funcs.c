/* funcs.c - functions: global and static, varied prototypes (void, many
 * parameters, varargs, struct and union by value, function pointer
 * parameters and returns, float and 128-bit parameters, unused
 * parameters), weak and noreturn functions, external declarations that are
 * only called, static inline helpers that vanish, types defined inside
 * function bodies, and at -O2 the clones gcc makes (.constprop.N, .isra.N,
 * .part.N, .cold) whose prototypes differ from the DWARF ones. */
#include <stdarg.h>

struct pair { int a, b; };
union num { int i; float f; };
struct big { long v[8]; };

extern int ext_declared_only(int);		/* declared, called, never defined */
extern void ext_noreturn(const char *) __attribute__((noreturn));

void f_void(void)
{
}

int f_unused_params(int used, int unused, char *also_unused)
{
	return used;
}

long f_many(char a, short b, int c, long d, long long e,
	    unsigned char f, unsigned short g, unsigned int h, unsigned long i)
{
	return a + b + c + d + e + f + g + h + i;
}

int f_varargs(int n, ...)
{
	va_list ap;
	int s = 0;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		s += va_arg(ap, int);
	va_end(ap);
	return s;
}

int f_struct_by_value(struct pair p, union num u, struct big b)
{
	return p.a + p.b + u.i + (int)b.v[7];
}

struct pair f_returns_struct(int a, int b)
{
	struct pair p = { a, b };
	return p;
}

struct big f_returns_big(void)
{
	struct big b = { { 1 } };
	return b;
}

typedef int (*cb_t)(void *);

int f_takes_cb(cb_t cb, void *arg)
{
	return cb(arg);
}

static int cb_impl(void *arg)
{
	return arg != 0;
}

cb_t f_returns_cb(int which)
{
	return which ? cb_impl : 0;
}

double f_floats(float x, double y, long double z)
{
	return x + y + (double)z;
}

const char *f_const_params(const char *const s, const int n)
{
	return s + n;
}

__attribute__((weak)) int f_weak(int x)
{
	return x + 1;
}

__attribute__((noreturn)) void f_noreturn(const char *msg)
{
	ext_noreturn(msg);
}

int f_calls_extern(int x)
{
	return ext_declared_only(x);
}

/* static functions: kept with noinline/used so that they have symbols */
static __attribute__((noinline)) int s_helper(int x, int y)
{
	return x * y + 1;
}

static __attribute__((noinline, used)) void s_unused(void)
{
}

static inline int s_inline_only(int x)	/* inlined everywhere: no symbol */
{
	return x << 1;
}

/* at -O2 gcc clones these: constant propagation, IPA-SRA, partial inlining */
static __attribute__((noinline)) int s_scale(int x, int k)
{
	return x * k + k;
}

struct ctx { int a; long unused_b; char unused_c[32]; };

static __attribute__((noinline)) int s_sra(struct ctx *c, int unused)
{
	return c->a * 3;
}

static int s_partial(int x)
{
	if (__builtin_expect(x > 1000, 0)) {
		volatile int z = x;
		for (int i = 0; i < 10; i++)
			z = z * 7 + i;
		return z;
	}
	return x + 2;
}

__attribute__((cold, noinline)) int f_cold(int x)
{
	return x - 1;
}

int f_local_types(int n)
{
	struct local_s { int a; char b; } ls = { n, 1 };	/* function-scope type */
	typedef unsigned long local_td;
	enum local_e { LOCAL_A = 3, LOCAL_B } le = LOCAL_B;
	local_td t = (local_td)ls.a + ls.b + le;
	{
		union block_u { int i; short s[2]; } bu = { .i = n };	/* block-scope type */
		t += bu.s[0];
	}
	return (int)t;
}

int f_driver(int x)
{
	struct ctx c = { x, 0, { 0 } };
	return s_helper(x, 2) + s_scale(x, 5) + s_scale(x + 1, 5) + s_sra(&c, 0)
		+ s_partial(x) + s_partial(x * 2) + s_inline_only(x) + f_cold(x)
		+ f_varargs(2, 1, 2);
}
