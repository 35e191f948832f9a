/* Every BTF kind pahole encodes from gcc DWARF: compiled with gcc -g, encoded with pahole -J. */
#include <stdarg.h>

struct fwd_s;
union fwd_u;

struct bits {
	unsigned a:3;
	signed b:5;
	_Bool c:1;
	unsigned long long d:40;
	char e;
	int f[0];
};

union u {
	int i;
	float f;
	double d;
	long double ld;
	struct bits *pb;
};

enum neg { NA = -5, NB = 0, NC = 0x7fffffff };
enum uns { UA = 0, UB = 0xffffffffu };
enum e64 { A64 = 0xffffffffffffULL, B64 = 1 };
enum s64 { S64A = -0x100000000LL, S64B = 3 };
enum big { BIG = 0xffffffffffffffffULL };
enum small { SM_A = 1, SM_B = 2 } __attribute__((packed));

typedef const volatile struct bits cvbits_t;
typedef int (*fnp_t)(int, const char *restrict, ...);

struct all {
	struct fwd_s *fs;
	union fwd_u *fu;
	union u u;
	enum neg n;
	enum uns un;
	enum e64 e;
	enum s64 s;
	enum big b;
	enum small sm;
	cvbits_t *cv;
	fnp_t fp;
	int m[3][4][5];
	struct { int x, y; } anon;
	union { long l; void *p; };
	char flex[];
};

struct all2 {
	struct all a;
	void (*cb)(void);
	char c;
	signed char sc;
	unsigned char uc;
	short s;
	unsigned short us;
	long l;
	unsigned long ul;
	long long ll;
	__int128 i128;
	unsigned __int128 u128;
	_Bool bb;
	volatile int *restrict vp;
	const char *const *names;
};

int gvar = 3;
static struct all2 svar;

struct all2 *get(void) { return &svar; }

int vsum(int n, ...)
{
	va_list ap;
	int s = 0;

	va_start(ap, n);
	while (n--)
		s += va_arg(ap, int);
	va_end(ap);
	return s + gvar + get()->c;
}

static int sfn(struct all *a, fnp_t f) { return a->m[1][2][3] + f(1, "x"); }

int use(struct all *a) { return sfn(a, 0); }
