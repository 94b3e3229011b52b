/* x86 integer arithmetic that is more than one IR op, as pure C helpers:
 * MUL/IMUL, DIV/IDIV, shifts and rotates, SHLD/SHRD, BSF/BSR, BT/BTS/BTR/BTC
 * (register forms) and the BCD adjusts. No CpuState: operands and EFLAGS
 * come in as values, results and EFLAGS go out in an ArithResult, so the
 * lowering and the IR interpreter share them (DESIGN.md invariant 1).
 * Reference: SDM Vol. 2 instruction pages; Vol. 1 Appendix A (EFLAGS). */
#ifndef JITPC_CPU_ARITH_H
#define JITPC_CPU_ARITH_H

#include <stdbool.h>
#include <stdint.h>

/* 16 bytes, so it comes back in two registers on the x86-64 SysV and the
 * AArch64 ABIs. */
typedef struct ArithResult {
    uint32_t value;   /* the destination, zero-extended from the operand size */
    uint32_t value2;  /* remainder (DIV/IDIV), high half of the product (MUL/IMUL) */
    uint32_t flags;   /* the input flags with the bits this instruction writes replaced */
    bool fault;       /* #DE: raise it; value and value2 are 0, flags are the input */
} ArithResult;

/* Every `size` is the operand size in bytes: 1, 2 or 4. Every `flags` is
 * the guest EFLAGS before the instruction (only CF and AF are read, by
 * RCL/RCR and the BCD adjusts); bits outside CC_ALL pass through untouched.
 * Where the SDM leaves a flag undefined the choice is documented next to
 * the function's definition. None of these longjmp. */

static inline uint32_t arith_mask(unsigned size)
{
    return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

/* MUL: AL/AX/EAX times `b`; value = low half, value2 = high half
 * (AH, DX, EDX); CF = OF = high half nonzero. */
ArithResult arith_mul(unsigned size, uint32_t a, uint32_t b, uint32_t flags);
/* IMUL, all three forms: signed a * b; value = low half (the destination
 * of the two- and three-operand forms), value2 = high half; CF = OF = the
 * product does not fit the low half. */
ArithResult arith_imul(unsigned size, uint32_t a, uint32_t b, uint32_t flags);
/* DIV: dividend AX (size 1: low 16 bits of `eax`), DX:AX or EDX:EAX;
 * value = quotient (AL, AX, EAX), value2 = remainder (AH, DX, EDX). */
ArithResult arith_div(unsigned size, uint32_t eax, uint32_t edx, uint32_t divisor, uint32_t flags);
/* IDIV: as DIV, signed; quotient truncated toward zero, remainder with
 * the sign of the dividend. */
ArithResult arith_idiv(unsigned size, uint32_t eax, uint32_t edx, uint32_t divisor, uint32_t flags);

/* Shifts and rotates by `count` (the raw CL or imm8; masked to 5 bits
 * here). A masked count of 0 changes nothing, flags included. */
ArithResult arith_shl(unsigned size, uint32_t value, uint32_t count, uint32_t flags);
ArithResult arith_shr(unsigned size, uint32_t value, uint32_t count, uint32_t flags);
ArithResult arith_sar(unsigned size, uint32_t value, uint32_t count, uint32_t flags);
ArithResult arith_rol(unsigned size, uint32_t value, uint32_t count, uint32_t flags);
ArithResult arith_ror(unsigned size, uint32_t value, uint32_t count, uint32_t flags);
ArithResult arith_rcl(unsigned size, uint32_t value, uint32_t count, uint32_t flags);
ArithResult arith_rcr(unsigned size, uint32_t value, uint32_t count, uint32_t flags);
/* SHLD/SHRD dst, src, count (size 2 or 4): shift dst, filling from src. */
ArithResult arith_shld(unsigned size, uint32_t dst, uint32_t src, uint32_t count, uint32_t flags);
ArithResult arith_shrd(unsigned size, uint32_t dst, uint32_t src, uint32_t count, uint32_t flags);

/* BSF/BSR dst, src (size 2 or 4): value = bit index, or `dst` unchanged
 * when src is 0 (ZF = 1). */
ArithResult arith_bsf(unsigned size, uint32_t dst, uint32_t src, uint32_t flags);
ArithResult arith_bsr(unsigned size, uint32_t dst, uint32_t src, uint32_t flags);
/* BT/BTS/BTR/BTC with a register base (size 2 or 4): the bit offset is
 * taken modulo the operand size; CF = the bit before; value = the new base
 * (unchanged for BT). Memory forms address a different word first. */
ArithResult arith_bt(unsigned size, uint32_t base, uint32_t offset, uint32_t flags);
ArithResult arith_bts(unsigned size, uint32_t base, uint32_t offset, uint32_t flags);
ArithResult arith_btr(unsigned size, uint32_t base, uint32_t offset, uint32_t flags);
ArithResult arith_btc(unsigned size, uint32_t base, uint32_t offset, uint32_t flags);

/* BCD adjusts: `ax` is AX (upper bits ignored), value = the new AX. */
ArithResult arith_daa(uint32_t ax, uint32_t flags);
ArithResult arith_das(uint32_t ax, uint32_t flags);
ArithResult arith_aaa(uint32_t ax, uint32_t flags);
ArithResult arith_aas(uint32_t ax, uint32_t flags);
/* AAM imm8: faults (#DE) when imm8 is 0. */
ArithResult arith_aam(uint32_t ax, uint8_t imm8, uint32_t flags);
ArithResult arith_aad(uint32_t ax, uint8_t imm8, uint32_t flags);

#endif
