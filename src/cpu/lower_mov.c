/* Lowering of data movement: MOV (incl. moffs and segment registers),
 * MOVZX/MOVSX, XCHG, BSWAP, LEA, CMOVcc, SETcc, CBW/CWDE, CWD/CDQ, XLAT,
 * LAHF/SAHF, the far-pointer loads LDS..LSS, and NOP. SDM Vol. 2. */
#include "cpu/translate.h"

static void lower_mov(DisasContext *s)
{
    gen_st_op(s, 0, gen_ld_op(s, 1));
}

/* MOV Sreg, r/m and MOV r/m, Sreg. Loading CS is #UD (SDM MOV). */
static void lower_mov_seg(DisasContext *s)
{
    const DecodedInsn *d = s->d;
    if (d->operands[0] == OPND_Sw) {
        if (d->reg == SEG_CS || d->reg > SEG_GS) {
            gen_exception(s, EXCP_UD);
            return;
        }
        IrTemp v = gen_ld_rm(s, 2);
        gen_helper(s, HELPER_load_seg, IR_NO_TEMP, 2, gen_imm(s, d->reg), v);
        /* The block key holds the stack and code widths: end the block.
         * (The helper starts the MOV SS interrupt shadow.) */
        gen_end_block(s);
        return;
    }
    if (d->reg > SEG_GS) {
        gen_exception(s, EXCP_UD);
        return;
    }
    IrTemp v = gen_ld_op(s, 1);
    /* To a register with 32-bit operand size the selector is zero-extended
     * (P6 and later); to memory it is always a word. */
    if (d->mod == 3)
        gen_set_reg(s, d->rm, d->op_size, v);
    else
        gen_st_rm(s, 2, v);
}

static void lower_movx(DisasContext *s)
{
    unsigned from = op_size(s, 1), to = op_size(s, 0);
    IrTemp v = gen_ld_op(s, 1);
    if (s->d->mnemonic == MN_MOVSX) {
        IrTemp t = gen_tmp(s);
        ir_unop(s->b, from == 1 ? IR_ext8s : IR_ext16s, IR_I32, t, v);
        v = gen_mask(s, t, to);
    }
    gen_st_op(s, 0, v);
}

static void lower_xchg(DisasContext *s)
{
    /* Memory first: a faulting load or store leaves the register intact. */
    IrTemp a = gen_ld_op(s, 0), b = gen_ld_op(s, 1);
    gen_st_op(s, 0, b);
    gen_st_op(s, 1, a);
}

static void lower_bswap(DisasContext *s)
{
    int r = s->d->opcode & 7;
    IrTemp v = reg_global(r), t = gen_tmp(s), u = gen_tmp(s);
    if (s->d->op_size == 2) {
        /* BSWAP r16 is undefined; P6-family processors clear the register's
         * low word (SDM Vol. 2A BSWAP note). */
        gen_set_reg(s, r, 2, gen_imm(s, 0));
        return;
    }
    ir_binop(s->b, IR_rotl, IR_I32, t, v, gen_imm(s, 8));
    ir_binop(s->b, IR_and, IR_I32, t, t, gen_imm(s, 0x00FF00FF));
    ir_binop(s->b, IR_rotr, IR_I32, u, v, gen_imm(s, 8));
    ir_binop(s->b, IR_and, IR_I32, u, u, gen_imm(s, 0xFF00FF00));
    ir_binop(s->b, IR_or, IR_I32, v, t, u);
}

static void lower_lea(DisasContext *s)
{
    gen_compute_ea(s);
    gen_set_reg(s, s->d->reg, s->d->op_size, gen_mask(s, s->ea_offset, s->d->op_size));
}

static void lower_cmov(DisasContext *s)
{
    unsigned size = op_size(s, 0);
    IrTemp src = gen_ld_op(s, 1);   /* the source is read (and may fault) either way */
    IrTemp cur = gen_get_reg(s, s->d->reg, size);
    IrTemp c = gen_setcc(s, s->d->cond);
    IrTemp r = gen_tmp(s);
    ir_movcond(s->b, IR_I32, IR_COND_NE, r, c, gen_imm(s, 0), src, cur);
    /* With a 32-bit operand the destination is written (zero-extended)
     * even when the condition is false (SDM CMOVcc). */
    gen_set_reg(s, s->d->reg, size, r);
}

static void lower_setcc(DisasContext *s)
{
    gen_st_op(s, 0, gen_setcc(s, s->d->cond));
}

static void lower_cbw(DisasContext *s)
{
    IrTemp t = gen_tmp(s);
    if (s->d->op_size == 2) {
        ir_unop(s->b, IR_ext8s, IR_I32, t, reg_global(R_EAX));
        gen_set_reg(s, R_EAX, 2, t);
    } else {
        ir_unop(s->b, IR_ext16s, IR_I32, reg_global(R_EAX), reg_global(R_EAX));
    }
}

static void lower_cwd(DisasContext *s)
{
    IrTemp t = gen_tmp(s);
    if (s->d->op_size == 2) {
        ir_unop(s->b, IR_ext16s, IR_I32, t, reg_global(R_EAX));
        ir_binop(s->b, IR_sar, IR_I32, t, t, gen_imm(s, 15));
        gen_set_reg(s, R_EDX, 2, t);
    } else {
        ir_binop(s->b, IR_sar, IR_I32, reg_global(R_EDX), reg_global(R_EAX), gen_imm(s, 31));
    }
}

static void lower_xlat(DisasContext *s)
{
    IrTemp off = gen_tmp(s);
    IrTemp al = gen_get_reg(s, R_EAX, 1);
    ir_binop(s->b, IR_add, IR_I32, off, reg_global(R_EBX), al);
    off = gen_mask(s, off, s->d->addr_size);
    int seg = s->d->ea_seg >= 0 ? s->d->ea_seg : SEG_DS;
    gen_set_reg(s, R_EAX, 1, gen_load(s, gen_linear(s, seg, off), 1, false));
}

static void lower_lahf(DisasContext *s)
{
    IrTemp f = gen_flags(s);
    ir_binop(s->b, IR_or, IR_I32, f, f, gen_imm(s, EFLAGS_FIXED));
    gen_set_reg(s, 4, 1, f);    /* AH */
}

static void lower_sahf(DisasContext *s)
{
    /* SF ZF AF PF CF from AH; OF is kept. */
    IrTemp f = gen_flags(s), ah = gen_get_reg(s, 4, 1), t = gen_tmp(s);
    ir_binop(s->b, IR_and, IR_I32, f, f, gen_imm(s, CC_O));
    ir_binop(s->b, IR_and, IR_I32, t, ah, gen_imm(s, CC_S | CC_Z | CC_A | CC_P | CC_C));
    ir_binop(s->b, IR_or, IR_I32, f, f, t);
    gen_set_flags_eflags(s, f);
}

/* LDS/LES/LFS/LGS/LSS r, m16:16/32: offset first, selector after it. */
static void lower_lfp(DisasContext *s)
{
    const DecodedInsn *d = s->d;
    int seg;
    switch (d->mnemonic) {
    case MN_LES: seg = SEG_ES; break;
    case MN_LSS: seg = SEG_SS; break;
    case MN_LFS: seg = SEG_FS; break;
    case MN_LGS: seg = SEG_GS; break;
    default: seg = SEG_DS; break;
    }
    if (d->mod == 3) {
        gen_exception(s, EXCP_UD);
        return;
    }
    gen_compute_ea(s);
    IrTemp off = gen_load(s, s->ea_linear, d->op_size, false);
    IrTemp sel_addr = gen_tmp(s);
    ir_binop(s->b, IR_add, IR_I32, sel_addr, s->ea_linear, gen_imm(s, d->op_size));
    IrTemp sel = gen_load(s, sel_addr, 2, false);
    gen_helper(s, HELPER_load_seg, IR_NO_TEMP, 2, gen_imm(s, (uint32_t)seg), sel);
    gen_set_reg(s, d->reg, d->op_size, off);
    gen_end_block(s);
}

static void lower_nop(DisasContext *s)
{
    (void)s;
}

void lower_register_mov(LowerFn **t);
void lower_register_mov(LowerFn **t)
{
    t[MN_MOV] = lower_mov;
    t[MN_MOV_SEG] = lower_mov_seg;
    t[MN_MOVZX] = t[MN_MOVSX] = lower_movx;
    t[MN_XCHG] = lower_xchg;
    t[MN_BSWAP] = lower_bswap;
    t[MN_LEA] = lower_lea;
    t[MN_CMOVCC] = lower_cmov;
    t[MN_SETCC] = lower_setcc;
    t[MN_CBW] = lower_cbw;
    t[MN_CWD] = lower_cwd;
    t[MN_XLAT] = lower_xlat;
    t[MN_LAHF] = lower_lahf;
    t[MN_SAHF] = lower_sahf;
    t[MN_LDS] = t[MN_LES] = t[MN_LFS] = t[MN_LGS] = t[MN_LSS] = lower_lfp;
    t[MN_NOP] = t[MN_PAUSE] = lower_nop;
}
