/* Rounding and packing shared by every format (f32, f64, f80 at 24/53/64-bit
 * precision), operand unpacking and the x87 NaN rules. Arithmetic lives in
 * fpu_float80.c and fpu_float_sse.c. References: IEEE 754-2008 §4.3, §7.4-7.6;
 * Intel SDM Vol. 1 §4.9.1.5, §8.1.5 (precision control keeps the 15-bit
 * exponent range), Table 4-7 (NaN rules). Tininess: the host (x87 and SSE
 * alike) judges it after rounding to the destination precision with an
 * unbounded exponent, and FTZ flushes only such tiny results. */
#include "cpu/fpu_float_internal.h"

const FpFormat fp_format_f32 = { 24, 24, -126, 127, 127, true };
const FpFormat fp_format_f64 = { 53, 53, -1022, 1023, 1023, true };
/* x87 precision control narrows the significand only, never the exponent. */
const FpFormat fp_format_f80[4] = {
    { 24, 64, -16382, 16383, 16383, false },
    { 64, 64, -16382, 16383, 16383, false },  /* PC = 01 is reserved: the host rounds to 64 */
    { 53, 64, -16382, 16383, 16383, false },
    { 64, 64, -16382, 16383, 16383, false },
};

int fp_clz128(FpU128 v)
{
    uint64_t hi = (uint64_t)(v >> 64);
    if (hi) {
        return __builtin_clzll(hi);
    }
    uint64_t lo = (uint64_t)v;
    return lo ? 64 + __builtin_clzll(lo) : 128;
}

FpU128 fp_shift_right_sticky(FpU128 v, int32_t n)
{
    if (n <= 0) {
        return v;
    }
    if (n >= 128) {
        return v != 0;
    }
    return (v >> n) | ((v & (((FpU128)1 << n) - 1)) != 0);
}

/* Result of an overflow: infinity or the largest finite value, by mode. */
static FpPacked fp_overflow(bool sign, const FpFormat *fmt, FloatStatus *s)
{
    FpPacked p = { sign, 0, 0 };
    bool to_inf = s->rounding == FLOAT_ROUND_NEAREST || (s->rounding == FLOAT_ROUND_UP && !sign) ||
                  (s->rounding == FLOAT_ROUND_DOWN && sign);
    s->flags |= FLOAT_OVERFLOW | FLOAT_INEXACT;
    if (to_inf) {
        p.bexp = (uint32_t)(2 * fmt->bias + 1);
        p.mant = fmt->full == 64 ? F80_INT_BIT : 0;
        s->c1_round_up = true;
    } else {
        p.bexp = (uint32_t)(fmt->emax + fmt->bias);
        /* prec ones at the top of the stored significand */
        p.mant = (~UINT64_C(0) >> (64 - fmt->prec)) << (fmt->full - fmt->prec);
    }
    return p;
}

/* Would sig (bit 127 set) round up to 2^128 at `prec` bits? That is the
 * after-rounding tininess test of IEEE 754 §7.5 for a value just below the
 * smallest normal. */
static bool fp_rounds_to_binade(bool sign, FpU128 sig, int prec, const FloatStatus *s)
{
    int shift = 128 - prec;
    FpU128 q = sig >> shift, rem = sig & (((FpU128)1 << shift) - 1), half = (FpU128)1 << (shift - 1);
    if ((q + 1) >> prec == 0 || rem == 0) {
        return false;
    }
    switch (s->rounding) {
    case FLOAT_ROUND_NEAREST:
        return rem >= half;
    case FLOAT_ROUND_DOWN:
        return sign;
    case FLOAT_ROUND_UP:
        return !sign;
    default:
        return false;
    }
}

FpPacked fp_round_pack(bool sign, int32_t exp, FpU128 sig, const FpFormat *fmt, FloatStatus *s)
{
    FpPacked p = { sign, 0, 0 };
    if (sig == 0) {
        return p;
    }
    bool tiny = exp < fmt->emin;
    int32_t keep = fmt->prec;
    if (tiny) {
        /* The result is denormalized first and then rounded at the fixed
         * precision-control position of the stored significand, so a
         * denormal keeps fewer than `prec` bits. Tininess is judged after
         * rounding (unbounded exponent): a value that rounds up to the
         * smallest normal is not tiny (host-verified, x87 and SSE). */
        keep = fmt->prec - (fmt->emin - exp);
        if (exp == fmt->emin - 1 && fp_rounds_to_binade(sign, sig, fmt->prec, s)) {
            tiny = false;
        }
        if (tiny && fmt->sse && s->ftz && s->underflow_masked) {
            /* FTZ: a tiny result becomes a signed zero, UE and PE (SDM 10.2.3.3). */
            s->flags |= FLOAT_UNDERFLOW | FLOAT_INEXACT;
            return p;
        }
    }
    int32_t shift = 128 - (keep < 0 ? 0 : keep);
    FpU128 q, rem, half;
    if (keep < 0) {
        q = 0;
        rem = 1;        /* non-zero, below half */
        half = 2;
    } else if (shift == 128) {
        q = 0;
        rem = sig;
        half = (FpU128)1 << 127;
    } else {
        q = sig >> shift;
        rem = sig & (((FpU128)1 << shift) - 1);
        half = (FpU128)1 << (shift - 1);
    }
    int32_t lsb_exp = exp - keep + 1;
    bool inexact = rem != 0;
    bool up = false;
    if (inexact) {
        switch (s->rounding) {
        case FLOAT_ROUND_NEAREST:
            up = rem > half || (rem == half && (q & 1));
            break;
        case FLOAT_ROUND_DOWN:
            up = sign;
            break;
        case FLOAT_ROUND_UP:
            up = !sign;
            break;
        default:
            break;
        }
    }
    if (up) {
        q++;
        s->c1_round_up = true;
    }
    if (tiny && (inexact || !s->underflow_masked)) {
        s->flags |= FLOAT_UNDERFLOW;
    }
    if (inexact) {
        s->flags |= FLOAT_INEXACT;
    }
    if (q == 0) {
        return p;
    }
    if (keep > 0 && (q >> keep)) {
        q >>= 1;            /* carried into the next binade */
        lsb_exp++;
    }
    int msb = 127 - fp_clz128(q);
    int32_t e = lsb_exp + msb;
    if (e > fmt->emax) {
        s->c1_round_up = false;
        return fp_overflow(sign, fmt, s);
    }
    if (e >= fmt->emin) {
        p.bexp = (uint32_t)(e + fmt->bias);
        p.mant = (uint64_t)(q << (fmt->full - 1 - msb));
    } else {
        p.mant = (uint64_t)(q << (lsb_exp - (fmt->emin - fmt->full + 1)));
    }
    return p;
}

/* ---- x87 extended ---- */

FpUnpacked f80_unpack(Float80 a)
{
    FpUnpacked u = { FP_CLASS_FINITE, (a.se >> 15) != 0, false, 0, a.mant };
    uint32_t e = a.se & 0x7FFF;
    if (e == F80_EXP_MAX) {
        if (!(a.mant & F80_INT_BIT)) {
            u.cls = FP_CLASS_UNSUPPORTED;        /* pseudo-infinity / pseudo-NaN */
        } else if (!(a.mant << 1)) {
            u.cls = FP_CLASS_INF;
        } else {
            u.cls = (a.mant & F80_QUIET_BIT) ? FP_CLASS_QNAN : FP_CLASS_SNAN;
        }
    } else if (e == 0) {
        if (a.mant == 0) {
            u.cls = FP_CLASS_ZERO;
        } else {
            /* Denormal or pseudo-denormal: both have the value mant * 2^-16445. */
            int sh = __builtin_clzll(a.mant);
            u.denormal = true;
            u.sig = a.mant << sh;
            u.exp = 1 - F80_BIAS - sh;
        }
    } else if (!(a.mant & F80_INT_BIT)) {
        u.cls = FP_CLASS_UNSUPPORTED;            /* unnormal */
    } else {
        u.exp = (int32_t)e - F80_BIAS;
    }
    return u;
}

Float80 f80_pack(FpPacked p)
{
    Float80 r = { p.mant, (uint16_t)((p.sign ? 0x8000 : 0) | p.bexp) };
    return r;
}

Float80 f80_round_pack(bool sign, int32_t exp, FpU128 sig, FloatStatus *s)
{
    unsigned pc = s->precision & 3;
    return f80_pack(fp_round_pack(sign, exp, sig, &fp_format_f80[pc], s));
}

Float80 f80_round_exact(FpExact e, FloatStatus *s)
{
    if (e.sig == 0) {
        Float80 z = { 0, (uint16_t)(e.sign ? 0x8000 : 0) };
        return z;
    }
    return f80_round_pack(e.sign, e.exp, e.sig, s);
}

Float80 f80_default_nan(void)
{
    Float80 r = { UINT64_C(0xC000000000000000), 0xFFFF };
    return r;
}

Float80 f80_propagate_nan(Float80 a, Float80 b, const FpUnpacked *ua, const FpUnpacked *ub, FloatStatus *s)
{
    bool a_nan = ua->cls == FP_CLASS_QNAN || ua->cls == FP_CLASS_SNAN;
    bool b_nan = ub->cls == FP_CLASS_QNAN || ub->cls == FP_CLASS_SNAN;
    if (ua->cls == FP_CLASS_SNAN || ub->cls == FP_CLASS_SNAN) {
        s->flags |= FLOAT_INVALID;
    }
    Float80 r;
    if (a_nan && b_nan && ua->cls != ub->cls) {
        r = ua->cls == FP_CLASS_QNAN ? a : b;    /* SNaN and QNaN: the QNaN */
    } else if (a_nan && b_nan) {
        /* The larger significand wins; on a tie the positive one. */
        uint64_t ma = a.mant | F80_QUIET_BIT, mb = b.mant | F80_QUIET_BIT;
        if (ma != mb) {
            r = ma > mb ? a : b;
        } else {
            r = (a.se & 0x8000) ? b : a;
        }
    } else {
        r = a_nan ? a : b;
    }
    r.mant |= F80_QUIET_BIT;
    return r;
}

/* ---- SSE single / double ---- */

static FpUnpacked fp_unpack_ieee(uint64_t bits, int ebits, int fbits, bool daz)
{
    uint64_t frac = bits & ((UINT64_C(1) << fbits) - 1);
    uint32_t e = (uint32_t)(bits >> fbits) & ((1u << ebits) - 1);
    int32_t bias = (1 << (ebits - 1)) - 1;
    FpUnpacked u = { FP_CLASS_FINITE, ((bits >> (fbits + ebits)) & 1) != 0, false, 0, 0 };
    if (e == (1u << ebits) - 1) {
        if (frac == 0) {
            u.cls = FP_CLASS_INF;
        } else {
            u.cls = (frac >> (fbits - 1)) & 1 ? FP_CLASS_QNAN : FP_CLASS_SNAN;
        }
    } else if (e == 0) {
        if (frac == 0 || daz) {
            u.cls = FP_CLASS_ZERO;   /* DAZ: a denormal is a zero of its sign, no DE */
        } else {
            int sh = __builtin_clzll(frac);
            u.denormal = true;
            u.sig = frac << sh;
            u.exp = 1 - bias - (sh - (63 - fbits));
        }
    } else {
        u.sig = (frac | (UINT64_C(1) << fbits)) << (63 - fbits);
        u.exp = (int32_t)e - bias;
    }
    return u;
}

FpUnpacked f32_unpack(Float32 a, bool daz)
{
    return fp_unpack_ieee(a, 8, 23, daz);
}

FpUnpacked f64_unpack(Float64 a, bool daz)
{
    return fp_unpack_ieee(a, 11, 52, daz);
}

Float32 f32_pack(FpPacked p)
{
    return (p.sign ? 0x80000000u : 0) | (p.bexp << 23) | (uint32_t)(p.mant & 0x7FFFFF);
}

Float64 f64_pack(FpPacked p)
{
    return (p.sign ? UINT64_C(1) << 63 : 0) | ((uint64_t)p.bexp << 52) | (p.mant & ((UINT64_C(1) << 52) - 1));
}
