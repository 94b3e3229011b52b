/* MUL/IMUL, DIV/IDIV, BSF/BSR and BT/BTS/BTR/BTC as pure helpers (arith.h).
 * Shifts and rotates live in arith_shift.c, the BCD adjusts in arith_bcd.c.
 * Reference: SDM Vol. 2A/2B pages MUL, IMUL, DIV, IDIV, BSF, BSR, BT, BTS,
 * BTR, BTC. Undefined flags follow the P6 column of sandpile.org's
 * "undefined integer FLAGS behavior" table where a helper can: unchanged. */
#include "cpu/arith.h"

#include "cpu/cc_op.h"

static unsigned arith_bits(unsigned size)
{
    return size >= 4 ? 32 : size * 8;
}

/* The two's-complement value of the low `bits` bits of v, without
 * implementation-defined conversions. */
static int64_t arith_sext(uint64_t v, unsigned bits)
{
    uint64_t m = (uint64_t)1 << (bits - 1);
    v &= (m << 1) - 1;
    return (int64_t)(v ^ m) - (int64_t)m;
}

static ArithResult arith_ok(uint32_t value, uint32_t value2, uint32_t flags)
{
    return (ArithResult){.value = value, .value2 = value2, .flags = flags, .fault = false};
}

/* #DE (SDM Vol. 3A §6.15, interrupt 0): the instruction changes nothing. */
static ArithResult arith_fault(uint32_t flags)
{
    return (ArithResult){.value = 0, .value2 = 0, .flags = flags, .fault = true};
}

/* CF = OF = `overflow` != 0; SF, ZF, PF from the low half, AF = 0: the
 * CC_OP_MUL rule (flags.c), so the lazy and the eager path agree. A P6
 * would leave SF ZF AF PF unchanged (sandpile.org); so does the AMD host. */
static uint32_t arith_mul_flags(unsigned size, uint32_t low, uint32_t overflow, uint32_t flags)
{
    uint32_t cc = cc_compute_all(cc_op_sized(CC_OP_MULB, size), low, overflow, 0);
    return (flags & ~CC_ALL) | cc;
}

ArithResult arith_mul(unsigned size, uint32_t a, uint32_t b, uint32_t flags)
{
    unsigned bits = arith_bits(size);
    uint32_t mask = arith_mask(size);
    uint64_t p = (uint64_t)(a & mask) * (b & mask);
    uint32_t low = (uint32_t)p & mask;
    uint32_t high = (uint32_t)(p >> bits) & mask;
    return arith_ok(low, high, arith_mul_flags(size, low, high, flags));
}

ArithResult arith_imul(unsigned size, uint32_t a, uint32_t b, uint32_t flags)
{
    unsigned bits = arith_bits(size);
    uint32_t mask = arith_mask(size);
    /* |a|, |b| <= 2^31, so the product fits an int64_t. */
    uint64_t p = (uint64_t)(arith_sext(a, bits) * arith_sext(b, bits));
    uint32_t low = (uint32_t)p & mask;
    uint32_t high = (uint32_t)(p >> bits) & mask;
    uint32_t low_sign = (low >> (bits - 1)) & 1 ? mask : 0;
    return arith_ok(low, high, arith_mul_flags(size, low, (high - low_sign) & mask, flags));
}

/* The dividend of DIV/IDIV: AX, DX:AX or EDX:EAX, 2 * bits wide. */
static uint64_t arith_dividend(unsigned size, uint32_t eax, uint32_t edx)
{
    if (size == 1)
        return eax & 0xffff;
    if (size == 2)
        return ((uint64_t)(edx & 0xffff) << 16) | (eax & 0xffff);
    return ((uint64_t)edx << 32) | eax;
}

/* DIV/IDIV flags: all six undefined (SDM). A P6 leaves them unchanged
 * (sandpile.org); the AMD host sets some, so the tests mask them all. */
ArithResult arith_div(unsigned size, uint32_t eax, uint32_t edx, uint32_t divisor, uint32_t flags)
{
    uint32_t mask = arith_mask(size);
    uint64_t n = arith_dividend(size, eax, edx);
    uint64_t d = divisor & mask;
    uint64_t q;

    if (d == 0)
        return arith_fault(flags);
    q = n / d;
    if (q > mask)               /* the quotient must fit the destination */
        return arith_fault(flags);
    return arith_ok((uint32_t)q, (uint32_t)(n % d), flags);
}

ArithResult arith_idiv(unsigned size, uint32_t eax, uint32_t edx, uint32_t divisor, uint32_t flags)
{
    unsigned bits = arith_bits(size);
    uint32_t mask = arith_mask(size);
    uint64_t n = arith_dividend(size, eax, edx);
    uint64_t n_sign = (uint64_t)1 << (2 * bits - 1);
    uint32_t d = divisor & mask;
    bool n_neg = (n & n_sign) != 0;
    bool d_neg = (d >> (bits - 1)) & 1;
    bool q_neg = n_neg != d_neg;
    /* Divide magnitudes as unsigned numbers: no INT64_MIN / -1 in C.
     * For a 64-bit dividend n_sign << 1 wraps to 0, which is still right. */
    uint64_t un = n_neg ? (n_sign << 1) - n : n;
    uint64_t ud = d_neg ? ((uint64_t)mask + 1) - d : d;
    uint64_t uq, ur, limit;

    if (ud == 0)
        return arith_fault(flags);
    uq = un / ud;
    ur = un % ud;
    /* SDM IDIV: a positive quotient must be <= 2^(bits-1) - 1, a negative
     * one >= -2^(bits-1): -128 is a valid 8-bit quotient. */
    limit = ((uint64_t)1 << (bits - 1)) - (q_neg ? 0 : 1);
    if (uq > limit)
        return arith_fault(flags);
    return arith_ok((uint32_t)(q_neg ? 0 - uq : uq) & mask,
                    (uint32_t)(n_neg ? 0 - ur : ur) & mask, flags);
}

/* BSF/BSR: ZF = (src == 0). CF OF SF AF PF are undefined; a P6 leaves them
 * unchanged (sandpile.org). The destination is left unchanged for a zero
 * source: undefined for Intel, documented by AMD, and what P6 does. */
static ArithResult arith_bit_scan(unsigned size, uint32_t dst, uint32_t src, uint32_t flags,
                                  bool reverse)
{
    uint32_t mask = arith_mask(size);
    src &= mask;
    flags &= ~CC_Z;
    if (src == 0)
        return arith_ok(dst & mask, 0, flags | CC_Z);
    return arith_ok(reverse ? 31 - (uint32_t)__builtin_clz(src) : (uint32_t)__builtin_ctz(src),
                    0, flags);
}

ArithResult arith_bsf(unsigned size, uint32_t dst, uint32_t src, uint32_t flags)
{
    return arith_bit_scan(size, dst, src, flags, false);
}

ArithResult arith_bsr(unsigned size, uint32_t dst, uint32_t src, uint32_t flags)
{
    return arith_bit_scan(size, dst, src, flags, true);
}

typedef enum ArithBitOp { ARITH_BT, ARITH_BTS, ARITH_BTR, ARITH_BTC } ArithBitOp;

/* BT*: CF = the selected bit; ZF unaffected; OF SF AF PF undefined and
 * left unchanged, as a P6 does (sandpile.org) and the AMD host does too. */
static ArithResult arith_bit_test(unsigned size, uint32_t base, uint32_t offset, uint32_t flags,
                                  ArithBitOp op)
{
    uint32_t mask = arith_mask(size);
    uint32_t bit = 1u << (offset & (arith_bits(size) - 1));
    base &= mask;
    flags = (flags & ~CC_C) | ((base & bit) ? CC_C : 0);
    switch (op) {
    case ARITH_BTS:
        base |= bit;
        break;
    case ARITH_BTR:
        base &= ~bit;
        break;
    case ARITH_BTC:
        base ^= bit;
        break;
    case ARITH_BT:
        break;
    }
    return arith_ok(base, 0, flags);
}

ArithResult arith_bt(unsigned size, uint32_t base, uint32_t offset, uint32_t flags)
{
    return arith_bit_test(size, base, offset, flags, ARITH_BT);
}

ArithResult arith_bts(unsigned size, uint32_t base, uint32_t offset, uint32_t flags)
{
    return arith_bit_test(size, base, offset, flags, ARITH_BTS);
}

ArithResult arith_btr(unsigned size, uint32_t base, uint32_t offset, uint32_t flags)
{
    return arith_bit_test(size, base, offset, flags, ARITH_BTR);
}

ArithResult arith_btc(unsigned size, uint32_t base, uint32_t offset, uint32_t flags)
{
    return arith_bit_test(size, base, offset, flags, ARITH_BTC);
}
