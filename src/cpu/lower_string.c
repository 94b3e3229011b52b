/* Lowering of the string instructions MOVS CMPS SCAS LODS STOS INS OUTS
 * with REP/REPE/REPNE (SDM Vol. 2B "REP/REPE/REPZ/REPNE/REPNZ"). A repeated
 * instruction runs one iteration per block execution and jumps back to
 * itself, so it is restartable after every element: an interrupt or a
 * fault in the middle leaves ECX/ESI/EDI describing exactly the remaining
 * work, as on hardware. The address size picks SI/DI/CX or ESI/EDI/ECX. */
#include "cpu/translate.h"

/* ESI/EDI/ECX with the address size's width. */
static IrTemp areg(DisasContext *s, int r)
{
    return gen_mask(s, reg_global(r), s->d->addr_size);
}

/* reg += df * size, wrapping at the address size. */
static void advance(DisasContext *s, int r, unsigned size)
{
    IrTemp step = gen_tmp(s), v = gen_tmp(s);
    ir_binop(s->b, IR_mul, IR_I32, step, ir_global(G_DF), gen_imm(s, size));
    ir_binop(s->b, IR_add, IR_I32, v, reg_global(r), step);
    gen_set_reg(s, r, s->d->addr_size, v);
}

static IrTemp src_addr(DisasContext *s)
{
    int seg = s->d->ea_seg >= 0 ? s->d->ea_seg : SEG_DS;
    return gen_linear(s, seg, areg(s, R_ESI));
}

static IrTemp dst_addr(DisasContext *s)
{
    return gen_linear(s, SEG_ES, areg(s, R_EDI));    /* ES cannot be overridden */
}

static void lower_string(DisasContext *s)
{
    const DecodedInsn *d = s->d;
    unsigned size = d->op_size;
    bool rep = d->rep != 0;
    unsigned done = ir_new_label(s->b);
    if (rep)
        ir_brcond(s->b, IR_I32, IR_COND_EQ, areg(s, R_ECX), gen_imm(s, 0), done);
    bool compares = false;
    switch (d->mnemonic) {
    case MN_MOVS: {
        IrTemp v = gen_load(s, src_addr(s), size, false);
        gen_store(s, dst_addr(s), v, size);
        advance(s, R_ESI, size);
        advance(s, R_EDI, size);
        break;
    }
    case MN_STOS:
        gen_store(s, dst_addr(s), gen_get_reg(s, R_EAX, size), size);
        advance(s, R_EDI, size);
        break;
    case MN_LODS:
        gen_set_reg(s, R_EAX, size, gen_load(s, src_addr(s), size, false));
        advance(s, R_ESI, size);
        break;
    case MN_CMPS: {
        IrTemp a = gen_load(s, src_addr(s), size, false), b = gen_load(s, dst_addr(s), size, false);
        IrTemp r = gen_tmp(s);
        ir_binop(s->b, IR_sub, IR_I32, r, a, b);
        gen_set_cc(s, cc_op_sized(CC_OP_SUBB, size), gen_mask(s, r, size), b, IR_NO_TEMP);
        advance(s, R_ESI, size);
        advance(s, R_EDI, size);
        compares = true;
        break;
    }
    case MN_SCAS: {
        IrTemp a = gen_get_reg(s, R_EAX, size), b = gen_load(s, dst_addr(s), size, false);
        IrTemp r = gen_tmp(s);
        ir_binop(s->b, IR_sub, IR_I32, r, a, b);
        gen_set_cc(s, cc_op_sized(CC_OP_SUBB, size), gen_mask(s, r, size), b, IR_NO_TEMP);
        advance(s, R_EDI, size);
        compares = true;
        break;
    }
    case MN_INS: {
        IrTemp w = ir_new_temp(s->b, IR_I64), v = gen_tmp(s);
        /* The port is read before the store; a faulting store repeats the
         * read on restart, as on hardware. */
        gen_helper(s, HELPER_in, w, 2, gen_get_reg(s, R_EDX, 2), gen_imm(s, size));
        ir_unop(s->b, IR_trunc32, IR_I32, v, w);
        gen_store(s, dst_addr(s), v, size);
        advance(s, R_EDI, size);
        break;
    }
    default: /* OUTS */
        gen_helper(s, HELPER_out, IR_NO_TEMP, 3, gen_get_reg(s, R_EDX, 2), gen_load(s, src_addr(s), size, false),
                   gen_imm(s, size));
        advance(s, R_ESI, size);
        break;
    }
    if (!rep) {
        ir_set_label(s->b, done);
        return;     /* the block goes on */
    }
    IrTemp c = gen_tmp(s);
    ir_binop(s->b, IR_sub, IR_I32, c, reg_global(R_ECX), gen_imm(s, 1));
    gen_set_reg(s, R_ECX, d->addr_size, c);
    ir_brcond(s->b, IR_I32, IR_COND_EQ, areg(s, R_ECX), gen_imm(s, 0), done);
    if (compares)   /* REPE stops when ZF = 0, REPNE when ZF = 1 */
        gen_brcond_cc(s, d->rep == DECODE_REP ? DECODE_CC_NE : DECODE_CC_E, done);
    /* More to do: run this instruction again. */
    ir_movi(s->b, IR_I32, ir_global(G_EIP), s->pc);
    ir_goto_tb(s->b, 1);
    ir_set_label(s->b, done);
    ir_movi(s->b, IR_I32, ir_global(G_EIP), s->next_pc);
    ir_goto_tb(s->b, 0);
    s->ended = true;
}

void lower_register_string(LowerFn **t);
void lower_register_string(LowerFn **t)
{
    t[MN_MOVS] = t[MN_CMPS] = t[MN_SCAS] = t[MN_LODS] = t[MN_STOS] = t[MN_INS] = t[MN_OUTS] = lower_string;
}
