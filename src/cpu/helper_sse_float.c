/* SSE and SSE2 floating point: scalar and packed single/double arithmetic,
 * MIN/MAX, SQRT, the reciprocal approximations, CMPcc, (U)COMIS and every
 * conversion (including the MMX-register forms), computed by the portable
 * soft-float of fpu_float.h under MXCSR (rounding, DAZ, FTZ, masks).
 * Flags of all elements are gathered first and the destination is written
 * only if no unmasked exception is raised (SDM Vol. 1 §11.5, Vol. 2 pages
 * of each instruction; CMPPS predicate table, COMISS flag table). */
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/guest.h"
#include "cpu/mem.h"
#include "cpu/sse.h"

typedef enum FloatOp { FOP_ADD, FOP_SUB, FOP_MUL, FOP_DIV, FOP_MIN, FOP_MAX, FOP_SQRT, FOP_RCP, FOP_RSQRT,
                       FOP_CMP, FOP_NONE } FloatOp;

static FloatOp float_op(unsigned mn)
{
    switch (mn) {
    case MN_ADDPS: case MN_ADDSS: case MN_ADDPD: case MN_ADDSD: return FOP_ADD;
    case MN_SUBPS: case MN_SUBSS: case MN_SUBPD: case MN_SUBSD: return FOP_SUB;
    case MN_MULPS: case MN_MULSS: case MN_MULPD: case MN_MULSD: return FOP_MUL;
    case MN_DIVPS: case MN_DIVSS: case MN_DIVPD: case MN_DIVSD: return FOP_DIV;
    case MN_MINPS: case MN_MINSS: case MN_MINPD: case MN_MINSD: return FOP_MIN;
    case MN_MAXPS: case MN_MAXSS: case MN_MAXPD: case MN_MAXSD: return FOP_MAX;
    case MN_SQRTPS: case MN_SQRTSS: case MN_SQRTPD: case MN_SQRTSD: return FOP_SQRT;
    case MN_RCPPS: case MN_RCPSS: return FOP_RCP;
    case MN_RSQRTPS: case MN_RSQRTSS: return FOP_RSQRT;
    case MN_CMPPS: case MN_CMPSS: case MN_CMPPD: case MN_CMPSD: return FOP_CMP;
    default: return FOP_NONE;
    }
}

/* CMPcc predicates 0-7 (SDM Vol. 2A CMPPS, Table 3-7): which compare
 * outcomes (-1 less, 0 equal, 1 greater, 2 unordered) make the mask true,
 * and whether QNaN operands signal (LT, LE, NLT, NLE do). */
static bool cmp_true(unsigned pred, int r)
{
    switch (pred & 7) {
    case 0: return r == 0;
    case 1: return r == -1;
    case 2: return r == -1 || r == 0;
    case 3: return r == 2;
    case 4: return r != 0;
    case 5: return r != -1;
    case 6: return r == 1 || r == 2;
    default: return r != 2;
    }
}

static bool cmp_quiet(unsigned pred)
{
    pred &= 7;
    return pred == 0 || pred == 3 || pred == 4 || pred == 7;
}

static uint32_t op32(FloatOp op, uint32_t a, uint32_t b, unsigned imm, FloatStatus *s)
{
    switch (op) {
    case FOP_ADD: return f32_add(a, b, s);
    case FOP_SUB: return f32_sub(a, b, s);
    case FOP_MUL: return f32_mul(a, b, s);
    case FOP_DIV: return f32_div(a, b, s);
    case FOP_MIN: return f32_min(a, b, s);
    case FOP_MAX: return f32_max(a, b, s);
    case FOP_SQRT: return f32_sqrt(b, s);
    case FOP_RCP: return f32_rcp_approx(b);
    case FOP_RSQRT: return f32_rsqrt_approx(b);
    default: return cmp_true(imm, f32_compare(a, b, cmp_quiet(imm), s)) ? 0xFFFFFFFFu : 0;
    }
}

static uint64_t op64(FloatOp op, uint64_t a, uint64_t b, unsigned imm, FloatStatus *s)
{
    switch (op) {
    case FOP_ADD: return f64_add(a, b, s);
    case FOP_SUB: return f64_sub(a, b, s);
    case FOP_MUL: return f64_mul(a, b, s);
    case FOP_DIV: return f64_div(a, b, s);
    case FOP_MIN: return f64_min(a, b, s);
    case FOP_MAX: return f64_max(a, b, s);
    case FOP_SQRT: return f64_sqrt(b, s);
    default: return cmp_true(imm, f64_compare(a, b, cmp_quiet(imm), s)) ? ~0ull : 0;
    }
}

static uint32_t lo32(uint64_t q) { return (uint32_t)q; }
static uint32_t hi32(uint64_t q) { return (uint32_t)(q >> 32); }
static uint64_t pack32(uint32_t lo, uint32_t hi) { return (uint64_t)hi << 32 | lo; }

/* Scalar forms (F3: single, F2: double) work on the low element only. */
static bool is_scalar(unsigned pfx) { return pfx == SSE_PFX_F3 || pfx == SSE_PFX_F2; }

/* Conversions; `r` is the new destination, *ret a GPR result. */
static void convert(CpuState *cpu, const SseInsn *in, const uint64_t s[2], uint64_t r[2], uint64_t *ret,
                    FloatStatus *st)
{
    switch (in->mn) {
    case MN_CVTPI2PS:
        r[0] = pack32(f32_from_int32((int32_t)lo32(s[0]), st), f32_from_int32((int32_t)hi32(s[0]), st));
        break;
    case MN_CVTPI2PD: case MN_CVTDQ2PD:
        r[0] = f64_from_int32((int32_t)lo32(s[0]), st);
        r[1] = f64_from_int32((int32_t)hi32(s[0]), st);
        break;
    case MN_CVTSI2SS:
        r[0] = (r[0] & ~0xFFFFFFFFull) | f32_from_int32((int32_t)lo32(s[0]), st);
        break;
    case MN_CVTSI2SD:
        r[0] = f64_from_int32((int32_t)lo32(s[0]), st);
        break;
    case MN_CVTPS2PI: case MN_CVTTPS2PI: {
        bool t = in->mn == MN_CVTTPS2PI;
        *ret = pack32((uint32_t)f32_to_int32(lo32(s[0]), t, st), (uint32_t)f32_to_int32(hi32(s[0]), t, st));
        break;
    }
    case MN_CVTPD2PI: case MN_CVTTPD2PI: case MN_CVTPD2DQ: case MN_CVTTPD2DQ: {
        bool t = in->mn == MN_CVTTPD2PI || in->mn == MN_CVTTPD2DQ;
        uint64_t v = pack32((uint32_t)f64_to_int32(s[0], t, st), (uint32_t)f64_to_int32(s[1], t, st));
        if (in->mn == MN_CVTPD2PI || in->mn == MN_CVTTPD2PI)
            *ret = v;
        else
            r[0] = v, r[1] = 0;
        break;
    }
    case MN_CVTSS2SI: case MN_CVTTSS2SI:
        *ret = (uint32_t)f32_to_int32(lo32(s[0]), in->mn == MN_CVTTSS2SI, st);
        break;
    case MN_CVTSD2SI: case MN_CVTTSD2SI:
        *ret = (uint32_t)f64_to_int32(s[0], in->mn == MN_CVTTSD2SI, st);
        break;
    case MN_CVTPS2PD:
        r[0] = f32_to_f64(lo32(s[0]), st);
        r[1] = f32_to_f64(hi32(s[0]), st);
        break;
    case MN_CVTPD2PS:
        r[0] = pack32(f64_to_f32(s[0], st), f64_to_f32(s[1], st));
        r[1] = 0;
        break;
    case MN_CVTSS2SD:
        r[0] = f32_to_f64(lo32(s[0]), st);
        break;
    case MN_CVTSD2SS:
        r[0] = (r[0] & ~0xFFFFFFFFull) | f64_to_f32(s[0], st);
        break;
    case MN_CVTDQ2PS:
        for (unsigned i = 0; i < 2; i++)
            r[i] = pack32(f32_from_int32((int32_t)lo32(s[i]), st), f32_from_int32((int32_t)hi32(s[i]), st));
        break;
    case MN_CVTPS2DQ: case MN_CVTTPS2DQ: {
        bool t = in->mn == MN_CVTTPS2DQ;
        for (unsigned i = 0; i < 2; i++)
            r[i] = pack32((uint32_t)f32_to_int32(lo32(s[i]), t, st), (uint32_t)f32_to_int32(hi32(s[i]), t, st));
        break;
    }
    default:
        cpu_raise_exception(cpu, EXCP_UD, false, 0);
    }
}

/* Which conversions read or write an MMX register (and so follow the MMX
 * rules too). CVTPI2PD from memory does not touch the x87 state (SDM
 * Vol. 2A CVTPI2PD). */
static bool touches_mmx(const SseInsn *in)
{
    switch (in->mn) {
    case MN_CVTPI2PS: case MN_CVTPS2PI: case MN_CVTTPS2PI: case MN_CVTPD2PI: case MN_CVTTPD2PI:
        return true;
    case MN_CVTPI2PD:
        return !in->mem;
    default:
        return false;
    }
}

static bool is_double(unsigned mn)
{
    switch (mn) {
    case MN_ADDPD: case MN_ADDSD: case MN_SUBPD: case MN_SUBSD: case MN_MULPD: case MN_MULSD:
    case MN_DIVPD: case MN_DIVSD: case MN_MINPD: case MN_MINSD: case MN_MAXPD: case MN_MAXSD:
    case MN_SQRTPD: case MN_SQRTSD: case MN_CMPPD: case MN_CMPSD: case MN_COMISD: case MN_UCOMISD:
        return true;
    default:
        return false;
    }
}

uint64_t helper_sse_float(void *env, uint64_t desc, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    FpuState *f = &cpu->fpu;
    (void)a3;
    SseInsn in = sse_insn_unpack(desc, a1, a2);
    bool mmx = touches_mmx(&in);
    sse_check_xmm(cpu);
    if (mmx)
        sse_check_mmx(cpu);
    sse_check_mem(cpu, &in, 0);
    uint64_t s[2] = {0, 0};
    if (in.mem)
        sse_load(cpu, &in, s);
    else if (in.mn == MN_CVTSI2SS || in.mn == MN_CVTSI2SD)
        s[0] = in.addr;     /* the GPR's value */
    else if (in.mn == MN_CVTPI2PS || in.mn == MN_CVTPI2PD)
        s[0] = f->st[in.rm].mant;
    else
        memcpy(s, f->xmm[in.rm], 16);
    uint64_t r[2];
    memcpy(r, f->xmm[in.reg], 16);
    FloatStatus st = sse_float_status(cpu);
    uint64_t ret = 0;
    FloatOp op = float_op(in.mn);
    bool dbl = is_double(in.mn);
    if (in.mn == MN_COMISS || in.mn == MN_UCOMISS || in.mn == MN_COMISD || in.mn == MN_UCOMISD) {
        bool quiet = in.mn == MN_UCOMISS || in.mn == MN_UCOMISD;
        int c = dbl ? f64_compare(r[0], s[0], quiet, &st) : f32_compare(lo32(r[0]), lo32(s[0]), quiet, &st);
        /* Unordered: ZF PF CF; less: CF; equal: ZF; OF SF AF cleared. */
        ret = c == 2 ? (CC_Z | CC_P | CC_C) : c == -1 ? CC_C : c == 0 ? CC_Z : 0;
        sse_commit_flags(cpu, st.flags, st.flags);
        return ret;
    }
    if (op == FOP_NONE) {
        convert(cpu, &in, s, r, &ret, &st);
    } else if (dbl) {
        unsigned n = is_scalar(in.pfx) ? 1 : 2;
        for (unsigned i = 0; i < n; i++)
            r[i] = op64(op, r[i], s[i], in.imm, &st);
    } else {
        unsigned n = is_scalar(in.pfx) ? 1 : 4;
        for (unsigned i = 0; i < n; i++) {
            uint32_t a = (uint32_t)(r[i / 2] >> (32 * (i % 2))), b = (uint32_t)(s[i / 2] >> (32 * (i % 2)));
            uint64_t v = op32(op, a, b, in.imm, &st);
            r[i / 2] = (r[i / 2] & ~(0xFFFFFFFFull << (32 * (i % 2)))) | (v << (32 * (i % 2)));
        }
    }
    sse_commit_flags(cpu, st.flags, st.flags);
    switch (in.mn) {
    case MN_CVTPS2PI: case MN_CVTTPS2PI: case MN_CVTPD2PI: case MN_CVTTPD2PI:
        mmx_set(cpu, in.reg, ret);
        ret = 0;
        break;
    case MN_CVTSS2SI: case MN_CVTTSS2SI: case MN_CVTSD2SI: case MN_CVTTSD2SI:
        break;
    default:
        memcpy(f->xmm[in.reg], r, 16);
        break;
    }
    if (mmx)
        fpu_mmx_enter(f);
    return ret;
}
