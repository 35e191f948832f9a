/* A miniature kernel: the types a module shares with the kernel it is built for.
 * KERNEL_V2: the same kernel a release later (new types first, so every id moves; struct device
 * grows; nothing a module embeds changes). KERNEL_V3: struct kref and struct module grow.
 */
#ifndef KERNEL_H
#define KERNEL_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef int s32;
typedef unsigned long long u64;
typedef long long s64;
typedef _Bool bool;
typedef unsigned long size_t;

#ifdef KERNEL_V2
/* types that a newer kernel has first, moving every later id */
struct v2_only_a { u32 a; };
struct v2_only_b { struct v2_only_a *a; u64 b; };
enum v2_only_e { V2_E0, V2_E1 };
#endif

typedef struct { int counter; } atomic_t;
typedef struct { s64 counter; } atomic64_t;

struct list_head { struct list_head *next, *prev; };
struct hlist_node { struct hlist_node *next, **pprev; };

struct kref {
	atomic_t refcount;
#ifdef KERNEL_V3
	u32 debug_tag;
#endif
};

enum module_state { MODULE_STATE_LIVE, MODULE_STATE_COMING, MODULE_STATE_GOING, MODULE_STATE_UNFORMED };

/* an enum64 of the kernel */
enum kernel_caps { CAP_LOW = 1, CAP_HIGH = 0x100000000ULL };

union ktime {
	s64 tv64;
	struct { s32 sec, nsec; } tv;
};

struct timer_list {
	struct hlist_node entry;
	unsigned long expires;
	void (*function)(struct timer_list *);
	u32 flags;
};

struct device {
	const char *name;
	struct device *parent;
	struct kref kref;
	void *driver_data;
	u64 dma_mask;
#ifdef KERNEL_V2
	struct list_head devres_head;
#endif
};

/* only declared in the kernel: a FWD in its BTF */
struct device_driver;
struct bus_type { const char *name; struct device_driver *(*match)(struct device *); };

struct module {
	enum module_state state;
	struct list_head list;
	char name[56];
	struct kref refcnt;
	int (*init)(void);
	void (*exit)(void);
	unsigned int taints:5, sig_ok:1, async_probe:1;
	atomic64_t usecount;
	union ktime loaded_at;
#ifdef KERNEL_V3
	u64 extra_flags;
#endif
};

struct freq_table { float ratio; double precise; };

typedef int (*initcall_t)(void);
typedef u32 __attribute__((aligned(8))) aligned_u32;

extern int register_device(struct device *dev, struct module *owner);
extern void mod_timer(struct timer_list *t, unsigned long expires);

#endif
