/* Lowering of flag instructions (CLC STC CMC CLD STD CLI STI SALC), port
 * I/O (IN OUT), CPUID, RDTSC, UD1/UD2, and the system instructions
 * that switch modes (LGDT LIDT SGDT SIDT, MOV CRn, LMSW, SMSW). CLI, STI
 * and the port accesses go through helpers with each mode's IOPL rules;
 * the other system instructions are in lower_sys.c. SDM Vol. 2. */
#include "cpu/translate.h"

static void set_cf(DisasContext *s, int how)   /* 0 clear, 1 set, 2 complement */
{
    IrTemp f = gen_flags(s);
    if (how == 0)
        ir_binop(s->b, IR_and, IR_I32, f, f, gen_imm(s, ~CC_C));
    else if (how == 1)
        ir_binop(s->b, IR_or, IR_I32, f, f, gen_imm(s, CC_C));
    else
        ir_binop(s->b, IR_xor, IR_I32, f, f, gen_imm(s, CC_C));
    gen_set_flags_eflags(s, f);
}

static void lower_clc(DisasContext *s) { set_cf(s, 0); }
static void lower_stc(DisasContext *s) { set_cf(s, 1); }
static void lower_cmc(DisasContext *s) { set_cf(s, 2); }

static void lower_cld(DisasContext *s)
{
    ir_movi(s->b, IR_I32, ir_global(G_DF), 1);
}

static void lower_std(DisasContext *s)
{
    ir_movi(s->b, IR_I32, ir_global(G_DF), UINT32_MAX);
}

static void lower_cli(DisasContext *s)
{
    gen_helper(s, HELPER_cli, IR_NO_TEMP, 0);
}

static void lower_sti(DisasContext *s)
{
    gen_helper(s, HELPER_sti, IR_NO_TEMP, 0);
    /* Interrupts become visible at the next block entry after the next
     * instruction: end this block here (the shadow is in the helper). */
    gen_end_block(s);
}

/* SALC (D6): AL = CF ? 0xFF : 0; undocumented but present on P6. */
static void lower_salc(DisasContext *s)
{
    IrTemp c = gen_setcc(s, DECODE_CC_B), t = gen_tmp(s);
    ir_unop(s->b, IR_neg, IR_I32, t, c);
    gen_set_reg(s, R_EAX, 1, t);
}

static void lower_in(DisasContext *s)
{
    unsigned size = op_size(s, 0);
    IrTemp port = gen_ld_op(s, 1);
    IrTemp w = ir_new_temp(s->b, IR_I64), v = gen_tmp(s);
    gen_helper(s, HELPER_in, w, 2, port, gen_imm(s, size));
    ir_unop(s->b, IR_trunc32, IR_I32, v, w);
    gen_set_reg(s, R_EAX, size, v);
}

static void lower_out(DisasContext *s)
{
    unsigned size = op_size(s, 1);
    IrTemp port = gen_ld_op(s, 0), v = gen_ld_op(s, 1);
    gen_helper(s, HELPER_out, IR_NO_TEMP, 3, port, v, gen_imm(s, size));
    /* A device may have asked the machine to stop (exit port, reset):
     * return to the loop so it is seen before the next instruction. */
    gen_end_block(s);
}

static void lower_cpuid(DisasContext *s)
{
    gen_helper(s, HELPER_cpuid, IR_NO_TEMP, 0);
}

static void lower_rdtsc(DisasContext *s)
{
    gen_helper(s, HELPER_rdtsc, IR_NO_TEMP, 0);
}

static void lower_ud(DisasContext *s)
{
    gen_exception(s, EXCP_UD);
}

/* LGDT/LIDT m16&32: with a 16-bit operand size only 24 bits of the base
 * are loaded (SDM Vol. 2A LGDT). */
static void lower_lxdt(DisasContext *s)
{
    const DecodedInsn *d = s->d;
    if (d->mod == 3) {
        gen_exception(s, EXCP_UD);
        return;
    }
    gen_compute_ea(s);
    IrTemp limit = gen_load(s, s->ea_linear, 2, false), a = gen_tmp(s);
    ir_binop(s->b, IR_add, IR_I32, a, s->ea_linear, gen_imm(s, 2));
    IrTemp base = gen_load(s, a, 4, false);
    if (d->op_size == 2)
        ir_binop(s->b, IR_and, IR_I32, base, base, gen_imm(s, 0x00FFFFFF));
    gen_helper(s, HELPER_load_dtr, IR_NO_TEMP, 3, gen_imm(s, d->mnemonic == MN_LIDT), base, limit);
}

static void lower_sxdt(DisasContext *s)
{
    const DecodedInsn *d = s->d;
    if (d->mod == 3) {
        gen_exception(s, EXCP_UD);
        return;
    }
    bool idt = d->mnemonic == MN_SIDT;
    gen_compute_ea(s);
    IrTemp limit = gen_tmp(s), base = gen_tmp(s), a = gen_tmp(s);
    ir_ld_env(s->b, IR_I32, limit, idt ? CPU_OFF(idt_limit) : CPU_OFF(gdt_limit), 4);
    ir_ld_env(s->b, IR_I32, base, idt ? CPU_OFF(idt_base) : CPU_OFF(gdt_base), 4);
    gen_store(s, s->ea_linear, limit, 2);
    ir_binop(s->b, IR_add, IR_I32, a, s->ea_linear, gen_imm(s, 2));
    /* 16-bit operand size stores the high byte as 0 on P6 (SDM SGDT). */
    if (d->op_size == 2)
        ir_binop(s->b, IR_and, IR_I32, base, base, gen_imm(s, 0x00FFFFFF));
    gen_store(s, a, base, 4);
}

static void lower_mov_cr(DisasContext *s)
{
    const DecodedInsn *d = s->d;
    if (d->operands[0] == OPND_Cd) {
        gen_helper(s, HELPER_write_cr, IR_NO_TEMP, 2, gen_imm(s, d->reg), gen_get_reg(s, d->rm, 4));
        /* CR0.PE changes the mode: back to the loop for a new block key. */
        gen_end_block(s);
        return;
    }
    IrTemp w = ir_new_temp(s->b, IR_I64), v = gen_tmp(s);
    gen_helper(s, HELPER_read_cr, w, 1, gen_imm(s, d->reg));
    ir_unop(s->b, IR_trunc32, IR_I32, v, w);
    gen_set_reg(s, d->rm, 4, v);
}

/* LMSW: loads CR0 bits 0-3, and cannot clear PE (SDM Vol. 2A LMSW). */
static void lower_lmsw(DisasContext *s)
{
    IrTemp v = gen_ld_op(s, 0), cr0 = gen_tmp(s), t = gen_tmp(s);
    ir_ld_env(s->b, IR_I32, cr0, CPU_OFF(cr[0]), 4);
    ir_binop(s->b, IR_and, IR_I32, t, v, gen_imm(s, 0xF));
    ir_binop(s->b, IR_and, IR_I32, cr0, cr0, gen_imm(s, ~0xEu));
    ir_binop(s->b, IR_or, IR_I32, cr0, cr0, t);
    gen_helper(s, HELPER_write_cr, IR_NO_TEMP, 2, gen_imm(s, 0), cr0);
    gen_end_block(s);
}

static void lower_smsw(DisasContext *s)
{
    IrTemp cr0 = gen_tmp(s);
    ir_ld_env(s->b, IR_I32, cr0, CPU_OFF(cr[0]), 4);
    gen_st_op(s, 0, gen_mask(s, cr0, op_size(s, 0)));
}

void lower_register_misc(LowerFn **t);
void lower_register_misc(LowerFn **t)
{
    t[MN_CLC] = lower_clc;
    t[MN_STC] = lower_stc;
    t[MN_CMC] = lower_cmc;
    t[MN_CLD] = lower_cld;
    t[MN_STD] = lower_std;
    t[MN_CLI] = lower_cli;
    t[MN_STI] = lower_sti;
    t[MN_SALC] = lower_salc;
    t[MN_IN] = lower_in;
    t[MN_OUT] = lower_out;
    t[MN_CPUID] = lower_cpuid;
    t[MN_RDTSC] = lower_rdtsc;
    t[MN_UD1] = t[MN_UD2] = lower_ud;
    t[MN_LGDT] = t[MN_LIDT] = lower_lxdt;
    t[MN_SGDT] = t[MN_SIDT] = lower_sxdt;
    t[MN_MOV_CR] = lower_mov_cr;
    t[MN_LMSW] = lower_lmsw;
    t[MN_SMSW] = lower_smsw;
}
