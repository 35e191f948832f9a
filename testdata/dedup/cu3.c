/* Completes struct owner and uses session only as a pointer. */
#include "shared.h"
struct owner {
	char name[16];
	struct session *sessions[8];
	struct registry *reg;
	union {
		u64 id;
		struct { u32 lo, hi; };
	};
};
struct owner owner3;
struct registry reg3;
struct shape shapes3[2];
