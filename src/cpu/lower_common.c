/* Lowering building blocks shared by every lower_*.c file: registers with
 * their 8/16-bit views, effective addresses (SDM Vol. 2A §2.1.5, Tables
 * 2-1 and 2-2), segment bases, memory, the stack, lazy flags, condition
 * codes (SDM Vol. 1 Appendix B) and block exits. */
#include <stdarg.h>

#include "cpu/translate.h"

IrTemp gen_tmp(DisasContext *s)
{
    return ir_new_temp(s->b, IR_I32);
}

IrTemp gen_imm(DisasContext *s, uint32_t v)
{
    return ir_const(s->b, IR_I32, v);
}

IrTemp gen_mask(DisasContext *s, IrTemp v, unsigned size)
{
    if (size >= 4)
        return v;
    IrTemp t = gen_tmp(s);
    ir_unop(s->b, size == 2 ? IR_ext16u : IR_ext8u, IR_I32, t, v);
    return t;
}

IrTemp gen_get_reg(DisasContext *s, int r, unsigned size)
{
    IrTemp t;
    switch (size) {
    case 4:
        t = gen_tmp(s);
        ir_mov(s->b, IR_I32, t, reg_global(r));
        return t;
    case 2:
        return gen_mask(s, reg_global(r), 2);
    default:
        /* Byte registers 4..7 are AH, CH, DH, BH: bits 8..15 of 0..3. */
        t = gen_tmp(s);
        if (r < 4)
            ir_unop(s->b, IR_ext8u, IR_I32, t, reg_global(r));
        else
            ir_extract(s->b, IR_I32, t, reg_global(r - 4), 8, 8);
        return t;
    }
}

void gen_set_reg(DisasContext *s, int r, unsigned size, IrTemp v)
{
    switch (size) {
    case 4:
        ir_mov(s->b, IR_I32, reg_global(r), v);
        break;
    case 2:
        ir_deposit(s->b, IR_I32, reg_global(r), reg_global(r), v, 0, 16);
        break;
    default:
        if (r < 4)
            ir_deposit(s->b, IR_I32, reg_global(r), reg_global(r), v, 0, 8);
        else
            ir_deposit(s->b, IR_I32, reg_global(r - 4), reg_global(r - 4), v, 8, 8);
        break;
    }
}

IrTemp gen_seg_base(DisasContext *s, int seg)
{
    /* The block key says ES, CS, SS and DS have base 0 (HF_FLAT); a load
     * of any of them ends the block. */
    if ((s->hflags & HF_FLAT) && seg != SEG_FS && seg != SEG_GS)
        return gen_imm(s, 0);
    IrTemp t = gen_tmp(s);
    ir_ld_env(s->b, IR_I32, t, CPU_OFF(seg[0].base) + (uint32_t)seg * (uint32_t)sizeof(SegmentCache), 4);
    return t;
}

IrTemp gen_linear(DisasContext *s, int seg, IrTemp offset)
{
    IrTemp t = gen_tmp(s);
    ir_binop(s->b, IR_add, IR_I32, t, gen_seg_base(s, seg), offset);
    if (s->nsegref < sizeof(s->segref) / sizeof(s->segref[0]))
        s->segref[s->nsegref++] = (typeof(s->segref[0])){t, offset, seg};
    return t;
}

/* Protected-mode segment checks (SDM Vol. 3A §5.3, §5.6): limits (with
 * expand-down), write to read-only, read of execute-only, null segments.
 * Flat ES/CS/SS/DS (HF_FLAT) cannot fault and get no check; real and
 * virtual-8086 mode are not checked (their 64 KiB wrap is QEMU's model
 * too). Addresses derived from a checked one (the second half of a far
 * pointer) are covered by the first access's size only. */
static void gen_seg_check(DisasContext *s, IrTemp linear, unsigned size, bool write)
{
    if (!s->pe || s->vm)
        return;
    for (unsigned i = 0; i < s->nsegref; i++) {
        if (s->segref[i].linear != linear)
            continue;
        int seg = s->segref[i].seg;
        if ((s->hflags & HF_FLAT) && seg != SEG_FS && seg != SEG_GS)
            return;
        gen_helper(s, HELPER_check_seg, IR_NO_TEMP, 3, gen_imm(s, (uint32_t)seg), s->segref[i].offset,
                   gen_imm(s, size | (write ? 0x100u : 0)));
        return;
    }
}

void gen_compute_ea(DisasContext *s)
{
    gen_compute_ea_esp(s, IR_NO_TEMP);
}

void gen_compute_ea_esp(DisasContext *s, IrTemp esp)
{
    const DecodedInsn *d = s->d;
    if (s->ea_valid)
        return;
    IrTemp off = gen_tmp(s);
    ir_movi(s->b, IR_I32, off, (uint32_t)d->disp);
    if (d->ea_base >= 0) {
        IrTemp base = reg_global(d->ea_base);
        if (d->ea_base == R_ESP && esp != IR_NO_TEMP && d->addr_size == 4)
            base = esp;
        ir_binop(s->b, IR_add, IR_I32, off, off, base);
    }
    if (d->ea_index >= 0) {
        IrTemp idx = reg_global(d->ea_index);
        if (d->addr_size == 4 && d->scale) {
            IrTemp sc = gen_tmp(s);
            ir_binop(s->b, IR_shl, IR_I32, sc, idx, gen_imm(s, d->scale));
            idx = sc;
        }
        ir_binop(s->b, IR_add, IR_I32, off, off, idx);
    }
    if (d->addr_size == 2)
        off = gen_mask(s, off, 2);
    s->ea_offset = off;
    s->ea_linear = gen_linear(s, d->ea_seg >= 0 ? d->ea_seg : SEG_DS, off);
    s->ea_valid = true;
}

IrTemp gen_load(DisasContext *s, IrTemp linear, unsigned size, bool sign)
{
    gen_seg_check(s, linear, size, false);
    IrTemp t = gen_tmp(s);
    ir_qld(s->b, IR_I32, t, linear, size | (sign ? IR_MEM_SIGN : 0));
    return t;
}

void gen_store(DisasContext *s, IrTemp linear, IrTemp v, unsigned size)
{
    gen_seg_check(s, linear, size, true);
    ir_qst(s->b, IR_I32, v, linear, size);
}

IrTemp gen_ld_rm(DisasContext *s, unsigned size)
{
    if (s->d->mod == 3)
        return gen_get_reg(s, s->d->rm, size);
    gen_compute_ea(s);
    return gen_load(s, s->ea_linear, size, false);
}

void gen_st_rm(DisasContext *s, unsigned size, IrTemp v)
{
    if (s->d->mod == 3) {
        gen_set_reg(s, s->d->rm, size, v);
        return;
    }
    gen_compute_ea(s);
    gen_store(s, s->ea_linear, v, size);
}

/* ESP after adding `delta`, with only SP changing on a 16-bit stack. */
static IrTemp sp_adjusted(DisasContext *s, int32_t delta)
{
    IrTemp sp = gen_tmp(s);
    ir_binop(s->b, IR_add, IR_I32, sp, reg_global(R_ESP), gen_imm(s, (uint32_t)delta));
    if (!s->ss32)
        ir_deposit(s->b, IR_I32, sp, reg_global(R_ESP), sp, 0, 16);
    return sp;
}

static IrTemp sp_offset(DisasContext *s, IrTemp esp)
{
    return s->ss32 ? esp : gen_mask(s, esp, 2);
}

void gen_push(DisasContext *s, IrTemp v, unsigned size)
{
    /* Store first: if it faults, ESP is unchanged (SDM Vol. 2B PUSH). */
    IrTemp sp = sp_adjusted(s, -(int32_t)size);
    gen_store(s, gen_linear(s, SEG_SS, sp_offset(s, sp)), v, size);
    ir_mov(s->b, IR_I32, reg_global(R_ESP), sp);
}

IrTemp gen_pop(DisasContext *s, unsigned size)
{
    IrTemp v = gen_load(s, gen_linear(s, SEG_SS, sp_offset(s, reg_global(R_ESP))), size, false);
    ir_mov(s->b, IR_I32, reg_global(R_ESP), sp_adjusted(s, (int32_t)size));
    return v;
}

void gen_set_cc(DisasContext *s, CcOp op, IrTemp dst, IrTemp src, IrTemp src2)
{
    if (dst != IR_NO_TEMP)
        ir_mov(s->b, IR_I32, ir_global(G_CC_DST), dst);
    if (src != IR_NO_TEMP)
        ir_mov(s->b, IR_I32, ir_global(G_CC_SRC), src);
    if (src2 != IR_NO_TEMP)
        ir_mov(s->b, IR_I32, ir_global(G_CC_SRC2), src2);
    ir_movi(s->b, IR_I32, ir_global(G_CC_OP), op);
    s->cc_op = op;
}

IrTemp gen_flags(DisasContext *s)
{
    if (s->cc_op == CC_OP_EFLAGS) {
        IrTemp t = gen_tmp(s);
        ir_mov(s->b, IR_I32, t, ir_global(G_CC_SRC));
        return t;
    }
    IrTemp t = ir_new_temp(s->b, IR_I64);
    gen_helper(s, HELPER_cc_compute_all, t, 4, ir_global(G_CC_OP), ir_global(G_CC_DST), ir_global(G_CC_SRC),
               ir_global(G_CC_SRC2));
    IrTemp r = gen_tmp(s);
    ir_unop(s->b, IR_trunc32, IR_I32, r, t);
    return r;
}

void gen_set_flags_eflags(DisasContext *s, IrTemp flags)
{
    IrTemp f = gen_tmp(s);
    ir_binop(s->b, IR_and, IR_I32, f, flags, gen_imm(s, CC_ALL));
    gen_set_cc(s, CC_OP_EFLAGS, IR_NO_TEMP, f, IR_NO_TEMP);
}

static unsigned cc_size(CcOp op)
{
    unsigned k = (op - CC_OP_ADDB) % 3;
    return k == 0 ? 1 : k == 1 ? 2 : 4;
}

static IrTemp sign_extend(DisasContext *s, IrTemp v, unsigned size)
{
    if (size == 4)
        return v;
    IrTemp t = gen_tmp(s);
    ir_unop(s->b, size == 2 ? IR_ext16s : IR_ext8s, IR_I32, t, v);
    return t;
}

/* Conditions straight from the recorded operands when the operation is
 * known at translation time: CMP/SUB and logic ops (the common case). */
static bool cond_fast(DisasContext *s, unsigned cc, IrCond *c, IrTemp *a, IrTemp *x)
{
    CcOp op = s->cc_op;
    bool is_sub = op >= CC_OP_SUBB && op <= CC_OP_SUBL;
    bool is_logic = op >= CC_OP_LOGICB && op <= CC_OP_LOGICL;
    /* ZF and SF come from the truncated result in every recorded group
     * (cc_op.h), so E/NE and S/NS are direct tests of cc_dst after INC,
     * DEC, ADD, ADC, SBB, shifts and MUL too. */
    if (!is_sub && !is_logic && op >= CC_OP_ADDB && op < CC_OP_COUNT &&
        ((cc >> 1) == (DECODE_CC_E >> 1) || (cc >> 1) == (DECODE_CC_S >> 1))) {
        unsigned size = cc_size(op);
        bool zf = (cc >> 1) == (DECODE_CC_E >> 1);
        *c = zf ? IR_COND_EQ : IR_COND_TSTNE;
        *a = ir_global(G_CC_DST);
        *x = gen_imm(s, zf ? 0 : 1u << (size * 8 - 1));
        if (cc & 1)
            *c = ir_cond_invert(*c);
        return true;
    }
    if (!is_sub && !is_logic)
        return false;
    unsigned size = cc_size(op);
    IrTemp dst = ir_global(G_CC_DST);
    bool inv = cc & 1;
    switch (cc >> 1) {
    case DECODE_CC_E >> 1:
        *c = IR_COND_EQ, *a = dst, *x = gen_imm(s, 0);
        break;
    case DECODE_CC_S >> 1:
        *c = IR_COND_TSTNE, *a = dst, *x = gen_imm(s, 1u << (size * 8 - 1));
        break;
    case DECODE_CC_B >> 1:
    case DECODE_CC_BE >> 1:
    case DECODE_CC_L >> 1:
    case DECODE_CC_LE >> 1: {
        unsigned kind = cc >> 1;
        if (is_logic) {
            /* CF = OF = 0: B never, BE = ZF, L = SF, LE = ZF or SF. */
            IrTemp sd = sign_extend(s, dst, size);
            switch (kind) {
            case DECODE_CC_B >> 1: *c = IR_COND_NE, *a = gen_imm(s, 0), *x = gen_imm(s, 0); break;
            case DECODE_CC_BE >> 1: *c = IR_COND_EQ, *a = dst, *x = gen_imm(s, 0); break;
            case DECODE_CC_L >> 1: *c = IR_COND_LT, *a = sd, *x = gen_imm(s, 0); break;
            default: *c = IR_COND_LE, *a = sd, *x = gen_imm(s, 0); break;
            }
            break;
        }
        /* SUB: first operand = dst + src (mod 2^size), second = src. */
        IrTemp first = gen_tmp(s);
        ir_binop(s->b, IR_add, IR_I32, first, dst, ir_global(G_CC_SRC));
        first = gen_mask(s, first, size);
        IrTemp second = ir_global(G_CC_SRC);
        switch (kind) {
        case DECODE_CC_B >> 1: *c = IR_COND_LTU, *a = first, *x = second; break;
        case DECODE_CC_BE >> 1: *c = IR_COND_LEU, *a = first, *x = second; break;
        case DECODE_CC_L >> 1: *c = IR_COND_LT, *a = sign_extend(s, first, size), *x = sign_extend(s, second, size); break;
        default: *c = IR_COND_LE, *a = sign_extend(s, first, size), *x = sign_extend(s, second, size); break;
        }
        break;
    }
    default:
        return false;   /* O, P: through the flags */
    }
    if (inv)
        *c = ir_cond_invert(*c);
    return true;
}

/* Any condition from the materialized flags. */
static void cond_slow(DisasContext *s, unsigned cc, IrCond *c, IrTemp *a, IrTemp *x)
{
    IrTemp f = gen_flags(s);
    IrTemp t;
    switch (cc >> 1) {
    case DECODE_CC_O >> 1: *a = f, *x = gen_imm(s, CC_O); break;
    case DECODE_CC_B >> 1: *a = f, *x = gen_imm(s, CC_C); break;
    case DECODE_CC_E >> 1: *a = f, *x = gen_imm(s, CC_Z); break;
    case DECODE_CC_BE >> 1: *a = f, *x = gen_imm(s, CC_C | CC_Z); break;
    case DECODE_CC_S >> 1: *a = f, *x = gen_imm(s, CC_S); break;
    case DECODE_CC_P >> 1: *a = f, *x = gen_imm(s, CC_P); break;
    case DECODE_CC_L >> 1:
    case DECODE_CC_LE >> 1:
        /* SF != OF: move OF (bit 11) onto SF (bit 7) and xor. */
        t = gen_tmp(s);
        ir_binop(s->b, IR_shr, IR_I32, t, f, gen_imm(s, 4));
        ir_binop(s->b, IR_xor, IR_I32, t, t, f);
        ir_binop(s->b, IR_and, IR_I32, t, t, gen_imm(s, CC_S));
        if ((cc >> 1) == (DECODE_CC_LE >> 1)) {
            IrTemp z = gen_tmp(s);
            ir_binop(s->b, IR_and, IR_I32, z, f, gen_imm(s, CC_Z));
            ir_binop(s->b, IR_or, IR_I32, t, t, z);
        }
        *a = t, *x = t;
        break;
    }
    *c = (cc & 1) ? IR_COND_TSTEQ : IR_COND_TSTNE;
}

static void gen_cond(DisasContext *s, unsigned cc, IrCond *c, IrTemp *a, IrTemp *x)
{
    if (!cond_fast(s, cc, c, a, x))
        cond_slow(s, cc, c, a, x);
}

void gen_brcond_cc(DisasContext *s, unsigned cc, unsigned label)
{
    IrCond c;
    IrTemp a, x;
    gen_cond(s, cc, &c, &a, &x);
    ir_brcond(s->b, IR_I32, c, a, x, label);
}

IrTemp gen_setcc(DisasContext *s, unsigned cc)
{
    IrCond c;
    IrTemp a, x;
    gen_cond(s, cc, &c, &a, &x);
    IrTemp t = gen_tmp(s);
    ir_setcond(s->b, IR_I32, c, t, a, x);
    return t;
}

void gen_jmp_to(DisasContext *s, uint32_t eip)
{
    ir_movi(s->b, IR_I32, ir_global(G_EIP), eip);
    ir_goto_tb(s->b, 0);
    s->ended = true;
}

void gen_jmp_indirect(DisasContext *s, IrTemp eip)
{
    ir_mov(s->b, IR_I32, ir_global(G_EIP), eip);
    ir_lookup_tb(s->b);
    s->ended = true;
}

void gen_end_block(DisasContext *s)
{
    ir_movi(s->b, IR_I32, ir_global(G_EIP), s->next_pc);
    ir_exit_tb(s->b, X86_EXIT_NORMAL);
    s->ended = true;
}

void gen_helper(DisasContext *s, unsigned helper, IrTemp ret, unsigned nargs, ...)
{
    IrTemp args[4];
    va_list ap;
    va_start(ap, nargs);
    for (unsigned i = 0; i < nargs && i < 4; i++)
        args[i] = va_arg(ap, IrTemp);
    va_end(ap);
    ir_call(s->b, helper, ret, args, nargs);
}

void gen_exception(DisasContext *s, int vector)
{
    /* Helpers see EIP through the insn_start position, not this store. */
    gen_helper(s, HELPER_raise_exception, IR_NO_TEMP, 2, gen_imm(s, (uint32_t)vector), gen_imm(s, UINT32_MAX));
    ir_exit_tb(s->b, X86_EXIT_NORMAL);      /* not reached */
    s->ended = true;
}

void gen_unimplemented(DisasContext *s)
{
    uint32_t code = ((uint32_t)s->d->map << 8) | s->d->opcode;
    gen_helper(s, HELPER_unimplemented, IR_NO_TEMP, 2, gen_imm(s, s->pc), gen_imm(s, code));
    ir_exit_tb(s->b, X86_EXIT_NORMAL);
    s->ended = true;
}
