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

/* RLIMIT_CORE's enum type does not convert cleanly in Swift (STYLE.md pitfall 11). */
static inline int cposix_disable_core_dumps(void) {
    struct rlimit limit = { 0, 0 };
    return setrlimit(RLIMIT_CORE, &limit);
}
#endif
