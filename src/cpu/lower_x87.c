/* Lowering of the x87 instructions (D8-DF escapes, FXSAVE/FXRSTOR and
 * WAIT): each becomes one call of an instruction-class helper in fpu.c
 * with an X87_DESC that says which instruction, which ST(i), the memory
 * format, the segment and the FOP, plus the memory operand's address
 * computed in IR. The helpers do the #NM/#MF checks first and all
 * memory accesses through cpu_ld/cpu_st, so faults stay precise.
 * Reference: Intel SDM Vol. 1 ch. 8, Vol. 2 instruction pages, Vol. 2
 * Appendix A.5 (x87 opcode maps). */
#include "cpu/fpu.h"
#include "cpu/translate.h"

_Static_assert(MN_COUNT <= 1024, "X87_DESC holds the mnemonic in 10 bits");

enum { X87_NONE, X87_LOAD, X87_STORE, X87_ARITH, X87_MISC, X87_CONTROL };

/* Instruction class per mnemonic (0: not an x87 instruction). */
static const uint8_t x87_class[MN_COUNT] = {
    [MN_FLD] = X87_LOAD, [MN_FILD] = X87_LOAD, [MN_FBLD] = X87_LOAD, [MN_FLD1] = X87_LOAD,
    [MN_FLDZ] = X87_LOAD, [MN_FLDPI] = X87_LOAD, [MN_FLDL2E] = X87_LOAD, [MN_FLDLN2] = X87_LOAD,
    [MN_FLDL2T] = X87_LOAD, [MN_FLDLG2] = X87_LOAD,
    [MN_FST] = X87_STORE, [MN_FSTP] = X87_STORE, [MN_FIST] = X87_STORE, [MN_FISTP] = X87_STORE,
    [MN_FBSTP] = X87_STORE,
    [MN_FADD] = X87_ARITH, [MN_FADDP] = X87_ARITH, [MN_FIADD] = X87_ARITH,
    [MN_FSUB] = X87_ARITH, [MN_FSUBP] = X87_ARITH, [MN_FISUB] = X87_ARITH,
    [MN_FSUBR] = X87_ARITH, [MN_FSUBRP] = X87_ARITH, [MN_FISUBR] = X87_ARITH,
    [MN_FMUL] = X87_ARITH, [MN_FMULP] = X87_ARITH, [MN_FIMUL] = X87_ARITH,
    [MN_FDIV] = X87_ARITH, [MN_FDIVP] = X87_ARITH, [MN_FIDIV] = X87_ARITH,
    [MN_FDIVR] = X87_ARITH, [MN_FDIVRP] = X87_ARITH, [MN_FIDIVR] = X87_ARITH,
    [MN_FCOM] = X87_ARITH, [MN_FCOMP] = X87_ARITH, [MN_FCOMPP] = X87_ARITH,
    [MN_FUCOM] = X87_ARITH, [MN_FUCOMP] = X87_ARITH, [MN_FUCOMPP] = X87_ARITH,
    [MN_FICOM] = X87_ARITH, [MN_FICOMP] = X87_ARITH, [MN_FTST] = X87_ARITH,
    [MN_FCOMI] = X87_ARITH, [MN_FCOMIP] = X87_ARITH, [MN_FUCOMI] = X87_ARITH, [MN_FUCOMIP] = X87_ARITH,
    [MN_FXCH] = X87_MISC, [MN_FCMOVCC] = X87_MISC, [MN_FPREM] = X87_MISC, [MN_FPREM1] = X87_MISC,
    [MN_FABS] = X87_MISC, [MN_FCHS] = X87_MISC, [MN_FRNDINT] = X87_MISC, [MN_FSCALE] = X87_MISC,
    [MN_FSQRT] = X87_MISC, [MN_FXTRACT] = X87_MISC, [MN_FXAM] = X87_MISC, [MN_FSIN] = X87_MISC,
    [MN_FCOS] = X87_MISC, [MN_FSINCOS] = X87_MISC, [MN_FPTAN] = X87_MISC, [MN_FPATAN] = X87_MISC,
    [MN_F2XM1] = X87_MISC, [MN_FYL2X] = X87_MISC, [MN_FYL2XP1] = X87_MISC, [MN_FINCSTP] = X87_MISC,
    [MN_FDECSTP] = X87_MISC, [MN_FFREE] = X87_MISC, [MN_FFREEP] = X87_MISC, [MN_FNOP] = X87_MISC,
    [MN_FNINIT] = X87_CONTROL, [MN_FNCLEX] = X87_CONTROL, [MN_FNSTCW] = X87_CONTROL,
    [MN_FLDCW] = X87_CONTROL, [MN_FNSTENV] = X87_CONTROL, [MN_FLDENV] = X87_CONTROL,
    [MN_FNSAVE] = X87_CONTROL, [MN_FRSTOR] = X87_CONTROL, [MN_FNSTSW] = X87_CONTROL,
    [MN_FNENI] = X87_CONTROL, [MN_FNDISI] = X87_CONTROL, [MN_FNSETPM] = X87_CONTROL,
    [MN_FXSAVE] = X87_CONTROL, [MN_FXRSTOR] = X87_CONTROL,
};

static const unsigned x87_helper[] = {
    [X87_LOAD] = HELPER_x87_load, [X87_STORE] = HELPER_x87_store, [X87_ARITH] = HELPER_x87_arith,
    [X87_MISC] = HELPER_x87_misc, [X87_CONTROL] = HELPER_x87_control,
};

/* The memory format of the instruction's memory operand, if any. */
static unsigned x87_mem_format(const DecodedInsn *d)
{
    for (unsigned i = 0; i < d->noperands; i++) {
        switch (d->operands[i]) {
        case OPND_Mfs: return X87_FMT_F32;
        case OPND_Mfd: return X87_FMT_F64;
        case OPND_Mft: return X87_FMT_F80;
        case OPND_Mwi: return X87_FMT_I16;
        case OPND_Mdi: return X87_FMT_I32;
        case OPND_Mqi: return X87_FMT_I64;
        case OPND_Mbcd: return X87_FMT_BCD;
        case OPND_Mw: return X87_FMT_W16;
        case OPND_Menv: case OPND_Mstate: case OPND_Mfx: return X87_FMT_BLOCK;
        default: break;
        }
    }
    return X87_FMT_NONE;
}

static void lower_x87(DisasContext *s)
{
    const DecodedInsn *d = s->d;
    unsigned cls = x87_class[d->mnemonic];
    unsigned fmt = x87_mem_format(d);
    unsigned seg = X87_SEG_NONE, segcheck = 0;
    IrTemp linear = gen_imm(s, 0), offset = gen_imm(s, 0);
    if (fmt != X87_FMT_NONE) {
        gen_compute_ea(s);
        linear = s->ea_linear;
        offset = s->ea_offset;
        seg = d->ea_seg >= 0 ? (unsigned)d->ea_seg : SEG_DS;
        /* The helpers check limits and types where translated loads would
         * (gen_seg_check's rule): protected mode, not a flat ES/CS/SS/DS. */
        bool flat = (s->hflags & HF_FLAT) && seg != SEG_FS && seg != SEG_GS;
        segcheck = s->pe && !s->vm && !flat;
    }
    /* FOP: the low 3 bits of the escape opcode and the ModRM byte. */
    unsigned fop = d->map == DECODE_MAP_ONEBYTE ? ((d->opcode & 7u) << 8) | d->modrm : 0;
    bool dst_sti = d->noperands == 2 && d->operands[0] == OPND_STi;
    uint64_t desc = X87_DESC(d->mnemonic, d->rm & 7u, fmt, seg, d->op_size == 4, d->cond & 0xFu, fop, segcheck,
                             dst_sti);
    IrTemp ret = IR_NO_TEMP;
    bool to_ax = d->mnemonic == MN_FNSTSW && fmt == X87_FMT_NONE;
    if (cls == X87_CONTROL)
        ret = ir_new_temp(s->b, IR_I64);    /* the helper returns FSW (used by FNSTSW AX) */
    gen_helper(s, x87_helper[cls], ret, 4, ir_const(s->b, IR_I64, desc), linear, offset, gen_imm(s, s->pc));
    if (to_ax) {
        IrTemp v = gen_tmp(s);
        ir_unop(s->b, IR_trunc32, IR_I32, v, ret);
        gen_set_reg(s, R_EAX, 2, v);
    }
    /* The FCOMI family leaves EFLAGS materialized (cpu_set_eflags). */
    if (d->mnemonic == MN_FCOMI || d->mnemonic == MN_FCOMIP || d->mnemonic == MN_FUCOMI || d->mnemonic == MN_FUCOMIP)
        s->cc_op = CC_OP_EFLAGS;
}

/* WAIT/FWAIT: replaces lower_misc.c's version, which predates the FPU. */
static void lower_wait_x87(DisasContext *s)
{
    gen_helper(s, HELPER_x87_wait, IR_NO_TEMP, 0);
}

void lower_register_x87(LowerFn **t);
void lower_register_x87(LowerFn **t)
{
    for (unsigned m = 0; m < MN_COUNT; m++)
        if (x87_class[m] != X87_NONE)
            t[m] = lower_x87;
    t[MN_WAIT] = lower_wait_x87;
}
