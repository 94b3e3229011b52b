/* Lowering of the integer arithmetic and logic instructions: ADD ADC SUB
 * SBB CMP AND OR XOR TEST, INC DEC NEG NOT, MUL IMUL DIV IDIV, and the BCD
 * adjusts. Flags are recorded lazily (cc_op.h); SDM Vol. 2 pages. */
#include "cpu/translate.h"

/* CF as 0/1, cheapest way for the statically known cc_op. */
static IrTemp gen_cf(DisasContext *s)
{
    IrTemp t = gen_tmp(s);
    CcOp op = (CcOp)s->cc_op;
    IrTemp dst = ir_global(G_CC_DST), src = ir_global(G_CC_SRC);
    if (op == CC_OP_EFLAGS) {
        ir_binop(s->b, IR_and, IR_I32, t, src, gen_imm(s, CC_C));
        return t;
    }
    /* The recorded groups whose CF is a cheap expression of cc_dst/cc_src
     * (flags.c cc_carry; the fields are stored truncated to the width). */
    if (op == CC_OP_CLR || (op >= CC_OP_LOGICB && op <= CC_OP_LOGICL)) {
        ir_movi(s->b, IR_I32, t, 0);
        return t;
    }
    if (op >= CC_OP_INCB && op <= CC_OP_DECL) {
        ir_binop(s->b, IR_and, IR_I32, t, src, gen_imm(s, CC_C));
        return t;
    }
    if (op >= CC_OP_ADDB && op <= CC_OP_ADDL) {
        ir_setcond(s->b, IR_I32, IR_COND_LTU, t, dst, src);
        return t;
    }
    if (op >= CC_OP_SUBB && op <= CC_OP_SUBL) {
        unsigned size = 1u << (op - CC_OP_SUBB);
        IrTemp first = gen_tmp(s);
        ir_binop(s->b, IR_add, IR_I32, first, dst, src);
        ir_setcond(s->b, IR_I32, IR_COND_LTU, t, gen_mask(s, first, size), src);
        return t;
    }
    if (op >= CC_OP_SHLB && op <= CC_OP_SHLL) {
        unsigned bits = 8u << (op - CC_OP_SHLB);
        ir_extract(s->b, IR_I32, t, src, bits - 1, 1);
        return t;
    }
    if (op >= CC_OP_SARB && op <= CC_OP_SARL) {
        ir_binop(s->b, IR_and, IR_I32, t, src, gen_imm(s, 1));
        return t;
    }
    if (op >= CC_OP_MULB && op <= CC_OP_MULL) {
        ir_setcond(s->b, IR_I32, IR_COND_NE, t, src, gen_imm(s, 0));
        return t;
    }
    IrTemp w = ir_new_temp(s->b, IR_I64);
    gen_helper(s, HELPER_cc_compute_c, w, 4, ir_global(G_CC_OP), ir_global(G_CC_DST), ir_global(G_CC_SRC),
               ir_global(G_CC_SRC2));
    ir_unop(s->b, IR_trunc32, IR_I32, t, w);
    return t;
}

static void lower_binary(DisasContext *s)
{
    const DecodedInsn *d = s->d;
    unsigned size = op_size(s, 0);
    IrTemp a = gen_ld_op(s, 0), b = gen_ld_op(s, 1);
    IrTemp r = gen_tmp(s), cin = IR_NO_TEMP;
    bool store = true;
    CcOp cc;
    switch (d->mnemonic) {
    case MN_ADD: ir_binop(s->b, IR_add, IR_I32, r, a, b); cc = CC_OP_ADDB; break;
    case MN_ADC:
        cin = gen_cf(s);
        ir_binop(s->b, IR_add, IR_I32, r, a, b);
        ir_binop(s->b, IR_add, IR_I32, r, r, cin);
        cc = CC_OP_ADCB;
        break;
    case MN_SUB: ir_binop(s->b, IR_sub, IR_I32, r, a, b); cc = CC_OP_SUBB; break;
    case MN_CMP: ir_binop(s->b, IR_sub, IR_I32, r, a, b); cc = CC_OP_SUBB; store = false; break;
    case MN_SBB:
        cin = gen_cf(s);
        ir_binop(s->b, IR_sub, IR_I32, r, a, b);
        ir_binop(s->b, IR_sub, IR_I32, r, r, cin);
        cc = CC_OP_SBBB;
        break;
    case MN_AND: ir_binop(s->b, IR_and, IR_I32, r, a, b); cc = CC_OP_LOGICB; break;
    case MN_TEST: ir_binop(s->b, IR_and, IR_I32, r, a, b); cc = CC_OP_LOGICB; store = false; break;
    case MN_OR: ir_binop(s->b, IR_or, IR_I32, r, a, b); cc = CC_OP_LOGICB; break;
    default: ir_binop(s->b, IR_xor, IR_I32, r, a, b); cc = CC_OP_LOGICB; break;
    }
    r = gen_mask(s, r, size);
    if (store)
        gen_st_op(s, 0, r);
    bool logic = cc == CC_OP_LOGICB;
    /* LOGIC ignores cc_src, but writing it (0) lets the optimizer drop an
     * earlier flags computation whose only reader it was. */
    gen_set_cc(s, cc_op_sized(cc, size), r, logic ? gen_imm(s, 0) : b, cin);
}

static void lower_incdec(DisasContext *s)
{
    unsigned size = op_size(s, 0);
    IrTemp cf = gen_cf(s);
    IrTemp a = gen_ld_op(s, 0), r = gen_tmp(s);
    bool inc = s->d->mnemonic == MN_INC;
    ir_binop(s->b, inc ? IR_add : IR_sub, IR_I32, r, a, gen_imm(s, 1));
    r = gen_mask(s, r, size);
    gen_st_op(s, 0, r);
    gen_set_cc(s, cc_op_sized(inc ? CC_OP_INCB : CC_OP_DECB, size), r, cf, IR_NO_TEMP);
}

static void lower_neg(DisasContext *s)
{
    unsigned size = op_size(s, 0);
    IrTemp a = gen_ld_op(s, 0), r = gen_tmp(s);
    ir_unop(s->b, IR_neg, IR_I32, r, a);
    r = gen_mask(s, r, size);
    gen_st_op(s, 0, r);
    gen_set_cc(s, cc_op_sized(CC_OP_SUBB, size), r, a, IR_NO_TEMP);
}

static void lower_not(DisasContext *s)
{
    unsigned size = op_size(s, 0);
    IrTemp a = gen_ld_op(s, 0), r = gen_tmp(s);
    ir_unop(s->b, IR_not, IR_I32, r, a);
    gen_st_op(s, 0, gen_mask(s, r, size));
}

static IrTemp sext(DisasContext *s, IrTemp v, unsigned size)
{
    if (size == 4)
        return v;
    IrTemp t = gen_tmp(s);
    ir_unop(s->b, size == 2 ? IR_ext16s : IR_ext8s, IR_I32, t, v);
    return t;
}

/* One-operand MUL/IMUL: AX = AL * src, DX:AX = AX * src, EDX:EAX = EAX * src. */
static void lower_mul_wide(DisasContext *s, bool is_signed, IrTemp src, unsigned size)
{
    IrTemp a = gen_get_reg(s, R_EAX, size);
    IrTemp lo = gen_tmp(s), hi = gen_tmp(s), over = gen_tmp(s);
    if (size == 4) {
        ir_mul2(s->b, is_signed ? IR_muls2 : IR_mulu2, IR_I32, lo, hi, a, src);
        gen_set_reg(s, R_EAX, 4, lo);
        gen_set_reg(s, R_EDX, 4, hi);
        if (is_signed) {
            IrTemp sign = gen_tmp(s);
            ir_binop(s->b, IR_sar, IR_I32, sign, lo, gen_imm(s, 31));
            ir_binop(s->b, IR_sub, IR_I32, over, hi, sign);
        } else {
            ir_mov(s->b, IR_I32, over, hi);
        }
    } else {
        IrTemp p = gen_tmp(s);
        if (is_signed)
            ir_binop(s->b, IR_mul, IR_I32, p, sext(s, a, size), sext(s, src, size));
        else
            ir_binop(s->b, IR_mul, IR_I32, p, a, src);
        unsigned bits = size * 8;
        lo = gen_mask(s, p, size);
        ir_extract(s->b, IR_I32, hi, p, bits, bits);
        if (size == 1) {
            gen_set_reg(s, R_EAX, 2, gen_mask(s, p, 2));
        } else {
            gen_set_reg(s, R_EAX, 2, lo);
            gen_set_reg(s, R_EDX, 2, hi);
        }
        if (is_signed) {
            /* Overflow unless the product equals its low half sign-extended;
             * a 0/1 flag, since cc_src is read at the operand width. */
            ir_setcond(s->b, IR_I32, IR_COND_NE, over, p, sext(s, lo, size));
        } else {
            ir_mov(s->b, IR_I32, over, hi);
        }
    }
    gen_set_cc(s, cc_op_sized(CC_OP_MULB, size), lo, over, IR_NO_TEMP);
}

static void lower_mul(DisasContext *s)
{
    unsigned size = op_size(s, 0);
    lower_mul_wide(s, false, gen_ld_op(s, 0), size);
}

static void lower_imul(DisasContext *s)
{
    const DecodedInsn *d = s->d;
    if (d->noperands == 1) {
        lower_mul_wide(s, true, gen_ld_op(s, 0), op_size(s, 0));
        return;
    }
    /* IMUL r, r/m [, imm]: truncated product, CF = OF = overflow. */
    unsigned size = op_size(s, 0);
    IrTemp a = gen_ld_op(s, d->noperands == 3 ? 1 : 0);
    IrTemp b = gen_ld_op(s, d->noperands == 3 ? 2 : 1);
    IrTemp lo = gen_tmp(s), hi = gen_tmp(s), over = gen_tmp(s);
    if (size == 4) {
        ir_mul2(s->b, IR_muls2, IR_I32, lo, hi, a, b);
        IrTemp sign = gen_tmp(s);
        ir_binop(s->b, IR_sar, IR_I32, sign, lo, gen_imm(s, 31));
        ir_binop(s->b, IR_sub, IR_I32, over, hi, sign);
    } else {
        IrTemp p = gen_tmp(s);
        ir_binop(s->b, IR_mul, IR_I32, p, sext(s, a, size), sext(s, b, size));
        lo = gen_mask(s, p, size);
        ir_setcond(s->b, IR_I32, IR_COND_NE, over, p, sext(s, lo, size));
    }
    gen_st_op(s, 0, lo);
    gen_set_cc(s, cc_op_sized(CC_OP_MULB, size), lo, over, IR_NO_TEMP);
}

static void lower_div(DisasContext *s)
{
    unsigned size = op_size(s, 0);
    IrTemp v = gen_ld_op(s, 0);
    /* The flags stay as they are (helper_div): so does s->cc_op. */
    gen_helper(s, s->d->mnemonic == MN_DIV ? HELPER_div : HELPER_idiv, IR_NO_TEMP, 2, v, gen_imm(s, size));
}

static void lower_bcd(DisasContext *s)
{
    unsigned kind;
    switch (s->d->mnemonic) {
    case MN_DAA: kind = 0; break;
    case MN_DAS: kind = 1; break;
    case MN_AAA: kind = 2; break;
    case MN_AAS: kind = 3; break;
    case MN_AAM: kind = 4; break;
    default: kind = 5; break;
    }
    uint32_t imm = (kind >= 4) ? (s->d->imm & 0xFF) : 0;
    gen_helper(s, HELPER_bcd, IR_NO_TEMP, 2, gen_imm(s, kind), gen_imm(s, imm));
    s->cc_op = CC_OP_EFLAGS;
}

void lower_register_alu(LowerFn **t);
void lower_register_alu(LowerFn **t)
{
    t[MN_ADD] = t[MN_ADC] = t[MN_SUB] = t[MN_SBB] = t[MN_CMP] = lower_binary;
    t[MN_AND] = t[MN_OR] = t[MN_XOR] = t[MN_TEST] = lower_binary;
    t[MN_INC] = t[MN_DEC] = lower_incdec;
    t[MN_NEG] = lower_neg;
    t[MN_NOT] = lower_not;
    t[MN_MUL] = lower_mul;
    t[MN_IMUL] = lower_imul;
    t[MN_DIV] = t[MN_IDIV] = lower_div;
    t[MN_DAA] = t[MN_DAS] = t[MN_AAA] = t[MN_AAS] = t[MN_AAM] = t[MN_AAD] = lower_bcd;
}
