/* Conversions: x87 FILD/FIST/FISTTP (int16/32/64), FLD/FST m32/m64, and the
 * SSE CVT* family (f32 <-> f64, int32 <-> f32/f64). Narrowing goes through
 * fp_round_pack with the destination's exponent range; NaNs keep their high
 * significand bits. References: Intel SDM Vol. 1 §4.8.3.7 (integer
 * indefinite), §8.2-8.3, Table 4-7; Vol. 2 FIST, FST, CVTSS2SI, CVTSD2SS. */
#include "cpu/fpu_float_internal.h"

/* FST m32/m64 round to the memory format: no precision control, the
 * narrower exponent range, x87 tininess. */
static const FpFormat fp_format_x87_f32 = { 24, 24, -126, 127, 127, false };
static const FpFormat fp_format_x87_f64 = { 53, 53, -1022, 1023, 1023, false };

/* |round(u)| as an integer by `rounding`; false when it does not fit in 64
 * bits. Sets PE when inexact and c1_round_up when the magnitude grew. */
bool fp_to_int_magnitude(const FpUnpacked *u, unsigned rounding, uint64_t *mag, FloatStatus *s)
{
    *mag = 0;
    if (u->cls == FP_CLASS_ZERO) {
        return true;
    }
    if (u->exp >= 64) {
        return false;
    }
    if (u->exp == 63) {
        *mag = u->sig;
        return true;
    }
    int32_t shift = 63 - u->exp;
    uint64_t q, rem;
    bool above_half, at_half;
    if (shift > 64) {
        q = 0;
        rem = 1;
        above_half = at_half = false;
    } else if (shift == 64) {
        q = 0;
        rem = u->sig;
        above_half = rem > (UINT64_C(1) << 63);
        at_half = rem == (UINT64_C(1) << 63);
    } else {
        q = u->sig >> shift;
        rem = u->sig & ((UINT64_C(1) << shift) - 1);
        uint64_t half = UINT64_C(1) << (shift - 1);
        above_half = rem > half;
        at_half = rem == half;
    }
    bool up = false;
    if (rem) {
        s->flags |= FLOAT_INEXACT;
        switch (rounding) {
        case FLOAT_ROUND_NEAREST:
            up = above_half || (at_half && (q & 1));
            break;
        case FLOAT_ROUND_DOWN:
            up = u->sign;
            break;
        case FLOAT_ROUND_UP:
            up = !u->sign;
            break;
        default:
            break;
        }
    }
    if (up) {
        q++;
        s->c1_round_up = true;
    }
    *mag = q;
    return true;
}

Float80 f80_from_int64(int64_t v, FloatStatus *s)
{
    s->c1_round_up = false;
    Float80 r = { 0, 0 };
    if (v == 0) {
        return r;
    }
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    int lz = __builtin_clzll(mag);
    r.mant = mag << lz;
    r.se = (uint16_t)((v < 0 ? 0x8000 : 0) | (F80_BIAS + 63 - lz));
    return r;
}

int64_t f80_to_int64(Float80 a, unsigned bits, bool truncate, FloatStatus *s)
{
    FpUnpacked u = f80_unpack(a);
    int64_t indefinite = (int64_t)(UINT64_C(0xFFFFFFFFFFFFFFFF) << (bits - 1));
    s->c1_round_up = false;
    if (u.cls != FP_CLASS_ZERO && u.cls != FP_CLASS_FINITE) {
        s->flags |= FLOAT_INVALID;
        return indefinite;
    }
    /* FIST does not signal DE for a denormal source (host-verified). */
    uint64_t mag;
    FloatStatus t = *s;
    uint64_t limit = (UINT64_C(1) << (bits - 1)) - (u.sign ? 0 : 1);
    if (!fp_to_int_magnitude(&u, truncate ? FLOAT_ROUND_ZERO : s->rounding, &mag, &t) || mag > limit) {
        /* Out of range: the indefinite, IE only (no PE). */
        s->flags |= FLOAT_INVALID;
        return indefinite;
    }
    *s = t;
    return u.sign ? (int64_t)(0 - mag) : (int64_t)mag;
}

Float80 f80_from_f32(Float32 v, FloatStatus *s)
{
    FpUnpacked u = f32_unpack(v, false);
    s->c1_round_up = false;
    Float80 r = { 0, (uint16_t)(u.sign ? 0x8000 : 0) };
    switch (u.cls) {
    case FP_CLASS_ZERO:
        return r;
    case FP_CLASS_INF:
        r.se |= F80_EXP_MAX;
        r.mant = F80_INT_BIT;
        return r;
    case FP_CLASS_SNAN:
    case FP_CLASS_QNAN:
        if (u.cls == FP_CLASS_SNAN) {
            s->flags |= FLOAT_INVALID;
        }
        r.se |= F80_EXP_MAX;
        r.mant = F80_INT_BIT | F80_QUIET_BIT | ((uint64_t)(v & 0x7FFFFF) << 40);
        return r;
    default:
        if (u.denormal) {
            s->flags |= FLOAT_DENORMAL;
        }
        r.se |= (uint16_t)(u.exp + F80_BIAS);
        r.mant = u.sig;
        return r;
    }
}

Float80 f80_from_f64(Float64 v, FloatStatus *s)
{
    FpUnpacked u = f64_unpack(v, false);
    s->c1_round_up = false;
    Float80 r = { 0, (uint16_t)(u.sign ? 0x8000 : 0) };
    switch (u.cls) {
    case FP_CLASS_ZERO:
        return r;
    case FP_CLASS_INF:
        r.se |= F80_EXP_MAX;
        r.mant = F80_INT_BIT;
        return r;
    case FP_CLASS_SNAN:
    case FP_CLASS_QNAN:
        if (u.cls == FP_CLASS_SNAN) {
            s->flags |= FLOAT_INVALID;
        }
        r.se |= F80_EXP_MAX;
        r.mant = F80_INT_BIT | F80_QUIET_BIT | ((v & ((UINT64_C(1) << 52) - 1)) << 11);
        return r;
    default:
        if (u.denormal) {
            s->flags |= FLOAT_DENORMAL;
        }
        r.se |= (uint16_t)(u.exp + F80_BIAS);
        r.mant = u.sig;
        return r;
    }
}

/* FST to a narrower format: the shared part of f80_to_f32/f64. A NaN keeps
 * the top significand bits that fit, quieted. */
static FpPacked f80_narrow(Float80 a, const FpFormat *fmt, FloatStatus *s)
{
    FpUnpacked u = f80_unpack(a);
    FpPacked p = { u.sign, 0, 0 };
    uint32_t inf_exp = (uint32_t)(2 * fmt->bias + 1);
    uint64_t quiet = UINT64_C(1) << (fmt->full - 2);
    s->c1_round_up = false;
    switch (u.cls) {
    case FP_CLASS_UNSUPPORTED:
        s->flags |= FLOAT_INVALID;
        p.sign = true;
        p.bexp = inf_exp;
        p.mant = quiet;
        return p;
    case FP_CLASS_SNAN:
    case FP_CLASS_QNAN:
        if (u.cls == FP_CLASS_SNAN) {
            s->flags |= FLOAT_INVALID;
        }
        p.bexp = inf_exp;
        p.mant = (a.mant >> (64 - fmt->full)) | quiet;
        return p;
    case FP_CLASS_INF:
        p.bexp = inf_exp;
        return p;
    case FP_CLASS_ZERO:
        return p;
    default:
        /* no DE: FST of an extended denormal only underflows (host-verified) */
        return fp_round_pack(u.sign, u.exp, (FpU128)u.sig << 64, fmt, s);
    }
}

Float32 f80_to_f32(Float80 a, FloatStatus *s)
{
    return f32_pack(f80_narrow(a, &fp_format_x87_f32, s));
}

Float64 f80_to_f64(Float80 a, FloatStatus *s)
{
    return f64_pack(f80_narrow(a, &fp_format_x87_f64, s));
}

/* ---- SSE conversions ---- */

Float64 f32_to_f64(Float32 a, FloatStatus *s)
{
    FpUnpacked u = f32_unpack(a, s->daz);
    uint64_t sign = (uint64_t)u.sign << 63;
    switch (u.cls) {
    case FP_CLASS_ZERO:
        return sign;
    case FP_CLASS_INF:
        return sign | (UINT64_C(0x7FF) << 52);
    case FP_CLASS_SNAN:
    case FP_CLASS_QNAN:
        if (u.cls == FP_CLASS_SNAN) {
            s->flags |= FLOAT_INVALID;
        }
        return sign | (UINT64_C(0x7FF) << 52) | (UINT64_C(1) << 51) | ((uint64_t)(a & 0x7FFFFF) << 29);
    default:
        if (u.denormal) {
            s->flags |= FLOAT_DENORMAL;
        }
        return sign | ((uint64_t)(u.exp + 1023) << 52) | ((u.sig << 1) >> 12);
    }
}

Float32 f64_to_f32(Float64 a, FloatStatus *s)
{
    FpUnpacked u = f64_unpack(a, s->daz);
    uint32_t sign = (uint32_t)u.sign << 31;
    switch (u.cls) {
    case FP_CLASS_ZERO:
        return sign;
    case FP_CLASS_INF:
        return sign | 0x7F800000u;
    case FP_CLASS_SNAN:
    case FP_CLASS_QNAN:
        if (u.cls == FP_CLASS_SNAN) {
            s->flags |= FLOAT_INVALID;
        }
        return sign | 0x7FC00000u | (uint32_t)((a >> 29) & 0x7FFFFF);
    default:
        if (u.denormal) {
            s->flags |= FLOAT_DENORMAL;
        }
        return f32_pack(fp_round_pack(u.sign, u.exp, (FpU128)u.sig << 64, &fp_format_f32, s));
    }
}

Float32 f32_from_int32(int32_t v, FloatStatus *s)
{
    if (v == 0) {
        return 0;
    }
    uint64_t mag = v < 0 ? 0 - (uint64_t)(int64_t)v : (uint64_t)v;
    int lz = __builtin_clzll(mag);
    return f32_pack(fp_round_pack(v < 0, 63 - lz, (FpU128)(mag << lz) << 64, &fp_format_f32, s));
}

Float64 f64_from_int32(int32_t v, FloatStatus *s)
{
    if (v == 0) {
        return 0;
    }
    uint64_t mag = v < 0 ? 0 - (uint64_t)(int64_t)v : (uint64_t)v;
    int lz = __builtin_clzll(mag);
    return f64_pack(fp_round_pack(v < 0, 63 - lz, (FpU128)(mag << lz) << 64, &fp_format_f64, s));
}

static int32_t fp_sse_to_int32(const FpUnpacked *u, bool truncate, FloatStatus *s)
{
    if (u->cls != FP_CLASS_ZERO && u->cls != FP_CLASS_FINITE) {
        s->flags |= FLOAT_INVALID;
        return INT32_MIN;
    }
    uint64_t mag;
    FloatStatus t = *s;
    uint64_t limit = UINT64_C(0x7FFFFFFF) + u->sign;
    if (!fp_to_int_magnitude(u, truncate ? FLOAT_ROUND_ZERO : s->rounding, &mag, &t) || mag > limit) {
        s->flags |= FLOAT_INVALID;
        return INT32_MIN;
    }
    s->flags = t.flags;
    return u->sign ? (int32_t)(0 - (uint32_t)mag) : (int32_t)mag;
}

int32_t f32_to_int32(Float32 a, bool truncate, FloatStatus *s)
{
    FpUnpacked u = f32_unpack(a, s->daz);
    return fp_sse_to_int32(&u, truncate, s);
}

int32_t f64_to_int32(Float64 a, bool truncate, FloatStatus *s)
{
    FpUnpacked u = f64_unpack(a, s->daz);
    return fp_sse_to_int32(&u, truncate, s);
}
