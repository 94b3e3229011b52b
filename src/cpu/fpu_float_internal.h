/* Private helpers shared by the fpu_float*.c files: the unpacked operand form,
 * the one rounding routine every format goes through, and the format table
 * (f32, f64, f80 at each x87 precision). Not for callers outside fpu_float*.c;
 * the public interface is fpu_float.h. Reference: IEEE 754-2008 §4, §7;
 * Intel SDM Vol. 1 §4.8-4.9 (formats, exceptions), §8.1.5 (precision control). */
#ifndef JITPC_CPU_FPU_FLOAT_INTERNAL_H
#define JITPC_CPU_FPU_FLOAT_INTERNAL_H

#include "cpu/fpu_float.h"

typedef unsigned __int128 FpU128;

/* Operand classes after unpacking. FP_CLASS_UNSUPPORTED: x87 unnormals,
 * pseudo-NaNs and pseudo-infinities (SDM Vol. 1 §8.2.2). */
enum { FP_CLASS_ZERO, FP_CLASS_FINITE, FP_CLASS_INF, FP_CLASS_QNAN, FP_CLASS_SNAN, FP_CLASS_UNSUPPORTED };

/* A finite value is sig * 2^(exp - 63) with bit 63 of sig set (denormals are
 * normalized here, `denormal` remembers that they were). */
typedef struct FpUnpacked {
    uint8_t cls;
    bool sign;
    bool denormal;
    int32_t exp;
    uint64_t sig;
} FpUnpacked;

static inline bool fp_is_nan(const FpUnpacked *u)
{
    return u->cls == FP_CLASS_QNAN || u->cls == FP_CLASS_SNAN;
}

/* Destination format of fp_round_pack: significand width, exponent range,
 * width of the stored significand (denormal resolution) and tininess. */
typedef struct FpFormat {
    int prec;          /* bits kept when normal: 24, 53 or 64 */
    int full;          /* significand bits of the storage format (24, 53, 64) */
    int32_t emin;      /* smallest normal unbiased exponent */
    int32_t emax;
    int32_t bias;
    bool sse;          /* FTZ applies */
} FpFormat;

extern const FpFormat fp_format_f32;
extern const FpFormat fp_format_f64;
extern const FpFormat fp_format_f80[4];   /* indexed by FLOAT_PREC_* (1 = 64 as well) */

/* A rounded result in storage form: biased exponent field and the full
 * significand (integer bit included at bit full-1; 0 for denormals). */
typedef struct FpPacked {
    bool sign;
    uint32_t bexp;
    uint64_t mant;
} FpPacked;

/* Round sign * sig * 2^(exp - 127) (sig with bit 127 set, or 0 for an exact
 * zero; sticky bits ORed into bit 0) to `fmt` with the mode in `s`; raises
 * OE/UE/PE and sets c1_round_up. */
FpPacked fp_round_pack(bool sign, int32_t exp, FpU128 sig, const FpFormat *fmt, FloatStatus *s);

/* Shift right keeping a sticky bit (OR of the bits shifted out) in bit 0. */
FpU128 fp_shift_right_sticky(FpU128 v, int32_t n);
int fp_clz128(FpU128 v);

/* An exact (or sticky-rounded) intermediate: sign * sig * 2^(exp - 127),
 * sig with bit 127 set, or sig == 0 for an exact signed zero. */
typedef struct FpExact {
    bool sign;
    int32_t exp;
    FpU128 sig;
} FpExact;

FpExact fp_add_exact(const FpUnpacked *ua, const FpUnpacked *ub, unsigned rounding);
FpExact fp_mul_exact(const FpUnpacked *ua, const FpUnpacked *ub);
FpExact fp_div_exact(const FpUnpacked *ua, const FpUnpacked *ub);
FpExact fp_sqrt_exact(const FpUnpacked *u);

/* |u| rounded to an integer by `rounding` (PE, c1_round_up); false when it
 * does not fit in 64 bits. */
bool fp_to_int_magnitude(const FpUnpacked *u, unsigned rounding, uint64_t *mag, FloatStatus *s);

FpUnpacked f80_unpack(Float80 a);
Float80 f80_round_exact(FpExact e, FloatStatus *s);
Float80 f80_pack(FpPacked p);
Float80 f80_round_pack(bool sign, int32_t exp, FpU128 sig, FloatStatus *s);
Float80 f80_default_nan(void);
/* x87 NaN operand rules (SDM Vol. 1 Table 4-7) for a two-operand result. */
Float80 f80_propagate_nan(Float80 a, Float80 b, const FpUnpacked *ua, const FpUnpacked *ub, FloatStatus *s);

FpUnpacked f32_unpack(Float32 a, bool daz);
FpUnpacked f64_unpack(Float64 a, bool daz);
Float32 f32_pack(FpPacked p);
Float64 f64_pack(FpPacked p);

#define F80_EXP_MAX 0x7FFF
#define F80_BIAS 16383
#define F80_QUIET_BIT (UINT64_C(1) << 62)
#define F80_INT_BIT (UINT64_C(1) << 63)

#endif
