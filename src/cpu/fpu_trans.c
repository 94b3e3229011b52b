/* The x87 transcendentals of fpu_float.h (F2XM1, FYL2X, FYL2XP1, FPTAN,
 * FSIN, FCOS, FPATAN) in portable integer C: an internal 128-bit binary
 * float (Xf: unsigned __int128 significand, int32 exponent) carries series
 * evaluations with ~60 guard bits, and one final rounding gives the 64-bit
 * significand in the current rounding mode. Special operands follow the
 * tables of SDM Vol. 2A (instruction pages); the sine/cosine/tangent
 * argument reduction uses the 66-bit pi of SDM Vol. 1 §8.3.10, as the
 * hardware does. Where the SDM is silent (PE on exact results, DE order,
 * F2XM1 and FYL2XP1 outside their ranges) the behaviour measured on a host
 * x87 is followed; see each function. Unmasked underflow (UM = 0, biased
 * result) is not modelled: UE is raised as with UM = 1. The basic
 * arithmetic (fpu_float.c) is not used here. */
#include "cpu/fpu_float.h"

typedef unsigned __int128 u128;

#define F80_QUIET_BIT 0x4000000000000000ull
#define F80_INT_BIT 0x8000000000000000ull
#define F80_BIAS 16383
#define F80_EXP_MAX 0x7fff

/* value = (-1)^neg * m * 2^(e - 127); m has bit 127 set, or m == 0 for 0 */
typedef struct Xf {
    u128 m;
    int32_t e;
    bool neg;
} Xf;

#define U128(hi, lo) (((u128)(hi) << 64) | (u128)(lo))
#define XF_CONST(hi, lo, exp) ((Xf){.m = U128(hi, lo), .e = (exp), .neg = false})

/* Constants rounded to nearest at 128 bits (mpmath, 400-bit precision). */
#define XF_LN2 XF_CONST(0xB17217F7D1CF79ABull, 0xC9E3B39803F2F6AFull, -1)
#define XF_LOG2E XF_CONST(0xB8AA3B295C17F0BBull, 0xBE87FED0691D3E89ull, 0)
#define XF_PI XF_CONST(0xC90FDAA22168C234ull, 0xC4C6628B80DC1CD1ull, 1)
#define XF_PI_2 XF_CONST(0xC90FDAA22168C234ull, 0xC4C6628B80DC1CD1ull, 0)
#define XF_PI_4 XF_CONST(0xC90FDAA22168C234ull, 0xC4C6628B80DC1CD1ull, -1)
#define XF_3PI_4 XF_CONST(0x96CBE3F9990E91A7ull, 0x9394C9E8A0A5159Dull, 1)
#define XF_SQRT2 U128(0xB504F333F9DE6484ull, 0x597D89B3754ABE9Full)   /* sqrt(2) * 2^127 */

/* atan(k/8), k = 1..8 */
static const Xf atan_table[8] = {
    XF_CONST(0xFEADD4D5617B6E32ull, 0xC897989F3E888EF8ull, -4),
    XF_CONST(0xFADBAFC96406EB15ull, 0x6DC79EF5F7A217E6ull, -3),
    XF_CONST(0xB7B0CA0F26F78473ull, 0x8AA32122DCFE4483ull, -2),
    XF_CONST(0xED63382B0DDA7B45ull, 0x6FE445ECBC3A8D03ull, -2),
    XF_CONST(0x8F005D5EF7F59F9Bull, 0x5C835E1665C43748ull, -1),
    XF_CONST(0xA4BC7D1934F70924ull, 0x19A87F2A457DAC9Full, -1),
    XF_CONST(0xB8053E2BC2319E73ull, 0xCB2DA55210A4443Dull, -1),
    XF_CONST(0xC90FDAA22168C234ull, 0xC4C6628B80DC1CD1ull, -1),
};

/* ---- the 128-bit working format ------------------------------------------ */

static int clz128(u128 m)
{
    uint64_t hi = (uint64_t)(m >> 64), lo = (uint64_t)m;
    if (hi)
        return __builtin_clzll(hi);
    return lo ? 64 + __builtin_clzll(lo) : 128;
}

static Xf xf_make(bool neg, int32_t e, u128 m)
{
    if (m == 0)
        return (Xf){.m = 0, .e = 0, .neg = neg};
    int sh = clz128(m);
    return (Xf){.m = m << sh, .e = e - sh, .neg = neg};
}

static Xf xf_from_int(int64_t v)
{
    bool neg = v < 0;
    uint64_t u = neg ? 0 - (uint64_t)v : (uint64_t)v;
    return xf_make(neg, 127, u);
}

static Xf xf_neg(Xf a)
{
    a.neg = !a.neg;
    return a;
}

/* High 128 bits of a 128 x 128-bit product, the low half folded into a
 * sticky bit 0 (inexact intermediates must not look exact when rounded). */
static u128 mul_hi128(u128 a, u128 b)
{
    uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64);
    uint64_t b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
    u128 p00 = (u128)a0 * b0, p01 = (u128)a0 * b1;
    u128 p10 = (u128)a1 * b0, p11 = (u128)a1 * b1;
    u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
    bool sticky = ((uint64_t)p00 | (uint64_t)mid) != 0;
    return (p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64)) | sticky;
}

static Xf xf_mul(Xf a, Xf b)
{
    if (a.m == 0 || b.m == 0)
        return (Xf){.m = 0, .e = 0, .neg = a.neg != b.neg};
    return xf_make(a.neg != b.neg, a.e + b.e + 1, mul_hi128(a.m, b.m));
}

/* a * 2^k */
static Xf xf_ldexp(Xf a, int32_t k)
{
    if (a.m)
        a.e += k;
    return a;
}

static Xf xf_add(Xf a, Xf b)
{
    if (b.m == 0)
        return a;
    if (a.m == 0)
        return b;
    if (b.e > a.e || (b.e == a.e && b.m > a.m)) {
        Xf t = a;
        a = b;
        b = t;
    }
    /* b aligned to a with one bit of headroom and a sticky bit, so that a
     * negligible b still moves the sum the right way for rounding */
    int32_t d = a.e - b.e + 1;
    u128 bs = d >= 128 ? 1 : (b.m >> d) | ((b.m << (128 - d)) != 0);
    u128 as = (a.m >> 1) | (a.m & 1);
    if (a.neg == b.neg)
        return xf_make(a.neg, a.e + 1, as + bs);
    return xf_make(a.neg, a.e + 1, as - bs);
}

static Xf xf_sub(Xf a, Xf b)
{
    return xf_add(a, xf_neg(b));
}

/* Restoring division, 128 quotient bits. */
static Xf xf_div(Xf a, Xf b)
{
    if (a.m == 0)
        return (Xf){.m = 0, .e = 0, .neg = a.neg != b.neg};
    u128 rem = a.m, q = 0;
    if (rem >= b.m) {
        rem -= b.m;
        q = 1;
    }
    for (int i = 0; i < 127; i++) {
        bool carry = rem >> 127;
        rem <<= 1;
        q <<= 1;
        if (carry || rem >= b.m) {
            rem -= b.m;
            q |= 1;
        }
    }
    return xf_make(a.neg != b.neg, a.e - b.e, q | (rem != 0));
}

static Xf xf_div_int(Xf a, int64_t n)
{
    return xf_div(a, xf_from_int(n));
}

/* ---- Float80 classes, NaNs and rounding ---------------------------------- */

typedef enum F80Class {
    F80_ZERO, F80_DENORMAL, F80_NORMAL, F80_INF, F80_QNAN, F80_SNAN, F80_UNSUPPORTED
} F80Class;

static F80Class f80_class_of(Float80 a)
{
    unsigned exp = a.se & F80_EXP_MAX;
    if (exp == 0)
        return a.mant ? F80_DENORMAL : F80_ZERO;   /* pseudo-denormals too */
    if (!(a.mant & F80_INT_BIT))
        return F80_UNSUPPORTED;   /* unnormal, pseudo-infinity, pseudo-NaN */
    if (exp == F80_EXP_MAX) {
        if ((a.mant << 1) == 0)
            return F80_INF;
        return (a.mant & F80_QUIET_BIT) ? F80_QNAN : F80_SNAN;
    }
    return F80_NORMAL;
}

static bool f80_neg(Float80 a)
{
    return a.se >> 15;
}

static bool class_is_nan(F80Class c)
{
    return c == F80_QNAN || c == F80_SNAN;
}

static Float80 f80_make(bool neg, unsigned exp, uint64_t mant)
{
    return (Float80){.mant = mant, .se = (uint16_t)((neg ? 0x8000 : 0) | exp)};
}

static Float80 f80_zero(bool neg)
{
    return f80_make(neg, 0, 0);
}

static Float80 f80_inf(bool neg)
{
    return f80_make(neg, F80_EXP_MAX, F80_INT_BIT);
}

static Float80 f80_one(bool neg)
{
    return f80_make(neg, F80_BIAS, F80_INT_BIT);
}

/* QNaN floating-point indefinite, with IE (SDM Vol. 1 §4.8.3.7). */
static Float80 f80_invalid(FloatStatus *s)
{
    s->flags |= FLOAT_INVALID;
    return f80_make(true, F80_EXP_MAX, 0xC000000000000000ull);
}

/* One-operand NaN/unsupported result: SNaNs are quieted with IE. */
static Float80 f80_nan1(Float80 a, F80Class c, FloatStatus *s)
{
    if (c == F80_UNSUPPORTED)
        return f80_invalid(s);
    if (c == F80_SNAN)
        s->flags |= FLOAT_INVALID;
    a.mant |= F80_QUIET_BIT;
    return a;
}

/* Two operands, at least one NaN or unsupported (SDM Vol. 1 Table 4-7, x87
 * column): a QNaN wins over an SNaN, otherwise the larger significand, and
 * on a tie the destination ST(1) (`b`). */
static Float80 f80_nan2(Float80 a, F80Class ca, Float80 b, F80Class cb, FloatStatus *s)
{
    if (ca == F80_UNSUPPORTED || cb == F80_UNSUPPORTED)
        return f80_invalid(s);
    if (ca == F80_SNAN || cb == F80_SNAN)
        s->flags |= FLOAT_INVALID;
    Float80 r;
    if (!class_is_nan(cb))
        r = a;
    else if (!class_is_nan(ca))
        r = b;
    else if (ca != cb)
        r = ca == F80_QNAN ? a : b;
    else
        r = (a.mant | F80_QUIET_BIT) > (b.mant | F80_QUIET_BIT) ? a : b;
    r.mant |= F80_QUIET_BIT;
    return r;
}

static Xf xf_from_f80(Float80 a)
{
    unsigned exp = a.se & F80_EXP_MAX;
    int32_t e = exp ? (int32_t)exp - F80_BIAS : 1 - F80_BIAS;
    return xf_make(f80_neg(a), e, (u128)a.mant << 64);
}

static bool round_up(u128 m, bool neg, unsigned rounding)
{
    uint64_t mant = (uint64_t)(m >> 64), rest = (uint64_t)m;
    switch (rounding) {
    case FLOAT_ROUND_NEAREST:
        return rest > F80_INT_BIT || (rest == F80_INT_BIT && (mant & 1));
    case FLOAT_ROUND_DOWN:
        return rest && neg;
    case FLOAT_ROUND_UP:
        return rest && !neg;
    default:
        return false;
    }
}

/* Round a computed result to the 64-bit significand in s->rounding
 * (precision control does not apply to the transcendentals); sets OE and C1.
 * The host x87 reports PE for every computed result, exact or not
 * (FYL2X(8, 3) = 9 sets PE), and UE whenever that result is tiny; tininess
 * is detected after rounding (a value that rounds up to the smallest normal
 * is not tiny), as measured. */
static Float80 xf_round(Xf x, FloatStatus *s)
{
    if (x.m == 0)
        return f80_zero(x.neg);
    int32_t e = x.e + F80_BIAS;
    u128 m = x.m;
    bool tiny = false;
    if (e < 1) {
        int32_t sh = 1 - e;
        tiny = !(e == 0 && (uint64_t)(m >> 64) == ~0ull && round_up(m, x.neg, s->rounding));
        if (sh >= 128) {
            m = 1;   /* only a sticky bit is left */
        } else {
            bool sticky = (m << (128 - sh)) != 0;
            m = (m >> sh) | sticky;
        }
        e = 0;
    }
    uint64_t mant = (uint64_t)(m >> 64);
    bool up = round_up(m, x.neg, s->rounding);
    if (up) {
        mant++;
        if (mant == 0) {
            mant = F80_INT_BIT;
            e++;
        } else if (e == 0 && mant == F80_INT_BIT) {
            e = 1;
        }
    }
    s->c1_round_up = up;
    if (e >= F80_EXP_MAX) {
        bool to_inf = s->rounding == FLOAT_ROUND_NEAREST ||
                      (s->rounding == FLOAT_ROUND_UP && !x.neg) ||
                      (s->rounding == FLOAT_ROUND_DOWN && x.neg);
        s->flags |= FLOAT_OVERFLOW | FLOAT_INEXACT;
        s->c1_round_up = to_inf;
        return to_inf ? f80_inf(x.neg) : f80_make(x.neg, F80_EXP_MAX - 1, ~0ull);
    }
    s->flags |= FLOAT_INEXACT | (tiny ? FLOAT_UNDERFLOW : 0);
    return f80_make(x.neg, (unsigned)e, mant);
}

/* ---- series ---------------------------------------------------------------- */

/* 2 * atanh(t) = ln((1 + t) / (1 - t)) for |t| <= 0.18: 27 odd terms reach
 * 2^-135. */
static Xf xf_2atanh(Xf t)
{
    Xf t2 = xf_mul(t, t), sum = xf_div_int(xf_from_int(1), 55);
    for (int n = 53; n >= 1; n -= 2)
        sum = xf_add(xf_mul(sum, t2), xf_div_int(xf_from_int(1), n));
    return xf_ldexp(xf_mul(sum, t), 1);
}

/* log2(x), x > 0 finite: x = f * 2^k with f in [sqrt(2)/2, sqrt(2)),
 * ln f = 2 atanh((f - 1) / (f + 1)). Exact (0) for powers of two. */
static Xf xf_log2(Xf x)
{
    int32_t k = x.e;
    Xf f = {.m = x.m, .e = 0, .neg = false};
    if (x.m > XF_SQRT2) {
        f.e = -1;
        k++;
    }
    Xf one = xf_from_int(1);
    Xf t = xf_div(xf_sub(f, one), xf_add(f, one));
    return xf_add(xf_from_int(k), xf_mul(xf_2atanh(t), XF_LOG2E));
}

/* log2(1 + x), x > -1 */
static Xf xf_log2p1(Xf x)
{
    Xf one = xf_from_int(1);
    if (x.e >= -2)   /* |x| >= 0.25: no cancellation in 1 + x worth avoiding */
        return xf_log2(xf_add(one, x));
    Xf t = xf_div(x, xf_add(xf_from_int(2), x));
    return xf_mul(xf_2atanh(t), XF_LOG2E);
}

/* e^z - 1 for |z| < 2^15: halve z below 2^-8, Taylor (14 terms), then undo
 * with expm1(2w) = expm1(w) * (expm1(w) + 2), which keeps relative
 * accuracy near 0. */
static Xf xf_expm1(Xf z)
{
    int32_t k = z.e + 8 > 0 ? z.e + 8 : 0;
    Xf w = xf_ldexp(z, -k), one = xf_from_int(1), two = xf_from_int(2);
    Xf p = one;
    for (int n = 16; n >= 2; n--)
        p = xf_add(one, xf_div_int(xf_mul(p, w), n));
    Xf r = xf_mul(w, p);
    for (int32_t i = 0; i < k; i++)
        r = xf_mul(r, xf_add(r, two));
    return r;
}

/* sin and cos of |r| <= pi/4 (plus a little): Horner on the Taylor series,
 * terms to r^31 (error below 2^-135). */
static Xf xf_sin_small(Xf r)
{
    Xf r2 = xf_mul(r, r), one = xf_from_int(1), p = one;
    for (int n = 30; n >= 2; n -= 2)
        p = xf_sub(one, xf_div_int(xf_mul(p, r2), (int64_t)n * (n + 1)));
    return xf_mul(r, p);
}

static Xf xf_cos_small(Xf r)
{
    Xf r2 = xf_mul(r, r), one = xf_from_int(1), p = one;
    for (int n = 30; n >= 2; n -= 2)
        p = xf_sub(one, xf_div_int(xf_mul(p, r2), (int64_t)n * (n - 1)));
    return p;
}

/* atan(t), 0 <= t <= 1: atan t = atan c + atan((t - c) / (1 + t c)) with
 * c = k/8 nearest t, so the series argument is below 1/16 (18 terms). */
static Xf xf_atan_unit(Xf t)
{
    int k = 0;
    if (t.m && t.e >= -4)   /* round(t * 8) from floor(t * 16) */
        k = (int)(((t.m >> (123 - t.e)) + 1) >> 1);
    Xf u = t, base = {.m = 0, .e = 0, .neg = false};
    if (k) {
        Xf c = xf_ldexp(xf_from_int(k), -3);
        u = xf_div(xf_sub(t, c), xf_add(xf_from_int(1), xf_mul(t, c)));
        base = atan_table[k - 1];
    }
    Xf u2 = xf_mul(u, u), sum = xf_div_int(xf_from_int(1), 37);
    for (int n = 35; n >= 1; n -= 2) {
        sum = xf_sub(xf_div_int(xf_from_int(1), n), xf_mul(sum, u2));
    }
    return xf_add(base, xf_mul(sum, u));
}

/* ---- F2XM1 ------------------------------------------------------------------ */

Float80 f80_2xm1(Float80 a, FloatStatus *s)
{
    s->c1_round_up = false;
    F80Class c = f80_class_of(a);
    bool neg = f80_neg(a);
    switch (c) {
    case F80_ZERO:
        return a;
    case F80_INF:
        return neg ? f80_one(true) : a;   /* SDM F2XM1 table: -inf -> -1 */
    case F80_QNAN: case F80_SNAN: case F80_UNSUPPORTED:
        return f80_nan1(a, c, s);
    case F80_DENORMAL:
        s->flags |= FLOAT_DENORMAL;
        break;
    default:
        break;
    }
    Xf x = xf_from_f80(a);
    /* Outside |x| <= 1 the SDM leaves the result undefined; the host x87
     * returns the operand with PE (F2XM1(1.5) = 1.5, F2XM1(-100) = -100). */
    if (x.e >= 1 || (x.e == 0 && x.m != xf_from_int(1).m)) {
        s->flags |= FLOAT_INEXACT;
        return a;
    }
    if (x.e == 0) {   /* +-1: exactly 1 and -0.5 in every rounding mode, with PE */
        s->flags |= FLOAT_INEXACT;
        return neg ? f80_make(true, F80_BIAS - 1, F80_INT_BIT) : f80_one(false);
    }
    return xf_round(xf_expm1(xf_mul(x, XF_LN2)), s);
}

/* ---- FYL2X, FYL2XP1 ----------------------------------------------------------- */

/* Two-operand prologue: NaNs, unsupported formats and DE. Returns true when
 * *r is already the result. */
static bool f80_prologue2(Float80 x, F80Class cx, Float80 y, F80Class cy, Float80 *r, FloatStatus *s)
{
    if (class_is_nan(cx) || class_is_nan(cy) || cx == F80_UNSUPPORTED || cy == F80_UNSUPPORTED) {
        *r = f80_nan2(x, cx, y, cy, s);
        return true;
    }
    if (cx == F80_DENORMAL || cy == F80_DENORMAL)
        s->flags |= FLOAT_DENORMAL;
    return false;
}

Float80 f80_yl2x(Float80 x, Float80 y, FloatStatus *s)
{
    s->c1_round_up = false;
    F80Class cx = f80_class_of(x), cy = f80_class_of(y);
    bool xneg = f80_neg(x), yneg = f80_neg(y);
    if (class_is_nan(cx) || class_is_nan(cy) || cx == F80_UNSUPPORTED || cy == F80_UNSUPPORTED)
        return f80_nan2(x, cx, y, cy, s);
    /* x < 0 and x = 0 are decided before DE is looked at (measured:
     * FYL2X(-1, denormal) is IE only, FYL2X(0, denormal) ZE only) */
    if (xneg && cx != F80_ZERO)
        return f80_invalid(s);   /* log of a negative number */
    if (cx == F80_ZERO) {
        /* log2(0) = -inf: y * -inf; 0 * -inf is invalid */
        if (cy == F80_ZERO)
            return f80_invalid(s);
        if (cy != F80_INF)
            s->flags |= FLOAT_DIVZERO;
        return f80_inf(!yneg);
    }
    if (cx == F80_DENORMAL || cy == F80_DENORMAL)
        s->flags |= FLOAT_DENORMAL;
    if (cx == F80_INF) {
        if (cy == F80_ZERO)
            return f80_invalid(s);
        return f80_inf(yneg);
    }
    Xf lx = xf_log2(xf_from_f80(x));   /* x finite positive */
    if (cy == F80_INF) {
        if (lx.m == 0)
            return f80_invalid(s);   /* inf * log2(1) */
        return f80_inf(yneg != lx.neg);
    }
    if (lx.m == 0 || cy == F80_ZERO)   /* exact zero: sign of the product */
        return f80_zero(yneg != (lx.m ? lx.neg : false));
    return xf_round(xf_mul(xf_from_f80(y), lx), s);
}

Float80 f80_yl2xp1(Float80 x, Float80 y, FloatStatus *s)
{
    s->c1_round_up = false;
    F80Class cx = f80_class_of(x), cy = f80_class_of(y);
    bool xneg = f80_neg(x), yneg = f80_neg(y);
    Float80 r;
    if (cx == F80_INF && xneg && !class_is_nan(cy) && cy != F80_UNSUPPORTED)
        return f80_invalid(s);   /* before DE, as measured */
    if (f80_prologue2(x, cx, y, cy, &r, s))
        return r;
    if (cx == F80_ZERO) {
        if (cy == F80_INF)
            return f80_invalid(s);   /* inf * 0 */
        return f80_zero(xneg != yneg);
    }
    if (cx == F80_INF) {
        if (xneg || cy == F80_ZERO)
            return f80_invalid(s);
        return f80_inf(yneg);
    }
    Xf xv = xf_from_f80(x);
    if (xneg && xv.e >= 0) {
        /* x <= -1: undefined in the SDM; the host x87 returns x with PE
         * (FYL2XP1(-2, 1) = -2), or -y when y is 0 or infinite */
        if (cy == F80_ZERO)
            return f80_zero(!yneg);
        if (cy == F80_INF)
            return f80_inf(!yneg);
        s->flags |= FLOAT_INEXACT;
        return x;
    }
    Xf lx = xf_log2p1(xv);   /* sign of x, nonzero */
    if (cy == F80_INF)
        return f80_inf(yneg != lx.neg);
    if (cy == F80_ZERO)
        return f80_zero(yneg != lx.neg);
    return xf_round(xf_mul(xf_from_f80(y), lx), s);
}

/* ---- FSIN, FCOS, FPTAN ---------------------------------------------------------- */

/* pi as the x87 reduces with it (SDM Vol. 1 §8.3.10): 66 significant bits,
 * 0xC90FDAA22168C234C * 2^-66; PI66_2 = pi/2 = PI66_2 * 2^-67. Results
 * near multiples of pi/2 therefore follow this constant, not the true pi. */
#define PI66_2 U128(0xCull, 0x90FDAA22168C234Cull)

/* Exact reduction of |a| (finite, < 2^63) by the 66-bit pi/2: returns
 * r = |a| - q * pi66/2 in [-pi66/4, pi66/4] and q mod 4. */
static Xf trig_reduce(Float80 a, unsigned *quadrant)
{
    unsigned exp = a.se & F80_EXP_MAX;
    int32_t e = (exp ? (int32_t)exp : 1) - F80_BIAS - 63;   /* |a| = mant * 2^e */
    *quadrant = 0;
    if (e + 67 < 0) {   /* |a| < 2^-3: no reduction */
        Xf x = xf_from_f80(a);
        x.neg = false;
        return x;
    }
    /* R = mant * 2^(e + 67) mod P, carrying the low two quotient bits */
    u128 rem = a.mant % PI66_2;
    uint64_t q = 0;   /* mant < PI66_2: the first quotient is 0 */
    int32_t sh = e + 67;
    while (sh > 0) {
        int c = sh > 56 ? 56 : sh;
        u128 v = rem << c;
        q = ((q << c) + (uint64_t)(v / PI66_2)) & 3;
        rem = v % PI66_2;
        sh -= c;
    }
    bool neg = false;
    if (rem > PI66_2 / 2) {
        rem = PI66_2 - rem;
        q++;
        neg = true;
    }
    *quadrant = (unsigned)(q & 3);
    return xf_make(neg, 60, rem);   /* rem * 2^-67 */
}

typedef enum TrigOp { TRIG_SIN, TRIG_COS, TRIG_TAN } TrigOp;

static bool f80_trig(Float80 a, Float80 *res, TrigOp op, FloatStatus *s)
{
    s->c1_round_up = false;
    F80Class c = f80_class_of(a);
    bool neg = f80_neg(a);
    switch (c) {
    case F80_ZERO:
        *res = op == TRIG_COS ? f80_one(false) : a;
        return true;
    case F80_INF:
        *res = f80_invalid(s);
        return true;
    case F80_QNAN: case F80_SNAN: case F80_UNSUPPORTED:
        *res = f80_nan1(a, c, s);
        return true;
    case F80_DENORMAL:
        s->flags |= FLOAT_DENORMAL;
        break;
    default:
        if ((a.se & F80_EXP_MAX) >= F80_BIAS + 63) {
            *res = a;   /* out of range: C2 = 1, operand kept */
            return false;
        }
        break;
    }
    unsigned q;
    Xf r = trig_reduce(a, &q);
    Xf sr = xf_sin_small(r), cr = xf_cos_small(r), v;
    switch (op) {
    case TRIG_SIN:
        v = (q & 1) ? cr : sr;
        if (q & 2)
            v = xf_neg(v);
        if (neg)
            v = xf_neg(v);
        break;
    case TRIG_COS:
        v = (q & 1) ? sr : cr;
        if ((q + 1) & 2)   /* quadrants 1 and 2 */
            v = xf_neg(v);
        break;
    default:
        if (r.e < -48) {
            /* tan r = r + r^3/3, cot r = 1/r - r/3 (next terms below
             * 2^-190 relative): sin/cos would cancel the r^2 terms that
             * decide PE and the directed roundings */
            Xf r3 = xf_div_int(r, 3);
            v = (q & 1) ? xf_neg(xf_sub(xf_div(xf_from_int(1), r), r3))
                        : xf_add(r, xf_mul(r3, xf_mul(r, r)));
        } else {
            v = (q & 1) ? xf_neg(xf_div(cr, sr)) : xf_div(sr, cr);
        }
        if (neg)
            v = xf_neg(v);
        break;
    }
    *res = xf_round(v, s);
    return true;
}

bool f80_sin(Float80 a, Float80 *r, FloatStatus *s)
{
    return f80_trig(a, r, TRIG_SIN, s);
}

bool f80_cos(Float80 a, Float80 *r, FloatStatus *s)
{
    return f80_trig(a, r, TRIG_COS, s);
}

bool f80_tan(Float80 a, Float80 *r, FloatStatus *s)
{
    return f80_trig(a, r, TRIG_TAN, s);
}

/* ---- FPATAN ------------------------------------------------------------------------ */

/* atan(y / x) with the quadrant of (x, y): SDM Vol. 2A FPATAN table. */
Float80 f80_atan2(Float80 y, Float80 x, FloatStatus *s)
{
    s->c1_round_up = false;
    F80Class cx = f80_class_of(x), cy = f80_class_of(y);
    bool xneg = f80_neg(x), yneg = f80_neg(y);
    Float80 r;
    if (f80_prologue2(x, cx, y, cy, &r, s))
        return r;
    Xf v;
    if (cy == F80_ZERO) {
        if (!xneg)
            return f80_zero(yneg);
        v = XF_PI;   /* -0 and negative x: +-pi */
    } else if (cy == F80_INF) {
        if (cx == F80_INF)
            v = xneg ? XF_3PI_4 : XF_PI_4;
        else
            v = XF_PI_2;
    } else if (cx == F80_INF) {
        if (!xneg)
            return f80_zero(yneg);
        v = XF_PI;
    } else if (cx == F80_ZERO) {
        v = XF_PI_2;
    } else {
        Xf ay = xf_from_f80(y), ax = xf_from_f80(x);
        ay.neg = ax.neg = false;
        bool swap = ay.e > ax.e || (ay.e == ax.e && ay.m > ax.m);
        v = swap ? xf_sub(XF_PI_2, xf_atan_unit(xf_div(ax, ay)))
                 : xf_atan_unit(xf_div(ay, ax));
        if (xneg)
            v = xf_sub(XF_PI, v);
    }
    v.neg = yneg;
    return xf_round(v, s);
}
