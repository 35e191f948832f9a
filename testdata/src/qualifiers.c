/* qualifiers.c - typedef chains, const/volatile/restrict chains in both
 * orders, qualified typedefs and qualified pointers, void pointers, and
 * function pointer types: prototyped, varargs, unprototyped (K&R), taking
 * and returning function pointers, and typedef'd function types. */

typedef int        int_t;
typedef int_t      int2_t;
typedef int2_t     int3_t;		/* typedef chain */
typedef const int3_t cint3_t;		/* qualified typedef */
typedef volatile cint3_t cvint3_t;
typedef cvint3_t  *cvint3_ptr_t;
typedef void       void_t;		/* typedef of void */
typedef void_t    *void_ptr_t;

const int                        v_c;
volatile int                     v_v;
const volatile int               v_cv;
volatile const int               v_vc;		/* same type, other spelling */
const volatile int *restrict     v_cv_ptr_restrict;
int *const volatile              v_ptr_cv;
int *restrict const              v_ptr_rc;
const int *const *volatile       v_multi_level;
const char *const *restrict     *v_three_level;
int3_t                           v_chain;
cvint3_t                         v_qualified_chain;
cvint3_ptr_t                     v_qualified_chain_ptr;
void                            *v_void_ptr;
const void                      *v_const_void_ptr;
volatile void *const            *v_cv_void_pp;
void_ptr_t                       v_void_td_ptr;
void_t                          *v_void_td_ptr2;

/* function pointers */
int  (*v_fp_proto)(int, char *);
int  (*v_fp_varargs)(const char *fmt, ...);
int  (*v_fp_noproto)();				/* K&R: no prototype */
void (*v_fp_void)(void);
void (*(*v_fp_returns_fp)(int))(long);		/* returns a function pointer */
int  (*v_fp_takes_fp)(int (*cb)(void *), void *arg);
const char *(*const v_const_fp)(const void *restrict);

typedef int fn_t(int, int);			/* typedef of a function type */
typedef fn_t *fn_ptr_t;
typedef int (*fnp_varargs_t)(int, ...);
fn_t                            *v_fn_typedef_ptr;
fn_ptr_t                         v_fn_ptr_typedef;
fnp_varargs_t                    v_fnp_varargs;
fn_ptr_t                         v_fn_table[2];

struct callbacks {
	fn_t *op;
	int (*log)(int level, const char *fmt, ...);
	void (*old_style)();
	void *(*alloc)(unsigned long size, void *ctx);
	const volatile struct callbacks *restrict self;
};
struct callbacks v_callbacks;

int qual_apply(fn_ptr_t f, const volatile int *restrict p, void *ctx)
{
	(void)ctx;
	return f(*p, 1);
}

int qual_printf_like(const char *fmt, ...)
{
	return fmt[0];
}

/* unprototyped (old-style) definition */
int qual_kr(a, b)
	int a;
	char *b;
{
	return a + b[0];
}
