/*
 * Valgrind 3.19 writes into the signal mask passed to rt_sigsuspend (it removes its own
 * VG_SIGVGKILL), and libdispatch's _dispatch_sigsuspend passes a mask in read-only memory, so
 * valgrind itself crashes. Preloaded only under valgrind, this passes a writable copy instead.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <dlfcn.h>
#include <spawn.h>
#include <sys/resource.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, _NSIG / 8);
}

/*
 * Foundation's Process asks posix_spawn to close every descriptor listed in /proc/self/fd. Under
 * valgrind that list includes valgrind's own descriptors above the lowered RLIMIT_NOFILE, which
 * posix_spawn_file_actions_addclose rejects with EBADF, so every spawn fails. Skip those: the
 * child's valgrind-free image never sees them.
 */
int posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *actions, int fd) {
    static int (*real)(posix_spawn_file_actions_t *, int);
    if (!real) {
        real = (int (*)(posix_spawn_file_actions_t *, int))dlsym(RTLD_NEXT, "posix_spawn_file_actions_addclose");
    }
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && (rlim_t)fd >= limit.rlim_cur) {
        return 0;
    }
    return real(actions, fd);
}
