/* structs.c - struct and union layouts: anonymous struct/union members,
 * nested named definitions, packed and over-aligned structs, flexible and
 * zero-length array members, empty structs, forward declarations used only
 * through pointers, self-referential and mutually recursive structs, unions
 * of structs, and a struct and a typedef of the same name. */

struct list_node {			/* self-referential */
	struct list_node *next, *prev;
};

struct tree_a;				/* mutually recursive pair */
struct tree_b {
	struct tree_a *parent;
	int depth;
};
struct tree_a {
	struct tree_b *children[4];
	struct tree_a *self;
};

struct opaque;				/* only ever declared */
union opaque_u;				/* only ever declared (union fwd) */

struct uses_opaque {
	struct opaque *o;
	union opaque_u *u;
	const struct opaque *co;
	struct opaque **pp;
};

struct outer {
	int kind;
	struct inner {			/* nested named definition */
		long a;
		short b;
	} in;
	struct {			/* anonymous struct member */
		int x, y;
	};
	union {				/* anonymous union member */
		int i;
		float f;
		struct {		/* anonymous struct inside anonymous union */
			short lo, hi;
		};
	};
	struct {			/* unnamed struct type, named member */
		char tag[3];
	} named_of_anon;
	struct inner second;		/* reuse of the nested type */
};

struct packed_s {
	char c;
	int i;
	long long ll;
	short s;
} __attribute__((packed));

struct packed_aligned {
	char c;
	int i;
} __attribute__((packed, aligned(4)));

struct aligned64 {
	int a;
	char pad_me;
} __attribute__((aligned(64)));

struct member_aligned {
	char c;
	int x __attribute__((aligned(16)));
	struct aligned64 inner;		/* member of over-aligned type */
	char end;
};

struct flex {
	unsigned int len;
	unsigned char data[];		/* flexible array member */
};

struct zero_len {
	int count;
	long items[0];			/* GNU zero-length array */
};

struct zero_len_mid {
	int before;
	char marker[0];			/* zero-length array in the middle */
	int after;
};

struct empty { };			/* GNU empty struct, size 0 */

struct with_empty {
	int a;
	struct empty e;
	int b;
};

union of_structs {
	struct { int a, b; } ab;
	struct list_node node;
	struct packed_s packed;
	char raw[24];
	struct empty nothing;
};

union small_union {
	char c;
	short s;
};

/* struct and typedef sharing a name; typedef of an anonymous struct */
typedef struct same_name { int v; } same_name;
typedef struct { double re, im; } anon_td_t;
typedef union { int i; unsigned u; } anon_union_td_t;

/* a struct containing a pointer to a function taking itself */
struct ops {
	int (*open)(struct ops *self, const char *name);
	void (*close)(struct ops *self);
	struct ops *(*clone)(const struct ops *self);
};

/* deep nesting and arrays of structs */
struct deep {
	struct {
		struct {
			struct {
				int leaf;
			} l3;
		} l2;
	} l1;
	struct list_node nodes[2];
	union small_union unions[3];
};

struct list_node      v_list;
struct tree_a         v_tree;
struct uses_opaque    v_uses_opaque;
struct outer          v_outer;
struct packed_s       v_packed;
struct packed_aligned v_packed_aligned;
struct aligned64      v_aligned64;
struct member_aligned v_member_aligned;
struct flex          *v_flex;
struct zero_len      *v_zero_len;
struct zero_len_mid   v_zero_len_mid;
struct with_empty     v_with_empty;
union of_structs      v_of_structs;
same_name             v_same_name;
struct same_name      v_same_name2;
anon_td_t             v_anon_td;
anon_union_td_t       v_anon_union_td;
struct ops            v_ops;
struct deep           v_deep;

int struct_walk(struct list_node *n, struct outer o, struct packed_s p)
{
	int c = 0;
	while (n) { c++; n = n->next; }
	return c + o.x + p.i;
}

struct inner struct_make_inner(long a)
{
	struct inner r = { a, 1 };
	return r;
}
