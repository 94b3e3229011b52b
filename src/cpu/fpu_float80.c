/* x87 extended-precision arithmetic: FADD/FSUB/FMUL/FDIV/FSQRT, FCOM/FUCOM
 * and FXAM, on exact integer significands followed by one rounding to the
 * precision-control width (fp_round_pack). Operand checks follow SDM Vol. 1
 * §8.5 (IE for SNaN and unsupported encodings, DE for denormal operands) and
 * Table 4-7 (NaN propagation). Transcendentals are in fpu_trans.c. */
#include "cpu/fpu_float_internal.h"

/* Common operand screening of a two-operand x87 operation: true when the
 * result is already decided (*r set): unsupported encodings and NaNs. */
static bool f80_check_operands(Float80 a, Float80 b, const FpUnpacked *ua, const FpUnpacked *ub, bool div,
                               Float80 *r, FloatStatus *s)
{
    s->c1_round_up = false;
    if (ua->cls == FP_CLASS_UNSUPPORTED || ub->cls == FP_CLASS_UNSUPPORTED) {
        s->flags |= FLOAT_INVALID;
        *r = f80_default_nan();
        return true;
    }
    if (fp_is_nan(ua) || fp_is_nan(ub)) {
        *r = f80_propagate_nan(a, b, ua, ub, s);
        return true;
    }
    /* A finite / 0 signals ZE alone, even for a denormal dividend. */
    if ((ua->denormal || ub->denormal) && !(div && ub->cls == FP_CLASS_ZERO)) {
        s->flags |= FLOAT_DENORMAL;
    }
    return false;
}

static Float80 f80_invalid(FloatStatus *s)
{
    s->flags |= FLOAT_INVALID;
    return f80_default_nan();
}

static Float80 f80_make_inf(bool sign)
{
    Float80 r = { F80_INT_BIT, (uint16_t)((sign ? 0x8000 : 0) | F80_EXP_MAX) };
    return r;
}

static Float80 f80_make_zero(bool sign)
{
    Float80 r = { 0, (uint16_t)(sign ? 0x8000 : 0) };
    return r;
}

/* Exact sum of two finite values (either may be zero), as a significand
 * with bit 127 set and sticky bits, or an exact zero (sig 0) with the IEEE
 * 754 §6.3 sign. Shared with the SSE formats. */
FpExact fp_add_exact(const FpUnpacked *ua, const FpUnpacked *ub, unsigned rounding)
{
    FpExact r = { false, 0, 0 };
    if (ua->cls == FP_CLASS_ZERO && ub->cls == FP_CLASS_ZERO) {
        r.sign = ua->sign == ub->sign ? ua->sign : rounding == FLOAT_ROUND_DOWN;
        return r;
    }
    if (ub->cls == FP_CLASS_ZERO || ua->cls == FP_CLASS_ZERO) {
        /* x + 0 still goes through rounding (precision control, FTZ). */
        const FpUnpacked *x = ua->cls == FP_CLASS_ZERO ? ub : ua;
        r.sign = x->sign;
        r.exp = x->exp;
        r.sig = (FpU128)x->sig << 64;
        return r;
    }
    const FpUnpacked *x = ua, *y = ub;
    if (y->exp > x->exp) {
        x = ub;
        y = ua;
    }
    /* bit 126 holds the integer bit: one bit of headroom for the carry,
     * 63 guard bits and a sticky bit below. */
    FpU128 big = (FpU128)x->sig << 63;
    FpU128 small = fp_shift_right_sticky((FpU128)y->sig << 63, x->exp - y->exp);
    FpU128 sum;
    if (x->sign == y->sign) {
        sum = big + small;
        r.sign = x->sign;
    } else if (big >= small) {
        sum = big - small;
        r.sign = x->sign;
    } else {
        sum = small - big;
        r.sign = y->sign;
    }
    if (sum == 0) {
        r.sign = rounding == FLOAT_ROUND_DOWN;
        return r;
    }
    int lz = fp_clz128(sum);
    r.exp = x->exp + 1 - lz;
    r.sig = sum << lz;
    return r;
}

FpExact fp_mul_exact(const FpUnpacked *ua, const FpUnpacked *ub)
{
    FpExact r = { ua->sign ^ ub->sign, ua->exp + ub->exp, (FpU128)ua->sig * ub->sig };
    if (r.sig >> 127) {
        r.exp++;
    } else {
        r.sig <<= 1;
    }
    return r;
}

static Float80 f80_add_sign(Float80 a, Float80 b, bool negate_b, FloatStatus *s)
{
    FpUnpacked ua = f80_unpack(a), ub = f80_unpack(b);
    Float80 r;
    if (f80_check_operands(a, b, &ua, &ub, false, &r, s)) {
        return r;
    }
    ub.sign ^= negate_b;
    if (ua.cls == FP_CLASS_INF || ub.cls == FP_CLASS_INF) {
        if (ua.cls == FP_CLASS_INF && ub.cls == FP_CLASS_INF && ua.sign != ub.sign) {
            return f80_invalid(s);
        }
        return f80_make_inf(ua.cls == FP_CLASS_INF ? ua.sign : ub.sign);
    }
    return f80_round_exact(fp_add_exact(&ua, &ub, s->rounding), s);
}

Float80 f80_add(Float80 a, Float80 b, FloatStatus *s)
{
    return f80_add_sign(a, b, false, s);
}

Float80 f80_sub(Float80 a, Float80 b, FloatStatus *s)
{
    return f80_add_sign(a, b, true, s);
}

Float80 f80_mul(Float80 a, Float80 b, FloatStatus *s)
{
    FpUnpacked ua = f80_unpack(a), ub = f80_unpack(b);
    Float80 r;
    if (f80_check_operands(a, b, &ua, &ub, false, &r, s)) {
        return r;
    }
    bool sign = ua.sign ^ ub.sign;
    if (ua.cls == FP_CLASS_INF || ub.cls == FP_CLASS_INF) {
        if (ua.cls == FP_CLASS_ZERO || ub.cls == FP_CLASS_ZERO) {
            return f80_invalid(s);
        }
        return f80_make_inf(sign);
    }
    if (ua.cls == FP_CLASS_ZERO || ub.cls == FP_CLASS_ZERO) {
        return f80_make_zero(sign);
    }
    return f80_round_exact(fp_mul_exact(&ua, &ub), s);
}

/* Quotient of two finite non-zero values, 128 significant bits + sticky. */
FpExact fp_div_exact(const FpUnpacked *ua, const FpUnpacked *ub)
{
    uint64_t a = ua->sig, b = ub->sig;
    FpExact res = { ua->sign ^ ub->sign, ua->exp - ub->exp, 0 };
    uint64_t q1 = a >= b;
    FpU128 r = a - (q1 ? b : 0);
    FpU128 n = r << 64;
    uint64_t qh = (uint64_t)(n / b);
    r = n % b;
    n = r << 64;
    uint64_t ql = (uint64_t)(n / b);
    bool sticky = (n % b) != 0;
    if (q1) {
        res.sig = ((FpU128)1 << 127) | ((FpU128)qh << 63) | (ql >> 1) | (ql & 1) | sticky;
    } else {
        res.exp--;
        res.sig = ((FpU128)qh << 64) | ql | sticky;
    }
    return res;
}

Float80 f80_div(Float80 a, Float80 b, FloatStatus *s)
{
    FpUnpacked ua = f80_unpack(a), ub = f80_unpack(b);
    Float80 r;
    if (f80_check_operands(a, b, &ua, &ub, true, &r, s)) {
        return r;
    }
    bool sign = ua.sign ^ ub.sign;
    if (ua.cls == FP_CLASS_INF) {
        return ub.cls == FP_CLASS_INF ? f80_invalid(s) : f80_make_inf(sign);
    }
    if (ub.cls == FP_CLASS_INF) {
        return f80_make_zero(sign);
    }
    if (ub.cls == FP_CLASS_ZERO) {
        if (ua.cls == FP_CLASS_ZERO) {
            return f80_invalid(s);
        }
        s->flags |= FLOAT_DIVZERO;
        return f80_make_inf(sign);
    }
    if (ua.cls == FP_CLASS_ZERO) {
        return f80_make_zero(sign);
    }
    return f80_round_exact(fp_div_exact(&ua, &ub), s);
}

/* sqrt of a positive finite unpacked value as a 128-bit significand. */
FpExact fp_sqrt_exact(const FpUnpacked *u)
{
    /* value = sig * 2^(exp-63); pick shift so exp-63-shift is even and the
     * root has 65 bits (64 + a rounding bit), the remainder giving sticky. */
    int shift = ((u->exp - 63) & 1) ? 65 : 66;
    FpU128 root = 0, rem = 0;
    int total = 64 + shift + ((64 + shift) & 1);
    for (int pos = total - 2; pos >= 0; pos -= 2) {
        unsigned pair = 0;
        for (int k = 1; k >= 0; k--) {
            int bit = pos + k - shift;
            pair = (pair << 1) | (bit >= 0 && bit < 64 ? (unsigned)(u->sig >> bit) & 1 : 0);
        }
        rem = (rem << 2) | pair;
        FpU128 trial = (root << 2) | 1;
        root <<= 1;
        if (rem >= trial) {
            rem -= trial;
            root |= 1;
        }
    }
    int msb = 127 - fp_clz128(root);
    FpExact r = { false, msb + (u->exp - 63 - shift) / 2, (root << (127 - msb)) | (rem != 0) };
    return r;
}

Float80 f80_sqrt(Float80 a, FloatStatus *s)
{
    FpUnpacked ua = f80_unpack(a);
    s->c1_round_up = false;
    if (ua.cls == FP_CLASS_UNSUPPORTED) {
        return f80_invalid(s);
    }
    if (fp_is_nan(&ua)) {
        return f80_propagate_nan(a, a, &ua, &ua, s);
    }
    if (ua.cls == FP_CLASS_ZERO) {
        return a;
    }
    if (ua.sign) {
        return f80_invalid(s);      /* takes priority over DE */
    }
    if (ua.denormal) {
        s->flags |= FLOAT_DENORMAL;
    }
    if (ua.cls == FP_CLASS_INF) {
        return a;
    }
    return f80_round_exact(fp_sqrt_exact(&ua), s);
}

int f80_compare(Float80 a, Float80 b, bool quiet, FloatStatus *s)
{
    FpUnpacked ua = f80_unpack(a), ub = f80_unpack(b);
    if (ua.cls == FP_CLASS_UNSUPPORTED || ub.cls == FP_CLASS_UNSUPPORTED) {
        s->flags |= FLOAT_INVALID;
        return 2;
    }
    if (fp_is_nan(&ua) || fp_is_nan(&ub)) {
        if (!quiet || ua.cls == FP_CLASS_SNAN || ub.cls == FP_CLASS_SNAN) {
            s->flags |= FLOAT_INVALID;
        }
        return 2;
    }
    if (ua.denormal || ub.denormal) {
        s->flags |= FLOAT_DENORMAL;
    }
    if (ua.cls == FP_CLASS_ZERO && ub.cls == FP_CLASS_ZERO) {
        return 0;
    }
    /* Order the magnitudes with (class, exp, sig), then apply the signs. */
    int mag;
    if (ua.cls == FP_CLASS_ZERO || ub.cls == FP_CLASS_ZERO) {
        mag = ua.cls == FP_CLASS_ZERO ? -1 : 1;
    } else if (ua.cls != ub.cls) {
        mag = ua.cls == FP_CLASS_INF ? 1 : -1;
    } else if (ua.cls == FP_CLASS_INF || (ua.exp == ub.exp && ua.sig == ub.sig)) {
        mag = 0;
    } else {
        mag = (ua.exp != ub.exp ? ua.exp > ub.exp : ua.sig > ub.sig) ? 1 : -1;
    }
    bool sa = ua.cls == FP_CLASS_ZERO ? !ub.sign : ua.sign;
    bool sb = ub.cls == FP_CLASS_ZERO ? !ua.sign : ub.sign;
    if (sa != sb) {
        return sa ? -1 : 1;
    }
    return sa ? -mag : mag;
}

unsigned f80_classify(Float80 a)
{
    FpUnpacked u = f80_unpack(a);
    switch (u.cls) {
    case FP_CLASS_UNSUPPORTED:
        return 0;
    case FP_CLASS_QNAN:
    case FP_CLASS_SNAN:
        return 1;
    case FP_CLASS_INF:
        return 3;
    case FP_CLASS_ZERO:
        return 4;
    default:
        return u.denormal ? 6 : 2;
    }
}
