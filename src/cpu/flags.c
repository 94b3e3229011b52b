/* Materializing the lazy arithmetic flags: cc_compute_all() and
 * cc_compute_c() turn what an instruction recorded (cc_op.h explains the
 * fields per group) into CF PF AF ZF SF OF. Plain integer C, so every host
 * gets the same bits. Definitions: SDM Vol. 1 §3.4.3.1 and Appendix A
 * (EFLAGS cross-reference), and each instruction's "Flags Affected" in
 * SDM Vol. 2. Undefined-flag choices are listed at cc_compute_all(). */
#include "cpu/cc_op.h"

/* The groups after CLR come in B/W/L triples; the width arithmetic below
 * relies on that layout. */
_Static_assert(CC_OP_ADDB + 3 == CC_OP_ADCB && CC_OP_ADCB + 3 == CC_OP_SUBB &&
               CC_OP_SUBB + 3 == CC_OP_SBBB && CC_OP_SBBB + 3 == CC_OP_LOGICB &&
               CC_OP_LOGICB + 3 == CC_OP_INCB && CC_OP_INCB + 3 == CC_OP_DECB &&
               CC_OP_DECB + 3 == CC_OP_SHLB && CC_OP_SHLB + 3 == CC_OP_SARB &&
               CC_OP_SARB + 3 == CC_OP_MULB && CC_OP_MULB + 3 == CC_OP_COUNT,
               "cc_op groups must be B/W/L triples ending the list");

static const char *const cc_op_names[CC_OP_COUNT] = {
#define X(n) #n,
    CC_OP_LIST(X)
#undef X
};

/* Operand width in bits of a sized op (ADDB..MULL). */
static unsigned cc_op_bits(CcOp op)
{
    return 8u << ((unsigned)(op - CC_OP_ADDB) % 3);
}

static uint32_t cc_width_mask(unsigned bits)
{
    return bits == 32 ? 0xffffffffu : (1u << bits) - 1;
}

/* PF: set when the low byte of the result has an even number of one bits
 * (SDM Vol. 1 §3.4.3.1); only bits 0-7 count, whatever the width. 0x6996
 * is the odd-parity table of a nibble. */
static uint32_t cc_parity(uint32_t result)
{
    uint32_t x = (result ^ (result >> 4)) & 0xf;
    return ((0x6996u >> x) & 1) ? 0 : CC_P;
}

/* SF, ZF and PF of a result already truncated to `bits`. */
static uint32_t cc_szp(uint32_t result, unsigned bits)
{
    uint32_t f = cc_parity(result);
    if (result == 0)
        f |= CC_Z;
    if ((result >> (bits - 1)) & 1)
        f |= CC_S;
    return f;
}

/* AF: the carry or borrow out of bit 3, which is bit 4 of a ^ b ^ result
 * for addition and subtraction alike (with or without carry in). */
static uint32_t cc_aux(uint32_t a, uint32_t b, uint32_t result)
{
    return (a ^ b ^ result) & CC_A;
}

static uint32_t cc_carry(CcOp op, uint32_t dst, uint32_t src, uint32_t src2)
{
    unsigned bits;
    uint32_t mask, first;

    if (op == CC_OP_EFLAGS)
        return src & CC_C;
    if (op < CC_OP_ADDB || op >= CC_OP_COUNT)
        return 0;               /* DYNAMIC, CLR, or not an op at all */
    bits = cc_op_bits(op);
    mask = cc_width_mask(bits);
    dst &= mask;
    src &= mask;
    switch ((unsigned)(op - CC_OP_ADDB) / 3) {
    case 0:                     /* ADD: carry out iff the sum wrapped */
        return dst < src;
    case 1:                     /* ADC: with a carry in, dst == src also wrapped */
        return (src2 & 1) ? dst <= src : dst < src;
    case 2:                     /* SUB: borrow iff first < second */
        first = (dst + src) & mask;
        return first < src;
    case 3:                     /* SBB */
        first = (dst + src + (src2 & 1)) & mask;
        return (src2 & 1) ? first <= src : first < src;
    case 4:                     /* LOGIC */
        return 0;
    case 5:                     /* INC */
    case 6:                     /* DEC: CF is the one from before */
        return src & CC_C;
    case 7:                     /* SHL: the last bit out is the top bit of src */
        return (src >> (bits - 1)) & 1;
    case 8:                     /* SAR/SHR: the last bit out is bit 0 of src */
        return src & 1;
    default:                    /* MUL */
        return src != 0;
    }
}

uint32_t cc_compute_c(CcOp op, uint32_t dst, uint32_t src, uint32_t src2)
{
    return cc_carry(op, dst, src, src2) ? CC_C : 0;
}

/* Undefined flags (SDM Vol. 1 Appendix A), the values given here:
 *   LOGIC   AF = 0, as cc_op.h says; P6 and P4 both clear it (sandpile.org
 *           "undefined integer FLAGS behavior").
 *   SHL/SAR AF = 0; OF from the count-1 formula for every count. That is the
 *           P4 behaviour on sandpile.org; a P6 leaves AF (and OF for counts
 *           above 1) unchanged, which these groups cannot express because
 *           they do not record the previous flags.
 *   MUL     SF, ZF, PF from the low half, AF = 0 (P4 again; a P6 leaves
 *           them unchanged, same limitation).
 * The eager helpers in arith.h use exactly these rules, so the lazy and the
 * eager path of an instruction never disagree. */
uint32_t cc_compute_all(CcOp op, uint32_t dst, uint32_t src, uint32_t src2)
{
    unsigned bits;
    uint32_t mask, sign, first, f;

    switch (op) {
    case CC_OP_EFLAGS:
        return src & CC_ALL;
    case CC_OP_CLR:
        return CC_Z | CC_P;
    default:
        break;
    }
    if (op < CC_OP_ADDB || op >= CC_OP_COUNT)
        return 0;               /* DYNAMIC is resolved at translation time */

    bits = cc_op_bits(op);
    mask = cc_width_mask(bits);
    sign = 1u << (bits - 1);
    dst &= mask;
    src &= mask;
    f = cc_szp(dst, bits);
    if (cc_carry(op, dst, src, src2))
        f |= CC_C;

    switch ((unsigned)(op - CC_OP_ADDB) / 3) {
    case 0:                     /* ADD */
    case 1:                     /* ADC */
        first = (dst - src - ((op >= CC_OP_ADCB) ? (src2 & 1) : 0)) & mask;
        f |= cc_aux(first, src, dst);
        /* Overflow: both inputs have the same sign and the result has the
         * other one. */
        if ((first ^ dst) & (src ^ dst) & sign)
            f |= CC_O;
        break;
    case 2:                     /* SUB, CMP, NEG */
    case 3:                     /* SBB */
        first = (dst + src + ((op >= CC_OP_SBBB) ? (src2 & 1) : 0)) & mask;
        f |= cc_aux(first, src, dst);
        /* Overflow: the inputs differ in sign and the result has the sign
         * of the subtrahend. */
        if ((first ^ src) & (first ^ dst) & sign)
            f |= CC_O;
        break;
    case 4:                     /* LOGIC: CF = OF = 0, AF = 0 */
        break;
    case 5:                     /* INC: first = dst - 1 */
        if ((dst & 0xf) == 0)
            f |= CC_A;
        if (dst == sign)
            f |= CC_O;
        break;
    case 6:                     /* DEC: first = dst + 1 */
        if ((dst & 0xf) == 0xf)
            f |= CC_A;
        if (dst == sign - 1)
            f |= CC_O;
        break;
    case 7:                     /* SHL: OF = CF xor the result's top bit */
        if (((f & CC_C) != 0) != ((dst & sign) != 0))
            f |= CC_O;
        break;
    case 8:                     /* SAR/SHR: OF comes recorded in src2 */
        if (src2 != 0)
            f |= CC_O;
        break;
    default:                    /* MUL: CF = OF */
        if (f & CC_C)
            f |= CC_O;
        break;
    }
    return f;
}

const char *cc_op_name(CcOp op)
{
    if ((unsigned)op >= CC_OP_COUNT)
        return "INVALID";
    return cc_op_names[op];
}
