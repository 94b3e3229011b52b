/* Shifts and rotates as pure helpers (arith.h): SHL/SAL, SHR, SAR, ROL,
 * ROR, RCL, RCR, SHLD, SHRD. The count is masked to 5 bits first, and a
 * masked count of 0 leaves everything, flags included, unchanged.
 * Reference: SDM Vol. 2B "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR", "SHLD",
 * "SHRD". Undefined-flag choices are documented at each function; the
 * evidence is sandpile.org's "undefined integer FLAGS behavior" table. */
#include "cpu/arith.h"

#include "cpu/cc_op.h"

#define ARITH_COUNT_MASK 0x1fu

static unsigned shift_bits(unsigned size)
{
    return size >= 4 ? 32 : size * 8;
}

static uint32_t shift_msb(uint32_t v, unsigned bits)
{
    return (v >> (bits - 1)) & 1;
}

static ArithResult shift_result(uint32_t value, uint32_t flags)
{
    return (ArithResult){.value = value, .value2 = 0, .flags = flags, .fault = false};
}

/* SF, ZF, PF of a result, from the one parity/sign definition in flags.c. */
static uint32_t shift_szp(unsigned size, uint32_t result)
{
    return cc_compute_all(cc_op_sized(CC_OP_LOGICB, size), result, 0, 0) & (CC_S | CC_Z | CC_P);
}

/* The value sign-extended to 32 bits, shifted right arithmetically by
 * n (0..31) without relying on C's implementation-defined >> of negatives. */
static uint32_t shift_sar32(uint32_t v, unsigned bits, unsigned n)
{
    uint32_t ext = shift_msb(v, bits) ? v | ~(0xffffffffu >> (32 - bits)) : v;
    uint32_t fill = (ext >> 31) ? ~(0xffffffffu >> n) : 0;
    return (ext >> n) | fill;
}

/* SHL, SHR, SAR: the flags are exactly the lazy CC_OP_SHL / CC_OP_SAR
 * rules (flags.c), recorded the way the lowering records them, so an
 * instruction gives the same flags on the lazy and the eager path:
 *   CF  the last bit shifted out (for SHL/SHR with count >= width the SDM
 *       leaves it undefined; this gives 0, the bit a wider shifter pushes out);
 *   OF  count 1 as the SDM says; larger counts (undefined) use the same
 *       formula: SHL CF xor MSB(result), SHR 0, SAR 0 (the P4 behaviour);
 *   AF  undefined; 0.
 * Lowering contract for CC_OP_SAR: cc_src2 = (SHR and count == 1) ? MSB of
 * the operand : 0. */
ArithResult arith_shl(unsigned size, uint32_t value, uint32_t count, uint32_t flags)
{
    unsigned n = count & ARITH_COUNT_MASK;
    uint32_t mask = arith_mask(size);
    uint32_t v = value & mask;
    uint32_t result, cc;

    if (n == 0)
        return shift_result(v, flags);
    result = (v << n) & mask;
    cc = cc_compute_all(cc_op_sized(CC_OP_SHLB, size), result, (v << (n - 1)) & mask, 0);
    return shift_result(result, (flags & ~CC_ALL) | cc);
}

ArithResult arith_shr(unsigned size, uint32_t value, uint32_t count, uint32_t flags)
{
    unsigned n = count & ARITH_COUNT_MASK;
    unsigned bits = shift_bits(size);
    uint32_t mask = arith_mask(size);
    uint32_t v = value & mask;
    uint32_t result, cc;

    if (n == 0)
        return shift_result(v, flags);
    result = v >> n;
    cc = cc_compute_all(cc_op_sized(CC_OP_SARB, size), result, v >> (n - 1),
                        n == 1 ? shift_msb(v, bits) : 0);
    return shift_result(result, (flags & ~CC_ALL) | cc);
}

ArithResult arith_sar(unsigned size, uint32_t value, uint32_t count, uint32_t flags)
{
    unsigned n = count & ARITH_COUNT_MASK;
    unsigned bits = shift_bits(size);
    uint32_t mask = arith_mask(size);
    uint32_t v = value & mask;
    uint32_t result, cc;

    if (n == 0)
        return shift_result(v, flags);
    result = shift_sar32(v, bits, n) & mask;
    cc = cc_compute_all(cc_op_sized(CC_OP_SARB, size), result, shift_sar32(v, bits, n - 1) & mask, 0);
    return shift_result(result, (flags & ~CC_ALL) | cc);
}

/* ROL/ROR: the value rotates by (count & 31) mod width, but the flags
 * follow the masked count (SDM pseudo-code): CF is written whenever the
 * masked count is nonzero, even when the rotation is a multiple of the
 * width (ROL: CF = LSB(result); ROR: CF = MSB(result)). OF is defined for a
 * masked count of 1 (ROL: MSB(result) xor CF; ROR: the top two result bits
 * xored). For larger counts it is undefined and left unchanged, as the P6
 * does (sandpile.org, P6 column: "U"); P5/P4 and the AMD host apply the
 * count-1 formula instead. SF ZF AF PF are never affected. */
ArithResult arith_rol(unsigned size, uint32_t value, uint32_t count, uint32_t flags)
{
    unsigned n = count & ARITH_COUNT_MASK;
    unsigned bits = shift_bits(size);
    uint32_t mask = arith_mask(size);
    uint32_t v = value & mask;
    unsigned r = n % bits;
    uint32_t result = r ? ((v << r) | (v >> (bits - r))) & mask : v;

    if (n == 0)
        return shift_result(v, flags);
    flags = (flags & ~CC_C) | (result & 1 ? CC_C : 0);
    if (n == 1)
        flags = (flags & ~CC_O) | ((shift_msb(result, bits) ^ (result & 1)) ? CC_O : 0);
    return shift_result(result, flags);
}

ArithResult arith_ror(unsigned size, uint32_t value, uint32_t count, uint32_t flags)
{
    unsigned n = count & ARITH_COUNT_MASK;
    unsigned bits = shift_bits(size);
    uint32_t mask = arith_mask(size);
    uint32_t v = value & mask;
    unsigned r = n % bits;
    uint32_t result = r ? ((v >> r) | (v << (bits - r))) & mask : v;

    if (n == 0)
        return shift_result(v, flags);
    flags = (flags & ~CC_C) | (shift_msb(result, bits) ? CC_C : 0);
    if (n == 1)
        flags = (flags & ~CC_O) |
                ((shift_msb(result, bits) ^ shift_msb(result, bits - 1)) ? CC_O : 0);
    return shift_result(result, flags);
}

/* RCL/RCR rotate the width+1 bits CF:value by (count & 31) mod 9 (8-bit),
 * mod 17 (16-bit) or unreduced (32-bit). When that is 0 nothing happens, CF
 * included (the SDM loop does not run; OF is then undefined and kept).
 * OF for a count of 1 as the SDM says (RCL: MSB(result) xor CF; RCR: the
 * top two result bits xored, i.e. MSB(dest) xor CF before); for larger
 * counts (undefined) the same formula, as P5 and P4 do (sandpile.org; its
 * P6 entry is a footnote we could not confirm). */
ArithResult arith_rcl(unsigned size, uint32_t value, uint32_t count, uint32_t flags)
{
    unsigned bits = shift_bits(size);
    unsigned n = (count & ARITH_COUNT_MASK) % (bits + 1);
    uint32_t mask = arith_mask(size);
    uint64_t wide_mask = ((uint64_t)1 << (bits + 1)) - 1;
    uint64_t x = ((uint64_t)(flags & CC_C ? 1 : 0) << bits) | (value & mask);
    uint32_t result, cf;

    if (n == 0)
        return shift_result(value & mask, flags);
    x = ((x << n) | (x >> (bits + 1 - n))) & wide_mask;
    result = (uint32_t)x & mask;
    cf = (uint32_t)(x >> bits) & 1;
    flags &= ~(CC_C | CC_O);
    flags |= (cf ? CC_C : 0) | ((shift_msb(result, bits) ^ cf) ? CC_O : 0);
    return shift_result(result, flags);
}

ArithResult arith_rcr(unsigned size, uint32_t value, uint32_t count, uint32_t flags)
{
    unsigned bits = shift_bits(size);
    unsigned n = (count & ARITH_COUNT_MASK) % (bits + 1);
    uint32_t mask = arith_mask(size);
    uint64_t wide_mask = ((uint64_t)1 << (bits + 1)) - 1;
    uint64_t x = ((uint64_t)(flags & CC_C ? 1 : 0) << bits) | (value & mask);
    uint32_t result, cf;

    if (n == 0)
        return shift_result(value & mask, flags);
    x = ((x >> n) | (x << (bits + 1 - n))) & wide_mask;
    result = (uint32_t)x & mask;
    cf = (uint32_t)(x >> bits) & 1;
    flags &= ~(CC_C | CC_O);
    flags |= (cf ? CC_C : 0) |
             ((shift_msb(result, bits) ^ shift_msb(result, bits - 1)) ? CC_O : 0);
    return shift_result(result, flags);
}

/* SHLD/SHRD flags: SF ZF PF from the result, CF = the last bit shifted out
 * of the destination, OF = sign change for a count of 1. For counts above 1
 * OF is undefined and AF is always undefined: both are left unchanged, as
 * the P6 does (sandpile.org, P6 column: "U"). */
static uint32_t shift_double_flags(unsigned size, uint32_t dst, uint32_t result, uint32_t cf,
                                   unsigned n, uint32_t flags)
{
    unsigned bits = shift_bits(size);
    uint32_t f = (flags & ~(CC_C | CC_S | CC_Z | CC_P)) | shift_szp(size, result) | (cf ? CC_C : 0);
    if (n == 1)
        f = (f & ~CC_O) | (shift_msb(result ^ dst, bits) ? CC_O : 0);
    return f;
}

/* A 16-bit operand with a count of 17..31 is undefined in the SDM. P6 and
 * later Intel parts shift the 48-bit string dst:src:dst, so the bits after
 * src are dst's again (Bochs cpu/shift16.cc: "For P6 and later ... op1:op2:op1";
 * the Pentium and the AMD host shift dst:src:src instead). CF is the last
 * bit out of that string. With counts up to 16 this is the SDM's answer.
 * The 32-bit forms shift dst:src (64 bits); counts are at most 31. */
static uint64_t shift_double_string(unsigned size, uint32_t dst, uint32_t src, unsigned *total)
{
    if (size >= 4) {
        *total = 64;
        return ((uint64_t)dst << 32) | src;
    }
    dst &= 0xffff;
    src &= 0xffff;
    *total = 48;
    return ((uint64_t)dst << 32) | ((uint64_t)src << 16) | dst;
}

ArithResult arith_shld(unsigned size, uint32_t dst, uint32_t src, uint32_t count, uint32_t flags)
{
    unsigned n = count & ARITH_COUNT_MASK;
    unsigned bits = shift_bits(size);
    uint32_t mask = arith_mask(size);
    unsigned total;
    uint64_t x = shift_double_string(size, dst, src, &total);
    uint32_t result, cf;

    if (n == 0)
        return shift_result(dst & mask, flags);
    /* The destination is the top `bits` of the string; shifting left by n
     * leaves bits [total-1-n .. total-bits-n] there. */
    result = (uint32_t)(x >> (total - bits - n)) & mask;
    cf = (uint32_t)(x >> (total - n)) & 1;
    return shift_result(result, shift_double_flags(size, dst & mask, result, cf, n, flags));
}

ArithResult arith_shrd(unsigned size, uint32_t dst, uint32_t src, uint32_t count, uint32_t flags)
{
    unsigned n = count & ARITH_COUNT_MASK;
    uint32_t mask = arith_mask(size);
    unsigned total;
    uint64_t x;
    uint32_t result, cf;

    if (n == 0)
        return shift_result(dst & mask, flags);
    /* Right shifts see the string the other way round: the destination at
     * the bottom, src above it (and dst again above that for 16 bits). */
    if (size >= 4)
        x = ((uint64_t)src << 32) | dst;
    else
        x = shift_double_string(size, dst, src, &total);
    result = (uint32_t)(x >> n) & mask;
    cf = (uint32_t)(x >> (n - 1)) & 1;
    return shift_result(result, shift_double_flags(size, dst & mask, result, cf, n, flags));
}
