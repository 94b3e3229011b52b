/* Lowering of the debug instructions: MOV to and from DR0-DR7 (SDM Vol. 2B
 * MOV-Debug Registers) and ICEBP / INT1 (F1, SDM Vol. 2A INT n), whose #DB
 * is a trap delivered like a hardware event rather than a software
 * interrupt. The rules themselves are helpers in debug.c. */
#include "cpu/translate.h"

/* 0F 21 /r MOV r32, DRn and 0F 23 /r MOV DRn, r32: ModRM.reg names the
 * debug register, ModRM.rm the general register; mod is ignored and the
 * operand size is always 32 bits. */
static void lower_mov_dr(DisasContext *s)
{
    const DecodedInsn *d = s->d;
    if (d->operands[0] == OPND_Dd) {
        gen_helper(s, HELPER_debug_write_dr, IR_NO_TEMP, 2, gen_imm(s, d->reg), gen_get_reg(s, d->rm, 4));
        /* Breakpoint changes drop translations, this block among them:
         * continue in the loop with fresh ones. */
        gen_end_block(s);
        return;
    }
    IrTemp w = ir_new_temp(s->b, IR_I64), v = gen_tmp(s);
    gen_helper(s, HELPER_debug_read_dr, w, 1, gen_imm(s, d->reg));
    ir_unop(s->b, IR_trunc32, IR_I32, v, w);
    gen_set_reg(s, d->rm, 4, v);
}

static void lower_icebp(DisasContext *s)
{
    gen_helper(s, HELPER_debug_icebp, IR_NO_TEMP, 1, gen_imm(s, s->next_pc));
    ir_exit_tb(s->b, X86_EXIT_NORMAL);      /* not reached */
    s->ended = true;
}

/* Registered after lower_register_control, so MN_INT1 is ours. */
void lower_register_debug(LowerFn **t);
void lower_register_debug(LowerFn **t)
{
    t[MN_MOV_DR] = lower_mov_dr;
    t[MN_INT1] = lower_icebp;
}
