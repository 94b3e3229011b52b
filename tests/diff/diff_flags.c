/* The undefined-flags table of the host differential test (diff_flags.h).
 * Every entry quotes the "Flags Affected" section of the instruction's page
 * in the Intel SDM Vol. 2 (order number 325383); Vol. 1 Appendix A, Table A-2
 * (EFLAGS Cross-Reference) lists the same facts per instruction. */
#include "diff_flags.h"

#include "diff_case.h"

#define ALL_STATUS DIFF_FLAGS_STATUS

static const DiffFlagEffect flags_table[DIFF_FX_COUNT] = {
    [DIFF_FX_NONE] = {"MOV MOVZX MOVSX XCHG LEA NOT BSWAP PUSH POP CBW CWD XLAT MOVS LODS STOS "
                      "Jcc SETcc CMOVcc LOOP JECXZ ENTER LEAVE LAHF PUSHF BOUND CMC CLD STD NOP",
                      0, 0,
                      "Vol. 2 pages: \"Flags Affected: None\"; CMC complements CF, so an undefined "
                      "CF stays undefined and a defined one defined"},
    [DIFF_FX_ARITH] = {"ADD ADC SUB SBB CMP NEG XADD CMPXCHG CMPS SCAS", ALL_STATUS, 0,
                       "Vol. 2A/2B ADD, ADC, SUB, SBB, CMP, NEG, XADD, CMPXCHG, CMPS, SCAS: \"The OF, SF, "
                       "ZF, AF, CF, and PF flags are set according to the result\""},
    [DIFF_FX_INCDEC] = {"INC DEC", DIFF_OF | DIFF_SF | DIFF_ZF | DIFF_AF | DIFF_PF, 0,
                        "Vol. 2A INC, DEC: \"The CF flag is not affected. The OF, SF, ZF, AF, and PF "
                        "flags are set according to the result\""},
    [DIFF_FX_LOGIC] = {"AND OR XOR TEST", DIFF_OF | DIFF_CF | DIFF_SF | DIFF_ZF | DIFF_PF, DIFF_AF,
                       "Vol. 2A/2B AND, OR, XOR, TEST: \"The OF and CF flags are cleared; the SF, ZF, and "
                       "PF flags are set according to the result. The state of the AF flag is undefined\""},
    [DIFF_FX_MUL] = {"MUL IMUL", DIFF_OF | DIFF_CF, DIFF_SF | DIFF_ZF | DIFF_AF | DIFF_PF,
                     "Vol. 2A IMUL, Vol. 2B MUL: CF and OF report a significant upper half; \"The SF, ZF, "
                     "AF, and PF flags are undefined\""},
    [DIFF_FX_DIV] = {"DIV IDIV", 0, ALL_STATUS,
                     "Vol. 2A DIV, IDIV: \"The CF, OF, SF, ZF, AF, and PF flags are undefined\""},
    [DIFF_FX_SHIFT1] = {"SHL SHR SAR by 1", DIFF_CF | DIFF_OF | DIFF_SF | DIFF_ZF | DIFF_PF, DIFF_AF,
                        "Vol. 2B SAL/SAR/SHL/SHR: \"The OF flag is affected only for 1-bit shifts ... For a "
                        "non-zero count, the AF flag is undefined\""},
    [DIFF_FX_SHIFTN] = {"SHL SHR SAR by 2..31", DIFF_CF | DIFF_SF | DIFF_ZF | DIFF_PF, DIFF_OF | DIFF_AF,
                        "Vol. 2B SAL/SAR/SHL/SHR: OF \"is affected only for 1-bit shifts ...; otherwise, it "
                        "is undefined\"; AF undefined for a non-zero count"},
    [DIFF_FX_SHIFT_WIDE] = {"SHL SHR by >= width", DIFF_SF | DIFF_ZF | DIFF_PF, DIFF_CF | DIFF_OF | DIFF_AF,
                            "Vol. 2B SAL/SAR/SHL/SHR: CF \"is undefined for SHL and SHR instructions where "
                            "the count is greater than or equal to the size (in bits) of the destination\""},
    [DIFF_FX_ROT1] = {"ROL ROR RCL RCR by 1", DIFF_CF | DIFF_OF, 0,
                      "Vol. 2B RCL/RCR/ROL/ROR: \"The OF flag is affected only for single-bit rotates ... "
                      "The SF, ZF, AF, and PF flags are not affected\""},
    [DIFF_FX_ROTN] = {"ROL ROR RCL RCR by >= 2", DIFF_CF, DIFF_OF,
                      "Vol. 2B RCL/RCR/ROL/ROR: OF \"is undefined for multi-bit rotates\""},
    [DIFF_FX_SHXD1] = {"SHLD SHRD by 1", DIFF_CF | DIFF_OF | DIFF_SF | DIFF_ZF | DIFF_PF, DIFF_AF,
                       "Vol. 2B SHLD, SHRD: \"For a 1-bit shift, the OF flag is set if a sign change "
                       "occurred ... If a shift occurs, the AF flag is undefined\""},
    [DIFF_FX_SHXDN] = {"SHLD SHRD by 2..width", DIFF_CF | DIFF_SF | DIFF_ZF | DIFF_PF, DIFF_OF | DIFF_AF,
                       "Vol. 2B SHLD, SHRD: \"For shifts greater than 1 bit, the OF flag is undefined\""},
    [DIFF_FX_SHXD_WIDE] = {"SHLD SHRD by > width", 0, ALL_STATUS,
                           "Vol. 2B SHLD, SHRD: \"If the count is greater than the operand size, the "
                           "flags are undefined\" (and so is the result)"},
    [DIFF_FX_BT] = {"BT BTS BTR BTC", DIFF_CF, DIFF_OF | DIFF_SF | DIFF_AF | DIFF_PF,
                    "Vol. 2A BT, BTC, BTR, BTS: \"The ZF flag is unaffected. The OF, SF, AF, and PF "
                    "flags are undefined\""},
    [DIFF_FX_BSF] = {"BSF BSR", DIFF_ZF, DIFF_CF | DIFF_OF | DIFF_SF | DIFF_AF | DIFF_PF,
                     "Vol. 2A BSF, BSR: \"The CF, OF, SF, AF, and PF flags are undefined\""},
    [DIFF_FX_CMPXCHG8B] = {"CMPXCHG8B", DIFF_ZF, 0,
                           "Vol. 2A CMPXCHG8B: \"The CF, PF, AF, SF, and OF flags are unaffected\""},
    [DIFF_FX_AAA] = {"AAA AAS", DIFF_AF | DIFF_CF, DIFF_OF | DIFF_SF | DIFF_ZF | DIFF_PF,
                     "Vol. 2A AAA, AAS: \"The OF, SF, ZF, and PF flags are undefined\""},
    [DIFF_FX_DAA] = {"DAA DAS", DIFF_CF | DIFF_AF | DIFF_SF | DIFF_ZF | DIFF_PF, DIFF_OF,
                     "Vol. 2A DAA, DAS: \"The OF flag is undefined\""},
    [DIFF_FX_AAM] = {"AAM AAD", DIFF_SF | DIFF_ZF | DIFF_PF, DIFF_OF | DIFF_AF | DIFF_CF,
                     "Vol. 2A AAM, AAD: \"The OF, AF, and CF flags are undefined\""},
    [DIFF_FX_SAHF] = {"SAHF", DIFF_SF | DIFF_ZF | DIFF_AF | DIFF_PF | DIFF_CF, 0,
                      "Vol. 2B SAHF: \"The SF, ZF, AF, PF, and CF flags are loaded with values from the "
                      "AH register\""},
    [DIFF_FX_POPF] = {"POPF", ALL_STATUS, 0, "Vol. 2B POPF: every status flag comes from the stack"},
    [DIFF_FX_CF] = {"CLC STC", DIFF_CF, 0, "Vol. 2A CLC, Vol. 2B STC: CF cleared or set"},
};

const DiffFlagEffect *diff_flags_effect(DiffFlagOp op)
{
    return &flags_table[op];
}

uint32_t diff_flags_after(uint32_t undefined, DiffFlagOp op)
{
    const DiffFlagEffect *e = &flags_table[op];
    return (undefined & ~e->defined) | e->undefined;
}

/* Which effect a non-zero masked count has, per kind. The count is masked to
 * 5 bits for 8/16/32-bit operands (SDM Vol. 2B SAL/SAR/SHL/SHR, RCL/RCR/ROL/
 * ROR, SHLD, SHRD: "masked to 5 bits"); "wide" counts reach the width (SHL,
 * SHR: CF undefined) or exceed it (SHLD, SHRD: everything undefined). */
static const struct {
    DiffFlagOp one, many, wide;
    uint8_t wide_from; /* 0: never wide; 1: count >= width; 2: count > width */
} flags_shift_rules[] = {
    [DIFF_SHIFT_ROL] = {DIFF_FX_ROT1, DIFF_FX_ROTN, DIFF_FX_ROTN, 0},
    [DIFF_SHIFT_ROR] = {DIFF_FX_ROT1, DIFF_FX_ROTN, DIFF_FX_ROTN, 0},
    [DIFF_SHIFT_RCL] = {DIFF_FX_ROT1, DIFF_FX_ROTN, DIFF_FX_ROTN, 0},
    [DIFF_SHIFT_RCR] = {DIFF_FX_ROT1, DIFF_FX_ROTN, DIFF_FX_ROTN, 0},
    [DIFF_SHIFT_SHL] = {DIFF_FX_SHIFT1, DIFF_FX_SHIFTN, DIFF_FX_SHIFT_WIDE, 1},
    [DIFF_SHIFT_SHR] = {DIFF_FX_SHIFT1, DIFF_FX_SHIFTN, DIFF_FX_SHIFT_WIDE, 1},
    [DIFF_SHIFT_SAL6] = {DIFF_FX_SHIFT1, DIFF_FX_SHIFTN, DIFF_FX_SHIFT_WIDE, 1},
    /* SAR keeps shifting copies of the sign into CF: defined at any count. */
    [DIFF_SHIFT_SAR] = {DIFF_FX_SHIFT1, DIFF_FX_SHIFTN, DIFF_FX_SHIFTN, 0},
    [DIFF_SHIFT_SHLD] = {DIFF_FX_SHXD1, DIFF_FX_SHXDN, DIFF_FX_SHXD_WIDE, 2},
    [DIFF_SHIFT_SHRD] = {DIFF_FX_SHXD1, DIFF_FX_SHXDN, DIFF_FX_SHXD_WIDE, 2},
};

DiffFlagOp diff_flags_shift_op(DiffShiftKind kind, unsigned width, unsigned count)
{
    unsigned masked = count & 31;
    if (masked == 0)
        return DIFF_FX_NONE; /* "If the count is 0, the flags are not affected" */
    if (masked == 1)
        return flags_shift_rules[kind].one;
    if ((flags_shift_rules[kind].wide_from == 1 && masked >= width) ||
        (flags_shift_rules[kind].wide_from == 2 && masked > width))
        return flags_shift_rules[kind].wide;
    return flags_shift_rules[kind].many;
}

uint32_t diff_flags_after_any_shift(uint32_t undefined, DiffShiftKind kind, unsigned width)
{
    uint32_t u = 0;
    for (unsigned count = 0; count < 32; count++)
        u |= diff_flags_after(undefined, diff_flags_shift_op(kind, width, count));
    return u;
}

/* SDM Vol. 1 Appendix B, Table B-1 (EFLAGS Condition Codes): cc and cc^1
 * test the same flags. */
static const uint32_t flags_cc_reads[8] = {
    DIFF_OF,                    /* O, NO */
    DIFF_CF,                    /* B, AE */
    DIFF_ZF,                    /* E, NE */
    DIFF_CF | DIFF_ZF,          /* BE, A */
    DIFF_SF,                    /* S, NS */
    DIFF_PF,                    /* P, NP */
    DIFF_SF | DIFF_OF,          /* L, GE */
    DIFF_ZF | DIFF_SF | DIFF_OF /* LE, G */
};

uint32_t diff_flags_cc_reads(unsigned cc)
{
    return flags_cc_reads[(cc & 15) >> 1];
}
