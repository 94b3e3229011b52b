/* The x87 transcendentals (src/cpu/fpu_trans.c) against the host x87:
 * F2XM1, FYL2X, FYL2XP1, FPTAN, FSIN, FCOS, FSINCOS and FPATAN on random
 * operands across each documented domain (and a quarter of them in a random
 * rounding mode) plus a cross product of special operands. A case passes
 * when the result is bit-identical, or when both results are finite with the
 * same sign and 1 ulp apart; IE, ZE, DE, OE and C2 must always agree, PE and
 * UE only when the results are identical (a 1-ulp difference can turn an
 * exact or normal result into an inexact or tiny one). JITPC_FPU_CASES sets
 * the number of random cases per function (default 20000). The host
 * `long double` is only a 10-byte carrier for fldt/fstpt here. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/fpu_float.h"

#define TRANS_DEFAULT_CASES 20000
#define TRANS_SEED 0x6670755f7472616eull
#define TRANS_LOG_LIMIT 8   /* failures printed per function */

#define SW_FLAGS 0x3f       /* IE DE ZE OE UE PE */
#define SW_C1 0x200
#define SW_C2 0x400
#define MY_C1 0x100         /* C1 carried next to the flags, counted only */
#define FLAGS_STRICT (FLOAT_INVALID | FLOAT_DENORMAL | FLOAT_DIVZERO | FLOAT_OVERFLOW)

#if defined(__x86_64__) || defined(__i386__)

/* ---- operands --------------------------------------------------------------- */

typedef struct Rng {
    uint64_t state;
} Rng;

static uint64_t rng_next(Rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int64_t rng_range(Rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static Float80 f80(bool neg, unsigned exp, uint64_t mant)
{
    return (Float80){.mant = mant, .se = (uint16_t)((neg ? 0x8000 : 0) | exp)};
}

/* Random value with unbiased exponent in [emin, emax]; below the normal
 * range it becomes a denormal. */
static Float80 rand_exp(Rng *r, int emin, int emax, int sign)
{
    bool neg = sign < 0 ? (bool)(rng_next(r) & 1) : sign != 0;
    int e = (int)rng_range(r, emin, emax) + 16383;
    uint64_t mant = rng_next(r) | 0x8000000000000000ull;
    if (e < 1) {
        int sh = 1 - e;
        mant = sh >= 64 ? 1 : mant >> sh;
        e = 0;
    }
    return f80(neg, (unsigned)e, mant);
}

static const Float80 specials[] = {
    {0, 0}, {0, 0x8000},                                   /* +-0 */
    {1, 0}, {0x123456789ull, 0x8000},                      /* denormals */
    {0x8000000000000001ull, 0},                            /* pseudo-denormal */
    {0x8000000000000000ull, 1}, {0xffffffffffffffffull, 0x8001},
    {0x8000000000000000ull, 0x3fff}, {0x8000000000000000ull, 0xbfff},   /* +-1 */
    {0xffffffffffffffffull, 0x3ffe}, {0x8000000000000001ull, 0x3fff},   /* 1 -+ ulp */
    {0x8000000000000000ull, 0x3ffe}, {0x8000000000000000ull, 0xbffd},   /* 0.5, -0.25 */
    {0x8000000000000000ull, 0x4000}, {0xc90fdaa22168c235ull, 0x4000},   /* 2, pi */
    {0xc90fdaa22168c235ull, 0xbfff},                                    /* -pi/2 */
    {0x8000000000000000ull, 0x403e}, {0xffffffffffffffffull, 0x403d},   /* 2^63, 2^63 - 1 */
    {0xffffffffffffffffull, 0x7ffe}, {0xffffffffffffffffull, 0xfffe},   /* +-max */
    {0x8000000000000000ull, 0x7fff}, {0x8000000000000000ull, 0xffff},   /* +-inf */
    {0xc000000000000001ull, 0x7fff}, {0xc000000000000002ull, 0xffff},   /* QNaNs */
    {0x8000000000000005ull, 0x7fff}, {0xa000000000000000ull, 0xffff},   /* SNaNs */
    {0xc000000000000000ull, 0xffff},                                    /* indefinite */
    {0x4000000000000000ull, 0x3fff}, {0, 0x7fff},          /* unnormal, pseudo-inf */
    {0x4000000000000001ull, 0x7fff},                       /* pseudo-NaN */
};
#define N_SPECIALS (sizeof(specials) / sizeof(specials[0]))

/* ---- the host x87 --------------------------------------------------------------- */

typedef struct HostResult {
    Float80 r, r2;   /* r2: the cosine of FSINCOS */
    uint16_t sw;
} HostResult;

typedef struct Carrier {
    unsigned char b[16];
} Carrier;

static Carrier carry(Float80 a)
{
    Carrier c;
    memset(&c, 0, sizeof(c));
    memcpy(c.b, &a.mant, 8);
    memcpy(c.b + 8, &a.se, 2);
    return c;
}

static Float80 uncarry(const Carrier *c)
{
    Float80 a;
    memcpy(&a.mant, c->b, 8);
    memcpy(&a.se, c->b + 8, 2);
    return a;
}

/* All exceptions masked, 64-bit precision, the given rounding. */
static uint16_t host_cw(unsigned rounding)
{
    return (uint16_t)(0x037f | (rounding << 10));
}

/* One operand in ST(0); result ST(0). The C2 path of FSIN/FCOS leaves the
 * operand, which is stored the same way. */
#define HOST_UNARY(name, insn)                                                        \
    static HostResult name(Float80 a, uint16_t cw)                                    \
    {                                                                                 \
        Carrier in = carry(a), out;                                                   \
        uint16_t cw_saved, sw;                                                        \
        __asm__ volatile("fnstcw %[save]\n\tfldcw %[cw]\n\tfnclex\n\t"                \
                         "fldt %[in]\n\t" insn "\n\tfnstsw %[sw]\n\tfstpt %[out]\n\t" \
                         "fldcw %[save]"                                              \
                         : [out] "=m"(out), [sw] "=m"(sw), [save] "=m"(cw_saved)      \
                         : [in] "m"(in), [cw] "m"(cw)                                 \
                         : "memory");                                                 \
        return (HostResult){.r = uncarry(&out), .sw = sw};                            \
    }
HOST_UNARY(host_f2xm1, "f2xm1")
HOST_UNARY(host_fsin, "fsin")
HOST_UNARY(host_fcos, "fcos")

/* x in ST(0), y in ST(1); the result replaces ST(1) and ST(0) is popped. */
#define HOST_BINARY(name, insn)                                                       \
    static HostResult name(Float80 x, Float80 y, uint16_t cw)                         \
    {                                                                                 \
        Carrier cx = carry(x), cy = carry(y), out;                                    \
        uint16_t cw_saved, sw;                                                        \
        __asm__ volatile("fnstcw %[save]\n\tfldcw %[cw]\n\tfnclex\n\t"                \
                         "fldt %[y]\n\tfldt %[x]\n\t" insn "\n\tfnstsw %[sw]\n\t"     \
                         "fstpt %[out]\n\tfldcw %[save]"                              \
                         : [out] "=m"(out), [sw] "=m"(sw), [save] "=m"(cw_saved)      \
                         : [x] "m"(cx), [y] "m"(cy), [cw] "m"(cw)                     \
                         : "memory");                                                 \
        return (HostResult){.r = uncarry(&out), .sw = sw};                            \
    }
HOST_BINARY(host_fyl2x, "fyl2x")
HOST_BINARY(host_fyl2xp1, "fyl2xp1")
HOST_BINARY(host_fpatan, "fpatan")

/* FPTAN and FSINCOS push a second value unless C2 is set. */
static HostResult host_push2(Float80 a, uint16_t cw, bool sincos)
{
    Carrier in = carry(a), out, out2;
    uint16_t cw_saved, sw;
    memset(&out2, 0, sizeof(out2));
    if (sincos)
        __asm__ volatile("fnstcw %[save]\n\tfldcw %[cw]\n\tfnclex\n\tfldt %[in]\n\t"
                         "fsincos\n\tfnstsw %%ax\n\tmovw %%ax, %[sw]\n\t"
                         "testw $0x400, %%ax\n\tjnz 1f\n\tfstpt %[out2]\n1:\n\t"
                         "fstpt %[out]\n\tfldcw %[save]"
                         : [out] "=m"(out), [out2] "+m"(out2), [sw] "=m"(sw), [save] "=m"(cw_saved)
                         : [in] "m"(in), [cw] "m"(cw)
                         : "ax", "memory", "cc");
    else
        __asm__ volatile("fnstcw %[save]\n\tfldcw %[cw]\n\tfnclex\n\tfldt %[in]\n\t"
                         "fptan\n\tfnstsw %%ax\n\tmovw %%ax, %[sw]\n\t"
                         "testw $0x400, %%ax\n\tjnz 1f\n\tfstpt %[out2]\n1:\n\t"
                         "fstpt %[out]\n\tfldcw %[save]"
                         : [out] "=m"(out), [out2] "+m"(out2), [sw] "=m"(sw), [save] "=m"(cw_saved)
                         : [in] "m"(in), [cw] "m"(cw)
                         : "ax", "memory", "cc");
    return (HostResult){.r = uncarry(&out), .r2 = uncarry(&out2), .sw = sw};
}

/* ---- comparison -------------------------------------------------------------------- */

typedef struct Stats {
    const char *name;
    unsigned cases, exact, ulp1, failed, c1_differ;
} Stats;

/* Position on the number line of a finite value's magnitude, in ulps. */
static bool f80_ordinal(Float80 a, unsigned __int128 *ord)
{
    unsigned exp = a.se & 0x7fff;
    if (exp == 0x7fff || (exp != 0 && !(a.mant >> 63)))
        return false;
    if (exp == 0) {
        if (a.mant >> 63)
            exp = 1;   /* pseudo-denormal */
        else {
            *ord = a.mant;
            return true;
        }
    }
    *ord = ((unsigned __int128)exp << 63) + (a.mant & 0x7fffffffffffffffull);
    return true;
}

/* 0 identical, 1 one ulp apart, 2 otherwise */
static int f80_distance(Float80 a, Float80 b)
{
    if (a.mant == b.mant && a.se == b.se)
        return 0;
    unsigned __int128 oa, ob;
    if ((a.se ^ b.se) & 0x8000 || !f80_ordinal(a, &oa) || !f80_ordinal(b, &ob))
        return 2;
    unsigned __int128 d = oa > ob ? oa - ob : ob - oa;
    return d == 1 && oa && ob ? 1 : 2;
}

/* 0 identical, 1 one ulp apart (flags allowed to differ in PE/UE), -1 a
 * failure (logged). */
static int compare(Stats *st, const char *what, Float80 a, Float80 b, Float80 mine, unsigned my_flags,
                   bool my_ok, Float80 host, uint16_t host_sw, unsigned rounding)
{
    unsigned hf = host_sw & SW_FLAGS;
    bool host_ok = !(host_sw & SW_C2);
    int dist = f80_distance(mine, host);
    unsigned must = dist == 0 ? SW_FLAGS : FLAGS_STRICT;
    if (dist <= 1 && my_ok == host_ok && ((my_flags ^ hf) & must) == 0) {
        /* C1 ("rounded up") is only counted: the host's C1 comes from its
         * internal approximation, not from the exact value (FPTAN of a tiny
         * x returns x with C1 = 1 although tan x > x) */
        if (dist == 0 && !(my_flags & MY_C1) != !(host_sw & SW_C1))
            st->c1_differ++;
        return dist;
    }
    if (st->failed < TRANS_LOG_LIMIT)
        cr_log_error("%s%s rc=%u in %04x:%016llx %04x:%016llx: mine %04x:%016llx flags %02x%s, "
                     "host %04x:%016llx flags %02x%s", st->name, what, rounding, a.se,
                     (unsigned long long)a.mant, b.se, (unsigned long long)b.mant, mine.se,
                     (unsigned long long)mine.mant, my_flags, my_ok ? "" : " C2", host.se,
                     (unsigned long long)host.mant, hf, host_ok ? "" : " C2");
    return -1;
}

static void tally(Stats *st, int code)
{
    st->cases++;
    if (code == 0)
        st->exact++;
    else if (code == 1)
        st->ulp1++;
    else
        st->failed++;
}

static void check(Stats *st, const char *what, Float80 a, Float80 b, Float80 mine, unsigned my_flags,
                  bool my_ok, Float80 host, uint16_t host_sw, unsigned rounding)
{
    tally(st, compare(st, what, a, b, mine, my_flags, my_ok, host, host_sw, rounding));
}

static void report(const Stats *st)
{
    cr_log_info("%-8s %7u cases: %7u exact, %5u 1-ulp, %u failed (C1 differs on %u exact)", st->name,
                st->cases, st->exact, st->ulp1, st->failed, st->c1_differ);
    fprintf(stderr, "%-8s %7u cases: %7u exact, %5u 1-ulp, %u failed (C1 differs on %u exact)\n",
            st->name, st->cases, st->exact, st->ulp1, st->failed, st->c1_differ);
}

static unsigned case_count(void)
{
    const char *env = getenv("JITPC_FPU_CASES");
    long n = env ? strtol(env, NULL, 10) : 0;
    return n > 0 ? (unsigned)n : TRANS_DEFAULT_CASES;
}

static FloatStatus status_for(unsigned rounding)
{
    return (FloatStatus){.rounding = (uint8_t)rounding, .precision = FLOAT_PREC_64,
                         .underflow_masked = true};
}

static unsigned my_flags(const FloatStatus *s)
{
    return s->flags | (s->c1_round_up ? MY_C1 : 0);
}

static unsigned rand_rounding(Rng *r)
{
    return (rng_next(r) & 3) ? FLOAT_ROUND_NEAREST : (unsigned)(rng_next(r) & 3);
}

/* ---- per instruction ------------------------------------------------------------------ */

static void check_2xm1(Stats *st, Float80 a, unsigned rc)
{
    FloatStatus s = status_for(rc);
    Float80 mine = f80_2xm1(a, &s);
    HostResult h = host_f2xm1(a, host_cw(rc));
    check(st, "", a, f80(0, 0, 0), mine, my_flags(&s), true, h.r, h.sw, rc);
}

static void check_binary(Stats *st, int which, Float80 x, Float80 y, unsigned rc)
{
    FloatStatus s = status_for(rc);
    Float80 mine;
    HostResult h;
    if (which == 0) {
        mine = f80_yl2x(x, y, &s);
        h = host_fyl2x(x, y, host_cw(rc));
    } else if (which == 1) {
        mine = f80_yl2xp1(x, y, &s);
        h = host_fyl2xp1(x, y, host_cw(rc));
    } else {
        mine = f80_atan2(y, x, &s);
        h = host_fpatan(x, y, host_cw(rc));
    }
    check(st, "", x, y, mine, my_flags(&s), true, h.r, h.sw, rc);
}

/* which: 0 fsin, 1 fcos, 2 fptan, 3 fsincos */
static void check_trig(Stats *st, int which, Float80 a, unsigned rc)
{
    FloatStatus s = status_for(rc);
    Float80 mine, mine2;
    bool ok;
    HostResult h;
    switch (which) {
    case 0:
        ok = f80_sin(a, &mine, &s);
        h = host_fsin(a, host_cw(rc));
        break;
    case 1:
        ok = f80_cos(a, &mine, &s);
        h = host_fcos(a, host_cw(rc));
        break;
    case 2:
        ok = f80_tan(a, &mine, &s);
        h = host_push2(a, host_cw(rc), false);
        if (ok && !(h.sw & SW_C2) && (h.r.se & 0x7fff) != 0x7fff && (h.r2.se != 0x3fff || h.r2.mant != 0x8000000000000000ull))
            cr_log_error("fptan pushed %04x:%016llx, not 1.0", h.r2.se, (unsigned long long)h.r2.mant);
        break;
    default: {
        /* FSINCOS: one case; the worse of the sine and cosine comparisons,
         * flags of both */
        FloatStatus s2 = status_for(rc);
        ok = f80_sin(a, &mine, &s);
        f80_cos(a, &mine2, &s2);
        h = host_push2(a, host_cw(rc), true);
        unsigned flags = s.flags | s2.flags;
        uint16_t sw = h.sw & ~SW_C1;   /* C1 of two roundings: not compared */
        int c1 = compare(st, "(sin)", a, f80(0, 0, 0), mine, flags, ok, h.r, sw, rc);
        int c2 = ok ? compare(st, "(cos)", a, f80(0, 0, 0), mine2, flags, ok, h.r2, sw, rc) : c1;
        tally(st, c1 < 0 || c2 < 0 ? -1 : (c1 > c2 ? c1 : c2));
        return;
    }
    }
    check(st, "", a, f80(0, 0, 0), mine, my_flags(&s), ok, h.r, h.sw, rc);
}

/* Near a multiple k of the x87's pi/2 (0xC90FDAA22168C234C * 2^-67). */
static Float80 near_pi2_multiple(Rng *r)
{
    unsigned __int128 p = ((unsigned __int128)0xC << 64) | 0x90FDAA22168C234Cull;
    int64_t shift = rng_range(r, 6, 63);   /* k up to 2^58: v fits */
    uint64_t k = 1 + (rng_next(r) >> shift);
    unsigned __int128 v = p * k;   /* value * 2^67 */
    int top = 127;
    while (!(v >> top))
        top--;
    uint64_t mant = (uint64_t)(v >> (top - 63)) + (uint64_t)rng_range(r, -4, 4);
    int exp = top - 67 + 16383;
    if (!(mant >> 63))
        mant |= 0x8000000000000000ull;
    return f80(rng_next(r) & 1, (unsigned)exp, mant);
}

static void run_trig(const char *name, int which)
{
    Stats st = {.name = name};
    Rng r = {TRANS_SEED + (uint64_t)which};
    unsigned n = case_count();
    for (unsigned i = 0; i < n; i++) {
        unsigned kind = (unsigned)rng_range(&r, 0, 99);
        Float80 a;
        if (kind < 70)
            a = rand_exp(&r, -70, 62, -1);
        else if (kind < 75)
            a = rand_exp(&r, -16445, -70, -1);
        else if (kind < 78)
            a = rand_exp(&r, 63, 80, -1);
        else
            a = near_pi2_multiple(&r);
        check_trig(&st, which, a, rand_rounding(&r));
    }
    for (unsigned i = 0; i < N_SPECIALS; i++)
        check_trig(&st, which, specials[i], FLOAT_ROUND_NEAREST);
    report(&st);
    cr_expect_eq(st.failed, 0, "%s: %u of %u cases differ", name, st.failed, st.cases);
}

static void run_binary(const char *name, int which)
{
    Stats st = {.name = name};
    Rng r = {TRANS_SEED * 3 + (uint64_t)which};
    unsigned n = case_count();
    for (unsigned i = 0; i < n; i++) {
        unsigned kind = (unsigned)rng_range(&r, 0, 99);
        Float80 x, y = kind < 90 ? rand_exp(&r, -30, 30, -1) : rand_exp(&r, -16400, 16383, -1);
        if (which == 0) {   /* FYL2X: x > 0 */
            if (kind % 3 == 0)
                x = rand_exp(&r, -16400, 16383, 0);
            else if (kind % 3 == 1)
                x = rand_exp(&r, -20, 20, 0);
            else {   /* close to 1 */
                int64_t shift = rng_range(&r, 1, 63);
                uint64_t d = rng_next(&r) >> shift;
                x = (rng_next(&r) & 1) ? f80(0, 16383, 0x8000000000000000ull + d)
                                      : f80(0, 16382, 0xffffffffffffffffull - d);
            }
        } else if (which == 1) {   /* FYL2XP1: |x| < 1 - sqrt(2)/2 */
            if (kind % 10 == 0)
                x = rand_exp(&r, -16445, -70, -1);
            else if (kind % 10 == 1)   /* beyond the documented range, x > -1 */
                x = (rng_next(&r) & 1) ? rand_exp(&r, -2, 30, 0) : rand_exp(&r, -2, -1, 1);
            else {
                x = rand_exp(&r, -70, -2, -1);
                if ((x.se & 0x7fff) == 16381)
                    x.mant = 0x8000000000000000ull | (x.mant & 0x0fffffffffffffffull);
            }
        } else {   /* FPATAN: anywhere */
            x = kind < 80 ? rand_exp(&r, -40, 40, -1) : rand_exp(&r, -16440, 16383, -1);
            if (kind >= 80)
                y = rand_exp(&r, -16440, 16383, -1);
        }
        check_binary(&st, which, x, y, rand_rounding(&r));
    }
    for (unsigned i = 0; i < N_SPECIALS; i++)
        for (unsigned j = 0; j < N_SPECIALS; j++)
            check_binary(&st, which, specials[i], specials[j], FLOAT_ROUND_NEAREST);
    report(&st);
    cr_expect_eq(st.failed, 0, "%s: %u of %u cases differ", name, st.failed, st.cases);
}

Test(fpu_trans, f2xm1)
{
    Stats st = {.name = "f2xm1"};
    Rng r = {TRANS_SEED};
    unsigned n = case_count();
    for (unsigned i = 0; i < n; i++) {
        unsigned kind = (unsigned)rng_range(&r, 0, 99);
        Float80 a = kind < 90 ? rand_exp(&r, -70, -1, -1) : rand_exp(&r, -16445, -70, -1);
        if (kind == 98)   /* outside |x| <= 1: the host returns x */
            a = rand_exp(&r, 0, 20, -1);
        if (kind == 99)
            a = f80(rng_next(&r) & 1, 16383, 0x8000000000000000ull);   /* +-1 */
        check_2xm1(&st, a, rand_rounding(&r));
    }
    for (unsigned i = 0; i < N_SPECIALS; i++)
        if ((specials[i].se & 0x7fff) < 16383 || (specials[i].se & 0x7fff) == 0x7fff ||
            (specials[i].mant == 0x8000000000000000ull && (specials[i].se & 0x7fff) == 16383))
            check_2xm1(&st, specials[i], FLOAT_ROUND_NEAREST);
    report(&st);
    cr_expect_eq(st.failed, 0, "f2xm1: %u of %u cases differ", st.failed, st.cases);
}

/* Precision control does not apply to the transcendentals (SDM Vol. 1
 * §8.1.5.2): with PC = 24 bits the host still returns 64-bit results. */
Test(fpu_trans, precision_control_ignored)
{
    Stats st = {.name = "pc24"};
    Rng r = {TRANS_SEED ^ 0x24};
    uint16_t cw = host_cw(FLOAT_ROUND_NEAREST) & ~0x300;
    for (unsigned i = 0; i < 2000; i++) {
        Float80 a = rand_exp(&r, -8, 8, -1), b = rand_exp(&r, -8, 8, 0), mine;
        FloatStatus s = status_for(FLOAT_ROUND_NEAREST);
        s.precision = FLOAT_PREC_24;
        HostResult h;
        switch (i % 3) {
        case 0:
            f80_sin(a, &mine, &s);
            h = host_fsin(a, cw);
            break;
        case 1:
            mine = f80_yl2x(b, a, &s);
            h = host_fyl2x(b, a, cw);
            break;
        default:
            mine = f80_atan2(a, b, &s);
            h = host_fpatan(b, a, cw);
            break;
        }
        check(&st, "", a, b, mine, my_flags(&s), true, h.r, h.sw, FLOAT_ROUND_NEAREST);
    }
    report(&st);
    cr_expect_eq(st.failed, 0, "pc24: %u of %u cases differ", st.failed, st.cases);
}

Test(fpu_trans, fyl2x) { run_binary("fyl2x", 0); }
Test(fpu_trans, fyl2xp1) { run_binary("fyl2xp1", 1); }
Test(fpu_trans, fpatan) { run_binary("fpatan", 2); }
Test(fpu_trans, fsin) { run_trig("fsin", 0); }
Test(fpu_trans, fcos) { run_trig("fcos", 1); }
Test(fpu_trans, fptan) { run_trig("fptan", 2); }
Test(fpu_trans, fsincos) { run_trig("fsincos", 3); }

#endif

/* ---- pinned values (any host) -----------------------------------------------------------
 * Results and flags measured on an x86-64 host x87, so a non-x86 CI still
 * checks the special cases and the 66-bit-pi reduction. */

typedef struct Pinned {
    const char *what;
    int op;                 /* 0 f2xm1, 1 fyl2x, 2 fyl2xp1, 3 fpatan, 4 fsin, 5 fcos, 6 fptan */
    Float80 a, b;           /* a: ST(0) (x), b: ST(1) (y) */
    Float80 r;
    unsigned flags;
    bool ok;                /* false: C2, operand kept */
} Pinned;

#define P80(se, mant) {mant##ull, se}
static const Pinned pinned[] = {
    {"f2xm1(0.5)", 0, P80(0x3ffe, 0x8000000000000000), P80(0, 0), P80(0x3ffd, 0xd413cccfe7799211), FLOAT_INEXACT, true},
    {"f2xm1(1.5) keeps x", 0, P80(0x3fff, 0xc000000000000000), P80(0, 0), P80(0x3fff, 0xc000000000000000), FLOAT_INEXACT, true},
    {"f2xm1(-1)", 0, P80(0xbfff, 0x8000000000000000), P80(0, 0), P80(0xbffe, 0x8000000000000000), FLOAT_INEXACT, true},
    {"f2xm1(denormal)", 0, P80(0x0000, 1), P80(0, 0), P80(0x0000, 1), FLOAT_DENORMAL | FLOAT_UNDERFLOW | FLOAT_INEXACT, true},
    {"fyl2x(8, 3) = 9 with PE", 1, P80(0x4002, 0x8000000000000000), P80(0x4000, 0xc000000000000000), P80(0x4002, 0x9000000000000000), FLOAT_INEXACT, true},
    {"fyl2x(1, 3) = +0", 1, P80(0x3fff, 0x8000000000000000), P80(0x4000, 0xc000000000000000), P80(0, 0), 0, true},
    {"fyl2x(0, denormal)", 1, P80(0, 0), P80(0, 1), P80(0xffff, 0x8000000000000000), FLOAT_DIVZERO, true},
    {"fyl2x(-1, denormal)", 1, P80(0xbfff, 0x8000000000000000), P80(0, 1), P80(0xffff, 0xc000000000000000), FLOAT_INVALID, true},
    {"fyl2x(SNaN, 1)", 1, P80(0x7fff, 0x8000000000000005), P80(0x3fff, 0x8000000000000000), P80(0x7fff, 0xc000000000000005), FLOAT_INVALID, true},
    {"fyl2xp1(0.5, 1)", 2, P80(0x3ffe, 0x8000000000000000), P80(0x3fff, 0x8000000000000000), P80(0x3ffe, 0x95c01a39fbd687a0), FLOAT_INEXACT, true},
    {"fyl2xp1(-2, 1) keeps x", 2, P80(0xc000, 0x8000000000000000), P80(0x3fff, 0x8000000000000000), P80(0xc000, 0x8000000000000000), FLOAT_INEXACT, true},
    {"fpatan(1, 1)", 3, P80(0x3fff, 0x8000000000000000), P80(0x3fff, 0x8000000000000000), P80(0x3ffe, 0xc90fdaa22168c235), FLOAT_INEXACT, true},
    {"fpatan(-1, +0)", 3, P80(0xbfff, 0x8000000000000000), P80(0, 0), P80(0x4000, 0xc90fdaa22168c235), FLOAT_INEXACT, true},
    {"fsin(1)", 4, P80(0x3fff, 0x8000000000000000), P80(0, 0), P80(0x3ffe, 0xd76aa47848677021), FLOAT_INEXACT, true},
    {"fsin(pi) = -2^-64 (66-bit pi)", 4, P80(0x4000, 0xc90fdaa22168c235), P80(0, 0), P80(0xbfbf, 0x8000000000000000), FLOAT_INEXACT, true},
    {"fcos(pi/2) = -2^-65 (66-bit pi)", 5, P80(0x3fff, 0xc90fdaa22168c235), P80(0, 0), P80(0xbfbe, 0x8000000000000000), FLOAT_INEXACT, true},
    {"fsin(1e18)", 4, P80(0x403a, 0xde0b6b3a76400000), P80(0, 0), P80(0xbffe, 0xfe293239d98b5dc4), FLOAT_INEXACT, true},
    {"fcos(1e18)", 5, P80(0x403a, 0xde0b6b3a76400000), P80(0, 0), P80(0x3ffb, 0xf50b31631bcfd88c), FLOAT_INEXACT, true},
    {"fptan(1e18)", 6, P80(0x403a, 0xde0b6b3a76400000), P80(0, 0), P80(0xc002, 0x84c32e183a850c22), FLOAT_INEXACT, true},
    {"fsin(2^63): C2", 4, P80(0x403e, 0x8000000000000000), P80(0, 0), P80(0x403e, 0x8000000000000000), 0, false},
    {"fcos(+inf)", 5, P80(0x7fff, 0x8000000000000000), P80(0, 0), P80(0xffff, 0xc000000000000000), FLOAT_INVALID, true},
};

Test(fpu_trans, pinned)
{
    for (unsigned i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
        const Pinned *p = &pinned[i];
        FloatStatus s = {.rounding = FLOAT_ROUND_NEAREST, .precision = FLOAT_PREC_64, .underflow_masked = true};
        Float80 r;
        bool ok = true;
        switch (p->op) {
        case 0: r = f80_2xm1(p->a, &s); break;
        case 1: r = f80_yl2x(p->a, p->b, &s); break;
        case 2: r = f80_yl2xp1(p->a, p->b, &s); break;
        case 3: r = f80_atan2(p->b, p->a, &s); break;
        case 4: ok = f80_sin(p->a, &r, &s); break;
        case 5: ok = f80_cos(p->a, &r, &s); break;
        default: ok = f80_tan(p->a, &r, &s); break;
        }
        cr_expect(r.se == p->r.se && r.mant == p->r.mant && s.flags == p->flags && ok == p->ok,
                  "%s: got %04x:%016llx flags %02x%s, want %04x:%016llx flags %02x%s", p->what, r.se,
                  (unsigned long long)r.mant, s.flags, ok ? "" : " C2", p->r.se,
                  (unsigned long long)p->r.mant, p->flags, p->ok ? "" : " C2");
    }
}
