/* Anonymous nested structs and unions, typedefs of anonymous types. */
#include "shared.h"
typedef struct { int a; union { int b; float c; }; struct { char d; short e; } inner; } anon_t;
typedef union { anon_t t; struct point p; long raw[3]; } anon_u;
struct wrapper {
	anon_t t;
	anon_u u;
	struct { int q; struct { int r; } deep; } nested;
	union { struct list_head l; struct point pt; };
};
struct wrapper wrap1;
anon_t anon_var;
