/* Types shared by several dedup test units, as a project header would be. */
#ifndef DEDUP_SHARED_H
#define DEDUP_SHARED_H

typedef unsigned int u32;
typedef unsigned long long u64;
typedef u32 uid_type;
typedef const volatile u64 *cv_u64_ptr;

struct list_head {
	struct list_head *next, *prev;
};

enum state { ST_IDLE, ST_RUNNING = 3, ST_DEAD = -1 };

struct point { int x, y; };

struct shape {
	const char *name;
	struct point pts[4];
	struct point *origin;
	unsigned int kind : 3;
	unsigned int flags : 5;
	enum state st;
	struct list_head link;
	double (*area)(const struct shape *s, int precision);
};

/* only used through pointers in some units: complete in some, forward-declared in others */
struct session;
struct owner;

struct registry {
	struct list_head sessions;
	struct session *current;
	struct owner *owner;
	int (*cb[2])(struct registry *, void *);
};

#endif
