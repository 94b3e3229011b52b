/* Portable soft float (src/cpu/fpu_float*.c) against the host FPU: every
 * operation runs on the host x87 (fldcw/fnclex/fnstsw around the
 * instruction) or SSE unit (ldmxcsr/stmxcsr) through inline assembly on
 * random and special operands, under every rounding mode and x87 precision
 * (and DAZ/FTZ for SSE), with all exceptions masked; results must agree bit
 * for bit and the flags exactly. `long double` never appears: Float80 is the
 * carrier for fldt/fstpt. JITPC_FPU_CASES=n runs n cases per class (default
 * 200,000). Off x86-64 only the directed cases at the end run. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/fpu_float.h"

#if defined(__x86_64__)

#define FPU_CASES 200000
#define FPU_SEED 0x6a697470635f6670ull
#define FPU_MAX_REPORT 8

typedef struct Rng {
    uint64_t state;
} Rng;

static uint64_t rng_next(Rng *r)
{
    /* splitmix64 */
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static unsigned rng_below(Rng *r, unsigned n)
{
    return (unsigned)(rng_next(r) % n);
}

static long fpu_case_count(void)
{
    const char *e = getenv("JITPC_FPU_CASES");
    long n = e ? strtol(e, NULL, 0) : 0;
    return n > 0 ? n : FPU_CASES;
}

/* ---- operand generators ------------------------------------------------ */

/* A significand with structure near rounding boundaries: runs of zeros or
 * ones below a random bit, few set bits, or plain random. */
static uint64_t fpu_gen_sig(Rng *r)
{
    uint64_t m = rng_next(r);
    switch (rng_below(r, 6)) {
    case 0: {
        unsigned k = rng_below(r, 64);
        m = k ? (m >> k) << k : m;
        break;
    }
    case 1: {
        unsigned k = rng_below(r, 64);
        m |= k ? (~0ull >> (64 - k)) : 0;
        break;
    }
    case 2:
        m = (1ull << rng_below(r, 64)) | (1ull << rng_below(r, 64));
        break;
    default:
        break;
    }
    return m;
}

static Float80 fpu_f80(uint16_t se, uint64_t mant)
{
    Float80 f = { mant, se };
    return f;
}

static Float80 fpu_gen_f80(Rng *r, const Float80 *other)
{
    uint16_t sign = (uint16_t)(rng_below(r, 2) << 15);
    uint64_t m = fpu_gen_sig(r);
    unsigned c = rng_below(r, 100);
    if (c < 30) {                                   /* moderate exponents */
        return fpu_f80((uint16_t)(sign | (0x3FFF - 70 + rng_below(r, 140))), m | (1ull << 63));
    }
    if (c < 45 && other) {                          /* close to the other operand */
        int e = (other->se & 0x7FFF) + (int)rng_below(r, 140) - 70;
        if (e < 1 || e > 0x7FFE) {
            e = 0x3FFF;
        }
        uint64_t om = other->mant;
        if (rng_below(r, 2)) {
            m = om ^ (1ull << rng_below(r, 64)) ^ (rng_below(r, 2) ? 0 : 1);
            e = other->se & 0x7FFF;
        }
        return fpu_f80((uint16_t)(sign | e), m | (1ull << 63));
    }
    if (c < 55) {
        return fpu_f80((uint16_t)(sign | (1 + rng_below(r, 0x7FFE))), m | (1ull << 63));
    }
    if (c < 63) {                                   /* near the bottom */
        return fpu_f80((uint16_t)(sign | (1 + rng_below(r, 140))), m | (1ull << 63));
    }
    if (c < 70) {                                   /* near the top */
        return fpu_f80((uint16_t)(sign | (0x7FFE - rng_below(r, 140))), m | (1ull << 63));
    }
    if (c < 76) {                                   /* denormal */
        return fpu_f80(sign, m & ~(1ull << 63));
    }
    if (c < 78) {                                   /* pseudo-denormal */
        return fpu_f80(sign, m | (1ull << 63));
    }
    if (c < 80) {                                   /* unnormal */
        return fpu_f80((uint16_t)(sign | (1 + rng_below(r, 0x7FFE))), m & ~(1ull << 63));
    }
    switch (rng_below(r, 9)) {
    case 0:
        return fpu_f80(sign, 0);
    case 1:
        return fpu_f80((uint16_t)(sign | 0x7FFF), 1ull << 63);
    case 2:
        return fpu_f80((uint16_t)(sign | 0x7FFF), m | (3ull << 62));        /* QNaN */
    case 3:
        return fpu_f80((uint16_t)(sign | 0x7FFF), (m & ~(1ull << 62)) | (1ull << 63) | 1);  /* SNaN */
    case 4:
        return fpu_f80((uint16_t)(sign | 0x7FFF), m & ~(1ull << 63));      /* pseudo-NaN/inf */
    case 5:
        return fpu_f80((uint16_t)(sign | 0x3FFF), 1ull << 63);
    case 6:
        return fpu_f80((uint16_t)(sign | 0x7FFE), ~0ull);
    case 7:
        return fpu_f80(sign, 1);
    default:
        return fpu_f80((uint16_t)(sign | (0x3FFF + rng_below(r, 64))), m | (1ull << 63));
    }
}


/* Raw f32/f64 bits: specials, denormals, limits, structured significands. */
static uint64_t fpu_gen_sse_bits(Rng *r, bool dbl)
{
    int fb = dbl ? 52 : 23, eb = dbl ? 11 : 8;
    uint64_t emax = (1ull << eb) - 1, bias = emax >> 1;
    uint64_t frac = (fpu_gen_sig(r) >> (64 - fb));
    uint64_t sign = (uint64_t)rng_below(r, 2) << (fb + eb);
    uint64_t e;
    unsigned c = rng_below(r, 100);
    if (c < 40) {
        e = bias - 30 + rng_below(r, 60);
    } else if (c < 55) {
        e = 1 + rng_below(r, (unsigned)emax - 1);
    } else if (c < 65) {
        e = 1 + rng_below(r, 60);
    } else if (c < 72) {
        e = emax - 1 - rng_below(r, 60);
    } else if (c < 82) {
        e = 0;                                   /* denormal or zero */
        if (rng_below(r, 8) == 0) {
            frac = 0;
        }
    } else if (c < 88) {
        e = emax;
        frac = 0;                                /* infinity */
    } else if (c < 94) {
        e = emax;
        frac |= 1ull << (fb - 1);                /* QNaN */
    } else {
        e = emax;
        frac = (frac & ~(1ull << (fb - 1))) | 1; /* SNaN */
    }
    return sign | (e << fb) | frac;
}

static uint64_t fpu_gen_sse_related(Rng *r, bool dbl, uint64_t a)
{
    if (rng_below(r, 3)) {
        return fpu_gen_sse_bits(r, dbl);
    }
    int fb = dbl ? 52 : 23;
    uint64_t mask = dbl ? ~0ull : 0xFFFFFFFFull;
    return (a ^ (1ull << rng_below(r, (unsigned)fb + 4)) ^ ((uint64_t)rng_below(r, 2) << (dbl ? 63 : 31))) & mask;
}

static uint64_t fpu_gen_sse_intish(Rng *r, bool dbl)
{
    if (rng_below(r, 3) == 0) {
        return fpu_gen_sse_bits(r, dbl);
    }
    int fb = dbl ? 52 : 23;
    uint64_t bias = dbl ? 1023 : 127;
    uint64_t sign = (uint64_t)rng_below(r, 2) << (dbl ? 63 : 31);
    return sign | ((bias - 2 + rng_below(r, 36)) << fb) | (fpu_gen_sig(r) >> (64 - fb));
}

/* ---- host x87 ------------------------------------------------------------ */

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_COUNT_ARITH };
static const char *const fpu_op_names[] = { "add", "sub", "mul", "div", "sqrt" };

static uint16_t fpu_cw(unsigned rc, unsigned pc)
{
    return (uint16_t)(0x3F | 0x40 | (pc << 8) | (rc << 10));
}

static uint16_t host_x87_arith(int op, Float80 a, Float80 b, uint16_t cw, Float80 *res)
{
    uint16_t sw = 0;
    Float80 r = { 0, 0 };
    switch (op) {
    case OP_ADD:
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\tfadd %%st(1), %%st\n\t"
                         "fnstsw %[sw]\n\tfstpt %[r]\n\tfstp %%st(0)"
                         : [sw] "=m"(sw), [r] "=m"(r) : [a] "m"(a), [b] "m"(b), [cw] "m"(cw));
        break;
    case OP_SUB:
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\tfsub %%st(1), %%st\n\t"
                         "fnstsw %[sw]\n\tfstpt %[r]\n\tfstp %%st(0)"
                         : [sw] "=m"(sw), [r] "=m"(r) : [a] "m"(a), [b] "m"(b), [cw] "m"(cw));
        break;
    case OP_MUL:
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\tfmul %%st(1), %%st\n\t"
                         "fnstsw %[sw]\n\tfstpt %[r]\n\tfstp %%st(0)"
                         : [sw] "=m"(sw), [r] "=m"(r) : [a] "m"(a), [b] "m"(b), [cw] "m"(cw));
        break;
    case OP_DIV:
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\tfdiv %%st(1), %%st\n\t"
                         "fnstsw %[sw]\n\tfstpt %[r]\n\tfstp %%st(0)"
                         : [sw] "=m"(sw), [r] "=m"(r) : [a] "m"(a), [b] "m"(b), [cw] "m"(cw));
        break;
    default:
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[a]\n\tfsqrt\n\t"
                         "fnstsw %[sw]\n\tfstpt %[r]"
                         : [sw] "=m"(sw), [r] "=m"(r) : [a] "m"(a), [cw] "m"(cw));
        break;
    }
    static const uint16_t cw_default = 0x37F;
    __asm__ volatile("fnclex\n\tfldcw %0" : : "m"(cw_default));
    *res = r;
    return sw;
}

static Float80 soft_x87_arith(int op, Float80 a, Float80 b, FloatStatus *s)
{
    switch (op) {
    case OP_ADD:
        return f80_add(a, b, s);
    case OP_SUB:
        return f80_sub(a, b, s);
    case OP_MUL:
        return f80_mul(a, b, s);
    case OP_DIV:
        return f80_div(a, b, s);
    default:
        return f80_sqrt(a, s);
    }
}

static FloatStatus fpu_x87_status(unsigned rc, unsigned pc)
{
    FloatStatus s;
    memset(&s, 0, sizeof s);
    s.rounding = (uint8_t)rc;
    s.precision = (uint8_t)pc;
    s.underflow_masked = true;
    return s;
}

static const unsigned fpu_pcs[3] = { FLOAT_PREC_24, FLOAT_PREC_53, FLOAT_PREC_64 };

static void fpu_check_x87_arith(int op)
{
    Rng rng = { FPU_SEED + (uint64_t)op };
    long n = fpu_case_count(), bad = 0;
    for (long i = 0; i < n; i++) {
        Float80 a = fpu_gen_f80(&rng, NULL);
        Float80 b = fpu_gen_f80(&rng, &a);
        if (rng_below(&rng, 32) == 0) {
            /* same significand, other sign, maybe other quiet bit: NaN ties */
            b = a;
            b.se ^= 0x8000;
            b.mant ^= (uint64_t)rng_below(&rng, 2) << 62;
        }
        unsigned rc = rng_below(&rng, 4), pc = fpu_pcs[rng_below(&rng, 3)];
        Float80 hr;
        uint16_t sw = host_x87_arith(op, a, b, fpu_cw(rc, pc), &hr);
        FloatStatus s = fpu_x87_status(rc, pc);
        Float80 sr = soft_x87_arith(op, a, b, &s);
        bool c1 = (sw >> 9) & 1;
        if (hr.mant != sr.mant || hr.se != sr.se || (sw & 0x3F) != s.flags || c1 != s.c1_round_up) {
            if (bad++ < FPU_MAX_REPORT) {
                cr_log_error("%s rc=%u pc=%u a=%04x:%016llx b=%04x:%016llx host=%04x:%016llx fl=%02x c1=%d "
                             "soft=%04x:%016llx fl=%02x c1=%d", fpu_op_names[op], rc, pc, a.se,
                             (unsigned long long)a.mant, b.se, (unsigned long long)b.mant, hr.se,
                             (unsigned long long)hr.mant, sw & 0x3F, c1, sr.se, (unsigned long long)sr.mant,
                             s.flags, s.c1_round_up);
            }
        }
    }
    cr_log_info("x87 %s: %ld cases, %ld mismatches", fpu_op_names[op], n, bad);
    cr_expect_eq(bad, 0, "x87 %s: %ld of %ld cases differ from the host", fpu_op_names[op], bad, n);
}

Test(fpu_float, x87_add) { fpu_check_x87_arith(OP_ADD); }
Test(fpu_float, x87_sub) { fpu_check_x87_arith(OP_SUB); }
Test(fpu_float, x87_mul) { fpu_check_x87_arith(OP_MUL); }
Test(fpu_float, x87_div) { fpu_check_x87_arith(OP_DIV); }
Test(fpu_float, x87_sqrt) { fpu_check_x87_arith(OP_SQRT); }

/* ---- x87 compare and conversions ------------------------------------------ */

static uint16_t host_x87_compare(Float80 a, Float80 b, bool quiet)
{
    uint16_t sw = 0, cw = fpu_cw(0, 3);
    if (quiet) {
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\tfucom %%st(1)\n\t"
                         "fnstsw %[sw]\n\tfstp %%st(0)\n\tfstp %%st(0)"
                         : [sw] "=m"(sw) : [a] "m"(a), [b] "m"(b), [cw] "m"(cw));
    } else {
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\tfcom %%st(1)\n\t"
                         "fnstsw %[sw]\n\tfstp %%st(0)\n\tfstp %%st(0)"
                         : [sw] "=m"(sw) : [a] "m"(a), [b] "m"(b), [cw] "m"(cw));
    }
    return sw;
}

static int fpu_cc_to_order(uint16_t sw)
{
    unsigned cc = ((sw >> 14) & 1) << 2 | ((sw >> 10) & 1) << 1 | ((sw >> 8) & 1);
    switch (cc) {
    case 0:
        return 1;
    case 1:
        return -1;
    case 4:
        return 0;
    default:
        return 2;
    }
}

Test(fpu_float, x87_compare)
{
    Rng rng = { FPU_SEED + 100 };
    long n = fpu_case_count(), bad = 0;
    for (long i = 0; i < n; i++) {
        Float80 a = fpu_gen_f80(&rng, NULL);
        Float80 b = rng_below(&rng, 8) ? fpu_gen_f80(&rng, &a) : a;
        bool quiet = rng_below(&rng, 2);
        uint16_t sw = host_x87_compare(a, b, quiet);
        FloatStatus s = fpu_x87_status(0, 3);
        int c = f80_compare(a, b, quiet, &s);
        if (c != fpu_cc_to_order(sw) || (sw & 0x3F) != s.flags) {
            if (bad++ < FPU_MAX_REPORT) {
                cr_log_error("%s a=%04x:%016llx b=%04x:%016llx host=%d fl=%02x soft=%d fl=%02x",
                             quiet ? "fucom" : "fcom", a.se, (unsigned long long)a.mant, b.se,
                             (unsigned long long)b.mant, fpu_cc_to_order(sw), sw & 0x3F, c, s.flags);
            }
        }
    }
    cr_log_info("x87 compare: %ld cases, %ld mismatches", n, bad);
    cr_expect_eq(bad, 0, "x87 compare: %ld of %ld cases differ", bad, n);
}

/* FIST/FISTTP to 16/32/64 bits. */
static uint16_t host_x87_fist(Float80 a, unsigned bits, bool truncate, uint16_t cw, int64_t *res)
{
    uint16_t sw = 0;
    int16_t r16 = 0;
    int32_t r32 = 0;
    int64_t r64 = 0;
    if (bits == 16 && !truncate) {
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[a]\n\tfistps %[r]\n\tfnstsw %[sw]"
                         : [sw] "=m"(sw), [r] "=m"(r16) : [a] "m"(a), [cw] "m"(cw));
    } else if (bits == 16) {
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[a]\n\tfisttps %[r]\n\tfnstsw %[sw]"
                         : [sw] "=m"(sw), [r] "=m"(r16) : [a] "m"(a), [cw] "m"(cw));
    } else if (bits == 32 && !truncate) {
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[a]\n\tfistpl %[r]\n\tfnstsw %[sw]"
                         : [sw] "=m"(sw), [r] "=m"(r32) : [a] "m"(a), [cw] "m"(cw));
    } else if (bits == 32) {
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[a]\n\tfisttpl %[r]\n\tfnstsw %[sw]"
                         : [sw] "=m"(sw), [r] "=m"(r32) : [a] "m"(a), [cw] "m"(cw));
    } else if (!truncate) {
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[a]\n\tfistpll %[r]\n\tfnstsw %[sw]"
                         : [sw] "=m"(sw), [r] "=m"(r64) : [a] "m"(a), [cw] "m"(cw));
    } else {
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[a]\n\tfisttpll %[r]\n\tfnstsw %[sw]"
                         : [sw] "=m"(sw), [r] "=m"(r64) : [a] "m"(a), [cw] "m"(cw));
    }
    *res = bits == 16 ? r16 : bits == 32 ? r32 : r64;
    return sw;
}

/* An f80 operand in integer range more often than fpu_gen_f80 gives. */
static Float80 fpu_gen_f80_intish(Rng *r)
{
    if (rng_below(r, 3)) {
        return fpu_gen_f80(r, NULL);
    }
    uint16_t sign = (uint16_t)(rng_below(r, 2) << 15);
    return fpu_f80((uint16_t)(sign | (0x3FFF - 2 + rng_below(r, 68))), fpu_gen_sig(r) | (1ull << 63));
}

Test(fpu_float, x87_to_int)
{
    Rng rng = { FPU_SEED + 101 };
    long n = fpu_case_count(), bad = 0;
    static const unsigned widths[3] = { 16, 32, 64 };
    for (long i = 0; i < n; i++) {
        Float80 a = fpu_gen_f80_intish(&rng);
        unsigned bits = widths[rng_below(&rng, 3)], rc = rng_below(&rng, 4);
        bool truncate = rng_below(&rng, 4) == 0;
        int64_t hr;
        uint16_t sw = host_x87_fist(a, bits, truncate, fpu_cw(rc, 3), &hr);
        FloatStatus s = fpu_x87_status(rc, 3);
        int64_t sr = f80_to_int64(a, bits, truncate, &s);
        bool c1 = (sw >> 9) & 1;
        if (hr != sr || (sw & 0x3F) != s.flags || c1 != s.c1_round_up) {
            if (bad++ < FPU_MAX_REPORT) {
                cr_log_error("fist%s%u rc=%u a=%04x:%016llx host=%llx fl=%02x c1=%d soft=%llx fl=%02x c1=%d",
                             truncate ? "t" : "", bits, rc, a.se, (unsigned long long)a.mant,
                             (unsigned long long)hr, sw & 0x3F, c1, (unsigned long long)sr, s.flags,
                             s.c1_round_up);
            }
        }
    }
    cr_log_info("x87 fist: %ld cases, %ld mismatches", n, bad);
    cr_expect_eq(bad, 0, "x87 fist: %ld of %ld cases differ", bad, n);
}

/* FSTP m32/m64 (narrowing) and FLD m32/m64 (widening). */
static uint16_t host_x87_store(Float80 a, bool dbl, uint16_t cw, uint64_t *res)
{
    uint16_t sw = 0;
    uint32_t r32 = 0;
    uint64_t r64 = 0;
    if (dbl) {
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[a]\n\tfstpl %[r]\n\tfnstsw %[sw]"
                         : [sw] "=m"(sw), [r] "=m"(r64) : [a] "m"(a), [cw] "m"(cw));
    } else {
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[a]\n\tfstps %[r]\n\tfnstsw %[sw]"
                         : [sw] "=m"(sw), [r] "=m"(r32) : [a] "m"(a), [cw] "m"(cw));
    }
    *res = dbl ? r64 : r32;
    return sw;
}

static uint16_t host_x87_load(uint64_t v, bool dbl, Float80 *res)
{
    uint16_t sw = 0, cw = fpu_cw(0, 3);
    uint32_t v32 = (uint32_t)v;
    Float80 r = { 0, 0 };
    if (dbl) {
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldl %[a]\n\tfnstsw %[sw]\n\tfstpt %[r]"
                         : [sw] "=m"(sw), [r] "=m"(r) : [a] "m"(v), [cw] "m"(cw));
    } else {
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tflds %[a]\n\tfnstsw %[sw]\n\tfstpt %[r]"
                         : [sw] "=m"(sw), [r] "=m"(r) : [a] "m"(v32), [cw] "m"(cw));
    }
    *res = r;
    return sw;
}

/* An f80 near the f32/f64 exponent ranges more often than fpu_gen_f80. */
static Float80 fpu_gen_f80_narrowish(Rng *r, bool dbl)
{
    if (rng_below(r, 3) == 0) {
        return fpu_gen_f80(r, NULL);
    }
    int lim = dbl ? 1023 : 127;
    int e = (int)rng_below(r, (unsigned)(2 * lim + 140)) - lim - 70;
    if (rng_below(r, 2)) {
        e = (rng_below(r, 2) ? lim : -lim) + (int)rng_below(r, 80) - 40;
    }
    uint16_t sign = (uint16_t)(rng_below(r, 2) << 15);
    if (rng_below(r, 8) == 0) {
        /* just below the smallest normal: tininess after rounding matters */
        return fpu_f80((uint16_t)(sign | (0x3FFF - lim)), ~0ull << rng_below(r, 45));
    }
    return fpu_f80((uint16_t)(sign | (0x3FFF + e)), fpu_gen_sig(r) | (1ull << 63));
}

Test(fpu_float, x87_store_load)
{
    Rng rng = { FPU_SEED + 102 };
    long n = fpu_case_count(), bad = 0;
    for (long i = 0; i < n; i++) {
        bool dbl = rng_below(&rng, 2);
        Float80 a = fpu_gen_f80_narrowish(&rng, dbl);
        unsigned rc = rng_below(&rng, 4), pc = fpu_pcs[rng_below(&rng, 3)];
        uint64_t hr;
        uint16_t sw = host_x87_store(a, dbl, fpu_cw(rc, pc), &hr);
        FloatStatus s = fpu_x87_status(rc, pc);
        uint64_t sr = dbl ? f80_to_f64(a, &s) : f80_to_f32(a, &s);
        bool c1 = (sw >> 9) & 1;
        if (hr != sr || (sw & 0x3F) != s.flags || c1 != s.c1_round_up) {
            if (bad++ < FPU_MAX_REPORT) {
                cr_log_error("fst%s rc=%u a=%04x:%016llx host=%llx fl=%02x c1=%d soft=%llx fl=%02x c1=%d",
                             dbl ? "l" : "s", rc, a.se, (unsigned long long)a.mant, (unsigned long long)hr,
                             sw & 0x3F, c1, (unsigned long long)sr, s.flags, s.c1_round_up);
            }
        }
        /* the widening direction on a raw bit pattern */
        uint64_t v = dbl ? fpu_gen_sse_bits(&rng, true) : fpu_gen_sse_bits(&rng, false);
        Float80 hl;
        sw = host_x87_load(v, dbl, &hl);
        s = fpu_x87_status(0, 3);
        Float80 sl = dbl ? f80_from_f64(v, &s) : f80_from_f32((uint32_t)v, &s);
        if (hl.se != sl.se || hl.mant != sl.mant || (sw & 0x3F) != s.flags) {
            if (bad++ < FPU_MAX_REPORT) {
                cr_log_error("fld%s v=%llx host=%04x:%016llx fl=%02x soft=%04x:%016llx fl=%02x", dbl ? "l" : "s",
                             (unsigned long long)v, hl.se, (unsigned long long)hl.mant, sw & 0x3F, sl.se,
                             (unsigned long long)sl.mant, s.flags);
            }
        }
        /* FILD is exact */
        int64_t iv = (int64_t)rng_next(&rng) >> rng_below(&rng, 64);
        Float80 hi;
        __asm__ volatile("fildll %[v]\n\tfstpt %[r]" : [r] "=m"(hi) : [v] "m"(iv));
        s = fpu_x87_status(0, 3);
        Float80 si = f80_from_int64(iv, &s);
        if (hi.se != si.se || hi.mant != si.mant || s.flags) {
            if (bad++ < FPU_MAX_REPORT) {
                cr_log_error("fild %lld", (long long)iv);
            }
        }
    }
    cr_log_info("x87 fst/fld/fild: %ld cases x 3, %ld mismatches", n, bad);
    cr_expect_eq(bad, 0, "x87 fst/fld/fild: %ld of %ld cases differ", bad, n);
}

/* ---- SSE ------------------------------------------------------------------- */

enum { SSE_OP_ADD, SSE_OP_SUB, SSE_OP_MUL, SSE_OP_DIV, SSE_OP_SQRT, SSE_OP_MIN, SSE_OP_MAX, SSE_OP_COMI,
       SSE_OP_UCOMI, SSE_OP_CVT, SSE_OP_CVTI, SSE_OP_CVT2I, SSE_OP_CVTT2I, SSE_OP_COUNT };
static const char *const sse_op_names[] = { "add", "sub", "mul", "div", "sqrt", "min", "max", "comi",
                                            "ucomi", "cvt", "cvtsi2", "cvt2si", "cvtt2si" };

#define SSE_BIN(insn)                                                                          \
    __asm__ volatile("ldmxcsr %[mx]\n\tmovq %[a], %%xmm0\n\tmovq %[b], %%xmm1\n\t" insn        \
                     " %%xmm1, %%xmm0\n\tmovq %%xmm0, %[r]\n\tstmxcsr %[mo]"                   \
                     : [r] "=r"(r), [mo] "=m"(mo) : [a] "r"(a), [b] "r"(b), [mx] "m"(mx) : "xmm0", "xmm1")
#define SSE_CMP(insn)                                                                          \
    __asm__ volatile("ldmxcsr %[mx]\n\tmovq %[a], %%xmm0\n\tmovq %[b], %%xmm1\n\t" insn        \
                     " %%xmm1, %%xmm0\n\tsetz %b[z]\n\tsetp %b[p]\n\tsetc %b[c]\n\tstmxcsr %[mo]" \
                     : [z] "=q"(z), [p] "=q"(p), [c] "=q"(c), [mo] "=m"(mo)                      \
                     : [a] "r"(a), [b] "r"(b), [mx] "m"(mx) : "xmm0", "xmm1", "cc")
#define SSE_UN(insn)                                                                           \
    __asm__ volatile("ldmxcsr %[mx]\n\tmovq %[a], %%xmm0\n\t" insn "\n\tstmxcsr %[mo]"        \
                     : [r] "=r"(r), [mo] "=m"(mo) : [a] "r"(a), [mx] "m"(mx) : "xmm0")

/* Runs one SSE op on the host; returns MXCSR flags, *res the result (or
 * the comparison as -1/0/1/2). */
static unsigned host_sse(int op, bool dbl, uint64_t a, uint64_t b, uint32_t mx, uint64_t *res)
{
    uint64_t r = 0;
    uint32_t mo = 0;
    uint8_t z = 0, p = 0, c = 0;
    static const uint32_t mx_default = 0x1F80;
    switch (op * 2 + dbl) {
    case SSE_OP_ADD * 2: SSE_BIN("addss"); break;
    case SSE_OP_ADD * 2 + 1: SSE_BIN("addsd"); break;
    case SSE_OP_SUB * 2: SSE_BIN("subss"); break;
    case SSE_OP_SUB * 2 + 1: SSE_BIN("subsd"); break;
    case SSE_OP_MUL * 2: SSE_BIN("mulss"); break;
    case SSE_OP_MUL * 2 + 1: SSE_BIN("mulsd"); break;
    case SSE_OP_DIV * 2: SSE_BIN("divss"); break;
    case SSE_OP_DIV * 2 + 1: SSE_BIN("divsd"); break;
    case SSE_OP_MIN * 2: SSE_BIN("minss"); break;
    case SSE_OP_MIN * 2 + 1: SSE_BIN("minsd"); break;
    case SSE_OP_MAX * 2: SSE_BIN("maxss"); break;
    case SSE_OP_MAX * 2 + 1: SSE_BIN("maxsd"); break;
    case SSE_OP_SQRT * 2: SSE_UN("sqrtss %%xmm0, %%xmm0\n\tmovq %%xmm0, %[r]"); break;
    case SSE_OP_SQRT * 2 + 1: SSE_UN("sqrtsd %%xmm0, %%xmm0\n\tmovq %%xmm0, %[r]"); break;
    case SSE_OP_CVT * 2: SSE_UN("cvtss2sd %%xmm0, %%xmm0\n\tmovq %%xmm0, %[r]"); break;
    case SSE_OP_CVT * 2 + 1: SSE_UN("cvtsd2ss %%xmm0, %%xmm0\n\tmovq %%xmm0, %[r]"); break;
    case SSE_OP_CVTI * 2:
        __asm__ volatile("ldmxcsr %[mx]\n\tcvtsi2ssl %k[a], %%xmm0\n\tmovq %%xmm0, %[r]\n\tstmxcsr %[mo]"
                         : [r] "=r"(r), [mo] "=m"(mo) : [a] "r"(a), [mx] "m"(mx) : "xmm0");
        break;
    case SSE_OP_CVTI * 2 + 1:
        __asm__ volatile("ldmxcsr %[mx]\n\tcvtsi2sdl %k[a], %%xmm0\n\tmovq %%xmm0, %[r]\n\tstmxcsr %[mo]"
                         : [r] "=r"(r), [mo] "=m"(mo) : [a] "r"(a), [mx] "m"(mx) : "xmm0");
        break;
    case SSE_OP_CVT2I * 2: SSE_UN("cvtss2si %%xmm0, %k[r]"); break;
    case SSE_OP_CVT2I * 2 + 1: SSE_UN("cvtsd2si %%xmm0, %k[r]"); break;
    case SSE_OP_CVTT2I * 2: SSE_UN("cvttss2si %%xmm0, %k[r]"); break;
    case SSE_OP_CVTT2I * 2 + 1: SSE_UN("cvttsd2si %%xmm0, %k[r]"); break;
    case SSE_OP_COMI * 2: SSE_CMP("comiss"); break;
    case SSE_OP_COMI * 2 + 1: SSE_CMP("comisd"); break;
    case SSE_OP_UCOMI * 2: SSE_CMP("ucomiss"); break;
    default: SSE_CMP("ucomisd"); break;
    }
    __asm__ volatile("ldmxcsr %0" : : "m"(mx_default));
    if (op == SSE_OP_COMI || op == SSE_OP_UCOMI) {
        r = p ? 2 : z ? 0 : c ? (uint64_t)-1 : 1;
    } else if (op == SSE_OP_CVT2I || op == SSE_OP_CVTT2I) {
        r = (uint32_t)r;
    } else if (!dbl && op != SSE_OP_CVT) {
        r = (uint32_t)r;
    } else if (dbl && op == SSE_OP_CVT) {
        r = (uint32_t)r;
    }
    *res = r;
    return mo & 0x3F;
}

static uint64_t soft_sse(int op, bool dbl, uint64_t a, uint64_t b, FloatStatus *s)
{
    uint32_t a32 = (uint32_t)a, b32 = (uint32_t)b;
    switch (op) {
    case SSE_OP_ADD: return dbl ? f64_add(a, b, s) : f32_add(a32, b32, s);
    case SSE_OP_SUB: return dbl ? f64_sub(a, b, s) : f32_sub(a32, b32, s);
    case SSE_OP_MUL: return dbl ? f64_mul(a, b, s) : f32_mul(a32, b32, s);
    case SSE_OP_DIV: return dbl ? f64_div(a, b, s) : f32_div(a32, b32, s);
    case SSE_OP_SQRT: return dbl ? f64_sqrt(a, s) : f32_sqrt(a32, s);
    case SSE_OP_MIN: return dbl ? f64_min(a, b, s) : f32_min(a32, b32, s);
    case SSE_OP_MAX: return dbl ? f64_max(a, b, s) : f32_max(a32, b32, s);
    case SSE_OP_COMI: return (uint64_t)(int64_t)(dbl ? f64_compare(a, b, false, s) : f32_compare(a32, b32, false, s));
    case SSE_OP_UCOMI: return (uint64_t)(int64_t)(dbl ? f64_compare(a, b, true, s) : f32_compare(a32, b32, true, s));
    case SSE_OP_CVT: return dbl ? f64_to_f32(a, s) : f32_to_f64(a32, s);
    case SSE_OP_CVTI: return dbl ? f64_from_int32((int32_t)a32, s) : f32_from_int32((int32_t)a32, s);
    case SSE_OP_CVT2I: return (uint32_t)(dbl ? f64_to_int32(a, false, s) : f32_to_int32(a32, false, s));
    default: return (uint32_t)(dbl ? f64_to_int32(a, true, s) : f32_to_int32(a32, true, s));
    }
}

static void fpu_check_sse(int op)
{
    Rng rng = { FPU_SEED + 200 + (uint64_t)op };
    long n = fpu_case_count(), bad = 0;
    for (long i = 0; i < n; i++) {
        bool dbl = rng_below(&rng, 2);
        uint64_t a = fpu_gen_sse_bits(&rng, dbl), b = fpu_gen_sse_related(&rng, dbl, a);
        if (op == SSE_OP_CVTI) {
            a = (uint32_t)((int64_t)(int32_t)rng_next(&rng) >> rng_below(&rng, 32));
        } else if (op == SSE_OP_CVT2I || op == SSE_OP_CVTT2I) {
            a = fpu_gen_sse_intish(&rng, dbl);
        }
        if ((op == SSE_OP_MUL || op == SSE_OP_DIV) && rng_below(&rng, 8) == 0) {
            /* results just below the smallest normal: tininess before vs
             * after rounding differ here */
            uint64_t one = dbl ? 0x3FF0000000000000ull : 0x3F800000ull;
            uint64_t min_normal = dbl ? 1ull << 52 : 1ull << 23;
            uint64_t sign = (uint64_t)rng_below(&rng, 2) << (dbl ? 63 : 31);
            a = sign | (min_normal + rng_below(&rng, 4));
            b = op == SSE_OP_MUL ? one - 1 - rng_below(&rng, 4) : one + 1 + rng_below(&rng, 4);
        }
        unsigned rc = rng_below(&rng, 4);
        bool daz = rng_below(&rng, 2), ftz = rng_below(&rng, 2);
        uint32_t mx = 0x1F80 | (rc << 13) | (daz ? 0x40 : 0) | (ftz ? 0x8000 : 0);
        uint64_t hr;
        unsigned hf = host_sse(op, dbl, a, b, mx, &hr);
        FloatStatus s;
        memset(&s, 0, sizeof s);
        s.rounding = (uint8_t)rc;
        s.daz = daz;
        s.ftz = ftz;
        s.underflow_masked = true;
        uint64_t sr = soft_sse(op, dbl, a, b, &s);
        if (hr != sr || hf != s.flags) {
            if (bad++ < FPU_MAX_REPORT) {
                cr_log_error("%s%s rc=%u daz=%d ftz=%d a=%llx b=%llx host=%llx fl=%02x soft=%llx fl=%02x",
                             sse_op_names[op], dbl ? "sd" : "ss", rc, daz, ftz, (unsigned long long)a,
                             (unsigned long long)b, (unsigned long long)hr, hf, (unsigned long long)sr, s.flags);
            }
        }
    }
    cr_log_info("sse %s: %ld cases, %ld mismatches", sse_op_names[op], n, bad);
    cr_expect_eq(bad, 0, "sse %s: %ld of %ld cases differ from the host", sse_op_names[op], bad, n);
}

/* The same checks with the host fast path (fpu_float_sse.c sse_hard) off:
 * the exact integer path alone must agree with the host too. */
static void fpu_check_sse_soft(int op)
{
    fp_hardfloat = false;
    fpu_check_sse(op);
    fp_hardfloat = true;
}
Test(fpu_float, sse_add_soft) { fpu_check_sse_soft(SSE_OP_ADD); }
Test(fpu_float, sse_sub_soft) { fpu_check_sse_soft(SSE_OP_SUB); }
Test(fpu_float, sse_mul_soft) { fpu_check_sse_soft(SSE_OP_MUL); }
Test(fpu_float, sse_div_soft) { fpu_check_sse_soft(SSE_OP_DIV); }
Test(fpu_float, sse_sqrt_soft) { fpu_check_sse_soft(SSE_OP_SQRT); }
Test(fpu_float, sse_add) { fpu_check_sse(SSE_OP_ADD); }
Test(fpu_float, sse_sub) { fpu_check_sse(SSE_OP_SUB); }
Test(fpu_float, sse_mul) { fpu_check_sse(SSE_OP_MUL); }
Test(fpu_float, sse_div) { fpu_check_sse(SSE_OP_DIV); }
Test(fpu_float, sse_sqrt) { fpu_check_sse(SSE_OP_SQRT); }
Test(fpu_float, sse_min) { fpu_check_sse(SSE_OP_MIN); }
Test(fpu_float, sse_max) { fpu_check_sse(SSE_OP_MAX); }
Test(fpu_float, sse_comi) { fpu_check_sse(SSE_OP_COMI); }
Test(fpu_float, sse_ucomi) { fpu_check_sse(SSE_OP_UCOMI); }
Test(fpu_float, sse_cvt) { fpu_check_sse(SSE_OP_CVT); }
Test(fpu_float, sse_cvt_from_int) { fpu_check_sse(SSE_OP_CVTI); }
Test(fpu_float, sse_cvt_to_int) { fpu_check_sse(SSE_OP_CVT2I); }
Test(fpu_float, sse_cvtt_to_int) { fpu_check_sse(SSE_OP_CVTT2I); }

/* ---- x87 FRNDINT, FSCALE, FXTRACT, FPREM/FPREM1, FXAM, BCD, constants ---- */

enum { MISC_RNDINT, MISC_SCALE, MISC_XTRACT, MISC_PREM, MISC_PREM1, MISC_COUNT };
static const char *const misc_names[] = { "frndint", "fscale", "fxtract", "fprem", "fprem1" };

static uint16_t host_x87_misc(int op, Float80 a, Float80 b, uint16_t cw, Float80 *r1, Float80 *r2)
{
    uint16_t sw = 0;
    Float80 x = { 0, 0 }, y = { 0, 0 };
    switch (op) {
    case MISC_RNDINT:
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[a]\n\tfrndint\n\tfnstsw %[sw]\n\tfstpt %[x]"
                         : [sw] "=m"(sw), [x] "=m"(x) : [a] "m"(a), [cw] "m"(cw));
        break;
    case MISC_SCALE:
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\tfscale\n\tfnstsw %[sw]\n\t"
                         "fstpt %[x]\n\tfstp %%st(0)"
                         : [sw] "=m"(sw), [x] "=m"(x) : [a] "m"(a), [b] "m"(b), [cw] "m"(cw));
        break;
    case MISC_XTRACT:
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[a]\n\tfxtract\n\tfnstsw %[sw]\n\t"
                         "fstpt %[x]\n\tfstpt %[y]"
                         : [sw] "=m"(sw), [x] "=m"(x), [y] "=m"(y) : [a] "m"(a), [cw] "m"(cw));
        break;
    case MISC_PREM:
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\tfprem\n\tfnstsw %[sw]\n\t"
                         "fstpt %[x]\n\tfstp %%st(0)"
                         : [sw] "=m"(sw), [x] "=m"(x) : [a] "m"(a), [b] "m"(b), [cw] "m"(cw));
        break;
    default:
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\tfprem1\n\tfnstsw %[sw]\n\t"
                         "fstpt %[x]\n\tfstp %%st(0)"
                         : [sw] "=m"(sw), [x] "=m"(x) : [a] "m"(a), [b] "m"(b), [cw] "m"(cw));
        break;
    }
    *r1 = x;
    *r2 = y;
    return sw;
}

static void fpu_check_x87_misc(int op)
{
    Rng rng = { FPU_SEED + 300 + (uint64_t)op };
    long n = fpu_case_count(), bad = 0;
    for (long i = 0; i < n; i++) {
        Float80 a = op == MISC_RNDINT ? fpu_gen_f80_intish(&rng) : fpu_gen_f80(&rng, NULL);
        Float80 b = fpu_gen_f80(&rng, &a);
        if (op == MISC_SCALE && rng_below(&rng, 2)) {
            b = fpu_f80((uint16_t)((rng_below(&rng, 2) << 15) | (0x3FFF - 1 + rng_below(&rng, 18))),
                        fpu_gen_sig(&rng) | (1ull << 63));
        }
        unsigned rc = rng_below(&rng, 4), pc = fpu_pcs[rng_below(&rng, 3)];
        Float80 h1, h2, s2 = { 0, 0 }, s1;
        uint16_t sw = host_x87_misc(op, a, b, fpu_cw(rc, pc), &h1, &h2);
        FloatStatus s = fpu_x87_status(rc, pc);
        uint16_t cc = 0, hcc = 0;
        switch (op) {
        case MISC_RNDINT:
            s1 = f80_round_to_int(a, &s);
            cc = (uint16_t)(s.c1_round_up << 9);
            hcc = sw & 0x200;
            break;
        case MISC_SCALE:
            s1 = f80_scale(a, b, &s);
            cc = (uint16_t)(s.c1_round_up << 9);
            hcc = sw & 0x200;
            break;
        case MISC_XTRACT:
            s1 = f80_extract(a, &s2, &s);
            break;
        default: {
            unsigned q;
            bool complete;
            s1 = f80_rem(a, b, op == MISC_PREM1, &q, &complete, &s);
            hcc = sw & 0x4700;
            cc = (uint16_t)(((q >> 2) & 1) << 8 | (q & 1) << 9 | ((q >> 1) & 1) << 14 | (!complete) << 10);
            if ((s1.se & 0x7FFF) == 0x7FFF && (s1.mant << 1)) {
                /* NaN result: the host leaves C3/C1/C0 unchanged */
                cc &= 0x0400;
                hcc &= 0x0400;
            }
            break;
        }
        }
        if (h1.se != s1.se || h1.mant != s1.mant || h2.se != s2.se || h2.mant != s2.mant ||
            (sw & 0x3F) != s.flags || cc != hcc) {
            if (bad++ < FPU_MAX_REPORT) {
                cr_log_error("%s rc=%u pc=%u a=%04x:%016llx b=%04x:%016llx host=%04x:%016llx %04x:%016llx "
                             "fl=%02x cc=%04x soft=%04x:%016llx %04x:%016llx fl=%02x cc=%04x", misc_names[op], rc,
                             pc, a.se, (unsigned long long)a.mant, b.se, (unsigned long long)b.mant, h1.se,
                             (unsigned long long)h1.mant, h2.se, (unsigned long long)h2.mant, sw & 0x3F, hcc,
                             s1.se, (unsigned long long)s1.mant, s2.se, (unsigned long long)s2.mant, s.flags, cc);
            }
        }
    }
    cr_log_info("x87 %s: %ld cases, %ld mismatches", misc_names[op], n, bad);
    cr_expect_eq(bad, 0, "x87 %s: %ld of %ld cases differ from the host", misc_names[op], bad, n);
}

Test(fpu_float, x87_frndint) { fpu_check_x87_misc(MISC_RNDINT); }
Test(fpu_float, x87_fscale) { fpu_check_x87_misc(MISC_SCALE); }
Test(fpu_float, x87_fxtract) { fpu_check_x87_misc(MISC_XTRACT); }
Test(fpu_float, x87_fprem) { fpu_check_x87_misc(MISC_PREM); }
Test(fpu_float, x87_fprem1) { fpu_check_x87_misc(MISC_PREM1); }

Test(fpu_float, x87_fxam_bcd)
{
    Rng rng = { FPU_SEED + 400 };
    long n = fpu_case_count(), bad = 0;
    for (long i = 0; i < n; i++) {
        Float80 a = rng_below(&rng, 2) ? fpu_gen_f80_intish(&rng) : fpu_gen_f80(&rng, NULL);
        if (rng_below(&rng, 4) == 0) {   /* near the 18-digit limit */
            a = fpu_f80((uint16_t)((rng_below(&rng, 2) << 15) | (0x3FFF + 59)), 0xDE0B6B3A763FFFFFull -
                        (rng_next(&rng) >> rng_below(&rng, 64) >> 24) + rng_below(&rng, 0x4000));
        }
        uint16_t sw = 0;
        __asm__ volatile("fnclex\n\tfldt %[a]\n\tfxam\n\tfnstsw %[sw]\n\tfstp %%st(0)" : [sw] "=m"(sw) : [a] "m"(a));
        unsigned hcls = ((sw >> 14) & 1) << 2 | ((sw >> 10) & 1) << 1 | ((sw >> 8) & 1);
        if (hcls != f80_classify(a) || ((sw >> 9) & 1) != (unsigned)(a.se >> 15)) {
            if (bad++ < FPU_MAX_REPORT) {
                cr_log_error("fxam a=%04x:%016llx host=%u soft=%u", a.se, (unsigned long long)a.mant, hcls,
                             f80_classify(a));
            }
        }
        unsigned rc = rng_below(&rng, 4);
        uint16_t cw = fpu_cw(rc, 3);
        uint8_t hb[10], sb[10];
        __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[a]\n\tfbstp %[r]\n\tfnstsw %[sw]"
                         : [sw] "=m"(sw), [r] "=m"(hb) : [a] "m"(a), [cw] "m"(cw));
        FloatStatus s = fpu_x87_status(rc, 3);
        f80_to_bcd(a, sb, &s);
        if (memcmp(hb, sb, 10) != 0 || (sw & 0x3F) != s.flags || ((sw >> 9) & 1) != s.c1_round_up) {
            if (bad++ < FPU_MAX_REPORT) {
                cr_log_error("fbstp rc=%u a=%04x:%016llx host=%02x%02x..%02x%02x fl=%02x c1=%d soft=%02x%02x..%02x%02x "
                             "fl=%02x c1=%d", rc, a.se, (unsigned long long)a.mant, hb[9], hb[8], hb[1], hb[0],
                             sw & 0x3F, (sw >> 9) & 1, sb[9], sb[8], sb[1], sb[0], s.flags, s.c1_round_up);
            }
        }
        /* FBLD of valid digits (and the host's round trip) */
        uint64_t v = rng_next(&rng) % 1000000000000000000ull >> rng_below(&rng, 60);
        for (int k = 0; k < 9; k++) {
            hb[k] = (uint8_t)((v / 10 % 10) << 4 | v % 10);
            v /= 100;
        }
        hb[9] = (uint8_t)(rng_below(&rng, 2) << 7);
        Float80 hl;
        __asm__ volatile("fnclex\n\tfbld %[b]\n\tfnstsw %[sw]\n\tfstpt %[r]" : [sw] "=m"(sw), [r] "=m"(hl) : [b] "m"(hb));
        s = fpu_x87_status(0, 3);
        Float80 sl = f80_from_bcd(hb, &s);
        if (hl.se != sl.se || hl.mant != sl.mant || (sw & 0x3F) != s.flags) {
            if (bad++ < FPU_MAX_REPORT) {
                cr_log_error("fbld %02x%02x.. host=%04x:%016llx soft=%04x:%016llx", hb[9], hb[8], hl.se,
                             (unsigned long long)hl.mant, sl.se, (unsigned long long)sl.mant);
            }
        }
    }
    cr_log_info("x87 fxam/fbstp/fbld: %ld cases x 3, %ld mismatches", n, bad);
    cr_expect_eq(bad, 0, "x87 fxam/fbstp/fbld: %ld mismatches", bad);
}

Test(fpu_float, x87_constants)
{
    long bad = 0;
    for (unsigned rc = 0; rc < 4; rc++) {
        for (unsigned p = 0; p < 3; p++) {
            uint16_t cw = fpu_cw(rc, fpu_pcs[p]), sw[7];
            Float80 h[7];
            __asm__ volatile("fnclex\n\tfldcw %[cw]\n\t"
                             "fld1\n\tfnstsw %[s0]\n\tfstpt %[h0]\n\tfldl2t\n\tfnstsw %[s1]\n\tfstpt %[h1]\n\t"
                             "fldl2e\n\tfnstsw %[s2]\n\tfstpt %[h2]\n\tfldpi\n\tfnstsw %[s3]\n\tfstpt %[h3]\n\t"
                             "fldlg2\n\tfnstsw %[s4]\n\tfstpt %[h4]\n\tfldln2\n\tfnstsw %[s5]\n\tfstpt %[h5]\n\t"
                             "fldz\n\tfnstsw %[s6]\n\tfstpt %[h6]"
                             : [h0] "=m"(h[0]), [h1] "=m"(h[1]), [h2] "=m"(h[2]), [h3] "=m"(h[3]), [h4] "=m"(h[4]),
                               [h5] "=m"(h[5]), [h6] "=m"(h[6]), [s0] "=m"(sw[0]), [s1] "=m"(sw[1]),
                               [s2] "=m"(sw[2]), [s3] "=m"(sw[3]), [s4] "=m"(sw[4]), [s5] "=m"(sw[5]),
                               [s6] "=m"(sw[6])
                             : [cw] "m"(cw));
            for (unsigned k = 0; k < 7; k++) {
                FloatStatus s = fpu_x87_status(rc, fpu_pcs[p]);
                Float80 c = f80_const(k, &s);
                if (c.se != h[k].se || c.mant != h[k].mant || (sw[k] & 0x23F) != s.flags) {
                    bad++;
                    cr_log_error("const %u rc=%u host=%04x:%016llx sw=%04x soft=%04x:%016llx", k, rc, h[k].se,
                                 (unsigned long long)h[k].mant, sw[k], c.se, (unsigned long long)c.mant);
                }
            }
        }
    }
    static const uint16_t cw_default = 0x37F;
    __asm__ volatile("fnclex\n\tfldcw %0" : : "m"(cw_default));
    cr_expect_eq(bad, 0);
}

/* RCPSS/RSQRTSS: Intel's tables are not public; ours must be within the
 * documented 1.5 * 2^-12 of the exact value, agree with the host on every
 * special input, and lie within twice the bound of the host's result. */
static uint32_t host_rcp(uint32_t a, bool rsqrt)
{
    uint32_t r;
    if (rsqrt) {
        __asm__("movd %[a], %%xmm0\n\trsqrtss %%xmm0, %%xmm0\n\tmovd %%xmm0, %[r]" : [r] "=r"(r) : [a] "r"(a) : "xmm0");
    } else {
        __asm__("movd %[a], %%xmm0\n\trcpss %%xmm0, %%xmm0\n\tmovd %%xmm0, %[r]" : [r] "=r"(r) : [a] "r"(a) : "xmm0");
    }
    return r;
}

Test(fpu_float, sse_rcp_rsqrt)
{
    Rng rng = { FPU_SEED + 500 };
    long n = fpu_case_count(), bad = 0, same = 0, finite = 0;
    for (long i = 0; i < n; i++) {
        bool rsqrt = rng_below(&rng, 2);
        uint32_t a = (uint32_t)fpu_gen_sse_bits(&rng, false);
        uint32_t h = host_rcp(a, rsqrt), m = rsqrt ? f32_rsqrt_approx(a) : f32_rcp_approx(a);
        bool h_special = (h & 0x7F800000) == 0x7F800000 || (h & 0x7FFFFFFF) == 0;
        bool ok;
        if (h_special || (m & 0x7F800000) == 0x7F800000 || (m & 0x7FFFFFFF) == 0) {
            ok = h == m;
        } else {
            finite++;
            /* both within 1.5 * 2^-12 of exact: within ~3 * 2^-12 of each
             * other, i.e. 3 * 2^11 units of the last place (+ binade edge) */
            int64_t d = (int64_t)(h & 0x7FFFFFFF) - (int64_t)(m & 0x7FFFFFFF);
            ok = (h >> 31) == (m >> 31) && d < 6200 && d > -6200;
            same += h == m;
        }
        if (!ok && bad++ < FPU_MAX_REPORT) {
            cr_log_error("%s a=%08x host=%08x soft=%08x", rsqrt ? "rsqrtss" : "rcpss", a, h, m);
        }
    }
    cr_log_info("rcpss/rsqrtss: %ld cases, %ld finite, %ld bit-identical to the host, %ld out of bounds", n,
                finite, same, bad);
    cr_expect_eq(bad, 0);
}

#endif

/* Round to nearest, 64-bit precision, underflow masked, no flags. */
static FloatStatus fpu_directed_status(void)
{
    FloatStatus s;
    memset(&s, 0, sizeof s);
    s.precision = FLOAT_PREC_64;
    s.underflow_masked = true;
    return s;
}

/* ---- directed cases the host cannot show (unmasked underflow) or that the
 * SDM leaves open (BCD digits above 9) ------------------------------------- */

Test(fpu_float, underflow_unmasked)
{
    /* An exact denormal result: UE only when underflow is unmasked. */
    Float80 tiny = { 1, 0 }, zero = { 0, 0 };
    FloatStatus s = fpu_directed_status();
    Float80 r = f80_add(tiny, zero, &s);
    cr_expect(r.mant == 1 && r.se == 0 && s.flags == FLOAT_DENORMAL, "masked: flags %02x", s.flags);
    s.underflow_masked = false;
    s.flags = 0;
    r = f80_add(tiny, zero, &s);
    cr_expect(r.mant == 1 && r.se == 0 && s.flags == (FLOAT_DENORMAL | FLOAT_UNDERFLOW), "unmasked: flags %02x", s.flags);
    /* SSE: 2^-126 * 0.5 is an exact denormal; FTZ applies only when UM = 1 */
    memset(&s, 0, sizeof s);
    s.ftz = true;
    Float32 f = f32_mul(0x00800000u, 0x3F000000u, &s);
    cr_expect(f == 0x00400000u && s.flags == FLOAT_UNDERFLOW, "sse unmasked: %08x flags %02x", f, s.flags);
    s.underflow_masked = true;
    s.flags = 0;
    f = f32_mul(0x00800000u, 0x3F000000u, &s);
    cr_expect(f == 0 && s.flags == (FLOAT_UNDERFLOW | FLOAT_INEXACT), "sse ftz: %08x flags %02x", f, s.flags);
}

Test(fpu_float, bcd_invalid_digits)
{
    /* Nibbles above 9 decode at their value: 0xAB = 10 * 10 + 11 = 111. */
    uint8_t bcd[10] = { 0xAB, 0, 0, 0, 0, 0, 0, 0, 0, 0x80 };
    FloatStatus s = fpu_directed_status();
    Float80 r = f80_from_bcd(bcd, &s);
    FloatStatus t = fpu_directed_status();
    Float80 e = f80_from_int64(-111, &t);
    cr_expect(r.se == e.se && r.mant == e.mant && s.flags == 0);
}
