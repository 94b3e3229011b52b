/* The shared model of the host-CPU differential test: one case (a snippet of
 * 32-bit user-level integer code and the state it starts from) and the state
 * it ends in. Both sides use the same fixed linear addresses, so this header is
 * included by the 64-bit driver, the -m32 native helper and the emulated side.
 * Flag bits follow the SDM Vol. 1 §3.4.3 (EFLAGS register). */
#ifndef JITPC_TESTS_DIFF_CASE_H
#define JITPC_TESTS_DIFF_CASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Addresses valid both in a 32-bit Linux process and in the emulated machine
 * (paging off, linear = physical, DIFF_RAM_SIZE of RAM at 0). */
#define DIFF_CODE_BASE 0x00200000u
#define DIFF_CODE_SIZE 0x1000u              /* snippet + terminator */
#define DIFF_CODE_MAX (DIFF_CODE_SIZE - 16) /* longest snippet: room for either terminator */
#define DIFF_DATA_BASE 0x00300000u
#define DIFF_DATA_SIZE 0x10000u
#define DIFF_DATA_END (DIFF_DATA_BASE + DIFF_DATA_SIZE)
#define DIFF_STACK_TOP (DIFF_DATA_END - 0x1000u) /* initial ESP lies a little below */
#define DIFF_RAM_SIZE (16u << 20)
#define DIFF_INSN_MAX 96    /* instructions per snippet, set-up moves included */
#define DIFF_STEP_LIMIT 100000 /* an emulated run longer than this is a hang */

/* Register numbers: the x86 encoding order (SDM Vol. 2A §2.1.5, Table 2-2). */
enum { DIFF_EAX, DIFF_ECX, DIFF_EDX, DIFF_EBX, DIFF_ESP, DIFF_EBP, DIFF_ESI, DIFF_EDI, DIFF_NREGS };

/* EFLAGS bits (SDM Vol. 1 §3.4.3). */
#define DIFF_CF 0x0001u
#define DIFF_PF 0x0004u
#define DIFF_AF 0x0010u
#define DIFF_ZF 0x0040u
#define DIFF_SF 0x0080u
#define DIFF_TF 0x0100u
#define DIFF_IF 0x0200u
#define DIFF_DF 0x0400u
#define DIFF_OF 0x0800u
#define DIFF_FLAGS_STATUS (DIFF_CF | DIFF_PF | DIFF_AF | DIFF_ZF | DIFF_SF | DIFF_OF)
/* The only EFLAGS bits ever compared: status flags and DF. IF, IOPL, RF, AC,
 * ID... are fixed by the harness (user mode: IF=1, IOPL=0) and not compared. */
#define DIFF_FLAGS_COMPARED (DIFF_FLAGS_STATUS | DIFF_DF)
/* EFLAGS every case starts with besides its status flags and DF: bit 1
 * (reads as 1) and IF (user mode always runs with IF=1). */
#define DIFF_FLAGS_FIXED 0x0202u

/* exception values besides a vector number (0 #DE, 3 #BP, 4 #OF, 5 #BR, 6 #UD,
 * 13 #GP, 14 #PF, 17 #AC). */
#define DIFF_EXC_NONE (-1)    /* ran into the terminator */
#define DIFF_EXC_TIMEOUT (-2) /* did not reach it within DIFF_STEP_LIMIT instructions */

/* A machine state at the start of a case, at its end, or when it faulted. */
typedef struct DiffState {
    uint32_t regs[DIFF_NREGS]; /* EAX ECX EDX EBX ESP EBP ESI EDI */
    uint32_t eflags;
    int32_t exception;     /* DIFF_EXC_NONE, DIFF_EXC_TIMEOUT or the vector */
    uint32_t fault_offset; /* code offset of the instruction that raised it; for the
                            * traps #BP and #OF the INT3/INTO itself, not the next EIP */
    uint8_t data[DIFF_DATA_SIZE]; /* the data area, DIFF_DATA_BASE.. */
} DiffState;

/* One generated or hand-written case. The emulated side needs only code,
 * code_len and init; the rest is for the driver's comparison and report. */
typedef struct DiffCase {
    uint64_t seed;       /* the run's --seed */
    uint32_t index;      /* the case's number in the run (--case) */
    const char *name;    /* targeted case name, NULL for a random case */
    uint8_t code[DIFF_CODE_MAX]; /* the snippet only: each side appends its terminator */
    uint32_t code_len;
    DiffState init;      /* exception/fault_offset unused */
    uint64_t data_seed;  /* init.data = diff_data_fill(data_seed), then patched */
    bool data_patched;   /* init.data differs from the plain fill (targeted cases) */
    uint32_t flags_mask; /* EFLAGS bits defined after the whole sequence */
    uint32_t insn_count; /* instruction boundaries, in code order */
    uint16_t insn_offset[DIFF_INSN_MAX];
    uint32_t insn_flags_mask[DIFF_INSN_MAX]; /* EFLAGS bits defined before that instruction */
} DiffCase;

/* Fills the data area deterministically from `seed` (both sides call it). */
void diff_data_fill(uint8_t *data, uint64_t seed);

/* The instruction at `offset`, or -1 when no instruction starts there. */
int diff_case_insn_at(const DiffCase *c, uint32_t offset);

/* Start offset of the instruction that ends at `offset` (the EIP a trap
 * pushes), or -1 when none does. */
int64_t diff_case_insn_ending_at(const DiffCase *c, uint32_t offset);

/* The EFLAGS bits to compare for a run that ended with `exception` at
 * `fault_offset` (the whole-sequence mask when it did not fault). */
uint32_t diff_case_compared_flags(const DiffCase *c, int32_t exception, uint32_t fault_offset);

/* Writes flag names ("CF PF ...") for the bits of `mask` set in `value`
 * (or, with names_only, every bit of `mask`) into buf. */
void diff_flags_format(char *buf, size_t len, uint32_t value, uint32_t mask, bool names_only);

/* Short name of an exception value ("none", "#DE", "timeout", "vector 9"). */
const char *diff_exception_name(int32_t exception, char *buf, size_t len);

#endif
