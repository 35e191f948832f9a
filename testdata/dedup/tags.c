/* Kinds that only clang emits: DECL_TAG, TYPE_TAG, ENUM64, FLOAT; forward-declared enums. */
#define __tag(x) __attribute__((btf_decl_tag(x)))
#define __user __attribute__((btf_type_tag("user")))
#define __rcu __attribute__((btf_type_tag("rcu")))
enum fwd_enum;
enum fwd_enum *fe_ptr;
enum big_enum { BIG_A = 0x100000000ULL, BIG_B = -2 };
enum big_enum big_var;
struct tagged {
	int plain __tag("member");
	int __user *uptr;
	struct tagged __rcu *next;
	float f;
	double d;
	long double ld;
} __tag("struct");
struct tagged tagged_var __tag("var");
int tagged_fn(struct tagged *t __tag("param"), int __user *p) __tag("func");
int tagged_fn(struct tagged *t, int __user *p) { return t->plain + *p; }
typedef int __tag("typedef") tagged_int;
tagged_int ti;
