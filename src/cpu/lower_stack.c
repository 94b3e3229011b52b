/* Lowering of the stack instructions: PUSH/POP (registers, memory,
 * immediates, segment registers), PUSHA/POPA, PUSHF/POPF. The stack
 * pointer width comes from SS.B (16-bit stacks change SP only); the
 * operand size decides how much is moved. SDM Vol. 2B. */
#include "cpu/translate.h"

static int seg_of(OperandKind k)
{
    switch (k) {
    case OPND_ES: return SEG_ES;
    case OPND_CS: return SEG_CS;
    case OPND_SS: return SEG_SS;
    case OPND_DS: return SEG_DS;
    case OPND_FS: return SEG_FS;
    case OPND_GS: return SEG_GS;
    default: return -1;
    }
}

static void lower_push(DisasContext *s)
{
    unsigned size = s->d->op_size;
    IrTemp v = gen_ld_op(s, 0);
    if (s->d->operands[0] == OPND_sIb)
        v = gen_mask(s, gen_imm(s, s->d->imm), size);
    gen_push(s, v, size);
}

static void lower_pop(DisasContext *s)
{
    const DecodedInsn *d = s->d;
    unsigned size = d->op_size;
    int seg = seg_of(d->operands[0]);
    if (seg >= 0) {
        /* Load through the helper before ESP moves: a bad selector faults
         * with the stack untouched. */
        IrTemp off = s->ss32 ? reg_global(R_ESP) : gen_mask(s, reg_global(R_ESP), 2);
        IrTemp v = gen_load(s, gen_linear(s, SEG_SS, off), 2, false);
        gen_helper(s, HELPER_load_seg, IR_NO_TEMP, 2, gen_imm(s, (uint32_t)seg), v);
        IrTemp sp = gen_tmp(s);
        ir_binop(s->b, IR_add, IR_I32, sp, reg_global(R_ESP), gen_imm(s, size));
        gen_set_reg(s, R_ESP, s->ss32 ? 4 : 2, sp);
        gen_end_block(s);
        return;
    }
    if (d->operands[0] == OPND_Ev && d->mod != 3) {
        /* The address uses ESP after the increment (SDM Vol. 2B POP). */
        IrTemp off = s->ss32 ? reg_global(R_ESP) : gen_mask(s, reg_global(R_ESP), 2);
        IrTemp v = gen_load(s, gen_linear(s, SEG_SS, off), size, false);
        IrTemp sp = gen_tmp(s);
        ir_binop(s->b, IR_add, IR_I32, sp, reg_global(R_ESP), gen_imm(s, size));
        if (!s->ss32)
            ir_deposit(s->b, IR_I32, sp, reg_global(R_ESP), sp, 0, 16);
        gen_compute_ea_esp(s, sp);
        gen_store(s, s->ea_linear, v, size);
        ir_mov(s->b, IR_I32, reg_global(R_ESP), sp);
        return;
    }
    IrTemp v = gen_pop(s, size);
    gen_st_op(s, 0, v);     /* POP ESP: the popped value wins */
}

static void lower_pusha(DisasContext *s)
{
    unsigned size = s->d->op_size;
    IrTemp esp = gen_get_reg(s, R_ESP, size);
    for (int r = R_EAX; r <= R_EDI; r++)
        gen_push(s, r == R_ESP ? esp : gen_get_reg(s, r, size), size);
}

static void lower_popa(DisasContext *s)
{
    unsigned size = s->d->op_size;
    for (int r = R_EDI; r >= R_EAX; r--) {
        IrTemp v = gen_pop(s, size);
        if (r != R_ESP)
            gen_set_reg(s, r, size, v);
    }
}

/* PUSHF: in virtual-8086 mode IOPL-sensitive (VME may give a virtual
 * image), so a helper builds the image there (vm86.c). */
static void lower_pushf(DisasContext *s)
{
    unsigned size = s->d->op_size;
    IrTemp w = ir_new_temp(s->b, IR_I64), f = gen_tmp(s);
    if (s->vm)
        gen_helper(s, HELPER_pushf_vm86, w, 1, gen_imm(s, size));
    else
        gen_helper(s, HELPER_get_eflags, w, 0);
    ir_unop(s->b, IR_trunc32, IR_I32, f, w);
    gen_push(s, gen_mask(s, f, size), size);
}

static void lower_popf(DisasContext *s)
{
    unsigned size = s->d->op_size;
    /* Read, let the helper apply (or refuse with #GP) the value, then move
     * ESP: a fault leaves ESP as it was. */
    IrTemp off = s->ss32 ? reg_global(R_ESP) : gen_mask(s, reg_global(R_ESP), 2);
    IrTemp v = gen_load(s, gen_linear(s, SEG_SS, off), size, false);
    gen_helper(s, HELPER_popf, IR_NO_TEMP, 2, v, gen_imm(s, size));
    IrTemp sp = gen_tmp(s);
    ir_binop(s->b, IR_add, IR_I32, sp, reg_global(R_ESP), gen_imm(s, size));
    gen_set_reg(s, R_ESP, s->ss32 ? 4 : 2, sp);
    s->cc_op = CC_OP_EFLAGS;
    /* IF or TF may have changed: back to the loop. */
    gen_end_block(s);
}

void lower_register_stack(LowerFn **t);
void lower_register_stack(LowerFn **t)
{
    t[MN_PUSH] = lower_push;
    t[MN_POP] = lower_pop;
    t[MN_PUSHA] = lower_pusha;
    t[MN_POPA] = lower_popa;
    t[MN_PUSHF] = lower_pushf;
    t[MN_POPF] = lower_popf;
}
