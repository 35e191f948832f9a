/* bitfields.c - bitfield layouts: signed/unsigned, crossing byte and word
 * boundaries, zero-width separators, enum- and typedef-typed bitfields,
 * bitfields in unions, 64-bit bitfields, and bitfields after packed members.
 * DWARF 4 gcc uses DW_AT_bit_offset (MSB-relative), DWARF 5 and clang use
 * DW_AT_data_bit_offset; big-endian targets (s390x) flip the bit numbering. */

typedef unsigned int u32_t;
typedef int          s32_t;
typedef u32_t        u32_alias_t;	/* typedef chain used as bitfield type */

enum colour { RED, GREEN, BLUE, MAGENTA = 7 };
enum sign_e { NEG = -2, ZERO = 0, POS = 1 };

struct bf_basic {
	unsigned int a:1;
	unsigned int b:3;
	signed int   c:4;		/* fills first byte */
	unsigned int d:9;		/* crosses the byte boundary */
	int          e:15;		/* ends exactly at bit 32 */
	unsigned int f:31;		/* second word */
	char         tail;
};

struct bf_zero_width {
	unsigned int a:5;
	int :0;				/* forces the next field to a new unit */
	unsigned int b:3;
	unsigned char :0;
	unsigned char c:2;
	int :3;				/* unnamed non-zero padding bitfield */
	unsigned int d:1;
};

struct bf_typed {
	enum colour  col:3;		/* enum-typed bitfield */
	enum sign_e  sgn:2;		/* signed enum bitfield */
	u32_t        t1:7;		/* typedef'd int bitfield */
	u32_alias_t  t2:11;		/* typedef chain bitfield */
	s32_t        t3:5;
	_Bool        flag:1;
	unsigned char uc:4;
	signed char  sc:3;
	unsigned short us:10;
};

struct bf_wide {
	unsigned long long lo:40;	/* 64-bit storage unit */
	unsigned long long hi:24;
	long long          sl:33;	/* crosses the 32-bit boundary */
	unsigned long long x:63;	/* needs its own unit */
	unsigned long long y:1;
};

union bf_union {
	unsigned int whole;
	struct {
		unsigned int lo:16;
		unsigned int hi:16;
	};
	unsigned int bit0:1;		/* bitfield directly in a union */
	unsigned int low7:7;
};

struct bf_packed {
	char c;
	unsigned int x:12;
	unsigned int y:20;
	unsigned long long z:37;
} __attribute__((packed));

struct bf_mixed {
	char    c;
	int     n:5;
	short   s;
	int     m:20;
	long    l;
	unsigned char last:1;
};

/* a kernel-like flags word inside an anonymous union */
struct bf_flags {
	union {
		unsigned long flags;
		struct {
			unsigned long present:1;
			unsigned long rw:1;
			unsigned long user:1;
			unsigned long reserved:9;
			unsigned long pfn:40;
			unsigned long avail:11;
			unsigned long nx:1;
		};
	};
};

struct bf_basic      v_bf_basic;
struct bf_zero_width v_bf_zero_width;
struct bf_typed      v_bf_typed;
struct bf_wide       v_bf_wide;
union bf_union       v_bf_union;
struct bf_packed     v_bf_packed;
struct bf_mixed      v_bf_mixed;
struct bf_flags      v_bf_flags;

unsigned int bf_sum(struct bf_basic *b, struct bf_typed *t)
{
	return b->a + b->d + t->t2 + t->col;
}
