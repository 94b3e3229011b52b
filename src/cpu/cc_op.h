/* Lazy arithmetic flags. The six arithmetic flags (CF PF AF ZF SF OF) are
 * not computed when an instruction executes: it records what it did in
 * CpuState.cc_op and the operands/result in cc_dst, cc_src, cc_src2, and
 * the flags are materialized only when something reads them (Jcc, SETcc,
 * PUSHF, ADC, an interrupt...). Translation tracks cc_op statically where
 * it can, so e.g. CMP + Jcc compiles to one compare.
 *
 * Meaning of the fields per group (B/W/L = 8/16/32-bit operand size; all
 * values are stored zero-extended, results truncated to the width):
 *   EFLAGS     cc_src holds the flags themselves, in their EFLAGS bit positions
 *   ADD        cc_dst = result, cc_src = second operand (first = dst - src)
 *   ADC        as ADD, cc_src2 = carry in (0 or 1)
 *   SUB        cc_dst = result, cc_src = subtrahend (first = dst + src); CMP, NEG (first = 0)
 *   SBB        as SUB, cc_src2 = borrow in (0 or 1)
 *   LOGIC      cc_dst = result; CF = OF = 0; AF = 0 (undefined in the SDM)
 *   INC, DEC   cc_dst = result, cc_src = CF before the instruction (INC/DEC keep CF)
 *   SHL        cc_dst = result, cc_src = operand << (count - 1): CF = its top bit (at width);
 *              OF = CF xor top bit of the result (defined for count 1)
 *   SAR        (SAR and SHR) cc_dst = result, cc_src = operand >> (count - 1), arithmetic
 *              for SAR, logical for SHR: CF = bit 0 of cc_src; OF = (cc_src2 != 0), where
 *              lowering stores the original operand's top bit (0/1) for SHR by 1, else 0
 *              (SHL/SHR/SAR by an immediate record these groups; by CL they go
 *              through arith.c, which leaves the flags in EFLAGS form.)
 *   MUL        cc_dst = low half of the product, cc_src = nonzero at the operand width
 *              iff the product does not fit the low half (MUL: the high half; IMUL: a
 *              0/1 overflow flag, since a difference could be a multiple of 2^width):
 *              CF = OF = (cc_src != 0)
 *   CLR        (XOR r,r and SUB r,r) ZF = PF = 1, the others 0
 * Undefined flags (SDM Vol. 1 Appendix A, and each instruction's page) are
 * given the values Intel P6-family processors produce where documented,
 * otherwise the value stated next to the group above. */
#ifndef JITPC_CPU_CC_OP_H
#define JITPC_CPU_CC_OP_H

#include <stdbool.h>
#include <stdint.h>

#define CC_OP_LIST(X)                                                         \
    X(DYNAMIC) /* translation time only: the value is in CpuState.cc_op */   \
    X(EFLAGS)                                                                 \
    X(CLR)                                                                    \
    X(ADDB) X(ADDW) X(ADDL)                                                   \
    X(ADCB) X(ADCW) X(ADCL)                                                   \
    X(SUBB) X(SUBW) X(SUBL)                                                   \
    X(SBBB) X(SBBW) X(SBBL)                                                   \
    X(LOGICB) X(LOGICW) X(LOGICL)                                             \
    X(INCB) X(INCW) X(INCL)                                                   \
    X(DECB) X(DECW) X(DECL)                                                   \
    X(SHLB) X(SHLW) X(SHLL)                                                   \
    X(SARB) X(SARW) X(SARL)                                                   \
    X(MULB) X(MULW) X(MULL)

typedef enum CcOp {
#define X(n) CC_OP_##n,
    CC_OP_LIST(X)
#undef X
    CC_OP_COUNT
} CcOp;

/* The group's B variant plus log2(size in bytes): CC_OP_ADDB + 2 = ADDL. */
static inline CcOp cc_op_sized(CcOp byte_variant, unsigned size_bytes)
{
    return (CcOp)(byte_variant + (size_bytes == 4 ? 2 : size_bytes == 2 ? 1 : 0));
}

/* EFLAGS bit positions (SDM Vol. 1 §3.4.3). */
#define CC_C 0x0001u
#define CC_P 0x0004u
#define CC_A 0x0010u
#define CC_Z 0x0040u
#define CC_S 0x0080u
#define CC_O 0x0800u
#define CC_ALL (CC_C | CC_P | CC_A | CC_Z | CC_S | CC_O)

/* The six arithmetic flags (CC_ALL bits only) for a recorded operation. */
uint32_t cc_compute_all(CcOp op, uint32_t dst, uint32_t src, uint32_t src2);
/* CF alone, cheaper (ADC/SBB/RCL/RCR and INC/DEC bookkeeping). */
uint32_t cc_compute_c(CcOp op, uint32_t dst, uint32_t src, uint32_t src2);
const char *cc_op_name(CcOp op);

#endif
