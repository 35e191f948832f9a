/* enums.c - enum value ranges and sizes: negative values, large unsigned
 * values, values needing 64 bits (BTF_KIND_ENUM64), packed 1-byte and
 * 2-byte enums, anonymous enums, a forward-declared (incomplete) enum,
 * single-valued enums, duplicate values, and enums used through typedefs. */

enum e_small { E_SMALL_A, E_SMALL_B, E_SMALL_C };

enum e_negative { E_NEG_MIN = -2147483647 - 1, E_NEG_M1 = -1, E_NEG_ZERO = 0, E_NEG_MAX = 2147483647 };

enum e_unsigned_big { E_UBIG_LOW = 1, E_UBIG_HIGH = 0xfffffffeu, E_UBIG_MAX = 0xffffffffu };

enum e_64 { E64_ONE = 1, E64_BIG = 0x123456789abcdefULL, E64_TOP = 0xffffffffffffffffULL };

enum e_64_signed { E64S_NEG = -0x100000000LL, E64S_POS = 0x100000000LL };

enum e_packed { E_PACKED_A = 1, E_PACKED_B = 200 } __attribute__((packed));		/* 1 byte, unsigned */
enum e_packed_signed { E_PS_A = -1, E_PS_B = 100 } __attribute__((packed));		/* 1 byte, signed */
enum e_packed16 { E_P16_A = 0, E_P16_B = 0x1234 } __attribute__((packed));		/* 2 bytes */

enum e_single { E_SINGLE_ONLY = 42 };

enum e_dups { E_DUP_A = 1, E_DUP_B = 1, E_DUP_C = 2, E_DUP_ALIAS = E_DUP_C };

/* anonymous enums: one used by a variable, one only through a typedef */
enum { ANON_X = 10, ANON_Y = 20 } v_anon_enum;
typedef enum { TD_ANON_P, TD_ANON_Q = -5 } td_anon_enum_t;

/* incomplete enum (GNU extension): only usable through a pointer */
enum e_forward;
enum e_forward *v_enum_fwd_ptr;

typedef enum e_small small_t;
typedef small_t small2_t;

struct enum_holder {
	enum e_small       s;
	enum e_packed      p;
	enum e_packed_signed ps;
	enum e_packed16    p16;
	enum e_negative    n;
	enum e_unsigned_big u;
	enum e_64          b64;
	enum e_64_signed   s64;
	small2_t           chained;
	td_anon_enum_t     anon;
	enum e_single      single;
	enum e_dups        dups;
};

struct enum_holder v_enum_holder;
enum e_packed      v_packed_array[3];

enum e_negative enum_roundtrip(enum e_small s, enum e_64 b, enum e_packed p)
{
	return (enum e_negative)(s + (int)b + p);
}
