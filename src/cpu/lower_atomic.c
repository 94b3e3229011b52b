/* Lowering of the read-modify-write exchange instructions CMPXCHG,
 * CMPXCHG8B and XADD (SDM Vol. 2A). jitpc runs one CPU, so LOCK needs no
 * extra work: each instruction is already atomic with respect to the guest.
 * Like the hardware, CMPXCHG writes its destination even when the compare
 * fails (with the old value), so a read-only destination faults either way. */
#include "cpu/translate.h"

static void lower_cmpxchg(DisasContext *s)
{
    unsigned size = op_size(s, 0);
    IrTemp dst = gen_ld_op(s, 0), src = gen_ld_op(s, 1), acc = gen_get_reg(s, R_EAX, size);
    IrTemp eq = gen_tmp(s), nv = gen_tmp(s), r = gen_tmp(s);
    ir_setcond(s->b, IR_I32, IR_COND_EQ, eq, acc, dst);
    ir_movcond(s->b, IR_I32, IR_COND_NE, nv, eq, gen_imm(s, 0), src, dst);
    if (s->d->mod == 3) {
        /* Register destination: written only on success; EAX only on failure. */
        unsigned skip = ir_new_label(s->b), done = ir_new_label(s->b);
        ir_brcond(s->b, IR_I32, IR_COND_EQ, eq, gen_imm(s, 0), skip);
        gen_set_reg(s, s->d->rm, size, nv);
        ir_br(s->b, done);
        ir_set_label(s->b, skip);
        gen_set_reg(s, R_EAX, size, dst);
        ir_set_label(s->b, done);
    } else {
        gen_st_op(s, 0, nv);
        IrTemp na = gen_tmp(s);
        ir_movcond(s->b, IR_I32, IR_COND_NE, na, eq, gen_imm(s, 0), acc, dst);
        gen_set_reg(s, R_EAX, size, na);
    }
    ir_binop(s->b, IR_sub, IR_I32, r, acc, dst);
    gen_set_cc(s, cc_op_sized(CC_OP_SUBB, size), gen_mask(s, r, size), dst, IR_NO_TEMP);
}

static void lower_cmpxchg8b(DisasContext *s)
{
    if (s->d->mod == 3) {
        gen_exception(s, EXCP_UD);
        return;
    }
    gen_compute_ea(s);
    IrTemp a_hi = gen_tmp(s);
    ir_binop(s->b, IR_add, IR_I32, a_hi, s->ea_linear, gen_imm(s, 4));
    IrTemp lo = gen_load(s, s->ea_linear, 4, false), hi = gen_load(s, a_hi, 4, false);
    IrTemp e1 = gen_tmp(s), e2 = gen_tmp(s), eq = gen_tmp(s), nlo = gen_tmp(s), nhi = gen_tmp(s);
    ir_setcond(s->b, IR_I32, IR_COND_EQ, e1, lo, reg_global(R_EAX));
    ir_setcond(s->b, IR_I32, IR_COND_EQ, e2, hi, reg_global(R_EDX));
    ir_binop(s->b, IR_and, IR_I32, eq, e1, e2);
    ir_movcond(s->b, IR_I32, IR_COND_NE, nlo, eq, gen_imm(s, 0), reg_global(R_EBX), lo);
    ir_movcond(s->b, IR_I32, IR_COND_NE, nhi, eq, gen_imm(s, 0), reg_global(R_ECX), hi);
    gen_store(s, s->ea_linear, nlo, 4);
    gen_store(s, a_hi, nhi, 4);
    ir_movcond(s->b, IR_I32, IR_COND_NE, reg_global(R_EAX), eq, gen_imm(s, 0), reg_global(R_EAX), lo);
    ir_movcond(s->b, IR_I32, IR_COND_NE, reg_global(R_EDX), eq, gen_imm(s, 0), reg_global(R_EDX), hi);
    /* ZF = equal; the other flags are unchanged. */
    IrTemp f = gen_flags(s), z = gen_tmp(s);
    ir_binop(s->b, IR_and, IR_I32, f, f, gen_imm(s, ~CC_Z));
    ir_binop(s->b, IR_shl, IR_I32, z, eq, gen_imm(s, 6));
    ir_binop(s->b, IR_or, IR_I32, f, f, z);
    gen_set_flags_eflags(s, f);
}

static void lower_xadd(DisasContext *s)
{
    unsigned size = op_size(s, 0);
    IrTemp dst = gen_ld_op(s, 0), src = gen_ld_op(s, 1), r = gen_tmp(s);
    ir_binop(s->b, IR_add, IR_I32, r, dst, src);
    r = gen_mask(s, r, size);
    if (s->d->mod == 3) {
        /* XADD r, r with the same register: the sum wins (SDM XADD). */
        gen_st_op(s, 1, dst);
        gen_st_op(s, 0, r);
    } else {
        /* Memory first: if the store faults the register is untouched. */
        gen_st_op(s, 0, r);
        gen_st_op(s, 1, dst);
    }
    gen_set_cc(s, cc_op_sized(CC_OP_ADDB, size), r, src, IR_NO_TEMP);
}

void lower_register_atomic(LowerFn **t);
void lower_register_atomic(LowerFn **t)
{
    t[MN_CMPXCHG] = lower_cmpxchg;
    t[MN_CMPXCHG8B] = lower_cmpxchg8b;
    t[MN_XADD] = lower_xadd;
}
