/* The pipe protocol between the driver (jitpc-diff) and the -m32 native helper
 * (diff-native): one request per case, one response back. Every field is a
 * uint32_t, so the headers have the same layout in both builds; the data area
 * travels as runs of bytes that differ from a reference (the seeded fill in a
 * request, the initial data in a response), which keeps a case to ~100 bytes. */
#ifndef JITPC_TESTS_DIFF_WIRE_H
#define JITPC_TESTS_DIFF_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diff_case.h"

#define DIFF_WIRE_REQUEST_MAGIC 0x51464944u  /* "DIFQ" */
#define DIFF_WIRE_RESPONSE_MAGIC 0x41464944u /* "DIFA" */
/* Worst case of a run encoding: the whole area as one run. */
#define DIFF_WIRE_RUNS_MAX (DIFF_DATA_SIZE + 8u)

/* Request header; followed by code_len code bytes and runs_len run bytes. */
typedef struct DiffWireRequest {
    uint32_t magic;
    uint32_t code_len;
    uint32_t regs[DIFF_NREGS];
    uint32_t eflags;
    uint32_t data_seed_lo, data_seed_hi;
    uint32_t runs_len; /* data bytes that differ from diff_data_fill(data_seed) */
} DiffWireRequest;

enum {
    DIFF_WIRE_RAN,          /* the snippet ended at the terminator or with an exception */
    DIFF_WIRE_HARNESS_FAULT /* a signal outside the snippet: a helper or generator bug */
};

/* Response header; followed by runs_len run bytes (final data vs initial). */
typedef struct DiffWireResponse {
    uint32_t magic;
    uint32_t status;     /* DIFF_WIRE_* */
    int32_t vector;      /* -1 when the terminator was reached, else the trap number */
    uint32_t eip_offset; /* EIP - DIFF_CODE_BASE: after the instruction for traps */
    uint32_t error_code; /* REG_ERR of the signal context (for the report) */
    uint32_t fault_addr; /* si_addr (for the report) */
    uint32_t regs[DIFF_NREGS];
    uint32_t eflags;
    uint32_t runs_len;
} DiffWireResponse;

_Static_assert(sizeof(DiffWireRequest) == 14 * 4, "request header has no padding");
_Static_assert(sizeof(DiffWireResponse) == 16 * 4, "response header has no padding");

/* Encodes the bytes of `cur` that differ from `ref` as runs {u32 offset,
 * u32 length, bytes}; returns the encoded length (at most DIFF_WIRE_RUNS_MAX). */
size_t diff_wire_encode_runs(const uint8_t *ref, const uint8_t *cur, uint32_t size, uint8_t *out);

/* Applies runs to `data`; false when they are malformed or leave the area. */
bool diff_wire_apply_runs(uint8_t *data, uint32_t size, const uint8_t *runs, size_t len);

/* Reads exactly len bytes; waits at most timeout_ms for each chunk (-1: no
 * limit). Returns 1 on success, 0 on end of file before any byte, -1 on error
 * or timeout (errno ETIMEDOUT) or a short read. */
int diff_wire_read(int fd, void *buf, size_t len, int timeout_ms);

/* Writes exactly len bytes; false on error. */
bool diff_wire_write(int fd, const void *buf, size_t len);

#endif
