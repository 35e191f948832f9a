/* Split BTF over the base built from kinds.c: new types plus references to base types. */
struct bits;

struct extra {
	struct bits *b;
	int x;
	long double ld;
	struct extra *next;
	enum neg { XA = -1 } n;
};

__attribute__((section(".data..percpu"))) struct extra pcpu_extra;
__attribute__((section(".data..percpu"))) int pcpu_int;

int f2(struct extra *e) { return e->x + pcpu_int; }
