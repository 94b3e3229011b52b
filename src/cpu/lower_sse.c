/* Lowering of SSE and SSE2 (SDM Vol. 1 ch. 10-11, Vol. 2 instruction
 * pages): every instruction on XMM or MMX registers is one call of a
 * helper (helper_sse*.c) with the instruction packed into an SseDesc;
 * the IR computes the memory operand's address (so segment bases and
 * address size come from the shared code) and writes back GPR and EFLAGS
 * results. Ordering and cache-control instructions that need no state
 * (fences, prefetches, CLFLUSH, MOVNTI) stay in IR. MMX registrations are
 * in lower_mmx.c. */
#include "cpu/sse.h"
#include "cpu/translate.h"

_Static_assert(MN_COUNT < 1024, "SseDesc holds the mnemonic in 10 bits");

static bool is_gpr_kind(OperandKind k)
{
    return k == OPND_Ed || k == OPND_MwRd || k == OPND_Rd;
}

static unsigned prefix_code(const DecodedInsn *d)
{
    switch (d->mandatory_prefix) {
    case 0x66: return SSE_PFX_66;
    case 0xF3: return SSE_PFX_F3;
    case 0xF2: return SSE_PFX_F2;
    default: return SSE_PFX_NONE;
    }
}

/* Segment limit checks are needed unless the segment is one of the flat
 * ones the block key vouches for (as gen_load decides). */
static bool needs_segchk(const DisasContext *s, int seg)
{
    if (!s->pe || s->vm)
        return false;
    return !((s->hflags & HF_FLAT) && seg != SEG_FS && seg != SEG_GS);
}

void gen_simd(DisasContext *s, unsigned helper)
{
    const DecodedInsn *d = s->d;
    uint64_t desc = ((uint64_t)d->mnemonic << SSE_D_MN_SHIFT) | ((uint64_t)prefix_code(d) << SSE_D_PFX_SHIFT) |
                    ((uint64_t)d->opcode << SSE_D_OPC_SHIFT) | ((uint64_t)d->reg << SSE_D_REG_SHIFT) |
                    ((uint64_t)d->rm << SSE_D_RM_SHIFT) | ((uint64_t)(d->imm & 0xFF) << SSE_D_IMM_SHIFT);
    IrTemp a1 = gen_imm(s, 0), a2 = gen_imm(s, 0);
    int seg = -1;
    unsigned size = 0;
    bool write = false;
    if (d->mnemonic == MN_MASKMOVQ || d->mnemonic == MN_MASKMOVDQU) {
        /* The implicit destination DS:[E]DI (DS may be overridden). */
        seg = d->seg >= 0 ? d->seg : SEG_DS;
        a2 = gen_mask(s, reg_global(R_EDI), d->addr_size);
        a1 = gen_linear(s, seg, a2);
        size = d->mnemonic == MN_MASKMOVQ ? 8 : 16;
        write = true;
    } else {
        for (unsigned i = 0; i < d->noperands; i++) {
            OperandKind k = d->operands[i];
            OperandSource src = decode_operand_source(k);
            if (src != OPSRC_RM && src != OPSRC_MEM)
                continue;
            if (d->mod != 3) {
                gen_compute_ea(s);
                a1 = s->ea_linear, a2 = s->ea_offset;
                seg = d->ea_seg >= 0 ? d->ea_seg : SEG_DS;
                size = decode_operand_size(d, i);
                write = i == 0;
            } else if (is_gpr_kind(k) && i > 0) {
                a1 = gen_get_reg(s, d->rm, 4);
            }
            break;
        }
    }
    if (seg >= 0) {
        desc |= SSE_D_MEM | ((uint64_t)seg << SSE_D_SEG_SHIFT) | ((uint64_t)size << SSE_D_SIZE_SHIFT);
        if (write)
            desc |= SSE_D_WRITE;
        if (needs_segchk(s, seg))
            desc |= SSE_D_SEGCHK;
    }
    IrTemp ret = ir_new_temp(s->b, IR_I64);
    gen_helper(s, helper, ret, 3, ir_const(s->b, IR_I64, desc), a1, a2);
    IrTemp r32 = gen_tmp(s);
    ir_unop(s->b, IR_trunc32, IR_I32, r32, ret);
    OperandKind k0 = d->operands[0];
    if (k0 == OPND_Gd)
        gen_set_reg(s, d->reg, 4, r32);
    else if (k0 == OPND_Ed && d->mod == 3)
        gen_set_reg(s, d->rm, 4, r32);
    if (d->mnemonic == MN_COMISS || d->mnemonic == MN_UCOMISS || d->mnemonic == MN_COMISD ||
        d->mnemonic == MN_UCOMISD)
        gen_set_flags_eflags(s, r32);
}

static void lower_sse_move(DisasContext *s)
{
    gen_simd(s, HELPER_sse_move);
}

static void lower_sse_int(DisasContext *s)
{
    gen_simd(s, HELPER_sse_int);
}

static void lower_sse_float(DisasContext *s)
{
    gen_simd(s, HELPER_sse_float);
}

/* Fences and prefetches: jitpc runs one CPU and keeps program order for
 * every access, so they order nothing; prefetches never fault (SDM Vol. 2B
 * PREFETCHh). */
static void lower_nop(DisasContext *s)
{
    (void)s;
}

/* CLFLUSH faults exactly as a byte load would (SDM Vol. 2A CLFLUSH); there
 * is no cache to flush. */
static void lower_clflush(DisasContext *s)
{
    gen_compute_ea(s);
    gen_load(s, s->ea_linear, 1, false);
}

/* MOVNTI m32, r32: an ordinary store; the hint does not change the result. */
static void lower_movnti(DisasContext *s)
{
    gen_st_op(s, 0, gen_get_reg(s, s->d->reg, 4));
}

void lower_register_sse(LowerFn **t)
{
    static const uint16_t moves[] = {
        MN_MOVAPS, MN_MOVUPS, MN_MOVAPD, MN_MOVUPD, MN_MOVDQA, MN_MOVDQU, MN_MOVSS, MN_MOVSD,
        MN_MOVLPS, MN_MOVLPD, MN_MOVHPS, MN_MOVHPD, MN_MOVHLPS, MN_MOVLHPS, MN_MOVNTPS, MN_MOVNTPD,
        MN_MOVNTDQ, MN_MOVNTQ, MN_MOVQ2DQ, MN_MOVDQ2Q, MN_MOVMSKPS, MN_MOVMSKPD, MN_MASKMOVQ,
        MN_MASKMOVDQU, MN_LDMXCSR, MN_STMXCSR,
    };
    static const uint16_t ints[] = {
        MN_ANDPS, MN_ANDNPS, MN_ORPS, MN_XORPS, MN_ANDPD, MN_ANDNPD, MN_ORPD, MN_XORPD,
        MN_SHUFPS, MN_SHUFPD, MN_UNPCKHPS, MN_UNPCKLPS, MN_UNPCKHPD, MN_UNPCKLPD,
        MN_PAVGB, MN_PAVGW, MN_PEXTRW, MN_PINSRW, MN_PMAXUB, MN_PMAXSW, MN_PMINUB, MN_PMINSW,
        MN_PMOVMSKB, MN_PMULHUW, MN_PSADBW, MN_PSHUFW, MN_PMULUDQ, MN_PADDQ, MN_PSUBQ,
        MN_PSHUFLW, MN_PSHUFHW, MN_PSHUFD, MN_PSLLDQ, MN_PSRLDQ, MN_PUNPCKHQDQ, MN_PUNPCKLQDQ,
    };
    static const uint16_t floats[] = {
        MN_ADDPS, MN_ADDSS, MN_SUBPS, MN_SUBSS, MN_MULPS, MN_MULSS, MN_DIVPS, MN_DIVSS,
        MN_RCPPS, MN_RCPSS, MN_SQRTPS, MN_SQRTSS, MN_RSQRTPS, MN_RSQRTSS, MN_MAXPS, MN_MAXSS,
        MN_MINPS, MN_MINSS, MN_CMPPS, MN_CMPSS, MN_COMISS, MN_UCOMISS, MN_CVTPI2PS, MN_CVTSI2SS,
        MN_CVTPS2PI, MN_CVTTPS2PI, MN_CVTSS2SI, MN_CVTTSS2SI,
        MN_ADDPD, MN_ADDSD, MN_SUBPD, MN_SUBSD, MN_MULPD, MN_MULSD, MN_DIVPD, MN_DIVSD,
        MN_SQRTPD, MN_SQRTSD, MN_MAXPD, MN_MAXSD, MN_MINPD, MN_MINSD, MN_CMPPD, MN_CMPSD,
        MN_COMISD, MN_UCOMISD, MN_CVTPD2PI, MN_CVTTPD2PI, MN_CVTPI2PD, MN_CVTPD2DQ, MN_CVTTPD2DQ,
        MN_CVTDQ2PD, MN_CVTPS2PD, MN_CVTPD2PS, MN_CVTSS2SD, MN_CVTSD2SS, MN_CVTSD2SI, MN_CVTTSD2SI,
        MN_CVTSI2SD, MN_CVTDQ2PS, MN_CVTPS2DQ, MN_CVTTPS2DQ,
    };
    for (unsigned i = 0; i < sizeof(moves) / sizeof(moves[0]); i++)
        t[moves[i]] = lower_sse_move;
    for (unsigned i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        t[ints[i]] = lower_sse_int;
    for (unsigned i = 0; i < sizeof(floats) / sizeof(floats[0]); i++)
        t[floats[i]] = lower_sse_float;
    t[MN_PREFETCHT0] = t[MN_PREFETCHT1] = t[MN_PREFETCHT2] = t[MN_PREFETCHNTA] = lower_nop;
    t[MN_SFENCE] = t[MN_LFENCE] = t[MN_MFENCE] = lower_nop;
    t[MN_CLFLUSH] = lower_clflush;
    t[MN_MOVNTI] = lower_movnti;
    lower_register_mmx(t);
}
