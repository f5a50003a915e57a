#ifndef CPOSIX_SHIM_H
#define CPOSIX_SHIM_H
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
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

/* glibc declares these only with _GNU_SOURCE, which this header cannot set: the system
   headers are compiled, as the Glibc module, without it. The functions are in libc. */
extern int accept4(int descriptor, struct sockaddr *address, socklen_t *length, int flags);
extern int pipe2(int descriptors[2], int flags);
extern int pthread_setname_np(pthread_t thread, const char *name);

/* SO_PEERCRED fills a struct ucred, which glibc declares only with _GNU_SOURCE; this mirror
   has the kernel's layout (pid, uid, gid: three 32-bit fields). The credentials are the
   peer's at the time it called connect(). */
struct cposix_peer_credentials {
    int32_t pid;
    uint32_t uid;
    uint32_t gid;
};

static inline int cposix_peer_credentials(int descriptor, struct cposix_peer_credentials *credentials) {
    socklen_t length = sizeof(*credentials);
    if (getsockopt(descriptor, SOL_SOCKET, SO_PEERCRED, credentials, &length) != 0) return -1;
    return length == sizeof(*credentials) ? 0 : -1;
}

/* Termination signals turned into bytes on a pipe (the self-pipe trick), for a poll loop.
   A handler runs on whichever thread the kernel picks, so it does only what is
   async-signal-safe: write(2) one byte (the signal number) to a non-blocking pipe, keeping
   errno. A pipe that is full already holds a wake-up; the byte is then dropped.

   The handler must be C: Swift code in a signal handler may take locks or allocate. Its
   state is a static local of an inline function (Swift does not emit a header's static
   variables), so each object file that calls these functions has its own copy, and the
   handler installed always reads the state its own install set: call install and restore
   from one Swift file only. */
struct cposix_termination_state {
    volatile sig_atomic_t pipe;
    struct sigaction saved_sigterm;
    struct sigaction saved_sigint;
    sigset_t saved_mask;
};

static inline struct cposix_termination_state *cposix_termination_state(void) {
    static struct cposix_termination_state state = {-1};
    return &state;
}

static inline void cposix_termination_handler(int signal_number) {
    int saved_errno = errno;
    unsigned char byte = (unsigned char)signal_number;
    int descriptor = cposix_termination_state()->pipe;
    if (descriptor >= 0) (void)!write(descriptor, &byte, 1);
    errno = saved_errno;
}

/* Installs the handler for SIGTERM and SIGINT, writing to `descriptor`; SA_RESTART so that
   other threads' blocking calls are not interrupted. Then unblocks both in the calling thread
   (threads it starts later inherit that): a signal mask survives exec, and a parent that had
   them blocked (a thread of libdispatch, which blocks them, spawning the server) would
   otherwise leave them pending for ever. A signal left pending is delivered to the handler then.
   Returns 0, or -1 with errno. */
static inline int cposix_install_termination_pipe(int descriptor) {
    struct cposix_termination_state *state = cposix_termination_state();
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = cposix_termination_handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    state->pipe = descriptor;
    if (sigaction(SIGTERM, &action, &state->saved_sigterm) != 0) return -1;
    if (sigaction(SIGINT, &action, &state->saved_sigint) != 0) {
        sigaction(SIGTERM, &state->saved_sigterm, NULL);
        return -1;
    }
    sigset_t termination;
    sigemptyset(&termination);
    sigaddset(&termination, SIGTERM);
    sigaddset(&termination, SIGINT);
    int failed = pthread_sigmask(SIG_UNBLOCK, &termination, &state->saved_mask);
    if (failed != 0) {
        sigaction(SIGTERM, &state->saved_sigterm, NULL);
        sigaction(SIGINT, &state->saved_sigint, NULL);
        errno = failed;
        return -1;
    }
    return 0;
}

/* Puts back the calling thread's signal mask and the actions SIGTERM and SIGINT had before the
   install, then forgets the pipe. Called from the thread that installed. */
static inline void cposix_restore_termination_signals(void) {
    struct cposix_termination_state *state = cposix_termination_state();
    pthread_sigmask(SIG_SETMASK, &state->saved_mask, NULL);
    sigaction(SIGTERM, &state->saved_sigterm, NULL);
    sigaction(SIGINT, &state->saved_sigint, NULL);
    state->pipe = -1;
}
#endif
