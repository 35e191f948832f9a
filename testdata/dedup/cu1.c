/* libbpf's example, compilation unit 1: A complete, B only declared. */
#include "shared.h"
struct S;
struct A {
	int a;
	struct A *self;
	struct S *parent;
};
struct B;
struct S {
	struct A *a_ptr;
	struct B *b_ptr;
};
struct S s1;
struct registry reg1;
struct shape shape1;
int use_cu1(struct S *s, struct registry *r) { return s->a_ptr->a + (r->current != 0); }
