#ifndef CPOSIX_SHIM_H
#define CPOSIX_SHIM_H
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* prctl is variadic in glibc and invisible to Swift. PR_SET_DUMPABLE=0 also
   forbids same-user ptrace attach and /proc/PID/mem reads. */
static inline int cposix_set_not_dumpable(void) {
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static inline int cposix_is_dumpable(void) {
    return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
}

/* RLIMIT_CORE's enum type (__rlimit_resource) does not convert cleanly to the int that Swift sees.
   Only the soft limit is lowered, so that `exec` can give a child the limit it had. */
static inline int cposix_core_soft_limit(unsigned long long *soft) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_CORE, &limit) != 0) return -1;
    *soft = (unsigned long long)limit.rlim_cur;
    return 0;
}

static inline int cposix_set_core_soft_limit(unsigned long long soft) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_CORE, &limit) != 0) return -1;
    limit.rlim_cur = (rlim_t)soft;
    return setrlimit(RLIMIT_CORE, &limit);
}
#endif
