/* What each integer instruction does to the status flags, as the SDM defines
 * it: which flags it writes with a defined value and which it leaves
 * undefined. The generator tracks undefined flags through a sequence with
 * these (an undefined flag stays undefined until an instruction defines it)
 * and never lets an instruction read one. One table, each entry citing the
 * SDM Vol. 2 instruction page; Vol. 1 Appendix A (EFLAGS Cross-Reference)
 * summarises the same facts. DF is never undefined, so it is not tracked. */
#ifndef JITPC_TESTS_DIFF_FLAGS_H
#define JITPC_TESTS_DIFF_FLAGS_H

#include <stdint.h>

typedef enum DiffFlagOp {
    DIFF_FX_NONE,       /* writes no status flag */
    DIFF_FX_ARITH,      /* ADD ADC SUB SBB CMP NEG XADD CMPXCHG CMPS SCAS */
    DIFF_FX_INCDEC,     /* INC DEC */
    DIFF_FX_LOGIC,      /* AND OR XOR TEST */
    DIFF_FX_MUL,        /* MUL, IMUL (all three forms) */
    DIFF_FX_DIV,        /* DIV IDIV */
    DIFF_FX_SHIFT1,     /* SHL SHR SAR, masked count 1 */
    DIFF_FX_SHIFTN,     /* SHL SHR SAR, masked count 2..31 (below the width for SHL/SHR) */
    DIFF_FX_SHIFT_WIDE, /* SHL SHR, masked count >= operand width */
    DIFF_FX_ROT1,       /* ROL ROR RCL RCR, masked count 1 */
    DIFF_FX_ROTN,       /* ROL ROR RCL RCR, masked count >= 2 */
    DIFF_FX_SHXD1,      /* SHLD SHRD, count 1 */
    DIFF_FX_SHXDN,      /* SHLD SHRD, count 2..width */
    DIFF_FX_SHXD_WIDE,  /* SHLD SHRD, count > width (16-bit only): all undefined */
    DIFF_FX_BT,         /* BT BTS BTR BTC */
    DIFF_FX_BSF,        /* BSF BSR */
    DIFF_FX_CMPXCHG8B,
    DIFF_FX_AAA,        /* AAA AAS */
    DIFF_FX_DAA,        /* DAA DAS */
    DIFF_FX_AAM,        /* AAM AAD */
    DIFF_FX_SAHF,
    DIFF_FX_POPF,
    DIFF_FX_CF,         /* CLC STC */
    DIFF_FX_COUNT
} DiffFlagOp;

typedef struct DiffFlagEffect {
    const char *insns;  /* the instructions the entry covers */
    uint32_t defined;   /* status flags written with a defined value */
    uint32_t undefined; /* status flags the SDM leaves undefined */
    const char *sdm;    /* where the SDM says so */
} DiffFlagEffect;

/* Shift and rotate kinds: the first eight are the ModRM /digit of the
 * C0/C1/D0-D3 group (SDM Vol. 2 Table A-6, group 2; /6 is not used). */
typedef enum DiffShiftKind {
    DIFF_SHIFT_ROL, DIFF_SHIFT_ROR, DIFF_SHIFT_RCL, DIFF_SHIFT_RCR,
    DIFF_SHIFT_SHL, DIFF_SHIFT_SHR, DIFF_SHIFT_SAL6, DIFF_SHIFT_SAR,
    DIFF_SHIFT_SHLD, DIFF_SHIFT_SHRD,
} DiffShiftKind;

const DiffFlagEffect *diff_flags_effect(DiffFlagOp op);

/* The undefined set after an instruction with effect `op` runs. */
uint32_t diff_flags_after(uint32_t undefined, DiffFlagOp op);

/* The effect of a shift or rotate of `width` bits by `count` (the value in
 * CL or imm8, before masking); DIFF_FX_NONE when the masked count is 0. */
DiffFlagOp diff_flags_shift_op(DiffShiftKind kind, unsigned width, unsigned count);

/* The undefined set after a shift whose count is not known: the union over
 * every count, which is what holds on all of them. */
uint32_t diff_flags_after_any_shift(uint32_t undefined, DiffShiftKind kind, unsigned width);

/* Status flags condition code `cc` (0..15, the low nibble of Jcc/SETcc/CMOVcc)
 * reads. */
uint32_t diff_flags_cc_reads(unsigned cc);

#endif
