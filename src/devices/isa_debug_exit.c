/* isa-debug-exit: a write of value V (1, 2 or 4 bytes, anywhere in the
 * port range) ends the run with process exit status (V << 1) | 1, exactly
 * as QEMU's device does, so status 1 never means "the guest passed" by
 * accident. Reads return 0. The request goes through the RunState: the
 * machine loop stops after the current instruction and tears down cleanly
 * (terminal restored, files flushed) instead of calling exit() here. */
#include "devices/isa_debug_exit.h"

#include <stdio.h>
#include <stdlib.h>

struct IsaDebugExit {
    Device dev;
    RunState *run;
};

static uint64_t debug_exit_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque, (void)off, (void)size;
    return 0;
}

static void debug_exit_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    IsaDebugExit *d = opaque;
    char why[64];
    (void)off, (void)size;
    snprintf(why, sizeof(why), "isa-debug-exit: guest wrote 0x%llx", (unsigned long long)val);
    /* The host truncates the status to 8 bits, as it does for QEMU. */
    runstate_request_exit(d->run, (int)(((val << 1) | 1) & 0xFF), why);
}

/* 1 to 4 byte accesses reach the device whole: V is the full value. */
const IoOps debug_exit_io_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
    .min_access = 1,
    .max_access = 4,
};

static const StateField debug_exit_fields[] = {STATE_END};

static void debug_exit_free(void *opaque)
{
    free(opaque);
}

IsaDebugExit *debug_exit_new(const char *name, RunState *run)
{
    IsaDebugExit *d = calloc(1, sizeof(*d));
    if (!d)
        abort();
    d->run = run;
    d->dev = (Device){.name = name, .fields = debug_exit_fields, .state = d, .opaque = d, .free = debug_exit_free};
    return d;
}

Device *debug_exit_device(IsaDebugExit *d)
{
    return &d->dev;
}
