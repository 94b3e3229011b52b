/* Generic operand access from the decoder's operand kinds (SDM Vol. 2
 * Appendix A.2 notation): the lowering of most instructions is "read the
 * operands, compute, write operand 0" and goes through these. */
#include "cpu/translate.h"

/* Size in bytes of operand i's value. */
unsigned op_size(const DisasContext *s, unsigned i)
{
    const DecodedInsn *d = s->d;
    switch (d->operands[i]) {
    case OPND_Eb: case OPND_Gb: case OPND_Ib: case OPND_Jb: case OPND_AL: case OPND_CL: case OPND_ONE:
    case OPND_Zb: case OPND_Ob: case OPND_Xb: case OPND_Yb: case OPND_Mb:
        return 1;
    case OPND_Ew: case OPND_Gw: case OPND_Iw: case OPND_AX: case OPND_DX: case OPND_Sw: case OPND_Mw:
    case OPND_ES: case OPND_CS: case OPND_SS: case OPND_DS: case OPND_FS: case OPND_GS:
        return 2;
    case OPND_Ed: case OPND_Gd: case OPND_Rd: case OPND_Cd: case OPND_Dd: case OPND_Md:
        return 4;
    case OPND_MwRv:
        return d->mod == 3 ? d->op_size : 2;
    case OPND_sIb:
    default:
        return d->op_size;
    }
}

static int fixed_seg(OperandKind k)
{
    switch (k) {
    case OPND_ES: return SEG_ES;
    case OPND_CS: return SEG_CS;
    case OPND_SS: return SEG_SS;
    case OPND_DS: return SEG_DS;
    case OPND_FS: return SEG_FS;
    default: return SEG_GS;
    }
}

/* moffs: seg:disp with the address size. */
static IrTemp moffs_linear(DisasContext *s)
{
    uint32_t off = (uint32_t)s->d->disp;
    if (s->d->addr_size == 2)
        off &= 0xFFFF;
    return gen_linear(s, s->d->ea_seg >= 0 ? s->d->ea_seg : SEG_DS, gen_imm(s, off));
}

IrTemp gen_ld_op(DisasContext *s, unsigned i)
{
    const DecodedInsn *d = s->d;
    OperandKind k = d->operands[i];
    unsigned size = op_size(s, i);
    IrTemp t;
    switch (k) {
    case OPND_Eb: case OPND_Ew: case OPND_Ed: case OPND_Ev: case OPND_MwRv:
        return gen_ld_rm(s, size);
    case OPND_Mb: case OPND_Mw: case OPND_Md:
        gen_compute_ea(s);
        return gen_load(s, s->ea_linear, size, false);
    case OPND_Gb: case OPND_Gw: case OPND_Gd: case OPND_Gv:
        return gen_get_reg(s, d->reg, size);
    case OPND_Rd:
        return gen_get_reg(s, d->rm, 4);
    case OPND_Sw:
        t = gen_tmp(s);
        ir_ld_env(s->b, IR_I32, t, CPU_OFF(seg[0].selector) + d->reg * (uint32_t)sizeof(SegmentCache), 4);
        return t;
    case OPND_ES: case OPND_CS: case OPND_SS: case OPND_DS: case OPND_FS: case OPND_GS:
        t = gen_tmp(s);
        ir_ld_env(s->b, IR_I32, t, CPU_OFF(seg[0].selector) + (uint32_t)fixed_seg(k) * (uint32_t)sizeof(SegmentCache),
                  4);
        return t;
    case OPND_Ib: case OPND_Iw: case OPND_Iz: case OPND_sIb: case OPND_Jb: case OPND_Jz:
        return gen_imm(s, (uint32_t)(d->imm & size_mask(size)));
    case OPND_Ob: case OPND_Ov:
        return gen_load(s, moffs_linear(s), size, false);
    case OPND_AL: case OPND_AX: case OPND_eAX:
        return gen_get_reg(s, R_EAX, size);
    case OPND_CL:
        return gen_get_reg(s, R_ECX, 1);
    case OPND_DX:
        return gen_get_reg(s, R_EDX, 2);
    case OPND_ONE:
        return gen_imm(s, 1);
    case OPND_Zb: case OPND_Zv:
        return gen_get_reg(s, d->opcode & 7, size);
    default:
        /* Operand kinds of instruction classes lowered elsewhere. */
        gen_unimplemented(s);
        return gen_imm(s, 0);
    }
}

void gen_st_op(DisasContext *s, unsigned i, IrTemp v)
{
    const DecodedInsn *d = s->d;
    OperandKind k = d->operands[i];
    unsigned size = op_size(s, i);
    switch (k) {
    case OPND_Eb: case OPND_Ew: case OPND_Ed: case OPND_Ev: case OPND_MwRv:
        gen_st_rm(s, size, v);
        return;
    case OPND_Mb: case OPND_Mw: case OPND_Md:
        gen_compute_ea(s);
        gen_store(s, s->ea_linear, v, size);
        return;
    case OPND_Gb: case OPND_Gw: case OPND_Gd: case OPND_Gv:
        gen_set_reg(s, d->reg, size, v);
        return;
    case OPND_Rd:
        gen_set_reg(s, d->rm, 4, v);
        return;
    case OPND_Ob: case OPND_Ov:
        gen_store(s, moffs_linear(s), v, size);
        return;
    case OPND_AL: case OPND_AX: case OPND_eAX:
        gen_set_reg(s, R_EAX, size, v);
        return;
    case OPND_CL:
        gen_set_reg(s, R_ECX, 1, v);
        return;
    case OPND_DX:
        gen_set_reg(s, R_EDX, 2, v);
        return;
    case OPND_Zb: case OPND_Zv:
        gen_set_reg(s, d->opcode & 7, size, v);
        return;
    default:
        gen_unimplemented(s);
        return;
    }
}
