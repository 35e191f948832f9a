#include <signal.h>
#include <pthread.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <linux/bpf.h>
struct sigaction proc_sa;
siginfo_t proc_si;
pthread_mutex_t proc_mutex;
pthread_attr_t proc_attr;
struct timespec proc_ts;
struct rusage proc_ru;
struct stat proc_st;
union bpf_attr proc_attr_bpf;
struct bpf_insn proc_insns[2];
struct bpf_map_info proc_map_info;
