#include <stdio.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/if.h>
struct sockaddr_in net_sin;
struct sockaddr_in6 net_sin6;
struct msghdr net_msg;
struct iovec net_iov[4];
struct ifreq net_ifr;
FILE *net_log;
