/* Real-world type hierarchies from the C library and kernel UAPI headers: each sys_*.c unit
 * includes a different, overlapping set, as the units of a real program do. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
FILE *io_file;
struct stat io_stat;
struct sockaddr io_sa;
struct msghdr io_msg;
div_t io_div;
int io_use(FILE *f, struct stat *st) { return fileno(f) + (int)st->st_size; }
