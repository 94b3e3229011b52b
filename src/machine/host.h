/* The host services only the machine layer touches: monotonic time for
 * the real-time clock, and the signals that ask for a clean shutdown. */
#ifndef JITPC_MACHINE_HOST_H
#define JITPC_MACHINE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Monotonic host time in ns; a HostTimeSource for clock_init_realtime. */
int64_t host_monotonic_ns(void *opaque);

/* Block SIGINT, SIGTERM and SIGHUP so they stay pending until the machine
 * loop collects them (no signal handler, no global flag); ignore SIGPIPE. */
void host_signals_block(void);
/* A pending shutdown signal, consumed; 0 if none. */
int host_signal_take(void);

/* The directory holding the running jitpc binary, in buf (false if the
 * host cannot tell). */
bool host_exe_dir(char *buf, size_t len);

#endif
