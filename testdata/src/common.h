/* common.h - types shared by the multi_*.c compilation units, so that a
 * multi-CU input has the same types in several CUs (to be deduplicated),
 * a struct that is complete in one CU and only forward-declared in the
 * others, and per-CU static functions and variables. */
#ifndef TESTDATA_COMMON_H
#define TESTDATA_COMMON_H

#define __percpu_section __attribute__((section(".data..percpu")))

typedef unsigned int u32;
typedef unsigned long long u64;

struct list_head {
	struct list_head *next, *prev;
};

enum dev_state { DEV_OFF, DEV_ON, DEV_ERROR = -1 };

/* complete in multi_a.c only; everyone else sees a declaration */
struct device_private;

struct device {
	const char *name;
	u32 id;
	enum dev_state state;
	struct list_head node;
	struct device_private *p;
	struct device *parent;
	void (*release)(struct device *dev);
};

struct driver_ops {
	int (*probe)(struct device *dev);
	void (*remove)(struct device *dev);
	long (*ioctl)(struct device *dev, unsigned int cmd, unsigned long arg);
};

typedef struct {
	u64 counter;
} atomic64_t;

struct registry {
	struct list_head devices;
	atomic64_t count;
	const struct driver_ops *ops;
};

/* shared global functions */
int device_register(struct device *dev);
void device_unregister(struct device *dev);
struct device_private *device_private_alloc(struct device *dev);
int device_count(const struct registry *r);
u64 driver_call(struct device *dev, unsigned int cmd);

extern struct registry global_registry;

#endif
