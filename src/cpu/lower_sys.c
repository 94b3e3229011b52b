/* Lowering of the protected-mode system instructions: LLDT SLDT LTR STR,
 * LAR LSL VERR VERW ARPL, CLTS, INVLPG INVD WBINVD, RDMSR WRMSR RDPMC,
 * SYSENTER SYSEXIT, and RSM (#UD: there is no SMM). The privilege checks
 * are in the helpers (helper_prot.c, helper_msr.c); the instructions that
 * do not exist in real and virtual-8086 mode are #UD here, from the block
 * key (SDM Vol. 2, each page's "Real-Address Mode Exceptions"). LGDT,
 * LIDT, SGDT, SIDT, LMSW, SMSW and MOV CRn are in lower_misc.c. */
#include "cpu/translate.h"

/* LLDT..VERW and ARPL: protected mode only. */
static bool require_protected(DisasContext *s)
{
    if (s->pe && !s->vm)
        return true;
    gen_exception(s, EXCP_UD);
    return false;
}

/* Set ZF to `ok` (0 or 1), keeping the other flags. */
static void set_zf(DisasContext *s, IrTemp ok)
{
    IrTemp f = gen_flags(s), z = gen_tmp(s);
    ir_binop(s->b, IR_and, IR_I32, f, f, gen_imm(s, ~CC_Z));
    ir_binop(s->b, IR_shl, IR_I32, z, ok, gen_imm(s, 6));
    ir_binop(s->b, IR_or, IR_I32, f, f, z);
    gen_set_flags_eflags(s, f);
}

static void lower_sldt_str(DisasContext *s)
{
    if (!require_protected(s))
        return;
    IrTemp v = gen_tmp(s);
    ir_ld_env(s->b, IR_I32, v, s->d->mnemonic == MN_SLDT ? CPU_OFF(ldt.selector) : CPU_OFF(tr.selector), 4);
    /* To a 32-bit register the selector is zero-extended (P6 and later);
     * to memory it is a word. */
    gen_st_op(s, 0, gen_mask(s, v, op_size(s, 0)));
}

static void lower_lldt_ltr(DisasContext *s)
{
    if (!require_protected(s))
        return;
    IrTemp sel = gen_ld_op(s, 0);
    gen_helper(s, s->d->mnemonic == MN_LLDT ? HELPER_lldt : HELPER_ltr, IR_NO_TEMP, 1, sel);
}

/* LAR/LSL/VERR/VERW: the helper reads the descriptor without faulting on
 * the selector and returns the value with ZF in bit 32. */
static IrTemp gen_probe(DisasContext *s, unsigned kind, IrTemp sel, IrTemp *ok)
{
    IrTemp w = ir_new_temp(s->b, IR_I64), hi = ir_new_temp(s->b, IR_I64), v = gen_tmp(s);
    gen_helper(s, HELPER_probe_desc, w, 2, gen_imm(s, kind), sel);
    ir_unop(s->b, IR_trunc32, IR_I32, v, w);
    ir_binop(s->b, IR_shr, IR_I64, hi, w, ir_const(s->b, IR_I64, 32));
    *ok = gen_tmp(s);
    ir_unop(s->b, IR_trunc32, IR_I32, *ok, hi);
    return v;
}

static void lower_lar_lsl(DisasContext *s)
{
    if (!require_protected(s))
        return;
    unsigned size = op_size(s, 0);
    IrTemp ok, v = gen_probe(s, s->d->mnemonic == MN_LAR ? 0 : 1, gen_ld_op(s, 1), &ok);
    /* The destination changes only when ZF is set. */
    IrTemp cur = gen_get_reg(s, s->d->reg, size), r = gen_tmp(s);
    ir_movcond(s->b, IR_I32, IR_COND_NE, r, ok, gen_imm(s, 0), v, cur);
    gen_set_reg(s, s->d->reg, size, r);
    set_zf(s, ok);
}

static void lower_verr_verw(DisasContext *s)
{
    if (!require_protected(s))
        return;
    IrTemp ok;
    gen_probe(s, s->d->mnemonic == MN_VERR ? 2 : 3, gen_ld_op(s, 0), &ok);
    set_zf(s, ok);
}

/* ARPL r/m16, r16: raise the destination's RPL to the source's, ZF says
 * whether it changed (SDM Vol. 2A ARPL). */
static void lower_arpl(DisasContext *s)
{
    if (!require_protected(s))
        return;
    IrTemp dst = gen_ld_op(s, 0), src = gen_ld_op(s, 1);
    IrTemp drpl = gen_tmp(s), srpl = gen_tmp(s), less = gen_tmp(s), adj = gen_tmp(s), r = gen_tmp(s);
    ir_binop(s->b, IR_and, IR_I32, drpl, dst, gen_imm(s, 3));
    ir_binop(s->b, IR_and, IR_I32, srpl, src, gen_imm(s, 3));
    ir_setcond(s->b, IR_I32, IR_COND_LTU, less, drpl, srpl);
    ir_binop(s->b, IR_and, IR_I32, adj, dst, gen_imm(s, 0xFFFC));
    ir_binop(s->b, IR_or, IR_I32, adj, adj, srpl);
    ir_movcond(s->b, IR_I32, IR_COND_NE, r, less, gen_imm(s, 0), adj, dst);
    gen_st_op(s, 0, r);         /* flags after the store: a faulting store leaves them */
    set_zf(s, less);
}

static void lower_clts(DisasContext *s)
{
    gen_helper(s, HELPER_clts, IR_NO_TEMP, 0);
    /* CR0.TS decides #NM for x87/SSE code: back to the loop. */
    gen_end_block(s);
}

static void lower_invlpg(DisasContext *s)
{
    gen_compute_ea(s);
    gen_helper(s, HELPER_invlpg, IR_NO_TEMP, 1, s->ea_linear);
    /* The code that follows may be mapped differently now. */
    gen_end_block(s);
}

/* INVD/WBINVD: CPL 0; jitpc has no caches to flush. */
static void lower_invd(DisasContext *s)
{
    gen_helper(s, HELPER_check_cpl0, IR_NO_TEMP, 0);
}

static void lower_rdmsr(DisasContext *s)
{
    gen_helper(s, HELPER_rdmsr, IR_NO_TEMP, 0);
}

static void lower_wrmsr(DisasContext *s)
{
    gen_helper(s, HELPER_wrmsr, IR_NO_TEMP, 0);
}

static void lower_rdpmc(DisasContext *s)
{
    gen_helper(s, HELPER_rdpmc, IR_NO_TEMP, 0);
}

static void lower_sysenter_sysexit(DisasContext *s)
{
    gen_helper(s, s->d->mnemonic == MN_SYSENTER ? HELPER_sysenter : HELPER_sysexit, IR_NO_TEMP, 0);
    ir_exit_tb(s->b, X86_EXIT_NORMAL);
    s->ended = true;
}

/* RSM outside system-management mode is #UD (SDM Vol. 2B RSM). */
static void lower_rsm(DisasContext *s)
{
    gen_exception(s, EXCP_UD);
}

void lower_register_sys(LowerFn **t);
void lower_register_sys(LowerFn **t)
{
    t[MN_SLDT] = t[MN_STR] = lower_sldt_str;
    t[MN_LLDT] = t[MN_LTR] = lower_lldt_ltr;
    t[MN_LAR] = t[MN_LSL] = lower_lar_lsl;
    t[MN_VERR] = t[MN_VERW] = lower_verr_verw;
    t[MN_ARPL] = lower_arpl;
    t[MN_CLTS] = lower_clts;
    t[MN_INVLPG] = lower_invlpg;
    t[MN_INVD] = t[MN_WBINVD] = lower_invd;
    t[MN_RDMSR] = lower_rdmsr;
    t[MN_WRMSR] = lower_wrmsr;
    t[MN_RDPMC] = lower_rdpmc;
    t[MN_SYSENTER] = t[MN_SYSEXIT] = lower_sysenter_sysexit;
    t[MN_RSM] = lower_rsm;
}
