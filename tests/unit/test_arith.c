/* The arithmetic helpers (src/cpu/arith*.c) against the host CPU: results
 * and every flag the SDM (Vol. 2 instruction pages) defines must match on
 * random, edge and boundary operands; undefined flags are only counted.
 * The BCD adjusts (#UD in 64-bit mode) come from tests/unit/host32's 32-bit
 * bcd_host32, compared exhaustively, skipped when it is not built. Pinned
 * tests fix the undefined-flag choices on any host. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <ucontext.h>
#endif

#include "helpers/flag_stats.h"
#include "cpu/arith.h"
#include "cpu/cc_op.h"

#define ARITH_CASES 100000       /* random cases per instruction and size */
#define ARITH_SEED 0x6a697470635f6172ull

#if defined(__x86_64__)
/* ---- deterministic operands ------------------------------------------ */

typedef struct Rng {
    uint64_t state;
} Rng;

static uint64_t rng_next(Rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);    /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Random operand, one time in four an edge value at that width. */
static uint32_t rng_operand(Rng *r, unsigned size)
{
    uint32_t m = arith_mask(size), half = m >> 1;
    const uint32_t edges[] = {0, 1, 2, m, m - 1, half, half + 1, half - 1, 0xf & m, 0x10 & m};
    uint64_t x = rng_next(r);
    if ((x & 3) == 0)
        return edges[(x >> 8) % (sizeof edges / sizeof edges[0])];
    return (uint32_t)(x >> 32) & m;
}

static uint32_t rng_flags(Rng *r)
{
    return (uint32_t)rng_next(r) & CC_ALL;
}

static int64_t sext(uint64_t v, unsigned bits)
{
    uint64_t m = (uint64_t)1 << (bits - 1);
    v &= (m << 1) - 1;
    return (int64_t)(v ^ m) - (int64_t)m;
}
#endif

/* ---- pinned choices (any host) ---------------------------------------- */

Test(arith, div_and_idiv_basics)
{
    ArithResult r = arith_div(1, 0x0107, 0, 2, CC_ALL);    /* 263 / 2 */
    cr_assert(!r.fault);
    cr_assert_eq(r.value, 131);
    cr_assert_eq(r.value2, 1);
    cr_assert_eq(r.flags, CC_ALL, "DIV leaves the (undefined) flags unchanged, as a P6 does");
    r = arith_div(1, 0x0200, 0, 2, 0);                      /* 512 / 2 = 256: too big */
    cr_assert(r.fault);
    r = arith_div(4, 5, 0, 0, CC_C);
    cr_assert(r.fault);
    cr_assert_eq(r.flags, CC_C);
    r = arith_div(4, 0xffffffffu, 0xfffffffeu, 0xffffffffu, 0);  /* largest quotient that fits */
    cr_assert(!r.fault);
    cr_assert_eq(r.value, 0xffffffffu);
    cr_assert_eq(r.value2, 0xfffffffeu);
    /* IDIV: -128 is a valid 8-bit quotient (SDM IDIV: temp < 80H faults). */
    r = arith_idiv(1, 0xff00, 0, 2, 0);                     /* -256 / 2 */
    cr_assert(!r.fault);
    cr_assert_eq(r.value, 0x80);
    r = arith_idiv(1, 0x0100, 0, 0xfe, 0);                  /* 256 / -2 */
    cr_assert(!r.fault);
    cr_assert_eq(r.value, 0x80);
    cr_assert(arith_idiv(1, 0xfefe, 0, 2, 0).fault, "-258 / 2 = -129 does not fit");
    cr_assert(arith_idiv(1, 0x0100, 0, 2, 0).fault, "256 / 2 = 128 does not fit");
    cr_assert(arith_idiv(2, 0x0000, 0x8000, 0xffff, 0).fault, "-2^31 / -1");
    cr_assert(arith_idiv(4, 0, 0x80000000u, 0xffffffffu, 0).fault, "-2^63 / -1, no C overflow");
    r = arith_idiv(4, 0, 0x80000000u, 0x80000000u, 0);      /* -2^63 / -2^31 = 2^32 */
    cr_assert(r.fault);
    r = arith_idiv(2, (uint32_t)-7 & 0xffff, 0xffff, 2, 0); /* -7 / 2 = -3 rem -1 */
    cr_assert_eq(r.value, 0xfffd);
    cr_assert_eq(r.value2, 0xffff);
}

Test(arith, mul_flags_follow_cc_op_mul)
{
    ArithResult r = arith_mul(1, 0x10, 0x10, 0);
    cr_assert_eq(r.value, 0x00);
    cr_assert_eq(r.value2, 0x01);
    cr_assert_eq(r.flags, cc_compute_all(CC_OP_MULB, 0, 1, 0));
    r = arith_imul(2, 0xffff, 0xffff, CC_ALL);              /* -1 * -1 = 1 */
    cr_assert_eq(r.value, 1);
    cr_assert_eq(r.value2, 0);
    cr_assert_eq(r.flags & (CC_C | CC_O), 0);
    r = arith_imul(4, 0x80000000u, 0xffffffffu, 0);         /* -2^31 * -1 = 2^31 */
    cr_assert_eq(r.value, 0x80000000u);
    cr_assert_eq(r.value2, 0);
    cr_assert_eq(r.flags & (CC_C | CC_O), CC_C | CC_O);
}

Test(arith, undefined_flags_are_kept_where_a_p6_keeps_them)
{
    uint32_t all = CC_ALL | 0x200;
    /* BSF/BSR: only ZF is written. */
    cr_assert_eq(arith_bsf(4, 7, 0x100, all).flags, all & ~CC_Z);
    cr_assert_eq(arith_bsr(2, 7, 0, 0).flags, CC_Z);
    cr_assert_eq(arith_bsr(2, 0x1234, 0, 0).value, 0x1234, "zero source keeps the destination");
    /* BT*: only CF is written. */
    cr_assert_eq(arith_btc(4, 0, 33, all).flags, all & ~CC_C);
    cr_assert_eq(arith_btc(4, 0, 33, all).value, 2, "offset taken mod 32");
    /* ROL/ROR by more than 1: OF kept. */
    cr_assert_eq(arith_rol(1, 0x81, 2, CC_O).flags & CC_O, CC_O);
    cr_assert_eq(arith_rol(1, 0x81, 2, 0).flags & CC_O, 0);
    /* ROL r8 by 8: no rotation, but CF = LSB(result) and OF kept. */
    cr_assert_eq(arith_rol(1, 0x81, 8, CC_O).flags, CC_O | CC_C);
    /* RCL r8 by 9: rotates by 0, nothing at all changes. */
    cr_assert_eq(arith_rcl(1, 0x81, 9, CC_O | CC_S).flags, CC_O | CC_S);
    cr_assert_eq(arith_rcl(1, 0x81, 9, CC_O | CC_S).value, 0x81);
    /* SHLD/SHRD: AF always kept, OF kept above count 1. */
    cr_assert_eq(arith_shld(4, 0x40000000, 0, 2, CC_A | CC_O).flags & (CC_A | CC_O), CC_A | CC_O);
    /* 16-bit SHLD by 20 shifts dst:src:dst (P6): the bits after src are dst's. */
    cr_assert_eq(arith_shld(2, 0xabcd, 0x1234, 20, 0).value, 0x234a);
    cr_assert_eq(arith_shrd(2, 0xabcd, 0x1234, 20, 0).value, 0xd123);
    /* Count 0 changes nothing. */
    cr_assert_eq(arith_shl(4, 1, 32, CC_ALL).flags, CC_ALL);
    cr_assert_eq(arith_shrd(2, 1, 2, 0, CC_A).flags, CC_A);
}

Test(arith, bcd_undefined_flags_follow_the_p6)
{
    uint32_t all = CC_ALL;
    ArithResult r;
    /* DAA/DAS keep OF. */
    cr_assert_eq(arith_daa(0x007f, CC_O).flags & CC_O, CC_O);
    cr_assert_eq(arith_daa(0x007f, 0).flags & CC_O, 0);
    cr_assert_eq(arith_das(0x0080, CC_O).flags & CC_O, CC_O);
    /* AAA: AX += 0x106, OF kept, SF = 0, ZF and PF from the 16-bit sum. */
    r = arith_aaa(0x000a, all);
    cr_assert_eq(r.value, 0x0100);
    cr_assert_eq(r.flags, CC_O | CC_A | CC_C, "sum 0x0110: odd parity, nonzero");
    r = arith_aaa(0xfefa, 0);           /* sum wraps to 0 */
    cr_assert_eq(r.value, 0x0000);
    cr_assert_eq(r.flags, CC_A | CC_C | CC_Z | CC_P);
    r = arith_aas(0x0000, CC_A);        /* AX -= 0x106 borrows across AH */
    cr_assert_eq(r.value, 0xfe0a);
    /* AAM clears OF AF CF; #DE for 0. */
    r = arith_aam(0x00ff, 10, all);
    cr_assert_eq(r.value, 0x1905);
    cr_assert_eq(r.flags, CC_P);
    cr_assert(arith_aam(0x00ff, 0, all).fault);
    cr_assert_eq(arith_aam(0x00ff, 0, all).flags, all);
    /* AAD: OF AF CF as the byte ADD AL + AH * imm8. */
    r = arith_aad(0x0779, 10, 0);       /* 0x79 + 70 = 0xbf: signed overflow */
    cr_assert_eq(r.value, 0x00bf);
    cr_assert_eq(r.flags, cc_compute_all(CC_OP_ADDB, 0xbf, 70, 0));
    cr_assert_eq(r.flags & CC_O, CC_O);
}

/* ---- the host ---------------------------------------------------------- */

#if defined(__x86_64__)

/* Operands in fixed registers: A = rax (destination / dividend low),
 * D = rdx (dividend high / product high), S = rsi (source, divisor, bit
 * offset), C = rcx (count). EFLAGS goes in with popf and comes out with
 * pushf, after stepping over the red zone. r11 holds the address after the
 * instruction: a #DE (SIGFPE) resumes there with rdi = 1, leaving every
 * register and flag as the faulting instruction left them. */
typedef struct HostRun {
    uint64_t a, d, s, c;
    uint64_t flags;
    bool fault;
} HostRun;

#define HOST_INSN(name, insn)                                                 \
    static void name(HostRun *r)                                              \
    {                                                                         \
        uint64_t f = (r->flags & CC_ALL) | 2, fault = 0;                      \
        __asm__ volatile("lea 1f(%%rip), %%r11\n\t"                           \
                         "lea -128(%%rsp), %%rsp\n\t"                         \
                         "push %[f]\n\t"                                      \
                         "popfq\n\t" insn "\n"                                \
                         "1:\n\t"                                             \
                         "pushfq\n\t"                                         \
                         "pop %[f]\n\t"                                       \
                         "lea 128(%%rsp), %%rsp"                              \
                         : "+a"(r->a), "+d"(r->d), "+S"(r->s), "+c"(r->c),    \
                           "+D"(fault), [f] "+r"(f)                           \
                         :                                                    \
                         : "r11", "cc", "memory");                            \
        r->flags = f & CC_ALL;                                                \
        r->fault = fault != 0;                                                \
    }

#define HOST_SIZED(op, b, w, l)                                               \
    HOST_INSN(host_##op##_b, b)                                               \
    HOST_INSN(host_##op##_w, w)                                               \
    HOST_INSN(host_##op##_l, l)

HOST_SIZED(mul, "mulb %%sil", "mulw %%si", "mull %%esi")
HOST_SIZED(imul1, "imulb %%sil", "imulw %%si", "imull %%esi")
HOST_SIZED(div, "divb %%sil", "divw %%si", "divl %%esi")
HOST_SIZED(idiv, "idivb %%sil", "idivw %%si", "idivl %%esi")
HOST_SIZED(shl, "shlb %%cl, %%al", "shlw %%cl, %%ax", "shll %%cl, %%eax")
HOST_SIZED(shr, "shrb %%cl, %%al", "shrw %%cl, %%ax", "shrl %%cl, %%eax")
HOST_SIZED(sar, "sarb %%cl, %%al", "sarw %%cl, %%ax", "sarl %%cl, %%eax")
HOST_SIZED(rol, "rolb %%cl, %%al", "rolw %%cl, %%ax", "roll %%cl, %%eax")
HOST_SIZED(ror, "rorb %%cl, %%al", "rorw %%cl, %%ax", "rorl %%cl, %%eax")
HOST_SIZED(rcl, "rclb %%cl, %%al", "rclw %%cl, %%ax", "rcll %%cl, %%eax")
HOST_SIZED(rcr, "rcrb %%cl, %%al", "rcrw %%cl, %%ax", "rcrl %%cl, %%eax")
/* 16- and 32-bit only. */
#define HOST_WL(op, w, l)                                                     \
    HOST_INSN(host_##op##_w, w)                                               \
    HOST_INSN(host_##op##_l, l)

HOST_WL(imul2, "imulw %%si, %%ax", "imull %%esi, %%eax")
HOST_WL(shld, "shldw %%cl, %%si, %%ax", "shldl %%cl, %%esi, %%eax")
HOST_WL(shrd, "shrdw %%cl, %%si, %%ax", "shrdl %%cl, %%esi, %%eax")
HOST_WL(bsf, "bsfw %%si, %%ax", "bsfl %%esi, %%eax")
HOST_WL(bsr, "bsrw %%si, %%ax", "bsrl %%esi, %%eax")
HOST_WL(bt, "btw %%si, %%ax", "btl %%esi, %%eax")
HOST_WL(bts, "btsw %%si, %%ax", "btsl %%esi, %%eax")
HOST_WL(btr, "btrw %%si, %%ax", "btrl %%esi, %%eax")
HOST_WL(btc, "btcw %%si, %%ax", "btcl %%esi, %%eax")

/* Three-operand IMUL: the immediate is part of the instruction, so one
 * host function per immediate (imm8 and imm16/imm32 encodings both). */
#define IMUL3_IMMS(X) X(0, 0) X(1, 1) X(2, -1) X(3, 3) X(4, 10) X(5, 127) X(6, -128) \
                      X(7, 128) X(8, 0x1234) X(9, 0x7fff) X(10, -0x8000) X(11, -3)
#define IMUL3_FNS(idx, imm)                                                   \
    HOST_INSN(host_imul3_w_##idx, "imulw $" #imm ", %%si, %%ax")              \
    HOST_INSN(host_imul3_l_##idx, "imull $" #imm ", %%esi, %%eax")
IMUL3_IMMS(IMUL3_FNS)

typedef void (*HostFn)(HostRun *r);
typedef struct Imul3 {
    int32_t imm;
    HostFn host_w, host_l;
} Imul3;
static const Imul3 imul3_cases[] = {
#define IMUL3_ENTRY(idx, imm) {imm, host_imul3_w_##idx, host_imul3_l_##idx},
    IMUL3_IMMS(IMUL3_ENTRY)
};

static HostFn host_pick(HostFn b, HostFn w, HostFn l, unsigned size)
{
    return size == 1 ? b : size == 2 ? w : l;
}
#define HOST_FN(op, size) host_pick(host_##op##_b, host_##op##_w, host_##op##_l, size)

/* #DE handler: resume after the instruction (r11) and say so (rdi = 1). */
static void host_on_sigfpe(int sig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = ctx;
    (void)sig;
    (void)info;
    uc->uc_mcontext.gregs[REG_RIP] = uc->uc_mcontext.gregs[REG_R11];
    uc->uc_mcontext.gregs[REG_RDI] = 1;
}

/* ---- undefined flags per instruction ----------------------------------
 *   MUL, IMUL            SF ZF AF PF                   SDM Vol. 2A MUL, IMUL
 *   DIV, IDIV            all six                       SDM Vol. 2A DIV, IDIV
 *   SHL/SAL, SHR (n = count & 31)  AF; OF if n > 1; CF if n >= width   SDM Vol. 2B SAL/SAR/SHL/SHR
 *   SAR                  AF; OF if n > 1               same page
 *   ROL ROR RCL RCR      OF if n > 1 (SF ZF AF PF unaffected, so compared)  SDM Vol. 2B RCL/RCR/ROL/ROR
 *   SHLD, SHRD           AF; OF if n > 1; result and all flags if n > width  SDM Vol. 2B SHLD, SHRD
 *   BSF, BSR             CF OF SF AF PF                SDM Vol. 2A BSF, BSR
 *   BT BTS BTR BTC       OF SF AF PF (ZF unaffected)   SDM Vol. 2A BT, BTC, BTR, BTS
 * A masked count of 0 defines everything: nothing changes. */

typedef ArithResult (*ShiftFn)(unsigned size, uint32_t value, uint32_t count, uint32_t flags);

typedef enum ShiftKind { SHIFT_SHL, SHIFT_SHR, SHIFT_SAR, SHIFT_ROT } ShiftKind;

static uint32_t shift_undefined(ShiftKind kind, unsigned size, unsigned n)
{
    unsigned bits = size * 8;
    if (n == 0)
        return 0;
    switch (kind) {
    case SHIFT_SHL:
    case SHIFT_SHR:
        return CC_A | (n > 1 ? CC_O : 0) | (n >= bits ? CC_C : 0);
    case SHIFT_SAR:
        return CC_A | (n > 1 ? CC_O : 0);
    default:
        return n > 1 ? CC_O : 0;
    }
}

static void run_shift(const char *name, ShiftKind kind, ShiftFn ours, HostFn b, HostFn w, HostFn l)
{
    Rng rng = {ARITH_SEED};
    for (unsigned size = 1; size <= 4; size *= 2) {
        FlagStats st = {0};
        HostFn host = host_pick(b, w, l, size);
        for (unsigned count = 0; count <= 40; count++) {        /* 32..40 check the masking */
            for (unsigned i = 0; i < 2500; i++) {
                uint32_t v = rng_operand(&rng, size), fin = rng_flags(&rng);
                HostRun r = {v, 0, 0, count, fin, false};
                ArithResult o = ours(size, v, count, fin);
                uint32_t undef = shift_undefined(kind, size, count & 31);
                host(&r);
                cr_assert_eq(o.value, (uint32_t)r.a & arith_mask(size),
                             "%s%u %#x by %u: ours %#x host %#x", name, size * 8, v, count,
                             o.value, (unsigned)r.a & arith_mask(size));
                cr_assert_eq(o.flags & ~undef, r.flags & ~undef,
                             "%s%u %#x by %u, flags in %#x: ours %#x host %#x (compared %#x)", name,
                             size * 8, v, count, fin, o.flags, (unsigned)r.flags, CC_ALL & ~undef);
                cr_assert(!o.fault);
                flag_stats_count(&st, undef, o.flags, (uint32_t)r.flags);
                st.cases++;
            }
        }
        char label[16];
        snprintf(label, sizeof label, "%s%u", name, size * 8);
        flag_stats_log(label, &st);
    }
}

#define SHIFT_TEST(op, kind)                                                  \
    Test(arith, host_##op)                                                    \
    {                                                                         \
        run_shift(#op, kind, arith_##op, host_##op##_b, host_##op##_w, host_##op##_l); \
    }
SHIFT_TEST(shl, SHIFT_SHL)
SHIFT_TEST(shr, SHIFT_SHR)
SHIFT_TEST(sar, SHIFT_SAR)
SHIFT_TEST(rol, SHIFT_ROT)
SHIFT_TEST(ror, SHIFT_ROT)
SHIFT_TEST(rcl, SHIFT_ROT)
SHIFT_TEST(rcr, SHIFT_ROT)

typedef ArithResult (*DoubleShiftFn)(unsigned size, uint32_t dst, uint32_t src, uint32_t count,
                                     uint32_t flags);

static void run_double_shift(const char *name, DoubleShiftFn ours, HostFn w, HostFn l)
{
    Rng rng = {ARITH_SEED};
    for (unsigned size = 2; size <= 4; size *= 2) {
        FlagStats st = {0};
        HostFn host = size == 2 ? w : l;
        for (unsigned count = 0; count <= 40; count++) {
            for (unsigned i = 0; i < 2500; i++) {
                uint32_t d = rng_operand(&rng, size), s = rng_operand(&rng, size);
                uint32_t fin = rng_flags(&rng);
                unsigned n = count & 31;
                HostRun r = {d, 0, s, count, fin, false};
                ArithResult o = ours(size, d, s, count, fin);
                uint32_t host_value;
                bool beyond = n > size * 8;     /* result and flags undefined */
                uint32_t undef = n == 0 ? 0 : beyond ? CC_ALL : CC_A | (n > 1 ? CC_O : 0);
                host(&r);
                host_value = (uint32_t)r.a & arith_mask(size);
                if (beyond) {
                    st.undefined_value++;
                    st.undefined_value_agree += o.value == host_value;
                } else {
                    cr_assert_eq(o.value, host_value, "%s%u %#x,%#x by %u: ours %#x host %#x",
                                 name, size * 8, d, s, count, o.value, host_value);
                }
                cr_assert_eq(o.flags & ~undef, r.flags & ~undef,
                             "%s%u %#x,%#x by %u, flags in %#x: ours %#x host %#x", name, size * 8,
                             d, s, count, fin, o.flags, (unsigned)r.flags);
                flag_stats_count(&st, undef, o.flags, (uint32_t)r.flags);
                st.cases++;
            }
        }
        char label[16];
        snprintf(label, sizeof label, "%s%u", name, size * 8);
        flag_stats_log(label, &st);
    }
}

Test(arith, host_shld)
{
    run_double_shift("shld", arith_shld, host_shld_w, host_shld_l);
}

Test(arith, host_shrd)
{
    run_double_shift("shrd", arith_shrd, host_shrd_w, host_shrd_l);
}

/* MUL and IMUL, one operand: low and high halves, CF and OF. */
static void run_mul(const char *name, bool is_signed)
{
    Rng rng = {ARITH_SEED};
    const uint32_t undef = CC_S | CC_Z | CC_A | CC_P;
    for (unsigned size = 1; size <= 4; size *= 2) {
        FlagStats st = {0};
        HostFn host = is_signed ? HOST_FN(imul1, size) : HOST_FN(mul, size);
        uint32_t m = arith_mask(size);
        for (unsigned i = 0; i < ARITH_CASES; i++) {
            uint32_t a = rng_operand(&rng, size), b = rng_operand(&rng, size), fin = rng_flags(&rng);
            HostRun r = {a, 0x5a5a5a5a, b, 0, fin, false};
            ArithResult o = is_signed ? arith_imul(size, a, b, fin) : arith_mul(size, a, b, fin);
            uint32_t lo, hi;
            host(&r);
            lo = size == 1 ? (uint32_t)r.a & 0xff : (uint32_t)r.a & m;
            hi = size == 1 ? ((uint32_t)r.a >> 8) & 0xff : (uint32_t)r.d & m;
            cr_assert_eq(o.value, lo, "%s%u %#x*%#x: low ours %#x host %#x", name, size * 8, a, b,
                         o.value, lo);
            cr_assert_eq(o.value2, hi, "%s%u %#x*%#x: high ours %#x host %#x", name, size * 8, a,
                         b, o.value2, hi);
            cr_assert_eq(o.flags & ~undef, r.flags & ~undef, "%s%u %#x*%#x: ours %#x host %#x",
                         name, size * 8, a, b, o.flags, (unsigned)r.flags);
            flag_stats_count(&st, undef, o.flags, (uint32_t)r.flags);
            st.cases++;
        }
        char label[16];
        snprintf(label, sizeof label, "%s%u", name, size * 8);
        flag_stats_log(label, &st);
    }
}

Test(arith, host_mul)
{
    run_mul("mul", false);
}

Test(arith, host_imul_one_operand)
{
    run_mul("imul", true);
}

/* IMUL r, r/m and IMUL r, r/m, imm: the low half and CF/OF. */
Test(arith, host_imul_two_and_three_operands)
{
    Rng rng = {ARITH_SEED};
    const uint32_t undef = CC_S | CC_Z | CC_A | CC_P;
    FlagStats st = {0};
    for (unsigned size = 2; size <= 4; size *= 2) {
        for (unsigned i = 0; i < ARITH_CASES; i++) {
            uint32_t a = rng_operand(&rng, size), b = rng_operand(&rng, size), fin = rng_flags(&rng);
            HostRun r = {a, 0, b, 0, fin, false};
            ArithResult o = arith_imul(size, a, b, fin);
            (size == 2 ? host_imul2_w : host_imul2_l)(&r);
            cr_assert_eq(o.value, (uint32_t)r.a & arith_mask(size));
            cr_assert_eq(o.flags & ~undef, r.flags & ~undef, "imul%u %#x,%#x", size * 8, a, b);
            flag_stats_count(&st, undef, o.flags, (uint32_t)r.flags);
            st.cases++;
        }
        for (size_t k = 0; k < sizeof imul3_cases / sizeof imul3_cases[0]; k++) {
            for (unsigned i = 0; i < ARITH_CASES / 10; i++) {
                uint32_t b = rng_operand(&rng, size), fin = rng_flags(&rng);
                uint32_t imm = (uint32_t)imul3_cases[k].imm & arith_mask(size);
                HostRun r = {rng_next(&rng), 0, b, 0, fin, false};
                ArithResult o = arith_imul(size, b, imm, fin);
                (size == 2 ? imul3_cases[k].host_w : imul3_cases[k].host_l)(&r);
                cr_assert_eq(o.value, (uint32_t)r.a & arith_mask(size), "imul%u %#x*%d", size * 8,
                             b, imul3_cases[k].imm);
                cr_assert_eq(o.flags & ~undef, r.flags & ~undef, "imul%u %#x*%d", size * 8, b,
                             imul3_cases[k].imm);
                flag_stats_count(&st, undef, o.flags, (uint32_t)r.flags);
                st.cases++;
            }
        }
    }
    flag_stats_log("imul2/3", &st);
}

/* A dividend and divisor for DIV/IDIV: half random, half built from a
 * quotient near the limit (limit - 1, limit, limit + 1, both signs), so the
 * #DE boundary is crossed in both directions. */
static void div_operands(Rng *rng, unsigned size, bool is_signed, uint32_t *eax, uint32_t *edx,
                         uint32_t *divisor)
{
    unsigned bits = size * 8;
    uint32_t m = arith_mask(size);
    uint64_t x = rng_next(rng);
    uint64_t n;
    uint32_t d = rng_operand(rng, size);

    if (x & 1) {
        n = rng_next(rng);
        if ((x >> 1) & 1)       /* small dividends: most of these divide */
            n >>= (x >> 8) % 64;
    } else {
        int64_t limit = is_signed ? ((int64_t)1 << (bits - 1)) : (int64_t)m;
        int64_t q = limit + (int64_t)((x >> 2) % 3) - 1;            /* limit-1 .. limit+1 */
        int64_t sd, rem;
        if (d == 0)
            d = 1;
        sd = is_signed ? sext(d, bits) : (int64_t)d;
        if (is_signed && ((x >> 4) & 1))
            q = -q;
        if (is_signed && sd < 0)
            q = -q;                                                  /* keep |q| near the limit */
        rem = (int64_t)((x >> 8) % (uint64_t)(sd < 0 ? -sd : sd));
        if (is_signed && q < 0)
            rem = -rem;
        n = (uint64_t)q * (uint64_t)sd + (uint64_t)rem;  /* wraps for DIV32 near 2^64: fine */
        if (bits == 32 && is_signed && ((x >> 5) & 1))
            n = (uint64_t)1 << 63;                                   /* -2^63 */
    }
    if (size == 1) {
        *eax = (uint32_t)n & 0xffff;
        *edx = 0;
    } else if (size == 2) {
        *eax = (uint32_t)n & 0xffff;
        *edx = (uint32_t)(n >> 16) & 0xffff;
    } else {
        *eax = (uint32_t)n;
        *edx = (uint32_t)(n >> 32);
    }
    *divisor = d & m;
}

static void run_div(const char *name, bool is_signed)
{
    struct sigaction sa, old;
    Rng rng = {ARITH_SEED};

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = host_on_sigfpe;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    cr_assert_eq(sigaction(SIGFPE, &sa, &old), 0);
    for (unsigned size = 1; size <= 4; size *= 2) {
        FlagStats st = {0};
        unsigned long faults = 0;
        HostFn host = is_signed ? HOST_FN(idiv, size) : HOST_FN(div, size);
        uint32_t m = arith_mask(size);
        for (unsigned i = 0; i < ARITH_CASES; i++) {
            uint32_t eax, edx, d, fin = rng_flags(&rng);
            div_operands(&rng, size, is_signed, &eax, &edx, &d);
            HostRun r = {eax, edx, d, 0, fin, false};
            ArithResult o = is_signed ? arith_idiv(size, eax, edx, d, fin)
                                      : arith_div(size, eax, edx, d, fin);
            host(&r);
            cr_assert_eq(o.fault, r.fault, "%s%u %#x:%#x / %#x: ours %s, host %s", name, size * 8,
                         edx, eax, d, o.fault ? "#DE" : "no fault", r.fault ? "#DE" : "no fault");
            if (r.fault) {
                /* #DE is a fault: nothing changed, registers or flags. */
                cr_assert_eq((uint32_t)r.a, eax);
                cr_assert_eq((uint32_t)r.d, edx);
                cr_assert_eq(r.flags, fin);
                cr_assert_eq(o.flags, fin);
                faults++;
            } else {
                uint32_t q = size == 1 ? (uint32_t)r.a & 0xff : (uint32_t)r.a & m;
                uint32_t rem = size == 1 ? ((uint32_t)r.a >> 8) & 0xff : (uint32_t)r.d & m;
                cr_assert_eq(o.value, q, "%s%u %#x:%#x / %#x: quotient ours %#x host %#x", name,
                             size * 8, edx, eax, d, o.value, q);
                cr_assert_eq(o.value2, rem, "%s%u %#x:%#x / %#x: remainder ours %#x host %#x",
                             name, size * 8, edx, eax, d, o.value2, rem);
                flag_stats_count(&st, CC_ALL, o.flags, (uint32_t)r.flags);
            }
            st.cases++;
        }
        char label[32];
        snprintf(label, sizeof label, "%s%u (%lu #DE)", name, size * 8, faults);
        flag_stats_log(label, &st);
        cr_assert_gt(faults, ARITH_CASES / 20, "the boundary cases must fault sometimes");
        cr_assert_lt(faults, ARITH_CASES * 9 / 10, "and divide most of the time");
    }
    sigaction(SIGFPE, &old, NULL);
}

Test(arith, host_div)
{
    run_div("div", false);
}

Test(arith, host_idiv)
{
    run_div("idiv", true);
}

/* The #DE boundary of IDIV at each size, on the host: the most negative
 * quotient (-128, -32768, -2^31) is accepted (the SDM's "temp < 80H" rule;
 * the 8086 rejected -128), one further faults, and so does MIN / -1. */
Test(arith, host_idiv_boundaries)
{
    static const struct {
        unsigned size;
        uint32_t eax, edx, divisor;
        bool fault;
    } cases[] = {
        {1, 0xff00, 0, 0x02, false},                /* -256 / 2 = -128 */
        {1, 0x0100, 0, 0xfe, false},                /* 256 / -2 = -128 */
        {1, 0xff7f, 0, 0x01, true},                 /* -129 / 1 */
        {1, 0x007f, 0, 0x01, false},                /* 127 / 1 */
        {1, 0x0080, 0, 0x01, true},                 /* 128 / 1 */
        {1, 0x8000, 0, 0xff, true},                 /* -32768 / -1 */
        {1, 0xff80, 0, 0xff, true},                 /* -128 / -1 = 128 */
        {2, 0x0000, 0xffff, 0x0002, false},         /* -65536 / 2 = -32768 */
        {2, 0x7fff, 0xffff, 0x0001, true},          /* -32769 / 1 */
        {2, 0x0000, 0x8000, 0xffff, true},          /* -2^31 / -1 */
        {4, 0x00000000, 0xffffffffu, 2, false},     /* -2^32 / 2 = -2^31 */
        {4, 0x7fffffffu, 0xffffffffu, 1, true},     /* -2^31 - 1 */
        {4, 0x00000000, 0x80000000u, 0xffffffffu, true},  /* -2^63 / -1 */
        {4, 0x80000000u, 0xffffffffu, 0xffffffffu, true}, /* -2^31 / -1 = 2^31 */
        {4, 0x80000001u, 0xffffffffu, 0xffffffffu, false},
    };
    struct sigaction sa, old;

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = host_on_sigfpe;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    cr_assert_eq(sigaction(SIGFPE, &sa, &old), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        HostRun r = {cases[i].eax, cases[i].edx, cases[i].divisor, 0, 0, false};
        ArithResult o = arith_idiv(cases[i].size, cases[i].eax, cases[i].edx, cases[i].divisor, 0);
        HOST_FN(idiv, cases[i].size)(&r);
        cr_assert_eq(r.fault, cases[i].fault, "case %zu: host %s", i, r.fault ? "#DE" : "no #DE");
        cr_assert_eq(o.fault, cases[i].fault, "case %zu: ours %s", i, o.fault ? "#DE" : "no #DE");
        if (!o.fault)
            cr_assert_eq(o.value, cases[i].size == 1 ? (uint32_t)r.a & 0xff
                                                     : (uint32_t)r.a & arith_mask(cases[i].size));
    }
    sigaction(SIGFPE, &old, NULL);
}

/* A source with few bits set, so BSF/BSR see every index and zero. */
static uint32_t sparse_operand(Rng *rng, unsigned size)
{
    uint64_t x = rng_next(rng);
    switch (x & 3) {
    case 0:
        return 0;
    case 1:
        return (1u << ((x >> 8) % (size * 8))) & arith_mask(size);
    case 2:
        return (uint32_t)(rng_next(rng) & rng_next(rng) & rng_next(rng)) & arith_mask(size);
    default:
        return rng_operand(rng, size);
    }
}

typedef ArithResult (*BitFn)(unsigned size, uint32_t a, uint32_t b, uint32_t flags);

static void run_bits(const char *name, BitFn ours, HostFn w, HostFn l, uint32_t undef, bool scan)
{
    Rng rng = {ARITH_SEED};
    for (unsigned size = 2; size <= 4; size *= 2) {
        FlagStats st = {0};
        HostFn host = size == 2 ? w : l;
        for (unsigned i = 0; i < ARITH_CASES; i++) {
            uint32_t a = rng_operand(&rng, size);
            uint32_t b = scan ? sparse_operand(&rng, size) : (uint32_t)rng_next(&rng) & 0xff;
            uint32_t fin = rng_flags(&rng);
            HostRun r = {a, 0, b, 0, fin, false};
            ArithResult o = ours(size, a, b, fin);
            host(&r);
            /* BSF/BSR with a zero source: Intel says undefined, AMD and
             * every Intel since the P6 keep the destination; so does jitpc. */
            cr_assert_eq(o.value, (uint32_t)r.a & arith_mask(size), "%s%u %#x, %#x: ours %#x host %#x",
                         name, size * 8, a, b, o.value, (unsigned)r.a & arith_mask(size));
            cr_assert_eq(o.flags & ~undef, r.flags & ~undef, "%s%u %#x, %#x flags in %#x: ours %#x host %#x",
                         name, size * 8, a, b, fin, o.flags, (unsigned)r.flags);
            flag_stats_count(&st, undef, o.flags, (uint32_t)r.flags);
            st.cases++;
        }
        char label[16];
        snprintf(label, sizeof label, "%s%u", name, size * 8);
        flag_stats_log(label, &st);
    }
}

Test(arith, host_bsf_bsr)
{
    const uint32_t undef = CC_C | CC_O | CC_S | CC_A | CC_P;
    run_bits("bsf", arith_bsf, host_bsf_w, host_bsf_l, undef, true);
    run_bits("bsr", arith_bsr, host_bsr_w, host_bsr_l, undef, true);
}

Test(arith, host_bt)
{
    const uint32_t undef = CC_O | CC_S | CC_A | CC_P;
    run_bits("bt", arith_bt, host_bt_w, host_bt_l, undef, false);
    run_bits("bts", arith_bts, host_bts_w, host_bts_l, undef, false);
    run_bits("btr", arith_btr, host_btr_w, host_btr_l, undef, false);
    run_bits("btc", arith_btc, host_btc_w, host_btc_l, undef, false);
}

#else /* not an x86-64 host */

Test(arith, host_comparison)
{
    cr_skip_test("host comparison needs an x86-64 host");
}

#endif

/* ---- BCD, through the 32-bit helper ------------------------------------
 * Undefined flags (SDM Vol. 2A):
 *   DAA, DAS   OF
 *   AAA, AAS   OF SF ZF PF
 *   AAM, AAD   OF AF CF */

#define BCD_HOST32_MAGIC "JPBCD01\n"
enum { BCD_DAA = 1, BCD_DAS, BCD_AAA, BCD_AAS, BCD_AAM, BCD_AAD, BCD_OPS };

/* The program's path: $JITPC_BCD_HOST32, else where the CMake snippet in
 * tests/unit/host32 puts it in the build tree. */
static const char *bcd_host32_path(void)
{
    const char *env = getenv("JITPC_BCD_HOST32");
    if (env && *env)
        return env;
#ifdef JITPC_BINARY_DIR
    return JITPC_BINARY_DIR "/tests/unit/host32/bcd_host32";
#else
    return NULL;
#endif
}

Test(arith, host32_bcd_exhaustive)
{
    static const char *const names[BCD_OPS] = {"", "daa", "das", "aaa", "aas", "aam", "aad"};
    static const uint32_t undefined[BCD_OPS] = {
        0, CC_O, CC_O, CC_O | CC_S | CC_Z | CC_P, CC_O | CC_S | CC_Z | CC_P,
        CC_O | CC_A | CC_C, CC_O | CC_A | CC_C,
    };
    /* What bcd_host32 enumerates (see its main()). */
    static const unsigned long expected[BCD_OPS] = {0, 2048, 2048, 524288, 524288, 12288, 1572864};
    FlagStats st[BCD_OPS];
    unsigned long faults = 0;
    const char *path = bcd_host32_path();
    char magic[8], cmd[4200];
    uint16_t rec[5];
    FILE *p;
    int status;

    memset(st, 0, sizeof st);
    if (!path || access(path, X_OK) != 0)
        cr_skip_test("bcd_host32 not built (%s): add tests/unit/host32/CMakeLists.snippet.txt "
                     "to the build or set JITPC_BCD_HOST32", path ? path : "no path");
    snprintf(cmd, sizeof cmd, "'%s'", path);
    p = popen(cmd, "r");
    cr_assert_not_null(p, "cannot run %s", path);
    if (fread(magic, sizeof magic, 1, p) != 1) {
        pclose(p);
        cr_skip_test("%s produced no output: this host cannot run 32-bit programs", path);
    }
    cr_assert_eq(memcmp(magic, BCD_HOST32_MAGIC, sizeof magic), 0, "%s: not bcd_host32 output", path);

    while (fread(rec, sizeof rec, 1, p) == 1) {
        unsigned op = (rec[0] >> 8) & 0x7f, imm = rec[0] & 0xff;
        bool host_fault = rec[0] & 0x8000;
        uint32_t ax = rec[1], fin = rec[2] & CC_ALL, hax = rec[3], hfl = rec[4] & CC_ALL;
        ArithResult o;

        cr_assert(op >= BCD_DAA && op < BCD_OPS, "bad record op %u", op);
        switch (op) {
        case BCD_DAA: o = arith_daa(ax, fin); break;
        case BCD_DAS: o = arith_das(ax, fin); break;
        case BCD_AAA: o = arith_aaa(ax, fin); break;
        case BCD_AAS: o = arith_aas(ax, fin); break;
        case BCD_AAM: o = arith_aam(ax, (uint8_t)imm, fin); break;
        default: o = arith_aad(ax, (uint8_t)imm, fin); break;
        }
        st[op].cases++;
        cr_assert_eq(o.fault, host_fault, "%s %#x ax=%#06x: fault ours %d host %d", names[op], imm,
                     ax, o.fault, host_fault);
        if (host_fault) {
            cr_assert_eq(hax, ax, "#DE must leave AX alone");
            cr_assert_eq(hfl, fin, "#DE must leave the flags alone");
            cr_assert_eq(o.flags, fin);
            faults++;
            continue;
        }
        cr_assert_eq(o.value, hax, "%s %#x ax=%#06x flags %#x: ours ax=%#06x host ax=%#06x",
                     names[op], imm, ax, fin, o.value, hax);
        cr_assert_eq(o.flags & ~undefined[op], hfl & ~undefined[op],
                     "%s %#x ax=%#06x flags %#x: ours %#x host %#x", names[op], imm, ax, fin,
                     o.flags, hfl);
        flag_stats_count(&st[op], undefined[op], o.flags, hfl);
    }
    status = pclose(p);
    cr_assert_eq(status, 0, "%s failed (status %#x)", path, status);
    for (unsigned op = BCD_DAA; op < BCD_OPS; op++) {
        cr_assert_eq(st[op].cases, expected[op], "%s: %lu records, expected %lu", names[op],
                     st[op].cases, expected[op]);
        flag_stats_log(names[op], &st[op]);
    }
    cr_assert_eq(faults, 1024, "AAM 0 faults for each of its 1024 inputs");
}
