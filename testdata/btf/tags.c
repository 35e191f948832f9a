/*
 * DECL_TAG and TYPE_TAG (clang attributes), VAR and DATASEC (clang -target bpf),
 * extern functions and variables.
 */
#define __tag1 __attribute__((btf_decl_tag("tag1")))
#define __tag2 __attribute__((btf_decl_tag("tag2")))
#define __user __attribute__((btf_type_tag("user")))
#define __rcu __attribute__((btf_type_tag("rcu")))

struct tagged {
	int a __tag1;
	int __user *p __tag2;
	int __rcu * __user *pp;
} __tag1;

typedef int tint_t __tag2;

int tvar __tag1 = 1;
tint_t tdvar;
extern int ext_var;
extern int ext_fn(int x);
static volatile long counter;
char arr[16] __attribute__((section(".data.mine")));
static const int ro = 5;

int __tag1 tfunc(int x __tag2, struct tagged *t __tag1)
{
	return x + t->a + ext_var + ext_fn(x) + tdvar;
}

int use_ro(void)
{
	counter++;
	return ro + arr[3];
}
