/* The driver's end of the native helper (diff-native): starts the -m32
 * helper once, sends it cases over a pipe (diff_wire.h) and turns its answers
 * into DiffStates, converting trap EIPs into the trapping instruction. */
#ifndef JITPC_TESTS_DIFF_NATIVE_CLIENT_H
#define JITPC_TESTS_DIFF_NATIVE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "diff_case.h"
#include "diff_wire.h"

#define DIFF_NATIVE_TIMEOUT_MS 10000 /* one case never takes more than microseconds */

#define DIFF_NATIVE_BATCH 32

typedef struct DiffNative {
    pid_t pid;
    int to_helper, from_helper;
    uint32_t pending;                         /* requests sent, not yet answered */
    uint32_t pending_bytes;                   /* their size */
    uint32_t head;                            /* oldest pending request in `sizes` */
    uint32_t sizes[DIFF_NATIVE_BATCH];        /* ring of request sizes */
    uint8_t ref[DIFF_DATA_SIZE];      /* scratch: the seeded fill a request is relative to */
    uint8_t runs[DIFF_WIRE_RUNS_MAX]; /* scratch: encoded data runs */
} DiffNative;

/* What the helper saw besides the state (for reports and sanity checks). */
typedef struct DiffNativeInfo {
    bool harness_fault;  /* a signal outside the snippet */
    int32_t vector;      /* raw trap number, -1 for none */
    uint32_t eip_offset; /* raw EIP - DIFF_CODE_BASE */
    uint32_t error_code, fault_addr;
} DiffNativeInfo;

/* Starts the helper program at `path`; false with a reason in `why`. */
bool diff_native_start(DiffNative *n, const char *path, char *why, size_t len);

/* Sends case `c` to the helper. Up to DIFF_NATIVE_BATCH cases (and less
 * than half a pipe of requests) may be sent before their results are
 * received, in the same order: one wake-up of the helper then serves the
 * whole batch. False with a reason when the helper is gone or the batch is
 * full. */
bool diff_native_send(DiffNative *n, const DiffCase *c, char *why, size_t len);

/* Receives the result of the oldest case sent (`c`) into `out`; false with
 * a reason when the helper failed (died, hung, answered garbage). */
bool diff_native_receive(DiffNative *n, const DiffCase *c, DiffState *out, DiffNativeInfo *info, char *why,
                         size_t len);

/* Sends and receives one case. */
bool diff_native_run(DiffNative *n, const DiffCase *c, DiffState *out, DiffNativeInfo *info, char *why,
                     size_t len);

/* Ends the helper (closing its input makes it exit). */
void diff_native_stop(DiffNative *n);

#endif
