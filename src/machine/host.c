/* Host time and shutdown signals; see host.h. */
#include "machine/host.h"

#include <signal.h>
#include <time.h>

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
