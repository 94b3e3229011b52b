/* SSE/SSE2 scalar arithmetic on single and double precision (ADDSS..SQRTSD,
 * MINSS/MAXSS, COMISS/UCOMISS, RCPSS/RSQRTSS) with MXCSR semantics: DAZ on
 * operands, FTZ on tiny results, the first source's NaN wins, invalid gives
 * the negative QNaN default. References: Intel SDM Vol. 1 §10.2.3 (MXCSR),
 * §11.5.2 (exceptions), §4.8.3.5 and Table 4-7; Vol. 2 MINSS, RCPSS. */
#include <string.h>

#include "cpu/fpu_float_internal.h"

/* One scalar SSE format: its field widths and rounding format. */
typedef struct SseFormat {
    int fbits;
    int ebits;
    const FpFormat *fmt;
} SseFormat;

static const SseFormat sse_f32 = { 23, 8, &fp_format_f32 };
static const SseFormat sse_f64 = { 52, 11, &fp_format_f64 };

static FpUnpacked sse_unpack(uint64_t v, const SseFormat *f, bool daz)
{
    return f->fbits == 23 ? f32_unpack((Float32)v, daz) : f64_unpack(v, daz);
}

static uint64_t sse_pack(FpPacked p, const SseFormat *f)
{
    return f->fbits == 23 ? f32_pack(p) : f64_pack(p);
}

static uint64_t sse_sign_bit(const SseFormat *f)
{
    return UINT64_C(1) << (f->fbits + f->ebits);
}

static uint64_t sse_quiet_bit(const SseFormat *f)
{
    return UINT64_C(1) << (f->fbits - 1);
}

static uint64_t sse_inf(bool sign, const SseFormat *f)
{
    return (sign ? sse_sign_bit(f) : 0) | (((UINT64_C(1) << f->ebits) - 1) << f->fbits);
}

static uint64_t sse_default_nan(const SseFormat *f)
{
    return sse_inf(true, f) | sse_quiet_bit(f);
}

static uint64_t sse_invalid(const SseFormat *f, FloatStatus *s)
{
    s->flags |= FLOAT_INVALID;
    return sse_default_nan(f);
}

/* NaN screening of a two-operand SSE operation (Table 4-7: the first
 * source's NaN wins, quieted). */
static bool sse_check_operands(uint64_t a, uint64_t b, const FpUnpacked *ua, const FpUnpacked *ub,
                               const SseFormat *f, uint64_t *r, FloatStatus *s)
{
    if (fp_is_nan(ua) || fp_is_nan(ub)) {
        if (ua->cls == FP_CLASS_SNAN || ub->cls == FP_CLASS_SNAN) {
            s->flags |= FLOAT_INVALID;
        }
        *r = (fp_is_nan(ua) ? a : b) | sse_quiet_bit(f);
        return true;
    }
    return false;
}

/* DE for denormal operands (never under DAZ: unpacking made them zeros). */
static void sse_check_denormal(const FpUnpacked *ua, const FpUnpacked *ub, FloatStatus *s)
{
    if (ua->denormal || ub->denormal) {
        s->flags |= FLOAT_DENORMAL;
    }
}

static uint64_t sse_round_exact(FpExact e, const SseFormat *f, FloatStatus *s)
{
    if (e.sig == 0) {
        return e.sign ? sse_sign_bit(f) : 0;
    }
    return sse_pack(fp_round_pack(e.sign, e.exp, e.sig, f->fmt, s), f);
}

enum { SSE_ADD, SSE_SUB, SSE_MUL, SSE_DIV, SSE_SQRT };

bool fp_hardfloat = true;

/* Whether a value of the format is zero or normal (no denormal, Inf, NaN). */
static bool sse_zero_or_normal(uint64_t v, const SseFormat *f)
{
    uint64_t e = (v >> f->fbits) & ((UINT64_C(1) << f->ebits) - 1);
    if (e == 0)
        return (v & ((UINT64_C(1) << f->fbits) - 1)) == 0;
    return e != (UINT64_C(1) << f->ebits) - 1;
}

/* Unbiased exponent of a zero-or-normal value (zeros give -bias). */
static int sse_exp(uint64_t v, const SseFormat *f)
{
    int bias = (1 << (f->ebits - 1)) - 1;
    return (int)((v >> f->fbits) & ((UINT64_C(1) << f->ebits) - 1)) - bias;
}

/* Whether p == x * y exactly (an error-free product, Dekker/Veltkamp with
 * 27-bit halves, or the host's fused multiply-add where it is fast). The
 * caller keeps the exponents in a range where no partial product
 * overflows or underflows. */
static bool product_exact(double x, double y, double p)
{
#if defined(__FP_FAST_FMA)
    return __builtin_fma(x, y, -p) == 0;
#else
    const double split = 134217729.0;       /* 2^27 + 1 */
    double cx = split * x, hx = cx - (cx - x), lx = x - hx;
    double cy = split * y, hy = cy - (cy - y), ly = y - hy;
    return ((hx * hy - p) + hx * ly + lx * hy) + lx * ly == 0;
#endif
}

/* The host's IEEE arithmetic for the common case: round to nearest, zero
 * or normal operands in a safe exponent range, and a zero or normal
 * result. IEEE 754 defines that result bit for bit (x86-64 SSE and AArch64
 * implement it); the inexact flag comes from an error-free transformation
 * (the rounding error of a sum, a product checked exactly, a quotient or
 * root multiplied back). Everything else takes the integer path. Returns
 * false when it does not apply. */
static bool sse_hard(int op, uint64_t a, uint64_t b, const SseFormat *f, FloatStatus *s, uint64_t *r)
{
    if (!fp_hardfloat || s->rounding != FLOAT_ROUND_NEAREST || !sse_zero_or_normal(a, f) ||
        (op != SSE_SQRT && !sse_zero_or_normal(b, f)))
        return false;
    bool inexact;
    uint64_t out;
    if (f->fbits == 23) {
        float x, y = 0, res;
        uint32_t a32 = (uint32_t)a, b32 = (uint32_t)b;
        memcpy(&x, &a32, 4);
        memcpy(&y, &b32, 4);
        switch (op) {
        case SSE_ADD:
        case SSE_SUB: {
            float yy = op == SSE_SUB ? -y : y;
            res = x + yy;
            float bb = res - x;
            inexact = (x - (res - bb)) + (yy - bb) != 0;
            break;
        }
        case SSE_MUL: {
            double p = (double)x * (double)y;       /* 48 bits: exact */
            res = (float)p;
            inexact = (double)res != p;
            break;
        }
        case SSE_DIV:
            if (y == 0)
                return false;
            res = x / y;
            inexact = (double)res * (double)y != (double)x;
            break;
        default:
            res = __builtin_sqrtf(x);
            inexact = (double)res * (double)res != (double)x;
            break;
        }
        uint32_t o;
        memcpy(&o, &res, 4);
        out = o;
    } else {
        /* Keep the products of 27-bit halves normal and finite. */
        if (op != SSE_ADD && op != SSE_SUB &&
            (sse_exp(a, f) < -400 || sse_exp(a, f) > 400 || (op != SSE_SQRT && (sse_exp(b, f) < -400 ||
                                                                                sse_exp(b, f) > 400))))
            return false;
        double x, y = 0, res;
        memcpy(&x, &a, 8);
        memcpy(&y, &b, 8);
        switch (op) {
        case SSE_ADD:
        case SSE_SUB: {
            double yy = op == SSE_SUB ? -y : y;
            res = x + yy;
            double bb = res - x;
            inexact = (x - (res - bb)) + (yy - bb) != 0;
            break;
        }
        case SSE_MUL:
            res = x * y;
            inexact = !product_exact(x, y, res);
            break;
        case SSE_DIV:
            if (y == 0)
                return false;
            res = x / y;
            inexact = res * y != x || !product_exact(res, y, x);
            break;
        default:
            res = __builtin_sqrt(x);
            inexact = res * res != x || !product_exact(res, res, x);
            break;
        }
        memcpy(&out, &res, 8);
    }
    /* Overflow, a denormal result, or one in the lowest normal binade
     * (x86 detects tininess before rounding: a result rounded up to the
     * smallest normal still underflowed): the exact path. */
    if (!sse_zero_or_normal(out, f) || ((out << 1) != 0 && ((out >> f->fbits) & ((UINT64_C(1) << f->ebits) - 1)) < 2))
        return false;
    /* A zero result from nonzero operands underflowed (or cancelled
     * exactly, which only sums do): leave products and quotients to the
     * exact path. */
    if ((out << 1) == 0 && op != SSE_ADD && op != SSE_SUB && (a << 1) != 0 && (op == SSE_SQRT || (b << 1) != 0))
        return false;
    if (inexact)
        s->flags |= FLOAT_INEXACT;
    *r = out;
    return true;
}

static uint64_t sse_arith(int op, uint64_t a, uint64_t b, const SseFormat *f, FloatStatus *s)
{
    uint64_t hard;
    if (sse_hard(op, a, b, f, s, &hard))
        return hard;
    FpUnpacked ua = sse_unpack(a, f, s->daz), ub = sse_unpack(b, f, s->daz);
    uint64_t r;
    if (sse_check_operands(a, b, &ua, &ub, f, &r, s)) {
        return r;
    }
    /* finite / 0 signals ZE alone, even for a denormal dividend */
    if (!(op == SSE_DIV && ub.cls == FP_CLASS_ZERO)) {
        sse_check_denormal(&ua, &ub, s);
    }
    bool sign = ua.sign ^ ub.sign;
    switch (op) {
    case SSE_SUB:
        ub.sign = !ub.sign;
        /* fall through */
    case SSE_ADD:
        if (ua.cls == FP_CLASS_INF || ub.cls == FP_CLASS_INF) {
            if (ua.cls == FP_CLASS_INF && ub.cls == FP_CLASS_INF && ua.sign != ub.sign) {
                return sse_invalid(f, s);
            }
            return sse_inf(ua.cls == FP_CLASS_INF ? ua.sign : ub.sign, f);
        }
        return sse_round_exact(fp_add_exact(&ua, &ub, s->rounding), f, s);
    case SSE_MUL:
        if (ua.cls == FP_CLASS_INF || ub.cls == FP_CLASS_INF) {
            if (ua.cls == FP_CLASS_ZERO || ub.cls == FP_CLASS_ZERO) {
                return sse_invalid(f, s);
            }
            return sse_inf(sign, f);
        }
        if (ua.cls == FP_CLASS_ZERO || ub.cls == FP_CLASS_ZERO) {
            return sign ? sse_sign_bit(f) : 0;
        }
        return sse_round_exact(fp_mul_exact(&ua, &ub), f, s);
    default:
        if (ua.cls == FP_CLASS_INF) {
            return ub.cls == FP_CLASS_INF ? sse_invalid(f, s) : sse_inf(sign, f);
        }
        if (ub.cls == FP_CLASS_INF) {
            return sign ? sse_sign_bit(f) : 0;
        }
        if (ub.cls == FP_CLASS_ZERO) {
            if (ua.cls == FP_CLASS_ZERO) {
                return sse_invalid(f, s);
            }
            s->flags |= FLOAT_DIVZERO;
            return sse_inf(sign, f);
        }
        if (ua.cls == FP_CLASS_ZERO) {
            return sign ? sse_sign_bit(f) : 0;
        }
        return sse_round_exact(fp_div_exact(&ua, &ub), f, s);
    }
}

static uint64_t sse_sqrt(uint64_t a, const SseFormat *f, FloatStatus *s)
{
    uint64_t hard;
    if (!(a & sse_sign_bit(f)) && sse_hard(SSE_SQRT, a, 0, f, s, &hard))
        return hard;
    FpUnpacked u = sse_unpack(a, f, s->daz);
    if (fp_is_nan(&u)) {
        if (u.cls == FP_CLASS_SNAN) {
            s->flags |= FLOAT_INVALID;
        }
        return a | sse_quiet_bit(f);
    }
    if (u.cls == FP_CLASS_ZERO) {
        return u.sign ? sse_sign_bit(f) : 0;     /* DAZ: a denormal gives a zero of its sign */
    }
    if (u.sign) {
        return sse_invalid(f, s);
    }
    if (u.denormal) {
        s->flags |= FLOAT_DENORMAL;
    }
    if (u.cls == FP_CLASS_INF) {
        return a;
    }
    return sse_round_exact(fp_sqrt_exact(&u), f, s);
}

/* Ordered comparison of non-NaN unpacked values: -1, 0, 1. */
static int sse_order(const FpUnpacked *ua, const FpUnpacked *ub)
{
    if (ua->cls == FP_CLASS_ZERO && ub->cls == FP_CLASS_ZERO) {
        return 0;
    }
    int mag;
    if (ua->cls == FP_CLASS_ZERO || ub->cls == FP_CLASS_ZERO) {
        mag = ua->cls == FP_CLASS_ZERO ? -1 : 1;
    } else if (ua->cls != ub->cls) {
        mag = ua->cls == FP_CLASS_INF ? 1 : -1;
    } else if (ua->cls == FP_CLASS_INF || (ua->exp == ub->exp && ua->sig == ub->sig)) {
        mag = 0;
    } else {
        mag = (ua->exp != ub->exp ? ua->exp > ub->exp : ua->sig > ub->sig) ? 1 : -1;
    }
    bool sa = ua->cls == FP_CLASS_ZERO ? !ub->sign : ua->sign;
    bool sb = ub->cls == FP_CLASS_ZERO ? !ua->sign : ub->sign;
    if (sa != sb) {
        return sa ? -1 : 1;
    }
    return sa ? -mag : mag;
}

static int sse_compare(uint64_t a, uint64_t b, bool quiet, const SseFormat *f, FloatStatus *s)
{
    FpUnpacked ua = sse_unpack(a, f, s->daz), ub = sse_unpack(b, f, s->daz);
    if (fp_is_nan(&ua) || fp_is_nan(&ub)) {
        if (!quiet || ua.cls == FP_CLASS_SNAN || ub.cls == FP_CLASS_SNAN) {
            s->flags |= FLOAT_INVALID;
        }
        return 2;
    }
    sse_check_denormal(&ua, &ub, s);
    return sse_order(&ua, &ub);
}

/* MINSS/MAXSS: the second operand whenever either is a NaN (IE for QNaN
 * too: these are signalling comparisons) or both are zeros of any sign. */
static uint64_t sse_min_max(uint64_t a, uint64_t b, bool max, const SseFormat *f, FloatStatus *s)
{
    FpUnpacked ua = sse_unpack(a, f, s->daz), ub = sse_unpack(b, f, s->daz);
    /* The operand is returned as read, i.e. after DAZ made a denormal zero. */
    uint64_t bz = ub.cls == FP_CLASS_ZERO ? b & sse_sign_bit(f) : b;
    if (fp_is_nan(&ua) || fp_is_nan(&ub)) {
        s->flags |= FLOAT_INVALID;
        return bz;
    }
    sse_check_denormal(&ua, &ub, s);
    int c = sse_order(&ua, &ub);
    bool take_a = max ? c > 0 : c < 0;
    return take_a ? (ua.cls == FP_CLASS_ZERO ? a & sse_sign_bit(f) : a) : bz;
}

Float32 f32_add(Float32 a, Float32 b, FloatStatus *s) { return (Float32)sse_arith(SSE_ADD, a, b, &sse_f32, s); }
Float32 f32_sub(Float32 a, Float32 b, FloatStatus *s) { return (Float32)sse_arith(SSE_SUB, a, b, &sse_f32, s); }
Float32 f32_mul(Float32 a, Float32 b, FloatStatus *s) { return (Float32)sse_arith(SSE_MUL, a, b, &sse_f32, s); }
Float32 f32_div(Float32 a, Float32 b, FloatStatus *s) { return (Float32)sse_arith(SSE_DIV, a, b, &sse_f32, s); }
Float32 f32_sqrt(Float32 a, FloatStatus *s) { return (Float32)sse_sqrt(a, &sse_f32, s); }
Float32 f32_min(Float32 a, Float32 b, FloatStatus *s) { return (Float32)sse_min_max(a, b, false, &sse_f32, s); }
Float32 f32_max(Float32 a, Float32 b, FloatStatus *s) { return (Float32)sse_min_max(a, b, true, &sse_f32, s); }
int f32_compare(Float32 a, Float32 b, bool quiet, FloatStatus *s) { return sse_compare(a, b, quiet, &sse_f32, s); }
Float64 f64_add(Float64 a, Float64 b, FloatStatus *s) { return sse_arith(SSE_ADD, a, b, &sse_f64, s); }
Float64 f64_sub(Float64 a, Float64 b, FloatStatus *s) { return sse_arith(SSE_SUB, a, b, &sse_f64, s); }
Float64 f64_mul(Float64 a, Float64 b, FloatStatus *s) { return sse_arith(SSE_MUL, a, b, &sse_f64, s); }
Float64 f64_div(Float64 a, Float64 b, FloatStatus *s) { return sse_arith(SSE_DIV, a, b, &sse_f64, s); }
Float64 f64_sqrt(Float64 a, FloatStatus *s) { return sse_sqrt(a, &sse_f64, s); }
Float64 f64_min(Float64 a, Float64 b, FloatStatus *s) { return sse_min_max(a, b, false, &sse_f64, s); }
Float64 f64_max(Float64 a, Float64 b, FloatStatus *s) { return sse_min_max(a, b, true, &sse_f64, s); }
int f64_compare(Float64 a, Float64 b, bool quiet, FloatStatus *s) { return sse_compare(a, b, quiet, &sse_f64, s); }

/* ---- RCPSS / RSQRTSS ----
 * Intel documents only the error bound (|rel err| <= 1.5 * 2^-12) and that
 * denormal inputs act as zeros and tiny results flush to zero; its tables
 * are not public. We return the exact value rounded to nearest at 12
 * significant bits (error <= 2^-13), deterministic on every host. Guests
 * that compare against real hardware bit for bit will see differences. */
static const FpFormat fp_format_approx12 = { 12, 24, -126, 127, 127, false };

static Float32 f32_pack_approx(FpExact e)
{
    FloatStatus t = { FLOAT_ROUND_NEAREST, FLOAT_PREC_64, false, false, true, 0, false };
    /* Results at or below 2^-126 flush to zero: the host's RCPSS of 2^126
     * gives 0 (its estimate of 1.0 is just below 1). */
    if (e.exp < -126 || (e.exp == -126 && e.sig == (FpU128)1 << 127)) {
        return e.sign ? 0x80000000u : 0;
    }
    return f32_pack(fp_round_pack(e.sign, e.exp, e.sig, &fp_format_approx12, &t));
}

Float32 f32_rcp_approx(Float32 a)
{
    FpUnpacked u = f32_unpack(a, true);
    switch (u.cls) {
    case FP_CLASS_QNAN:
    case FP_CLASS_SNAN:
        return a | 0x400000u;
    case FP_CLASS_ZERO:
        return (Float32)sse_inf(u.sign, &sse_f32);
    case FP_CLASS_INF:
        return u.sign ? 0x80000000u : 0;
    default: {
        FpUnpacked one = { FP_CLASS_FINITE, u.sign, false, 0, F80_INT_BIT };
        u.sign = false;
        return f32_pack_approx(fp_div_exact(&one, &u));
    }
    }
}

Float32 f32_rsqrt_approx(Float32 a)
{
    FpUnpacked u = f32_unpack(a, true);
    switch (u.cls) {
    case FP_CLASS_QNAN:
    case FP_CLASS_SNAN:
        return a | 0x400000u;
    case FP_CLASS_ZERO:
        return (Float32)sse_inf(u.sign, &sse_f32);
    case FP_CLASS_INF:
        return u.sign ? (Float32)sse_default_nan(&sse_f32) : 0;
    default: {
        if (u.sign) {
            return (Float32)sse_default_nan(&sse_f32);
        }
        /* 1 / sqrt(x): the root's top 64 bits (sticky folded into bit 0)
         * are far more than the 12 bits kept. */
        FpExact r = fp_sqrt_exact(&u);
        FpUnpacked root = { FP_CLASS_FINITE, false, false, r.exp, (uint64_t)(r.sig >> 64) | 1 };
        FpUnpacked one = { FP_CLASS_FINITE, false, false, 0, F80_INT_BIT };
        return f32_pack_approx(fp_div_exact(&one, &root));
    }
    }
}
