/* Comparison of two end states of a case and the reproducer printed on a
 * mismatch: seed and index, the command that re-runs exactly that case, the
 * code as hex and as a Capstone disassembly, the initial state and both final
 * states with the differing fields marked. */
#ifndef JITPC_TESTS_DIFF_REPORT_H
#define JITPC_TESTS_DIFF_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diff_case.h"

typedef struct DiffMismatch {
    uint32_t regs;        /* bit r set: register r differs */
    bool eflags;          /* a compared flag differs */
    bool exception;       /* vector or fault offset differs */
    uint32_t data_bytes;  /* data-area bytes that differ */
    uint32_t flags_mask;  /* the EFLAGS bits compared */
} DiffMismatch;

/* Compares `got` with the reference `ref` (the host CPU's state); true when
 * they agree on everything compared. The flags compared are those defined
 * where `ref` ended (at its exception, if any). */
bool diff_compare(const DiffCase *c, const DiffState *ref, const DiffState *got, DiffMismatch *m);

/* The case: how to re-run it, its code (hex and disassembly, marking
 * `mark_offset` when it is not UINT32_MAX) and its initial state. */
void diff_report_case(FILE *f, const DiffCase *c, const char *rerun, uint32_t mark_offset);

/* One end state alone (--verbose, --native-only). */
void diff_report_state(FILE *f, const char *label, const DiffCase *c, const DiffState *s);

/* Both end states side by side with the differences marked. */
void diff_report_mismatch(FILE *f, const DiffCase *c, const char *ref_label, const DiffState *ref,
                          const char *got_label, const DiffState *got, const DiffMismatch *m);

#endif
