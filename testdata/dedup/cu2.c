/* libbpf's example, compilation unit 2: B complete, A only declared. */
#include "shared.h"
struct S;
struct A;
struct B {
	int b;
	struct B *self;
	struct S *parent;
};
struct S {
	struct A *a_ptr;
	struct B *b_ptr;
};
struct S s2;
struct session {
	uid_type uid;
	struct registry *reg;
	struct list_head node;
	cv_u64_ptr stamp;
};
struct session sess2;
struct registry reg2;
