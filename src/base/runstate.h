/* Requests that end or restart the run, made by devices (exit port, reset
 * lines) or the host (Ctrl-A x, window closed). The main loop polls them
 * between CPU slices; devices never call exit(). */
#ifndef JITPC_BASE_RUNSTATE_H
#define JITPC_BASE_RUNSTATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct RunState {
    bool exit_requested;
    int exit_status;            /* the process exit status to use */
    char exit_reason[128];
    bool reset_requested;
    /* Called on any request: makes the CPU return to the loop. */
    void (*kick)(void *opaque);
    void *kick_opaque;
} RunState;

/* The first exit request wins; later ones are ignored. */
static inline void runstate_request_exit(RunState *rs, int status, const char *why)
{
    if (rs->exit_requested)
        return;
    rs->exit_requested = true;
    rs->exit_status = status;
    snprintf(rs->exit_reason, sizeof(rs->exit_reason), "%s", why);
    if (rs->kick)
        rs->kick(rs->kick_opaque);
}

static inline void runstate_request_reset(RunState *rs)
{
    rs->reset_requested = true;
    if (rs->kick)
        rs->kick(rs->kick_opaque);
}

static inline bool runstate_stop_pending(const RunState *rs)
{
    return rs->exit_requested || rs->reset_requested;
}

#endif
