/* tags.c - BTF decl and type tags (clang only, clang >= 14).
 * btf_decl_tag on structs, unions, members, functions, parameters,
 * typedefs and variables, several tags on one declaration; btf_type_tag on
 * pointer targets alone, stacked, and mixed with const/volatile, the way
 * the kernel spells __user, __rcu and __percpu. */
#if !defined(__clang__) || __clang_major__ < 14
#error "tags.c needs clang >= 14"
#endif

#define __tag(x)   __attribute__((btf_decl_tag(x)))
#define __ttag(x)  __attribute__((btf_type_tag(x)))
#define __user     __ttag("user")
#define __rcu      __ttag("rcu")
#define __percpu   __ttag("percpu")
#define __section_percpu __attribute__((section(".data..percpu")))

struct __tag("struct_tag") __tag("second_struct_tag") tagged_struct {
	int plain;
	int tagged_member __tag("member_tag");
	long two_tags __tag("m1") __tag("m2");
	char __user *user_buf;				/* type tag on pointee */
	struct tagged_struct __rcu *next;		/* rcu pointer */
	int __user __rcu *two_type_tags;		/* stacked type tags */
	const int __user *const_user;			/* const + type tag */
	volatile char __percpu *pcpu_ptr;
	int (*fn)(void __user *) __tag("fnptr_member");
	unsigned int bits:3 __tag("bitfield_tag");
};

union __tag("union_tag") tagged_union {
	int i __tag("union_member_tag");
	float f;
};

typedef int __tag("typedef_tag") tagged_int_t;
typedef struct tagged_struct __tag("td_struct_tag") tagged_struct_t;
typedef int __user *user_int_ptr_t;			/* typedef of tagged pointer */

int v_tagged_var __tag("var_tag") = 1;
static long s_tagged_var __tag("static_var_tag") __tag("second_var_tag");
__section_percpu int pcpu_tagged __tag("pcpu_var_tag");
char __user *v_user_ptr;
void __user *__user *v_user_ptr_ptr;
tagged_int_t v_tagged_td;
tagged_struct_t v_tagged_struct;
union tagged_union v_tagged_union;
user_int_ptr_t v_user_int_ptr;

__tag("func_tag") __tag("kfunc")
int tagged_func(int a __tag("param_tag"), char __user *buf __tag("user_param"),
		struct tagged_struct *s)
{
	return a + (buf != 0) + s->plain + (int)s_tagged_var;
}

__tag("static_func_tag")
static __attribute__((noinline)) int tagged_static(int __rcu *p __tag("p"))
{
	return p != 0;
}

int tags_driver(void)
{
	return tagged_static(0) + tagged_func(1, 0, &v_tagged_struct) + pcpu_tagged;
}
