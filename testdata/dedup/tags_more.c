#define __tag(x) __attribute__((btf_decl_tag(x)))
#define __user __attribute__((btf_type_tag("user")))
#define __rcu __attribute__((btf_type_tag("rcu")))
enum fwd_enum { FE_ONE = 1, FE_TWO };
enum fwd_enum fe_var;
enum big_enum { BIG_A = 0x100000000ULL, BIG_B = -2 };
enum big_enum big_var2;
struct tagged;
struct tagged *tagged_ptr;
struct tagged2 {
	int plain __tag("member");
	int __user *uptr;
	struct tagged *t;
} __tag("struct");
struct tagged2 t2 __tag("var");
