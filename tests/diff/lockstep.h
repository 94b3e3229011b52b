/* The lockstep test of jitpc's two backends (jitpc-lockstep): one guest
 * program per case, run on the IR interpreter and on the native JIT side by
 * side, stepped by the same instruction counts and compared after every step.
 * No host CPU is involved, so cases may use system state: an IDT whose
 * handlers resume the program, paging with missing and read-only pages,
 * self-modifying code, NMIs and external interrupts.
 *
 * Guest memory (three RAM pieces; the rest of the physical space is
 * unassigned, compared as a whole after every step):
 *   low  00000000..0001ffff  GDT, IDT, handler stubs, counters, page tables
 *   code 00200000..0020ffff  diff_gen snippet at DIFF_CODE_BASE, the driver
 *                            loop after it, far blocks patched by the driver
 *   data 00300000..0030ffff  the snippet's data area and stack (diff_case.h)
 * A case's program: prologue (LGDT, LIDT, far JMP, segment loads, paging on
 * in some cases), then a loop run 1..4 times: reload the snippet's pointer
 * registers and EFLAGS, a few random "pieces" (SMC, faults, loops, string
 * moves, TLB toggling), the snippet (its terminator jumps back), more pieces;
 * finally CLI; HLT. */
#ifndef JITPC_TESTS_DIFF_LOCKSTEP_H
#define JITPC_TESTS_DIFF_LOCKSTEP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diff_case.h"

#define LS_LOW_BASE 0x00000000u
#define LS_LOW_SIZE 0x00020000u
#define LS_CODE_BASE DIFF_CODE_BASE           /* the snippet comes first */
#define LS_CODE_SIZE 0x00010000u
#define LS_DATA_BASE DIFF_DATA_BASE
#define LS_DATA_SIZE DIFF_DATA_SIZE

#define LS_GDT 0x0800u             /* null, 0x08 flat code, 0x10 flat data */
#define LS_GDTR 0x0880u
#define LS_IDTR 0x0888u
#define LS_IDT 0x1000u
#define LS_IDT_VECTORS 0x40u       /* INT 40h and above: #GP (beyond the limit) */
#define LS_STUBS 0x2000u           /* handler of vector v at LS_STUBS + v * LS_STUB_SIZE */
#define LS_STUB_SIZE 0x40u
#define LS_COUNTERS 0x3000u        /* dword per vector: times delivered */
#define LS_LAST_VECTOR 0x3100u
#define LS_LAST_ERROR 0x3104u
#define LS_RESUME 0x3108u          /* where a fault handler returns to */
#define LS_LOOPS 0x310Cu           /* driver loop counter */
#define LS_PD 0x10000u
#define LS_PT 0x11000u             /* maps linear 0..4 MiB, identity */

#define LS_DRIVER (LS_CODE_BASE + 0x1000u)
#define LS_DRIVER_MAX 0x2000u
#define LS_FAR (LS_CODE_BASE + 0x3000u) /* far blocks, LS_FAR_SIZE each */
#define LS_FAR_SIZE 0x40u
#define LS_FAR_COUNT 8u
#define LS_PANIC (LS_CODE_BASE + 0xF000u) /* initial LS_RESUME: CLI; HLT */

#define LS_INTR_VECTOR 0x30u       /* external interrupts: vectors 30h..37h */

/* One case: the memory images both rigs start from and what the report needs. */
typedef struct LsProgram {
    uint64_t seed;
    uint32_t index;
    DiffCase snippet;          /* code at DIFF_CODE_BASE, its registers, flags, data */
    bool paging;
    uint32_t loops;
    uint32_t driver_len;       /* driver bytes at LS_DRIVER */
    uint32_t far_used;         /* far blocks written */
    uint8_t low[LS_LOW_SIZE];
    uint8_t code[LS_CODE_SIZE];
    uint8_t data[LS_DATA_SIZE];
} LsProgram;

/* A small deterministic PRNG (splitmix64), for the generator and the stepper. */
typedef struct LsRng {
    uint64_t s;
} LsRng;

void ls_rng_seed(LsRng *r, uint64_t seed, uint32_t index, uint32_t stream);
uint64_t ls_rng_next(LsRng *r);
uint32_t ls_rng_below(LsRng *r, uint32_t n);

/* Builds case `index` of run `seed` (depends on nothing else). */
void ls_gen_program(uint64_t seed, uint32_t index, LsProgram *p);

/* Hex dump of the driver and far blocks, for the reproducer. */
void ls_print_program(FILE *f, const LsProgram *p);

#endif
