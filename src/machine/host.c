/* Host time and shutdown signals; see host.h. */
#include "machine/host.h"

#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int64_t host_monotonic_ns(void *opaque)
{
    struct timespec ts;
    (void)opaque;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void shutdown_signal_set(sigset_t *s)
{
    sigemptyset(s);
    sigaddset(s, SIGINT);
    sigaddset(s, SIGTERM);
    sigaddset(s, SIGHUP);
}

void host_signals_block(void)
{
    sigset_t s;
    shutdown_signal_set(&s);
    sigprocmask(SIG_BLOCK, &s, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int host_signal_take(void)
{
    sigset_t pending, wanted;
    if (sigpending(&pending) != 0)
        return 0;
    shutdown_signal_set(&wanted);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sigismember(&wanted, sig) && sigismember(&pending, sig)) {
            sigset_t one;
            int got;
            sigemptyset(&one);
            sigaddset(&one, sig);
            if (sigwait(&one, &got) == 0)
                return got;
        }
    }
    return 0;
}

bool host_exe_dir(char *buf, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    if (n <= 0 || (size_t)n >= len - 1)
        return false;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return false;
    *slash = '\0';
    return true;
}
