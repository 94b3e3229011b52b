/* Lowering of shifts and rotates, SHLD/SHRD, BT/BTS/BTR/BTC and BSF/BSR.
 * SHL/SHR/SAR and ROL/ROR by an immediate are inline (lower_shift_imm,
 * lower_rotate_imm: the same values arith.c gives); the other forms go
 * through arith.c (one semantics source, shared with the differential
 * tests), whose helper returns the result and the new flags packed. Either
 * way the flags are committed after the result is stored, so a faulting
 * store leaves EFLAGS as they were. SDM Vol. 2. */
#include "cpu/translate.h"

/* Store `packed`'s low half to operand 0 and commit its flags. */
static void store_packed(DisasContext *s, IrTemp packed, unsigned dst_operand)
{
    IrTemp r = gen_tmp(s), f = gen_tmp(s), hi = ir_new_temp(s->b, IR_I64);
    ir_unop(s->b, IR_trunc32, IR_I32, r, packed);
    ir_binop(s->b, IR_shr, IR_I64, hi, packed, ir_const(s->b, IR_I64, 32));
    ir_unop(s->b, IR_trunc32, IR_I32, f, hi);
    gen_st_op(s, dst_operand, r);
    gen_set_cc(s, CC_OP_EFLAGS, IR_NO_TEMP, f, IR_NO_TEMP);
}

/* SHL/SHR/SAR by an immediate count that is nonzero after the 5-bit mask
 * and below the width: inline, with the flags recorded lazily in the SHL
 * and SAR groups (cc_op.h), the values arith_shl/shr/sar produce. Other
 * counts (0 leaves the flags alone; >= the width of a byte or word operand)
 * go through the helper. Returns false if it did not lower. */
static bool lower_shift_imm(DisasContext *s, unsigned kind, unsigned size)
{
    const DecodedInsn *d = s->d;
    if (d->operands[1] != OPND_ONE && d->operands[1] != OPND_Ib)
        return false;
    unsigned bits = size * 8, n = d->operands[1] == OPND_ONE ? 1 : (unsigned)d->imm & 0x1F;
    if (n == 0 || n >= bits)
        return false;
    IrTemp v = gen_ld_op(s, 0), r = gen_tmp(s), last = gen_tmp(s), src2 = IR_NO_TEMP;
    CcOp cc;
    if (kind == 4 || kind == 6) {           /* SHL */
        ir_binop(s->b, IR_shl, IR_I32, r, v, gen_imm(s, n));
        r = gen_mask(s, r, size);
        ir_binop(s->b, IR_shl, IR_I32, last, v, gen_imm(s, n - 1));
        last = gen_mask(s, last, size);
        cc = CC_OP_SHLB;
    } else if (kind == 5) {                 /* SHR: OF = the operand's top bit for a count of 1 */
        ir_binop(s->b, IR_shr, IR_I32, r, v, gen_imm(s, n));
        ir_binop(s->b, IR_shr, IR_I32, last, v, gen_imm(s, n - 1));
        src2 = gen_tmp(s);
        if (n == 1)
            ir_extract(s->b, IR_I32, src2, v, bits - 1, 1);
        else
            ir_movi(s->b, IR_I32, src2, 0);
        cc = CC_OP_SARB;
    } else {                                /* SAR on the sign-extended operand */
        IrTemp x = v;
        if (size < 4) {
            x = gen_tmp(s);
            ir_unop(s->b, size == 1 ? IR_ext8s : IR_ext16s, IR_I32, x, v);
        }
        ir_binop(s->b, IR_sar, IR_I32, r, x, gen_imm(s, n));
        r = gen_mask(s, r, size);
        ir_binop(s->b, IR_sar, IR_I32, last, x, gen_imm(s, n - 1));
        last = gen_mask(s, last, size);
        src2 = gen_imm(s, 0);
        cc = CC_OP_SARB;
    }
    gen_st_op(s, 0, r);     /* flags after the store: a faulting store leaves them */
    gen_set_cc(s, cc_op_sized(cc, size), r, last, src2 != IR_NO_TEMP ? src2 : gen_imm(s, 0));
    return true;
}

/* ROL/ROR by an immediate count that is nonzero after the 5-bit mask:
 * inline, with the new flags built in the IR from the old ones (arith_rol
 * and arith_ror: CF from the result, OF for a count of 1, the rest kept),
 * so the optimizer drops the flag work when nothing reads it. */
static bool lower_rotate_imm(DisasContext *s, bool left, unsigned size)
{
    const DecodedInsn *d = s->d;
    if (d->operands[1] != OPND_ONE && d->operands[1] != OPND_Ib)
        return false;
    unsigned bits = size * 8, n = d->operands[1] == OPND_ONE ? 1 : (unsigned)d->imm & 0x1F;
    if (n == 0)
        return false;
    unsigned rot = n % bits;
    IrTemp v = gen_ld_op(s, 0), r = v;
    if (rot) {
        IrTemp hi = gen_tmp(s), lo = gen_tmp(s);
        r = gen_tmp(s);
        ir_binop(s->b, IR_shl, IR_I32, hi, v, gen_imm(s, left ? rot : bits - rot));
        ir_binop(s->b, IR_shr, IR_I32, lo, v, gen_imm(s, left ? bits - rot : rot));
        ir_binop(s->b, IR_or, IR_I32, r, hi, lo);
        r = gen_mask(s, r, size);
    }
    /* Each temp written once: the optimizer then drops the whole chain
     * when the flags are dead (it keeps self-updating temps at branches). */
    IrTemp old = gen_flags(s), cf = gen_tmp(s), kept = gen_tmp(s), f = gen_tmp(s);
    if (left)
        ir_binop(s->b, IR_and, IR_I32, cf, r, gen_imm(s, 1));
    else
        ir_extract(s->b, IR_I32, cf, r, bits - 1, 1);
    ir_binop(s->b, IR_and, IR_I32, kept, old, gen_imm(s, n == 1 ? ~(CC_C | CC_O) : ~CC_C));
    ir_binop(s->b, IR_or, IR_I32, f, kept, cf);
    if (n == 1) {
        /* ROL: MSB(result) xor CF; ROR: the two top result bits xored. */
        IrTemp a = gen_tmp(s), b = gen_tmp(s), x = gen_tmp(s), of = gen_tmp(s), f1 = gen_tmp(s);
        ir_extract(s->b, IR_I32, a, r, bits - 1, 1);
        if (left)
            ir_mov(s->b, IR_I32, b, cf);
        else
            ir_extract(s->b, IR_I32, b, r, bits - 2, 1);
        ir_binop(s->b, IR_xor, IR_I32, x, a, b);
        ir_binop(s->b, IR_shl, IR_I32, of, x, gen_imm(s, 11));
        ir_binop(s->b, IR_or, IR_I32, f1, f, of);
        f = f1;
    }
    gen_st_op(s, 0, r);     /* flags after the store: a faulting store leaves them */
    gen_set_cc(s, CC_OP_EFLAGS, IR_NO_TEMP, f, IR_NO_TEMP);
    return true;
}

static void lower_shift(DisasContext *s)
{
    unsigned kind;
    switch (s->d->mnemonic) {
    case MN_ROL: kind = 0; break;
    case MN_ROR: kind = 1; break;
    case MN_RCL: kind = 2; break;
    case MN_RCR: kind = 3; break;
    case MN_SHL: kind = 4; break;
    case MN_SHR: kind = 5; break;
    default: kind = 7; break;   /* SAR */
    }
    unsigned size = op_size(s, 0);
    if (kind >= 4 && lower_shift_imm(s, kind, size))
        return;
    if (kind <= 1 && lower_rotate_imm(s, kind == 0, size))
        return;
    IrTemp v = gen_ld_op(s, 0), count = gen_ld_op(s, 1);
    IrTemp w = ir_new_temp(s->b, IR_I64);
    gen_helper(s, HELPER_shift, w, 4, gen_imm(s, kind), v, count, gen_imm(s, size));
    store_packed(s, w, 0);
}

static void lower_shxd(DisasContext *s)
{
    unsigned size = op_size(s, 0);
    IrTemp dst = gen_ld_op(s, 0), src = gen_ld_op(s, 1), count = gen_ld_op(s, 2);
    IrTemp w = ir_new_temp(s->b, IR_I64);
    gen_helper(s, s->d->mnemonic == MN_SHLD ? HELPER_shld : HELPER_shrd, w, 4, dst, src, count, gen_imm(s, size));
    store_packed(s, w, 0);
}

static void lower_bsx(DisasContext *s)
{
    unsigned size = op_size(s, 0);
    IrTemp src = gen_ld_op(s, 1), dst = gen_get_reg(s, s->d->reg, size);
    IrTemp w = ir_new_temp(s->b, IR_I64);
    gen_helper(s, s->d->mnemonic == MN_BSF ? HELPER_bsf : HELPER_bsr, w, 3, dst, src, gen_imm(s, size));
    store_packed(s, w, 0);
}

/* BT family (SDM Vol. 2A BT): with a register offset and a memory base the
 * offset is signed and may address any bit of memory relative to the
 * operand; with an immediate it is taken modulo the operand size. */
static void lower_bt(DisasContext *s)
{
    const DecodedInsn *d = s->d;
    unsigned size = op_size(s, 0), bits = size * 8;
    IrTemp off = gen_ld_op(s, 1);
    bool imm = d->operands[1] == OPND_Ib;
    IrTemp base, addr = IR_NO_TEMP;
    if (d->mod == 3 || imm) {
        base = gen_ld_op(s, 0);
        if (d->mod != 3)
            addr = s->ea_linear;
    } else {
        /* addr += (signed offset >> log2(bits)) * size */
        gen_compute_ea(s);
        IrTemp soff = off;
        if (size == 2) {
            soff = gen_tmp(s);
            ir_unop(s->b, IR_ext16s, IR_I32, soff, off);
        }
        IrTemp disp = gen_tmp(s);
        ir_binop(s->b, IR_sar, IR_I32, disp, soff, gen_imm(s, size == 2 ? 4 : 5));
        ir_binop(s->b, IR_shl, IR_I32, disp, disp, gen_imm(s, size == 2 ? 1 : 2));
        addr = gen_tmp(s);
        ir_binop(s->b, IR_add, IR_I32, addr, s->ea_linear, disp);
        base = gen_load(s, addr, size, false);
    }
    IrTemp bit = gen_tmp(s), mask = gen_tmp(s), cf = gen_tmp(s);
    ir_binop(s->b, IR_and, IR_I32, bit, off, gen_imm(s, bits - 1));
    ir_binop(s->b, IR_shl, IR_I32, mask, gen_imm(s, 1), bit);
    ir_binop(s->b, IR_shr, IR_I32, cf, base, bit);
    ir_binop(s->b, IR_and, IR_I32, cf, cf, gen_imm(s, 1));
    if (d->mnemonic != MN_BT) {
        IrTemp nv = gen_tmp(s);
        switch (d->mnemonic) {
        case MN_BTS: ir_binop(s->b, IR_or, IR_I32, nv, base, mask); break;
        case MN_BTC: ir_binop(s->b, IR_xor, IR_I32, nv, base, mask); break;
        default:
            ir_unop(s->b, IR_not, IR_I32, mask, mask);
            ir_binop(s->b, IR_and, IR_I32, nv, base, mask);
            break;
        }
        nv = gen_mask(s, nv, size);
        if (addr != IR_NO_TEMP)
            gen_store(s, addr, nv, size);
        else
            gen_set_reg(s, d->rm, size, nv);
    }
    /* CF = the bit; ZF is kept; OF SF AF PF are undefined and kept too. */
    IrTemp f = gen_flags(s);
    ir_binop(s->b, IR_and, IR_I32, f, f, gen_imm(s, ~CC_C));
    ir_binop(s->b, IR_or, IR_I32, f, f, cf);
    gen_set_flags_eflags(s, f);
}

void lower_register_bit(LowerFn **t);
void lower_register_bit(LowerFn **t)
{
    t[MN_ROL] = t[MN_ROR] = t[MN_RCL] = t[MN_RCR] = lower_shift;
    t[MN_SHL] = t[MN_SHR] = t[MN_SAR] = lower_shift;
    t[MN_SHLD] = t[MN_SHRD] = lower_shxd;
    t[MN_BSF] = t[MN_BSR] = lower_bsx;
    t[MN_BT] = t[MN_BTS] = t[MN_BTR] = t[MN_BTC] = lower_bt;
}
