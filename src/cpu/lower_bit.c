/* Lowering of shifts and rotates, SHLD/SHRD, BT/BTS/BTR/BTC and BSF/BSR.
 * The shift family goes through arith.c (one semantics source, shared with
 * the differential tests); the helper returns the result and the new flags
 * packed, and the flags are committed after the result is stored, so a
 * faulting store leaves EFLAGS as they were. SDM Vol. 2. */
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
