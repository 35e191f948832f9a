/* vars.c - variables: global and static, initialised (.data), zeroed
 * (.bss) and const (.rodata), arrays and structs as variables, per-CPU
 * variables placed in ".data..percpu" like the kernel's DEFINE_PER_CPU,
 * including static per-CPU ones, and weak and extern-only declarations. */

#define __percpu_section __attribute__((section(".data..percpu")))
#define DEFINE_PER_CPU(type, name) __percpu_section type name
#define DEFINE_PER_CPU_ALIGNED(type, name) \
	__percpu_section __attribute__((aligned(64))) type name

struct counter {
	unsigned long hits;
	unsigned long misses;
	int cpu;
};

struct rq_like {
	struct counter stats[2];
	void *curr;
	unsigned int nr_running;
	char name[16];
};

typedef unsigned long pcpu_word_t;

/* per-CPU variables (what pahole encodes as VAR + DATASEC by default) */
DEFINE_PER_CPU(int, pcpu_int);
DEFINE_PER_CPU(unsigned long, pcpu_ulong) = 7;
DEFINE_PER_CPU(struct counter, pcpu_counter);
DEFINE_PER_CPU(struct rq_like, pcpu_runqueue);
DEFINE_PER_CPU(int, pcpu_array[4]);
DEFINE_PER_CPU(pcpu_word_t, pcpu_typedefd);
DEFINE_PER_CPU(void *, pcpu_ptr);
DEFINE_PER_CPU_ALIGNED(struct counter, pcpu_aligned);
static DEFINE_PER_CPU(long, pcpu_static);
static DEFINE_PER_CPU(char, pcpu_static_char) = 'x';

/* ordinary globals */
int g_bss_int;
int g_data_int = 42;
const int g_rodata_int = 3;
static int s_bss_int;
static int s_data_int = 5;
long g_array[16];
static short s_array[3] = { 1, 2, 3 };
struct counter g_counter;
struct counter g_counters[2] = { { 1, 2, 3 }, { 4, 5, 6 } };
static struct rq_like s_rq;
const char g_string[] = "hello";
const char *g_string_ptr = "world";
__attribute__((weak)) int g_weak = 1;
extern int g_extern_only;			/* declared, never defined */
unsigned char g_big_buffer[4096];

/* a static local: variable with function scope but static storage */
int vars_touch(int cpu)
{
	static int calls;
	calls++;
	pcpu_static += cpu;
	pcpu_static_char++;
	s_bss_int += s_data_int + s_array[cpu & 1] + s_rq.nr_running;
	return calls + g_extern_only + pcpu_int + pcpu_array[cpu & 3];
}
