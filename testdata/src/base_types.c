/* base_types.c - every C base type a DWARF->BTF encoder must map to BTF INT/FLOAT.
 *
 * Each type is used by a global variable so that the compiler emits it; the
 * variables also give VAR records when the encoder emits global variables.
 * Guarded types depend on the compiler/target (see testdata/README.md).
 */
#include <stddef.h>

char                 v_char;
signed char          v_schar;
unsigned char        v_uchar;
short                v_short;
unsigned short       v_ushort;
int                  v_int;
unsigned int         v_uint;
long                 v_long;
unsigned long        v_ulong;
long long            v_llong;
unsigned long long   v_ullong;
_Bool                v_bool;
float                v_float;
double               v_double;
long double          v_ldouble;

#ifdef __SIZEOF_INT128__
__int128             v_int128;
unsigned __int128    v_uint128;
#endif

/* gcc spells these as distinct DWARF base types when supported. */
#if defined(__FLT16_MAX__) && !defined(__clang__)
_Float16             v_float16;
#endif
#if defined(__FLT128_MAX__) && !defined(__clang__)
_Float128            v_float128;
#endif
#if defined(__FLT32X_MAX__) && !defined(__clang__)
_Float32x            v_float32x;
#endif
#if defined(__FLT64X_MAX__) && !defined(__clang__)
_Float64x            v_float64x;
#endif

/* wchar_t and friends are typedefs in C, not base types. */
typedef int          my_wchar_t;
typedef unsigned short my_char16_t;
typedef unsigned int my_char32_t;
my_wchar_t           v_wchar;
my_char16_t          v_char16;
my_char32_t          v_char32;
wchar_t              v_std_wchar;
size_t               v_size;
ptrdiff_t            v_ptrdiff;

/* Kernel-style fixed width typedefs. */
typedef unsigned char      u8;
typedef unsigned short     u16;
typedef unsigned int       u32;
typedef unsigned long long u64;
typedef signed char        s8;
typedef short              s16;
typedef int                s32;
typedef long long          s64;
typedef _Bool              bool;

struct all_ints {
	u8 a; u16 b; u32 c; u64 d;
	s8 e; s16 f; s32 g; s64 h;
	bool flag;
	char c_plain;
	long l;
	float f32;
	double f64;
	long double f80;
};
struct all_ints v_all_ints;

/* A function taking and returning base types gives FUNC_PROTO params. */
long double base_mix(char c, unsigned char uc, short s, long long ll,
		     float f, double d, _Bool b)
{
	return c + uc + s + ll + f + d + b;
}

#ifdef __SIZEOF_INT128__
unsigned __int128 base_int128(__int128 x)
{
	return (unsigned __int128)x * 3;
}
#endif
