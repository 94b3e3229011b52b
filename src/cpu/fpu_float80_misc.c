/* The remaining x87 operations on the extended format: FRNDINT, FSCALE,
 * FXTRACT, FPREM/FPREM1, FBLD/FBSTP (packed BCD) and the constant loads
 * (FLD1, FLDL2T, ..., FLDZ). References: Intel SDM Vol. 2A (FPREM, FPREM1,
 * FSCALE, FXTRACT, FBSTP, "FLD1/FLDL2T/..." with its note on rounding the
 * 66-bit internal constants by RC), Vol. 1 §8.3.6 (packed BCD). */
#include "cpu/fpu_float_internal.h"

static Float80 f80_signed(uint16_t se, uint64_t mant)
{
    Float80 r = { mant, se };
    return r;
}

static Float80 f80_invalid_result(FloatStatus *s)
{
    s->flags |= FLOAT_INVALID;
    return f80_default_nan();
}

/* Pack an exact value sign * mag * 2^lsb_exp through the 64-bit rounding
 * (used for results the x87 computes exactly: no precision control). */
static Float80 f80_pack_exact_int(bool sign, FpU128 mag, int32_t lsb_exp, FloatStatus *s)
{
    if (mag == 0) {
        return f80_signed((uint16_t)(sign ? 0x8000 : 0), 0);
    }
    int lz = fp_clz128(mag);
    return f80_pack(fp_round_pack(sign, lsb_exp + 127 - lz, mag << lz, &fp_format_f80[FLOAT_PREC_64], s));
}

Float80 f80_round_to_int(Float80 a, FloatStatus *s)
{
    FpUnpacked u = f80_unpack(a);
    s->c1_round_up = false;
    if (u.cls == FP_CLASS_UNSUPPORTED) {
        return f80_invalid_result(s);
    }
    if (fp_is_nan(&u)) {
        return f80_propagate_nan(a, a, &u, &u, s);
    }
    if (u.denormal) {
        s->flags |= FLOAT_DENORMAL;
    }
    if (u.cls != FP_CLASS_FINITE || u.exp >= 63) {
        return a;
    }
    uint64_t mag;
    fp_to_int_magnitude(&u, s->rounding, &mag, s);
    return f80_pack_exact_int(u.sign, mag, 0, s);
}

Float80 f80_scale(Float80 a, Float80 b, FloatStatus *s)
{
    FpUnpacked ua = f80_unpack(a), ub = f80_unpack(b);
    s->c1_round_up = false;
    if (ua.cls == FP_CLASS_UNSUPPORTED || ub.cls == FP_CLASS_UNSUPPORTED) {
        return f80_invalid_result(s);
    }
    if (fp_is_nan(&ua) || fp_is_nan(&ub)) {
        return f80_propagate_nan(a, b, &ua, &ub, s);
    }
    if (ua.denormal || ub.denormal) {
        s->flags |= FLOAT_DENORMAL;
    }
    if (ub.cls == FP_CLASS_INF) {
        /* 0 * 2^+inf and inf * 2^-inf are invalid (SDM FSCALE table). */
        if ((ua.cls == FP_CLASS_ZERO && !ub.sign) || (ua.cls == FP_CLASS_INF && ub.sign)) {
            return f80_invalid_result(s);
        }
        if (ua.cls == FP_CLASS_ZERO || ua.cls == FP_CLASS_INF) {
            return a;
        }
        return ub.sign ? f80_signed((uint16_t)(a.se & 0x8000), 0)
                       : f80_signed((uint16_t)((a.se & 0x8000) | F80_EXP_MAX), F80_INT_BIT);
    }
    if (ua.cls != FP_CLASS_FINITE) {
        return a;
    }
    int32_t n = 0;
    if (ub.cls == FP_CLASS_FINITE && ub.exp >= 0) {
        /* trunc(b); beyond +-2^17 the result over/underflows anyway */
        n = ub.exp > 17 ? 1 << 18 : (int32_t)(ub.sig >> (63 - ub.exp));
        if (ub.sign) {
            n = -n;
        }
    }
    /* FSCALE rounds to 64 bits whatever PC says (host-verified). */
    return f80_pack(fp_round_pack(ua.sign, ua.exp + n, (FpU128)ua.sig << 64, &fp_format_f80[FLOAT_PREC_64], s));
}

Float80 f80_extract(Float80 a, Float80 *exp, FloatStatus *s)
{
    FpUnpacked u = f80_unpack(a);
    s->c1_round_up = false;
    switch (u.cls) {
    case FP_CLASS_UNSUPPORTED:
        *exp = f80_invalid_result(s);
        return *exp;
    case FP_CLASS_QNAN:
    case FP_CLASS_SNAN:
        *exp = f80_propagate_nan(a, a, &u, &u, s);
        return *exp;
    case FP_CLASS_ZERO:
        /* exponent -inf, ZE; the significand is the zero itself */
        s->flags |= FLOAT_DIVZERO;
        *exp = f80_signed(0x8000 | F80_EXP_MAX, F80_INT_BIT);
        return a;
    case FP_CLASS_INF:
        *exp = f80_signed(F80_EXP_MAX, F80_INT_BIT);
        return a;
    default:
        if (u.denormal) {
            s->flags |= FLOAT_DENORMAL;
        }
        *exp = f80_from_int64(u.exp, s);
        return f80_signed((uint16_t)((a.se & 0x8000) | F80_BIAS), u.sig);
    }
}

Float80 f80_rem(Float80 a, Float80 b, bool ieee, unsigned *quotient_low3, bool *complete, FloatStatus *s)
{
    FpUnpacked ua = f80_unpack(a), ub = f80_unpack(b);
    /* With a NaN result the host leaves C3/C1/C0 as they were (only C2 is
     * cleared): callers keep them; we report Q = 0. */
    *quotient_low3 = 0;
    *complete = true;
    s->c1_round_up = false;
    if (ua.cls == FP_CLASS_UNSUPPORTED || ub.cls == FP_CLASS_UNSUPPORTED) {
        return f80_invalid_result(s);
    }
    if (fp_is_nan(&ua) || fp_is_nan(&ub)) {
        return f80_propagate_nan(a, b, &ua, &ub, s);
    }
    if (ua.cls == FP_CLASS_INF || ub.cls == FP_CLASS_ZERO) {
        return f80_invalid_result(s);
    }
    if (ua.denormal || ub.denormal) {
        s->flags |= FLOAT_DENORMAL;
    }
    if (ua.cls == FP_CLASS_ZERO || ub.cls == FP_CLASS_INF) {
        return f80_pack_exact_int(ua.sign, ua.cls == FP_CLASS_ZERO ? 0 : ua.sig, ua.exp - 63, s);
    }
    int32_t d = ua.exp - ub.exp;
    bool sign = ua.sign;
    FpU128 q = 0, r;
    int32_t lsb_exp = ub.exp - 63;      /* weight of the remainder's unit */
    if (d < 0) {
        r = ua.sig;
        lsb_exp = ua.exp - 63;
        if (ieee && d == -1 && ua.sig > ub.sig) {
            /* |a| / |b| in (1/2, 1): the nearest quotient is 1 */
            r = ((FpU128)ub.sig << 1) - ua.sig;
            sign = !sign;
            q = 1;
        }
    } else {
        int32_t shift = d;
        if (d >= 64) {
            /* Partial remainder: reduce by 2^(d - n), n in 32..63 as the
             * SDM allows; the host uses n = 32 + (d mod 32). */
            shift = 32 + (d & 31);
            *complete = false;
            lsb_exp += d - shift;
        }
        FpU128 num = (FpU128)ua.sig << shift;
        q = num / ub.sig;
        r = num % ub.sig;
        if (ieee && *complete && r != 0) {
            FpU128 twice = r << 1;
            if (twice > ub.sig || (twice == ub.sig && (q & 1))) {
                q++;
                r = ub.sig - r;
                sign = !sign;
            }
        }
    }
    /* A partial remainder reports Q2..Q0 = 0 (host-verified). */
    *quotient_low3 = *complete ? (unsigned)(q & 7) : 0;
    if (r == 0) {
        sign = ua.sign;
    }
    return f80_pack_exact_int(sign, r, lsb_exp, s);
}

/* ---- packed BCD ---- */

Float80 f80_from_bcd(const uint8_t bcd[10], FloatStatus *s)
{
    /* Digits above 9 are undefined in the SDM; they are decoded at their
     * nibble value (10..15) times the digit weight. */
    uint64_t v = 0;
    for (int i = 8; i >= 0; i--) {
        v = v * 100 + (uint64_t)(bcd[i] >> 4) * 10 + (bcd[i] & 15);
    }
    Float80 r = f80_from_int64((int64_t)v, s);
    if (bcd[9] & 0x80) {
        r.se |= 0x8000;
    }
    return r;
}

void f80_to_bcd(Float80 a, uint8_t bcd[10], FloatStatus *s)
{
    FpUnpacked u = f80_unpack(a);
    uint64_t mag = 0;
    FloatStatus t = *s;
    s->c1_round_up = false;
    t.c1_round_up = false;
    /* No DE for a denormal source, as FIST (host-verified). */
    bool ok = u.cls == FP_CLASS_ZERO || u.cls == FP_CLASS_FINITE;
    if (ok) {
        ok = fp_to_int_magnitude(&u, s->rounding, &mag, &t) && mag <= UINT64_C(999999999999999999);
    }
    if (!ok) {
        /* BCD indefinite: FFFF C000 0000 0000 0000 from the top byte down */
        static const uint8_t indefinite[10] = { 0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF };
        for (int i = 0; i < 10; i++) {
            bcd[i] = indefinite[i];
        }
        s->flags |= FLOAT_INVALID;
        return;
    }
    *s = t;
    for (int i = 0; i < 9; i++) {
        unsigned lo = (unsigned)(mag % 10);
        mag /= 10;
        unsigned hi = (unsigned)(mag % 10);
        mag /= 10;
        bcd[i] = (uint8_t)(hi << 4 | lo);
    }
    bcd[9] = u.sign ? 0x80 : 0;
}

/* ---- constants ---- */

Float80 f80_const(unsigned which, FloatStatus *s)
{
    /* Rounded to 64 bits by RC from the exact value, without PE and
     * whatever PC says. The SDM speaks of a 66-bit internal constant, but
     * FLDLG2 (...F798 followed by binary 10 0011...) rounds up to nearest on
     * the host, so more bits than 66 take part: we keep 8. */
    static const struct {
        uint16_t se;
        uint64_t hi;      /* top 64 bits */
        uint8_t low;      /* the 8 bits below */
    } table[7] = {
        { 0x3FFF, UINT64_C(0x8000000000000000), 0 },
        { 0x4000, UINT64_C(0xD49A784BCD1B8AFE), 0x49 },   /* log2(10) */
        { 0x3FFF, UINT64_C(0xB8AA3B295C17F0BB), 0xBE },   /* log2(e) */
        { 0x4000, UINT64_C(0xC90FDAA22168C234), 0xC4 },   /* pi */
        { 0x3FFD, UINT64_C(0x9A209A84FBCFF798), 0x8F },   /* log10(2) */
        { 0x3FFE, UINT64_C(0xB17217F7D1CF79AB), 0xC9 },   /* ln(2) */
        { 0x0000, 0, 0 },
    };
    s->c1_round_up = false;
    if (which > 6) {
        which = 6;
    }
    uint64_t m = table[which].hi;
    unsigned low = table[which].low;
    bool up = false;
    switch (s->rounding) {
    case FLOAT_ROUND_NEAREST:
        up = low >= 0x80;          /* no constant lies exactly halfway */
        break;
    case FLOAT_ROUND_UP:
        up = low != 0;     /* all constants are positive */
        break;
    default:
        break;
    }
    return f80_signed(table[which].se, m + up);
}
