/* Qualifiers, typedef chains, arrays, function prototypes. */
#include "shared.h"
typedef int int_t;
typedef int_t int2_t;
typedef const int2_t cint_t;
typedef volatile cint_t cvint_t;
typedef cvint_t arr_t[3][5];
typedef int (*fn_t)(int, const char *, ...);
typedef void (*handler_t)(int sig, void *restrict ctx, const struct point pts[static 2]);
arr_t matrix;
fn_t fns[4];
handler_t handlers[2];
const volatile char *const restrict cvp = 0;
char (*pa)[7];
struct shape *(*(*weird)(int))[3];
cv_u64_ptr ptrs[2];
int vla_user(int n, int a[n]) { return a[0]; }
enum state states[3];
