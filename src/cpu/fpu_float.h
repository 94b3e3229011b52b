/* Portable IEEE 754 / x87 floating point in integer C: the 80-bit extended
 * format of the x87 and the 32/64-bit formats of SSE, with the rounding
 * modes, x87 precision control, the six exception flags, denormals and the
 * x86 NaN rules. No host floating point: results are bit-identical on every
 * host (x86-64, AArch64), which record/replay and CI rely on. References:
 * IEEE 754-2008; Intel SDM Vol. 1 ch. 4 (formats), ch. 8 (x87), ch. 10-11
 * (SSE, MXCSR, DAZ/FTZ), §4.8.3.5 (QNaN floating-point indefinite),
 * Table 4-7 (NaN operand rules). */
#ifndef JITPC_CPU_FPU_FLOAT_H
#define JITPC_CPU_FPU_FLOAT_H

#include <stdbool.h>
#include <stdint.h>

/* 80-bit extended: 64-bit significand with an explicit integer bit (bit 63),
 * 15-bit exponent (bias 16383) and the sign in bit 15 of `se`. */
typedef struct Float80 {
    uint64_t mant;
    uint16_t se;
} Float80;

typedef uint32_t Float32;
typedef uint64_t Float64;

/* Exception flags, in x87 status-word / MXCSR bit positions (they agree). */
enum {
    FLOAT_INVALID = 1 << 0,     /* IE */
    FLOAT_DENORMAL = 1 << 1,    /* DE: an operand was denormal */
    FLOAT_DIVZERO = 1 << 2,     /* ZE */
    FLOAT_OVERFLOW = 1 << 3,    /* OE */
    FLOAT_UNDERFLOW = 1 << 4,   /* UE */
    FLOAT_INEXACT = 1 << 5,     /* PE */
};

/* Rounding control, x87 RC / MXCSR RC encoding. */
enum { FLOAT_ROUND_NEAREST, FLOAT_ROUND_DOWN, FLOAT_ROUND_UP, FLOAT_ROUND_ZERO };

/* x87 precision control (the significand width results are rounded to). */
enum { FLOAT_PREC_24 = 0, FLOAT_PREC_53 = 2, FLOAT_PREC_64 = 3 };

/* SSE add/sub/mul/div/sqrt use the host's IEEE arithmetic where it is
 * exact by definition (fpu_float_sse.c sse_hard); tests turn it off to
 * exercise the integer path against the host. */
extern bool fp_hardfloat;

typedef struct FloatStatus {
    uint8_t rounding;           /* FLOAT_ROUND_* */
    uint8_t precision;          /* FLOAT_PREC_* (x87 only) */
    bool daz;                   /* SSE: denormal operands are zero */
    bool ftz;                   /* SSE: underflowing results flush to zero (with UE masked) */
    bool underflow_masked;      /* UM: decides when underflow is signalled (IEEE tininess rules) */
    uint16_t flags;             /* accumulated FLOAT_* flags (sticky) */
    bool c1_round_up;           /* x87 C1 after rounding: the result was rounded up in magnitude */
} FloatStatus;

/* ---- 80-bit extended (x87) ---- */
Float80 f80_add(Float80 a, Float80 b, FloatStatus *s);
Float80 f80_sub(Float80 a, Float80 b, FloatStatus *s);
Float80 f80_mul(Float80 a, Float80 b, FloatStatus *s);
Float80 f80_div(Float80 a, Float80 b, FloatStatus *s);
Float80 f80_sqrt(Float80 a, FloatStatus *s);
/* FRNDINT: round to an integer with the current rounding mode. */
Float80 f80_round_to_int(Float80 a, FloatStatus *s);
/* FSCALE: a * 2^trunc(b). */
Float80 f80_scale(Float80 a, Float80 b, FloatStatus *s);
/* FXTRACT: *exp = unbiased exponent, returns the significand in [1, 2). */
Float80 f80_extract(Float80 a, Float80 *exp, FloatStatus *s);
/* FPREM (ieee = false: truncating quotient) / FPREM1 (ieee = true: nearest);
 * *quotient_low3 gets Q2..Q0, *complete is false when only a partial
 * remainder was computed (C2 = 1). */
Float80 f80_rem(Float80 a, Float80 b, bool ieee, unsigned *quotient_low3, bool *complete, FloatStatus *s);
/* Comparison: -1 less, 0 equal, 1 greater, 2 unordered. `quiet`: QNaN
 * operands do not raise IE (FUCOM, UCOMISS); SNaNs always do. */
int f80_compare(Float80 a, Float80 b, bool quiet, FloatStatus *s);
/* FXAM class bits C3,C2,C0 as (c3 << 2 | c2 << 1 | c0), per SDM FXAM table. */
unsigned f80_classify(Float80 a);

/* Conversions. Integer results that do not fit give the integer indefinite
 * (0x8000...) and IE. `truncate` rounds toward zero whatever the mode. */
Float80 f80_from_int64(int64_t v, FloatStatus *s);
int64_t f80_to_int64(Float80 a, unsigned bits, bool truncate, FloatStatus *s);   /* bits 16, 32, 64 */
Float80 f80_from_f32(Float32 v, FloatStatus *s);
Float80 f80_from_f64(Float64 v, FloatStatus *s);
Float32 f80_to_f32(Float80 a, FloatStatus *s);
Float64 f80_to_f64(Float80 a, FloatStatus *s);
/* Packed BCD (FBLD/FBSTP): 10 bytes, 18 digits and a sign byte. */
Float80 f80_from_bcd(const uint8_t bcd[10], FloatStatus *s);
void f80_to_bcd(Float80 a, uint8_t bcd[10], FloatStatus *s);

/* Constants (FLD1, FLDPI, ...) rounded by the current mode as the x87 does. */
Float80 f80_const(unsigned which, FloatStatus *s);   /* 0 one, 1 l2t, 2 l2e, 3 pi, 4 lg2, 5 ln2, 6 zero */

/* Transcendentals (fpu_trans.c): within 1 ulp of hardware. */
Float80 f80_2xm1(Float80 a, FloatStatus *s);
Float80 f80_yl2x(Float80 x, Float80 y, FloatStatus *s);
Float80 f80_yl2xp1(Float80 x, Float80 y, FloatStatus *s);
/* FPTAN/FSIN/FCOS/FSINCOS: false when |a| >= 2^63 (C2 = 1, operand kept). */
bool f80_tan(Float80 a, Float80 *r, FloatStatus *s);
bool f80_sin(Float80 a, Float80 *r, FloatStatus *s);
bool f80_cos(Float80 a, Float80 *r, FloatStatus *s);
Float80 f80_atan2(Float80 y, Float80 x, FloatStatus *s);   /* FPATAN: atan(y / x) */

/* ---- 32/64-bit (SSE, SSE2) with MXCSR semantics ---- */
Float32 f32_add(Float32 a, Float32 b, FloatStatus *s);
Float32 f32_sub(Float32 a, Float32 b, FloatStatus *s);
Float32 f32_mul(Float32 a, Float32 b, FloatStatus *s);
Float32 f32_div(Float32 a, Float32 b, FloatStatus *s);
Float32 f32_sqrt(Float32 a, FloatStatus *s);
Float32 f32_min(Float32 a, Float32 b, FloatStatus *s);  /* MINSS: second operand on NaN or equal */
Float32 f32_max(Float32 a, Float32 b, FloatStatus *s);
int f32_compare(Float32 a, Float32 b, bool quiet, FloatStatus *s);
Float64 f64_add(Float64 a, Float64 b, FloatStatus *s);
Float64 f64_sub(Float64 a, Float64 b, FloatStatus *s);
Float64 f64_mul(Float64 a, Float64 b, FloatStatus *s);
Float64 f64_div(Float64 a, Float64 b, FloatStatus *s);
Float64 f64_sqrt(Float64 a, FloatStatus *s);
Float64 f64_min(Float64 a, Float64 b, FloatStatus *s);
Float64 f64_max(Float64 a, Float64 b, FloatStatus *s);
int f64_compare(Float64 a, Float64 b, bool quiet, FloatStatus *s);
Float64 f32_to_f64(Float32 a, FloatStatus *s);
Float32 f64_to_f32(Float64 a, FloatStatus *s);
Float32 f32_from_int32(int32_t v, FloatStatus *s);
Float64 f64_from_int32(int32_t v, FloatStatus *s);
int32_t f32_to_int32(Float32 a, bool truncate, FloatStatus *s);   /* out of range: 0x80000000, IE */
int32_t f64_to_int32(Float64 a, bool truncate, FloatStatus *s);
/* RCPSS/RSQRTSS: approximations, the values Intel documents (12 bits). */
Float32 f32_rcp_approx(Float32 a);
Float32 f32_rsqrt_approx(Float32 a);

#endif
