/* Lowering of control transfers: JMP, Jcc, JCXZ, LOOPcc, CALL, RET (near
 * and far), IRET, INT n/INT3/INT1/INTO, BOUND, HLT, ENTER and LEAVE.
 * Direct branches end the block with chained exits; targets wrap at the
 * operand size (SDM Vol. 2A JMP: EIP is masked to 16 bits in 16-bit code). */
#include "cpu/translate.h"

static uint32_t branch_target(const DisasContext *s)
{
    uint32_t t = s->next_pc + s->d->imm;
    return s->d->op_size == 2 ? (t & 0xFFFF) : t;
}

static void lower_jmp(DisasContext *s)
{
    if (s->d->operands[0] == OPND_Jb || s->d->operands[0] == OPND_Jz) {
        gen_jmp_to(s, branch_target(s));
        return;
    }
    IrTemp t = gen_ld_op(s, 0);
    gen_jmp_indirect(s, gen_mask(s, t, s->d->op_size));
}

/* Two-way exit: taken -> target (slot 1), not taken -> next (slot 0). */
static void gen_two_way(DisasContext *s, unsigned taken_label, uint32_t target)
{
    ir_movi(s->b, IR_I32, ir_global(G_EIP), s->next_pc);
    ir_goto_tb(s->b, 0);
    ir_set_label(s->b, taken_label);
    ir_movi(s->b, IR_I32, ir_global(G_EIP), target);
    ir_goto_tb(s->b, 1);
    s->ended = true;
}

static void lower_jcc(DisasContext *s)
{
    unsigned taken = ir_new_label(s->b);
    gen_brcond_cc(s, s->d->cond, taken);
    gen_two_way(s, taken, branch_target(s));
}

/* The count register of LOOP/JCXZ follows the address size. */
static IrTemp count_reg(DisasContext *s)
{
    return gen_mask(s, reg_global(R_ECX), s->d->addr_size);
}

static void lower_jcxz(DisasContext *s)
{
    unsigned taken = ir_new_label(s->b);
    ir_brcond(s->b, IR_I32, IR_COND_EQ, count_reg(s), gen_imm(s, 0), taken);
    gen_two_way(s, taken, branch_target(s));
}

static void lower_loop(DisasContext *s)
{
    const DecodedInsn *d = s->d;
    IrTemp c = gen_tmp(s);
    ir_binop(s->b, IR_sub, IR_I32, c, reg_global(R_ECX), gen_imm(s, 1));
    gen_set_reg(s, R_ECX, d->addr_size, c);      /* LOOP changes no flags */
    unsigned taken = ir_new_label(s->b), fall = ir_new_label(s->b);
    IrTemp cnt = count_reg(s);
    if (d->mnemonic == MN_LOOP) {
        ir_brcond(s->b, IR_I32, IR_COND_NE, cnt, gen_imm(s, 0), taken);
    } else {
        ir_brcond(s->b, IR_I32, IR_COND_EQ, cnt, gen_imm(s, 0), fall);
        gen_brcond_cc(s, d->mnemonic == MN_LOOPE ? DECODE_CC_E : DECODE_CC_NE, taken);
        ir_set_label(s->b, fall);
    }
    if (d->mnemonic == MN_LOOP)
        ir_set_label(s->b, fall);
    gen_two_way(s, taken, branch_target(s));
}

static void lower_call(DisasContext *s)
{
    const DecodedInsn *d = s->d;
    unsigned size = d->op_size;
    if (d->operands[0] == OPND_Jz) {
        gen_push(s, gen_imm(s, s->next_pc), size);
        gen_jmp_to(s, branch_target(s));
        return;
    }
    IrTemp t = gen_mask(s, gen_ld_op(s, 0), size);   /* read the target before pushing */
    gen_push(s, gen_imm(s, s->next_pc), size);
    gen_jmp_indirect(s, t);
}

static void lower_ret(DisasContext *s)
{
    const DecodedInsn *d = s->d;
    IrTemp t = gen_pop(s, d->op_size);
    if (d->imm_size) {
        IrTemp sp = gen_tmp(s);
        ir_binop(s->b, IR_add, IR_I32, sp, reg_global(R_ESP), gen_imm(s, d->imm & 0xFFFF));
        if (s->ss32)
            ir_mov(s->b, IR_I32, reg_global(R_ESP), sp);
        else
            gen_set_reg(s, R_ESP, 2, sp);
    }
    gen_jmp_indirect(s, t);
}

/* Far pointer operand: Ap (immediate) or Mp (offset, then selector). */
static void far_pointer(DisasContext *s, IrTemp *sel, IrTemp *off)
{
    const DecodedInsn *d = s->d;
    if (d->operands[0] == OPND_Ap) {
        *off = gen_imm(s, d->imm);
        *sel = gen_imm(s, d->imm2 & 0xFFFF);
        return;
    }
    gen_compute_ea(s);
    *off = gen_load(s, s->ea_linear, d->op_size, false);
    IrTemp a = gen_tmp(s);
    ir_binop(s->b, IR_add, IR_I32, a, s->ea_linear, gen_imm(s, d->op_size));
    *sel = gen_load(s, a, 2, false);
}

static void lower_jmpf(DisasContext *s)
{
    if (s->d->operands[0] != OPND_Ap && s->d->mod == 3) {
        gen_exception(s, EXCP_UD);
        return;
    }
    IrTemp sel, off;
    far_pointer(s, &sel, &off);
    gen_helper(s, HELPER_ljmp, IR_NO_TEMP, 3, sel, off, gen_imm(s, s->next_pc));
    ir_exit_tb(s->b, X86_EXIT_NORMAL);
    s->ended = true;
}

static void lower_callf(DisasContext *s)
{
    if (s->d->operands[0] != OPND_Ap && s->d->mod == 3) {
        gen_exception(s, EXCP_UD);
        return;
    }
    IrTemp sel, off;
    far_pointer(s, &sel, &off);
    gen_helper(s, HELPER_lcall, IR_NO_TEMP, 4, sel, off, gen_imm(s, s->d->op_size), gen_imm(s, s->next_pc));
    ir_exit_tb(s->b, X86_EXIT_NORMAL);
    s->ended = true;
}

static void lower_retf(DisasContext *s)
{
    uint32_t release = s->d->imm_size ? (s->d->imm & 0xFFFF) : 0;
    gen_helper(s, HELPER_lret, IR_NO_TEMP, 2, gen_imm(s, s->d->op_size), gen_imm(s, release));
    ir_exit_tb(s->b, X86_EXIT_NORMAL);
    s->ended = true;
}

static void lower_iret(DisasContext *s)
{
    gen_helper(s, HELPER_iret, IR_NO_TEMP, 1, gen_imm(s, s->d->op_size));
    s->cc_op = CC_OP_EFLAGS;
    ir_exit_tb(s->b, X86_EXIT_NORMAL);
    s->ended = true;
}

static void lower_int(DisasContext *s)
{
    int vector;
    unsigned helper = HELPER_soft_interrupt;
    switch (s->d->mnemonic) {
    case MN_INT3: vector = EXCP_BP; break;
    case MN_INT1: vector = EXCP_DB; break;
    default:
        /* INT n alone is IOPL-sensitive in virtual-8086 mode, and may be
         * redirected to the 8086 IVT under VME (vm86.c). */
        vector = (int)(s->d->imm & 0xFF);
        helper = HELPER_int_n;
        break;
    }
    gen_helper(s, helper, IR_NO_TEMP, 2, gen_imm(s, (uint32_t)vector), gen_imm(s, s->next_pc));
    ir_exit_tb(s->b, X86_EXIT_NORMAL);
    s->ended = true;
}

static void lower_into(DisasContext *s)
{
    gen_helper(s, HELPER_into, IR_NO_TEMP, 1, gen_imm(s, s->next_pc));
}

/* BOUND r, m: #BR unless lower <= r <= upper (signed). */
static void lower_bound(DisasContext *s)
{
    const DecodedInsn *d = s->d;
    if (d->mod == 3) {
        gen_exception(s, EXCP_UD);
        return;
    }
    unsigned size = d->op_size;
    gen_compute_ea(s);
    IrTemp lo = gen_load(s, s->ea_linear, size, true);
    IrTemp a = gen_tmp(s);
    ir_binop(s->b, IR_add, IR_I32, a, s->ea_linear, gen_imm(s, size));
    IrTemp hi = gen_load(s, a, size, true);
    IrTemp v = gen_get_reg(s, d->reg, size);
    if (size == 2) {
        IrTemp t = gen_tmp(s);
        ir_unop(s->b, IR_ext16s, IR_I32, t, v);
        v = t;
    }
    unsigned bad = ir_new_label(s->b), ok = ir_new_label(s->b);
    ir_brcond(s->b, IR_I32, IR_COND_LT, v, lo, bad);
    ir_brcond(s->b, IR_I32, IR_COND_GT, v, hi, bad);
    ir_br(s->b, ok);
    ir_set_label(s->b, bad);
    gen_helper(s, HELPER_raise_exception, IR_NO_TEMP, 2, gen_imm(s, EXCP_BR), gen_imm(s, UINT32_MAX));
    ir_br(s->b, ok);
    ir_set_label(s->b, ok);
}

static void lower_hlt(DisasContext *s)
{
    gen_helper(s, HELPER_hlt, IR_NO_TEMP, 1, gen_imm(s, s->next_pc));
    ir_exit_tb(s->b, X86_EXIT_NORMAL);
    s->ended = true;
}

/* ENTER imm16, imm8 (SDM Vol. 2A ENTER): push EBP, copy nesting-1 frame
 * pointers, push the new frame pointer, allocate imm16 bytes. */
static void lower_enter(DisasContext *s)
{
    const DecodedInsn *d = s->d;
    unsigned size = d->op_size;
    uint32_t alloc = d->imm & 0xFFFF, level = d->imm2 & 31;
    gen_push(s, gen_get_reg(s, R_EBP, size), size);
    IrTemp frame = gen_get_reg(s, R_ESP, s->ss32 ? 4 : 2);
    if (level > 0) {
        IrTemp bp = gen_get_reg(s, R_EBP, s->ss32 ? 4 : 2);
        for (uint32_t i = 1; i < level; i++) {
            ir_binop(s->b, IR_sub, IR_I32, bp, bp, gen_imm(s, size));
            IrTemp off = s->ss32 ? bp : gen_mask(s, bp, 2);
            gen_push(s, gen_load(s, gen_linear(s, SEG_SS, off), size, false), size);
        }
        gen_push(s, gen_mask(s, frame, size), size);
    }
    gen_set_reg(s, R_EBP, size, gen_mask(s, frame, size));
    IrTemp sp = gen_tmp(s);
    ir_binop(s->b, IR_sub, IR_I32, sp, reg_global(R_ESP), gen_imm(s, alloc));
    gen_set_reg(s, R_ESP, s->ss32 ? 4 : 2, sp);
}

static void lower_leave(DisasContext *s)
{
    unsigned size = s->d->op_size;
    gen_set_reg(s, R_ESP, s->ss32 ? 4 : 2, gen_get_reg(s, R_EBP, s->ss32 ? 4 : 2));
    gen_set_reg(s, R_EBP, size, gen_pop(s, size));
}

void lower_register_control(LowerFn **t);
void lower_register_control(LowerFn **t)
{
    t[MN_JMP] = lower_jmp;
    t[MN_JCC] = lower_jcc;
    t[MN_JCXZ] = lower_jcxz;
    t[MN_LOOP] = t[MN_LOOPE] = t[MN_LOOPNE] = lower_loop;
    t[MN_CALL] = lower_call;
    t[MN_RET] = lower_ret;
    t[MN_JMPF] = lower_jmpf;
    t[MN_CALLF] = lower_callf;
    t[MN_RETF] = lower_retf;
    t[MN_IRET] = lower_iret;
    t[MN_INT] = t[MN_INT3] = t[MN_INT1] = lower_int;
    t[MN_INTO] = lower_into;
    t[MN_BOUND] = lower_bound;
    t[MN_HLT] = lower_hlt;
    t[MN_ENTER] = lower_enter;
    t[MN_LEAVE] = lower_leave;
}
