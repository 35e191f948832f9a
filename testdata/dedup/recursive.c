/* Self-referential and mutually recursive types, function pointers closing cycles. */
#include "shared.h"
struct tree;
struct node {
	struct tree *owner;
	struct node *left, *right, *parent;
	struct node **children;
	int (*visit)(struct node *, struct tree *);
};
struct tree {
	struct node *root;
	struct tree *parent_tree;
	struct node nodes[2];
	struct list_head all;
};
struct tree tree1;
typedef struct ring ring_t;
struct ring { ring_t *next; const ring_t *const *pp; volatile int v; };
ring_t ring1;
