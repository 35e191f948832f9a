/* complex.c - _Complex types (DW_ATE_complex_float), which BTF has no kind
 * for: pahole refuses the whole CU ("Complex, interval and imaginary float
 * types are not supported"). Kept apart so that the refusal does not hide
 * the rest; vector types are in arrays.c. */
_Complex float  v_cfloat;
_Complex double v_cdouble;
_Complex long double v_cldouble;

struct with_complex {
	_Complex double z;
	_Complex float zf;
	int tail;
};
struct with_complex v_with_complex;

double complex_abs2(_Complex double z)
{
	return __real__ z * __real__ z + __imag__ z * __imag__ z;
}
