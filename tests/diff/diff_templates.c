/* The instruction templates of the host differential test: the integer
 * instructions a 32-bit user program may execute, one row per mnemonic and
 * operand form (opcode, operand sizes, flags effect from diff_flags.h, flags
 * read, weight) and one emitter per form that picks operands within the
 * safety rules of diff_gen_internal.h. Opcodes: SDM Vol. 2D Appendix A.
 * Left out on purpose: anything privileged, model-specific or host-visible
 * (CPUID, RDTSC, IN/OUT, INT n, HLT, segment loads and pushes, FS/GS), and
 * encodings the SDM leaves undefined (BSWAP r16, REPNE on non-compares). */
#include "diff_gen_internal.h"

#include <string.h>

static void tpl_opcode(GenInsn *in, const GenTemplate *t, unsigned size)
{
    if (t->attr & T_TWO)
        in->op[in->n_op++] = 0x0f;
    in->op[in->n_op++] = (uint8_t)((t->attr & T_W) && size != 1 ? t->op | 1 : t->op);
}

/* The r/m destination of an ALU-style form: register, memory, or locked memory. */
static bool tpl_rm_dst(Gen *g, const GenTemplate *t, GenInsn *in, unsigned size)
{
    if ((t->attr & T_LOCK) && gen_chance(g, 25)) {
        if (!gen_mem(g, size, 0, 0, GEN_MEM_WRITE | GEN_MEM_ALIGN, &in->mem))
            return false;
        in->has_modrm = true;
        in->rm_mem = true;
        gen_insn_lock(in);
        return true;
    }
    return gen_rm(g, in, size, !(t->attr & T_RO), (t->attr & T_XLOCK) ? GEN_MEM_ALIGN : 0);
}

/* op r/m, reg: group-1 ALU ops, TEST, MOV, XCHG, CMPXCHG, XADD. */
static bool tpl_rm_r(Gen *g, const GenTemplate *t)
{
    if (!gen_readable(g, t->reads))
        return false;
    unsigned size = gen_size(g, t->sizes);
    GenInsn in;
    gen_insn_init(&in, size);
    tpl_opcode(&in, t, size);
    in.reg = (t->attr & T_BOTH) ? gen_reg_dst(g, size) : gen_reg_src(g);
    if (!tpl_rm_dst(g, t, &in, size))
        return false;
    if (t->attr & T_BOTH)
        gen_clobber(g, in.reg, size);
    gen_emit(g, &in);
    gen_apply(g, t->fx);
    return true;
}

/* op reg, r/m: group-1 ALU ops, MOV, IMUL r,r/m, BSF, BSR. */
static bool tpl_r_rm(Gen *g, const GenTemplate *t)
{
    if (!gen_readable(g, t->reads))
        return false;
    unsigned size = gen_size(g, t->sizes);
    bool write = !(t->attr & T_RO);
    GenInsn in;
    gen_insn_init(&in, size);
    tpl_opcode(&in, t, size);
    in.reg = write ? gen_reg_dst(g, size) : gen_reg_src(g);
    gen_rm(g, &in, size, false, 0);
    if (write)
        gen_clobber(g, in.reg, size);
    gen_emit(g, &in);
    gen_apply(g, t->fx);
    return true;
}

/* op r/m, imm: group 1 (80/81), MOV (C6/C7 /0), TEST (F6/F7 /0). */
static bool tpl_rm_imm(Gen *g, const GenTemplate *t)
{
    if (!gen_readable(g, t->reads))
        return false;
    unsigned size = gen_size(g, t->sizes);
    GenInsn in;
    gen_insn_init(&in, size);
    tpl_opcode(&in, t, size);
    in.reg = t->digit;
    if (!tpl_rm_dst(g, t, &in, size))
        return false;
    in.imm = dgen_imm(g, size);
    in.imm_size = size;
    gen_emit(g, &in);
    gen_apply(g, t->fx);
    return true;
}

/* op r/m16/32, imm8 sign-extended (83 /digit). */
static bool tpl_rm_imm8s(Gen *g, const GenTemplate *t)
{
    if (!gen_readable(g, t->reads))
        return false;
    unsigned size = gen_size(g, t->sizes);
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = 0x83;
    in.reg = t->digit;
    if (!tpl_rm_dst(g, t, &in, size))
        return false;
    in.imm = dgen_imm(g, 1);
    in.imm_size = 1;
    gen_emit(g, &in);
    gen_apply(g, t->fx);
    return true;
}

/* op AL/AX/EAX, imm (04, 0C, ... 3C, A8). */
static bool tpl_acc_imm(Gen *g, const GenTemplate *t)
{
    if (!gen_readable(g, t->reads))
        return false;
    unsigned size = gen_size(g, t->sizes);
    GenInsn in;
    gen_insn_init(&in, size);
    tpl_opcode(&in, t, size);
    in.imm = dgen_imm(g, size);
    in.imm_size = size;
    gen_emit(g, &in);
    gen_apply(g, t->fx);
    return true;
}

/* Group 1 by /digit, for the 82 alias of 80 (valid outside 64-bit mode,
 * SDM Vol. 2D Table A-2). */
static const struct {
    uint8_t fx;
    uint16_t reads;
    bool ro;
} tpl_group1[8] = {
    {DIFF_FX_ARITH, 0, false}, {DIFF_FX_LOGIC, 0, false}, {DIFF_FX_ARITH, DIFF_CF, false},
    {DIFF_FX_ARITH, DIFF_CF, false}, {DIFF_FX_LOGIC, 0, false}, {DIFF_FX_ARITH, 0, false},
    {DIFF_FX_LOGIC, 0, false}, {DIFF_FX_ARITH, 0, true},
};

static bool tpl_alu82(Gen *g, const GenTemplate *t)
{
    (void)t;
    unsigned d = gen_below(g, 8);
    if (!gen_readable(g, tpl_group1[d].reads))
        return false;
    GenInsn in;
    gen_insn_init(&in, 1);
    in.op[in.n_op++] = 0x82;
    in.reg = d;
    gen_rm(g, &in, 1, !tpl_group1[d].ro, 0);
    in.imm = dgen_imm(g, 1);
    in.imm_size = 1;
    gen_emit(g, &in);
    gen_apply(g, tpl_group1[d].fx);
    return true;
}

/* Group 3/4/5 unary forms: NOT NEG MUL IMUL DIV IDIV (F6/F7), INC DEC (FE/FF). */
static bool tpl_unary(Gen *g, const GenTemplate *t)
{
    if (!gen_readable(g, t->reads))
        return false;
    unsigned size = gen_size(g, t->sizes);
    GenInsn in;
    gen_insn_init(&in, size);
    tpl_opcode(&in, t, size);
    in.reg = t->digit;
    if (!tpl_rm_dst(g, t, &in, size))
        return false;
    gen_emit(g, &in);
    gen_apply(g, t->fx);
    return true;
}

/* DIV/IDIV after extending the dividend (MOV AH,0 / CBW, XOR DX,DX / CWD,
 * XOR EDX,EDX / CDQ), so that most divisions complete instead of raising #DE;
 * the divisor is never the accumulator pair. */
static bool tpl_div(Gen *g, const GenTemplate *t)
{
    static const uint8_t setup[2][3][4] = {
        /* DIV */ {{2, 0xb4, 0x00}, {3, 0x66, 0x31, 0xd2}, {2, 0x31, 0xd2}},
        /* IDIV */ {{2, 0x66, 0x98}, {2, 0x66, 0x99}, {1, 0x99}},
    };
    static const uint8_t divisors8[] = {1, 2, 3, 5, 6, 7};      /* CL DL BL CH DH BH */
    static const uint8_t divisors[] = {DIFF_ECX, DIFF_EBX, DIFF_ESP, DIFF_EBP, DIFF_ESI, DIFF_EDI};
    unsigned size = gen_size(g, t->sizes);
    unsigned sel = size == 1 ? 0 : size == 2 ? 1 : 2;
    bool sign = t->digit == 7;
    const uint8_t *s = setup[sign][sel];
    gen_emit_bytes(g, s + 1, s[0]);
    if (!sign && size != 1)
        gen_apply(g, DIFF_FX_LOGIC); /* the XOR */
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = size == 1 ? 0xf6 : 0xf7;
    in.reg = t->digit;
    in.has_modrm = true;
    if (gen_chance(g, 40) && gen_mem(g, size, 0, 0, 0, &in.mem)) {
        in.rm_mem = true;
    } else {
        in.rm_reg = size == 1 ? divisors8[gen_below(g, sizeof(divisors8))]
                              : divisors[gen_below(g, sizeof(divisors))];
    }
    gen_emit(g, &in);
    gen_apply(g, DIFF_FX_DIV);
    return true;
}

/* Register-in-opcode forms: INC/DEC r (40+r, 48+r), BSWAP r32 (0F C8+r),
 * MOV r, imm (B0+r, B8+r; digit 1 = has an immediate), XCHG eAX, r (90+r). */
static bool tpl_reg_op(Gen *g, const GenTemplate *t)
{
    unsigned size = gen_size(g, t->sizes);
    unsigned r = gen_reg_dst(g, size);
    if (t->op == 0x90 && r == DIFF_EAX)
        r = DIFF_ECX + gen_below(g, 3); /* 90 itself is NOP */
    GenInsn in;
    gen_insn_init(&in, size);
    if (t->attr & T_TWO)
        in.op[in.n_op++] = 0x0f;
    in.op[in.n_op++] = (uint8_t)(t->op + r);
    if (t->digit) {
        in.imm = dgen_imm(g, size);
        in.imm_size = size;
    }
    gen_clobber(g, r, size);
    gen_emit(g, &in);
    gen_apply(g, t->fx);
    return true;
}

/* Shift counts around every edge: 0 (flags untouched), 1 (OF defined), the
 * width and one more (RCL/RCR modulo 9 and 17, SHL/SHR CF undefined), and
 * counts past 31 that the CPU masks to 5 bits. */
static unsigned tpl_shift_count(Gen *g, unsigned width)
{
    uint32_t r = gen_below(g, 100);
    if (r < 12)
        return 0;
    if (r < 30)
        return 1;
    if (r < 60)
        return 2 + gen_below(g, width - 2);
    if (r < 75)
        return width + gen_below(g, 2);
    if (r < 88)
        return 31 + gen_below(g, 10);
    return gen_below(g, 256);
}

/* Group 2 (t->digit = DiffShiftKind): by 1 (D0), by CL (D2), by imm8 (C0).
 * By CL, the count is usually loaded first so that the flags it defines are
 * known; otherwise every count is assumed possible. */
static bool tpl_shift(Gen *g, const GenTemplate *t)
{
    if (!gen_readable(g, t->reads))
        return false;
    unsigned size = gen_size(g, t->sizes), width = size * 8;
    int count = t->op == 0xd0 ? 1 : -1;
    if (t->op == 0xc0 || (t->op == 0xd2 && gen_chance(g, 70)))
        count = (int)tpl_shift_count(g, width);
    if (t->op == 0xd2 && count >= 0)
        gen_emit_bytes(g, (const uint8_t[]){0xb1, (uint8_t)count}, 2); /* MOV CL, imm8 */
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = (uint8_t)(t->op | (size != 1));
    in.reg = t->digit;
    gen_rm(g, &in, size, true, 0);
    if (t->op == 0xc0) {
        in.imm = (uint32_t)count;
        in.imm_size = 1;
    }
    gen_emit(g, &in);
    if (count < 0)
        g->flow.undef = diff_flags_after_any_shift(g->flow.undef, t->digit, width);
    else
        gen_apply(g, diff_flags_shift_op(t->digit, width, (unsigned)count));
    return true;
}

/* SHLD/SHRD r/m, r, imm8 (0F A4/AC) or CL (0F A5/AD). A 16-bit count above
 * 16 leaves result and flags undefined (SDM Vol. 2B SHLD): never generated,
 * so 16-bit CL counts are always loaded first. */
static bool tpl_shxd(Gen *g, const GenTemplate *t)
{
    unsigned size = gen_size(g, SZ_WIDE), width = size * 8;
    bool by_cl = t->op & 1;
    int count = -1;
    if (!by_cl || size == 2 || gen_chance(g, 70)) {
        count = (int)tpl_shift_count(g, width);
        if (size == 2 && (count & 31) > 16)
            count = (int)gen_below(g, 17) | (gen_chance(g, 30) ? 0x20 : 0);
        if (by_cl)
            gen_emit_bytes(g, (const uint8_t[]){0xb1, (uint8_t)count}, 2);
    }
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = 0x0f;
    in.op[in.n_op++] = t->op;
    in.reg = gen_reg_src(g);
    gen_rm(g, &in, size, true, 0);
    if (!by_cl) {
        in.imm = (uint32_t)count;
        in.imm_size = 1;
    }
    gen_emit(g, &in);
    if (count < 0)
        g->flow.undef = diff_flags_after_any_shift(g->flow.undef, t->digit, width);
    else
        gen_apply(g, diff_flags_shift_op(t->digit, width, (unsigned)count));
    return true;
}

/* BT/BTS/BTR/BTC r, r (0F A3/AB/B3/BB): a register base takes the offset
 * modulo its width. */
static bool tpl_bt_rr(Gen *g, const GenTemplate *t)
{
    unsigned size = gen_size(g, SZ_WIDE);
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = 0x0f;
    in.op[in.n_op++] = t->op;
    in.has_modrm = true;
    in.reg = gen_reg_src(g);
    in.rm_reg = (t->attr & T_RO) ? gen_reg_src(g) : gen_reg_dst(g, size);
    if (!(t->attr & T_RO))
        gen_clobber(g, in.rm_reg, size);
    gen_emit(g, &in);
    gen_apply(g, DIFF_FX_BT);
    return true;
}

static int64_t tpl_floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* BT* m, r with the offset register loaded first: a memory bit base takes the
 * whole signed offset, so the bit may lie far outside the operand; the CPU
 * accesses the word or dword at EA + size * floor(offset / (8 * size))
 * (SDM Vol. 2A BT, "Description"). A few bytes of slack on both sides. */
static bool tpl_bt_mr(Gen *g, const GenTemplate *t)
{
    unsigned size = gen_size(g, SZ_WIDE);
    bool lock = (t->attr & T_LOCK) && size == 4 && gen_chance(g, 30);
    uint32_t r = gen_below(g, 100);
    int32_t off = r < 50 ? (int32_t)gen_below(g, 64)
                : r < 80 ? (int32_t)gen_below(g, 2048) - 1024
                         : (int32_t)gen_below(g, 65535) - 32767;
    uint32_t value = size == 2 ? ((uint32_t)gen_next(g) & 0xffff0000u) | (uint16_t)off : (uint32_t)off;
    int64_t byte_off = tpl_floor_div(off, 8 * size) * size;
    GenMem m;
    unsigned mflags = ((t->attr & T_RO) ? 0 : GEN_MEM_WRITE) | (lock ? GEN_MEM_ALIGN : 0);
    if (!gen_mem(g, size, (int32_t)byte_off - 4, (int32_t)byte_off + 4, mflags, &m))
        return false;
    unsigned reg = gen_reg_free(g);
    GenInsn mov;
    gen_insn_init(&mov, 4);
    mov.op[mov.n_op++] = (uint8_t)(0xb8 + reg);
    mov.imm = value;
    mov.imm_size = 4;
    gen_emit(g, &mov);
    GenInsn in;
    gen_insn_init(&in, size);
    if (lock)
        gen_insn_lock(&in);
    in.op[in.n_op++] = 0x0f;
    in.op[in.n_op++] = t->op;
    in.has_modrm = true;
    in.reg = reg;
    in.rm_mem = true;
    in.mem = m;
    gen_emit(g, &in);
    gen_apply(g, DIFF_FX_BT);
    return true;
}

/* BT* r/m, imm8 (0F BA /4../7): the immediate is taken modulo the width. */
static bool tpl_bt_imm(Gen *g, const GenTemplate *t)
{
    unsigned size = gen_size(g, SZ_WIDE);
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = 0x0f;
    in.op[in.n_op++] = 0xba;
    in.reg = t->digit;
    if (!tpl_rm_dst(g, t, &in, size))
        return false;
    in.imm = gen_below(g, 256);
    in.imm_size = 1;
    gen_emit(g, &in);
    gen_apply(g, DIFF_FX_BT);
    return true;
}

/* SETcc r/m8 (0F 90+cc). ModRM.reg is not used (SDM Vol. 2B SETcc): now and
 * then it is not 0. */
static bool tpl_setcc(Gen *g, const GenTemplate *t)
{
    (void)t;
    int cc = gen_pick_cc(g);
    if (cc < 0)
        return false;
    GenInsn in;
    gen_insn_init(&in, 1);
    in.op[in.n_op++] = 0x0f;
    in.op[in.n_op++] = (uint8_t)(0x90 + cc);
    in.reg = gen_chance(g, 20) ? gen_below(g, 8) : 0;
    gen_rm(g, &in, 1, true, 0);
    gen_emit(g, &in);
    return true;
}

/* CMOVcc r, r/m (0F 40+cc). The source is read even when the move is not
 * taken (SDM Vol. 2A CMOVcc), which memory operands here always allow. */
static bool tpl_cmov(Gen *g, const GenTemplate *t)
{
    (void)t;
    int cc = gen_pick_cc(g);
    if (cc < 0)
        return false;
    unsigned size = gen_size(g, SZ_WIDE);
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = 0x0f;
    in.op[in.n_op++] = (uint8_t)(0x40 + cc);
    in.reg = gen_reg_dst(g, size);
    gen_rm(g, &in, size, false, 0);
    gen_clobber(g, in.reg, size);
    gen_emit(g, &in);
    return true;
}

/* IMUL r, r/m, imm (69 /r iz, 6B /r ib). */
static bool tpl_imul3(Gen *g, const GenTemplate *t)
{
    unsigned size = gen_size(g, SZ_WIDE);
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = t->op;
    in.reg = gen_reg_dst(g, size);
    gen_rm(g, &in, size, false, 0);
    gen_clobber(g, in.reg, size);
    in.imm_size = t->op == 0x6b ? 1 : size;
    in.imm = dgen_imm(g, in.imm_size);
    gen_emit(g, &in);
    gen_apply(g, DIFF_FX_MUL);
    return true;
}

/* MOVZX/MOVSX r, r/m8 (0F B6/BE; 16- or 32-bit destination) and r32, r/m16
 * (0F B7/BF). */
static bool tpl_movx(Gen *g, const GenTemplate *t)
{
    bool from8 = !(t->op & 1);
    unsigned size = from8 ? gen_size(g, SZ_WIDE) : 4;
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = 0x0f;
    in.op[in.n_op++] = t->op;
    in.reg = gen_reg_dst(g, size);
    gen_rm(g, &in, from8 ? 1 : 2, false, 0);
    gen_clobber(g, in.reg, size);
    gen_emit(g, &in);
    return true;
}

/* Operand-less instructions (CBW CWD LAHF SAHF CLC STC CMC CLD STD NOP DAA
 * DAS AAA AAS INTO INT3 UD2); 66 selects the 16-bit CBW/CWD. digit: 1 CLD,
 * 2 STD (DF becomes known), 3 an F3 prefix (PAUSE). */
static bool tpl_simple(Gen *g, const GenTemplate *t)
{
    if (!gen_readable(g, t->reads))
        return false;
    unsigned size = t->sizes == SZ_WIDE ? gen_size(g, SZ_WIDE) : 4;
    GenInsn in;
    gen_insn_init(&in, size);
    if (t->digit == 3)
        in.prefix[in.n_prefix++] = 0xf3;
    tpl_opcode(&in, t, size);
    gen_emit(g, &in);
    gen_apply(g, t->fx);
    if (t->digit == 1 || t->digit == 2)
        g->flow.df = t->digit - 1;
    return true;
}

/* AAM/AAD imm8 (D4/D5): base 10 mostly, 0 sometimes (AAM 0 raises #DE). */
static bool tpl_aam(Gen *g, const GenTemplate *t)
{
    uint32_t r = gen_below(g, 100);
    uint8_t base = r < 55 ? 10 : r < 65 ? 0 : r < 75 ? 16 : (uint8_t)gen_below(g, 256);
    gen_emit_bytes(g, (const uint8_t[]){t->op, base}, 2);
    gen_apply(g, DIFF_FX_AAM);
    return true;
}

/* MOV AL/eAX, moffs (A0/A1; digit 0) and MOV moffs, AL/eAX (A2/A3; digit 1). */
static bool tpl_moffs(Gen *g, const GenTemplate *t)
{
    unsigned size = gen_size(g, SZ_ALL);
    GenInsn in;
    gen_insn_init(&in, size);
    if (gen_chance(g, 8))
        in.prefix[in.n_prefix++] = t->digit ? 0x26 : 0x2e;
    tpl_opcode(&in, t, size);
    in.imm = DIFF_DATA_BASE + gen_below(g, DIFF_DATA_SIZE - size + 1);
    in.imm_size = 4;
    gen_emit(g, &in);
    return true;
}

/* LEA r, m (8D): no memory access, so any address form, 16-bit ones too. */
static bool tpl_lea(Gen *g, const GenTemplate *t)
{
    (void)t;
    unsigned size = gen_size(g, SZ_WIDE);
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = 0x8d;
    in.reg = gen_reg_dst(g, size);
    in.has_modrm = true;
    in.rm_mem = true;
    gen_mem_any(g, &in.mem, gen_chance(g, 20));
    gen_clobber(g, in.reg, size);
    gen_emit(g, &in);
    return true;
}

/* NOP r/m (0F 1F /0): decodes an operand, accesses nothing. */
static bool tpl_nop_rm(Gen *g, const GenTemplate *t)
{
    (void)t;
    unsigned size = gen_size(g, SZ_WIDE);
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = 0x0f;
    in.op[in.n_op++] = 0x1f;
    in.has_modrm = true;
    if (gen_chance(g, 70)) {
        in.rm_mem = true;
        gen_mem_any(g, &in.mem, gen_chance(g, 15));
    } else {
        in.rm_reg = gen_reg_src(g);
    }
    gen_emit(g, &in);
    return true;
}

/* PUSH r (50+r; PUSH ESP pushes the value before the decrement). */
static bool tpl_push_reg(Gen *g, const GenTemplate *t)
{
    (void)t;
    unsigned size = gen_size(g, SZ_WIDE);
    if (!gen_stack_ok(g, size, 0))
        return false;
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = (uint8_t)(0x50 + gen_reg_src(g));
    gen_emit(g, &in);
    gen_stack_adjust(g, -(int64_t)size);
    return true;
}

/* PUSH imm8 (6A, sign-extended) and PUSH imm16/32 (68). */
static bool tpl_push_imm(Gen *g, const GenTemplate *t)
{
    unsigned size = gen_size(g, SZ_WIDE);
    if (!gen_stack_ok(g, size, 0))
        return false;
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = t->op;
    in.imm_size = t->op == 0x6a ? 1 : size;
    in.imm = dgen_imm(g, in.imm_size);
    gen_emit(g, &in);
    gen_stack_adjust(g, -(int64_t)size);
    return true;
}

/* PUSH r/m (FF /6): an ESP base means ESP before the push. */
static bool tpl_push_mem(Gen *g, const GenTemplate *t)
{
    (void)t;
    unsigned size = gen_size(g, SZ_WIDE);
    if (!gen_stack_ok(g, size, 0))
        return false;
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = 0xff;
    in.reg = 6;
    in.has_modrm = true;
    in.rm_mem = true;
    if (!gen_mem(g, size, 0, 0, 0, &in.mem))
        return false;
    gen_emit(g, &in);
    gen_stack_adjust(g, -(int64_t)size);
    return true;
}

/* POP r (58+r), never into ESP. */
static bool tpl_pop_reg(Gen *g, const GenTemplate *t)
{
    (void)t;
    unsigned size = gen_size(g, SZ_WIDE);
    if (!gen_stack_ok(g, 0, size))
        return false;
    unsigned r = gen_reg_dst(g, size);
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = (uint8_t)(0x58 + r);
    gen_emit(g, &in);
    gen_stack_adjust(g, size);
    gen_clobber(g, r, size);
    return true;
}

/* POP r/m (8F /0): with an ESP base the address uses ESP after the pop
 * (SDM Vol. 2B POP), so the operand is chosen after adjusting ESP. */
static bool tpl_pop_mem(Gen *g, const GenTemplate *t)
{
    (void)t;
    unsigned size = gen_size(g, SZ_WIDE);
    if (!gen_stack_ok(g, 0, size))
        return false;
    gen_stack_adjust(g, size);
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = 0x8f;
    in.reg = 0;
    in.has_modrm = true;
    in.rm_mem = true;
    if (!gen_mem(g, size, 0, 0, GEN_MEM_WRITE, &in.mem))
        return false;
    gen_emit(g, &in);
    return true;
}

/* PUSHA/PUSHAD (60) and POPA/POPAD (61; digit 1): POPA reloads EBP, ESI
 * and EDI from the stack, so they become unknown. */
static bool tpl_pusha(Gen *g, const GenTemplate *t)
{
    unsigned size = gen_size(g, SZ_WIDE), bytes = 8 * size;
    bool pop = t->digit;
    if (!gen_stack_ok(g, pop ? 0 : bytes, pop ? bytes : 0))
        return false;
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = t->op;
    gen_emit(g, &in);
    gen_stack_adjust(g, pop ? (int64_t)bytes : -(int64_t)bytes);
    if (pop)
        for (unsigned r = DIFF_EBP; r <= DIFF_EDI; r++)
            gen_clobber(g, r, 4);
    return true;
}

/* PUSHF/PUSHFD (9C): stores every status flag, so all must be defined. */
static bool tpl_pushf(Gen *g, const GenTemplate *t)
{
    (void)t;
    unsigned size = gen_size(g, SZ_WIDE);
    if (!gen_readable(g, DIFF_FLAGS_STATUS) || !gen_stack_ok(g, size, 0))
        return false;
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = 0x9c;
    gen_emit(g, &in);
    gen_stack_adjust(g, -(int64_t)size);
    return true;
}

/* A value POPF may load on either side: status flags and DF at random,
 * reserved bits 3, 5 and 15 at random (they must read back as 0), IF=1 and
 * IOPL=0 as user mode has them (so a CPL-0 emulation agrees), and TF, NT, AC,
 * ID clear (no single-step, no alignment check). */
static uint32_t tpl_popf_value(Gen *g)
{
    uint32_t v = (uint32_t)gen_next(g);
    return (v & (DIFF_FLAGS_STATUS | DIFF_DF | 0x8028u)) | DIFF_FLAGS_FIXED;
}

/* PUSH imm; POPF (16- or 32-bit). */
static bool tpl_popf(Gen *g, const GenTemplate *t)
{
    (void)t;
    unsigned size = gen_size(g, SZ_WIDE);
    if (!gen_stack_ok(g, size, 0))
        return false;
    uint32_t value = tpl_popf_value(g);
    GenInsn push;
    gen_insn_init(&push, size);
    push.op[push.n_op++] = 0x68;
    push.imm = value;
    push.imm_size = size;
    gen_emit(g, &push);
    GenInsn popf;
    gen_insn_init(&popf, size);
    popf.op[popf.n_op++] = 0x9d;
    gen_emit(g, &popf);
    gen_apply(g, DIFF_FX_POPF);
    g->flow.df = (value & DIFF_DF) ? 1 : 0;
    return true;
}

/* PUSHFD; XOR DWORD [ESP], imm32; POPFD: flips chosen status flags and DF. */
static bool tpl_pushf_xor(Gen *g, const GenTemplate *t)
{
    (void)t;
    if (!gen_readable(g, DIFF_FLAGS_STATUS) || !gen_stack_ok(g, 4, 0))
        return false;
    uint32_t mask = (uint32_t)gen_next(g) & (DIFF_FLAGS_STATUS | DIFF_DF);
    gen_emit_bytes(g, (const uint8_t[]){0x9c}, 1);
    uint8_t x[7] = {0x81, 0x34, 0x24};
    memcpy(x + 3, &mask, 4);
    gen_emit_bytes(g, x, 7);
    gen_apply(g, DIFF_FX_LOGIC);
    gen_emit_bytes(g, (const uint8_t[]){0x9d}, 1);
    gen_apply(g, DIFF_FX_POPF);
    if (g->flow.df >= 0 && (mask & DIFF_DF))
        g->flow.df ^= 1;
    return true;
}

/* String instructions (t->op the byte form: A4 MOVS, A6 CMPS, AA STOS,
 * AC LODS, AE SCAS); digit 1: MOV ECX, 0..8 then REP/REPE/REPNE. ESI/EDI
 * move by the element size per iteration, down when DF=1 (SDM Vol. 2B
 * MOVS: "Operation"); REPE/REPNE may stop early, so their pointers are
 * tracked as ranges. */
static bool tpl_string(Gen *g, const GenTemplate *t)
{
    bool src = t->op == 0xa4 || t->op == 0xa6 || t->op == 0xac;
    bool dst = t->op != 0xac;
    bool compares = t->op == 0xa6 || t->op == 0xae;
    unsigned size = gen_size(g, SZ_ALL);
    bool rep = t->digit;
    unsigned n = rep ? gen_below(g, 9) : 1;
    int64_t span = (int64_t)(n ? n : 1) * size;
    if ((src && !gen_ptr_in(g, DIFF_ESI, span, span)) || (dst && !gen_ptr_in(g, DIFF_EDI, span, span)))
        return false;
    if (rep) {
        uint8_t mov[5] = {0xb9};
        uint32_t count = n;
        memcpy(mov + 1, &count, 4);
        gen_emit_bytes(g, mov, 5); /* MOV ECX, n */
    }
    GenInsn in;
    gen_insn_init(&in, size);
    if (rep)
        in.prefix[in.n_prefix++] = compares && gen_chance(g, 50) ? 0xf2 : 0xf3;
    if (src && gen_chance(g, 10)) {
        static const uint8_t segs[] = {0x26, 0x2e, 0x36, 0x3e}; /* the DS:ESI side only */
        in.prefix[in.n_prefix++] = segs[gen_below(g, 4)];
    }
    in.op[in.n_op++] = (uint8_t)(t->op | (size != 1));
    gen_emit(g, &in);

    int64_t walked = (int64_t)n * size;
    bool exact = !(rep && compares) && g->flow.df >= 0;
    for (unsigned r = DIFF_ESI; r <= DIFF_EDI; r++) {
        if ((r == DIFF_ESI && !src) || (r == DIFF_EDI && !dst))
            continue;
        GenRange *p = &g->flow.reg[r];
        if (exact) {
            int64_t d = g->flow.df ? -walked : walked;
            p->lo += d;
            p->hi += d;
        } else {
            if (g->flow.df != 0)
                p->lo -= walked;
            if (g->flow.df != 1)
                p->hi += walked;
        }
    }
    if (compares && n > 0)
        gen_apply(g, DIFF_FX_ARITH);
    return true;
}

/* MOV EBX, table; XLAT (D7): AL = [EBX + AL], a 256-byte table in the data area. */
static bool tpl_xlat(Gen *g, const GenTemplate *t)
{
    (void)t;
    uint8_t mov[5] = {0xbb};
    uint32_t table = DIFF_DATA_BASE + gen_below(g, DIFF_DATA_SIZE - 256);
    memcpy(mov + 1, &table, 4);
    gen_emit_bytes(g, mov, 5);
    if (gen_chance(g, 10))
        gen_emit_bytes(g, (const uint8_t[]){0x36, 0xd7}, 2);
    else
        gen_emit_bytes(g, (const uint8_t[]){0xd7}, 1);
    return true;
}

/* CMPXCHG8B m64 (0F C7 /1), locked or not. */
static bool tpl_cmpxchg8b(Gen *g, const GenTemplate *t)
{
    (void)t;
    bool lock = gen_chance(g, 30);
    GenInsn in;
    gen_insn_init(&in, 4);
    if (lock)
        gen_insn_lock(&in);
    in.op[in.n_op++] = 0x0f;
    in.op[in.n_op++] = 0xc7;
    in.reg = 1;
    in.has_modrm = true;
    in.rm_mem = true;
    if (!gen_mem(g, 8, 0, 0, GEN_MEM_WRITE | (lock ? GEN_MEM_ALIGN : 0), &in.mem))
        return false;
    gen_emit(g, &in);
    gen_apply(g, DIFF_FX_CMPXCHG8B);
    return true;
}

/* ENTER imm16, imm8 (C8): pushes EBP, copies level-1 frame pointers from
 * [EBP - size*i], pushes the frame pointer, subtracts the allocation (SDM
 * Vol. 2A ENTER, "Operation", 32-bit stack). A 16-bit ENTER replaces only BP. */
static bool tpl_enter(Gen *g, const GenTemplate *t)
{
    (void)t;
    unsigned size = gen_chance(g, 10) ? 2 : 4;
    uint32_t r = gen_below(g, 100);
    unsigned level = r < 60 ? 0 : r < 85 ? 1 : 2 + gen_below(g, 3);
    r = gen_below(g, 100);
    unsigned alloc = r < 70 ? gen_below(g, 64) : r < 90 ? 4 * gen_below(g, 64) : gen_below(g, 0x800);
    int64_t pushed = (int64_t)size * (level ? level + 1 : 1);
    if (!gen_stack_ok(g, pushed + alloc, 0))
        return false;
    if (level > 1 && !gen_ptr_in(g, DIFF_EBP, (int64_t)size * (level - 1), 0))
        return false;
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = 0xc8;
    in.imm = alloc;
    in.imm_size = 2;
    in.imm2 = level;
    in.imm2_size = 1;
    gen_emit(g, &in);
    GenRange sp = g->flow.reg[DIFF_ESP];
    if (size == 4)
        gen_set_ptr(g, DIFF_EBP, sp.lo - 4, sp.hi - 4);
    else
        gen_clobber(g, DIFF_EBP, 2);
    gen_stack_adjust(g, -(pushed + alloc));
    return true;
}

/* LEAVE (C9): ESP = EBP, then pop EBP (or BP), which becomes unknown. */
static bool tpl_leave(Gen *g, const GenTemplate *t)
{
    (void)t;
    unsigned size = gen_chance(g, 10) ? 2 : 4;
    if (!gen_ptr_in(g, DIFF_EBP, 0, size))
        return false;
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = 0xc9;
    gen_emit(g, &in);
    GenRange bp = g->flow.reg[DIFF_EBP];
    g->flow.reg[DIFF_ESP] = (GenRange){.known = true, .lo = bp.lo + size, .hi = bp.hi + size};
    gen_clobber(g, DIFF_EBP, 4);
    return true;
}

/* BOUND r, m16&16 / m32&32 (62): #BR when the signed index is outside. */
static bool tpl_bound(Gen *g, const GenTemplate *t)
{
    (void)t;
    unsigned size = gen_size(g, SZ_WIDE);
    GenInsn in;
    gen_insn_init(&in, size);
    in.op[in.n_op++] = 0x62;
    in.reg = gen_reg_src(g);
    in.has_modrm = true;
    in.rm_mem = true;
    if (!gen_mem(g, 2 * size, 0, 0, 0, &in.mem))
        return false;
    gen_emit(g, &in);
    return true;
}

/* MOV EBP/ESI/EDI, imm32: makes a pointer register known again. */
static bool tpl_ptr_mov(Gen *g, const GenTemplate *t)
{
    (void)t;
    unsigned r = DIFF_EBP + gen_below(g, 3);
    uint32_t v = DIFF_DATA_BASE + 0x400 + gen_below(g, DIFF_DATA_SIZE - 0x800);
    uint8_t b[5] = {(uint8_t)(0xb8 + r)};
    memcpy(b + 1, &v, 4);
    gen_emit_bytes(g, b, 5);
    gen_set_ptr(g, r, v, v);
    return true;
}

/* LEA EBP/ESI/EDI, [pointer + disp]: moves a pointer within the data area. */
static bool tpl_ptr_lea(Gen *g, const GenTemplate *t)
{
    (void)t;
    static const unsigned bases[] = {DIFF_ESP, DIFF_EBP, DIFF_ESI, DIFF_EDI};
    unsigned b = bases[gen_below(g, 4)], r = DIFF_EBP + gen_below(g, 3);
    const GenRange *rb = &g->flow.reg[b];
    if (!rb->known)
        return false;
    int64_t dmin = DIFF_DATA_BASE + 0x400 - rb->lo, dmax = DIFF_DATA_END - 0x400 - rb->hi;
    if (dmin > dmax)
        return false;
    bool near = dmin <= 127 && dmax >= -128 && gen_chance(g, 60);
    int64_t lo = near ? (dmin > -128 ? dmin : -128) : dmin, hi = near ? (dmax < 127 ? dmax : 127) : dmax;
    int64_t d = lo + (int64_t)(gen_next(g) % (uint64_t)(hi - lo + 1));
    GenInsn in;
    gen_insn_init(&in, 4);
    in.op[in.n_op++] = 0x8d;
    in.reg = r;
    in.has_modrm = true;
    in.rm_mem = true;
    in.mem.mod = near ? 1 : 2;
    in.mem.disp_size = near ? 1 : 4;
    in.mem.disp = (int32_t)d;
    if (b == DIFF_ESP) {
        in.mem.has_sib = true;
        in.mem.rm = 4;
        in.mem.sib = 0x24;
    } else {
        in.mem.rm = (uint8_t)b;
    }
    GenRange nr = {.known = true, .lo = rb->lo + d, .hi = rb->hi + d};
    gen_emit(g, &in);
    g->flow.reg[r] = nr;
    return true;
}

/* ---- control flow: forward only, to a later unit boundary ---- */

/* Jcc rel8 (70+cc) or rel32 (0F 80+cc), sometimes with a branch hint prefix. */
static bool tpl_jcc(Gen *g, const GenTemplate *t)
{
    int cc = gen_pick_cc(g);
    if (cc < 0)
        return false;
    uint8_t b[8];
    unsigned n = 0;
    if (gen_chance(g, 5))
        b[n++] = gen_chance(g, 50) ? 0x2e : 0x3e;
    bool near = t->op == 0x80;
    if (near)
        b[n++] = 0x0f;
    b[n++] = (uint8_t)(t->op + cc);
    unsigned rel = near ? 4 : 1;
    memset(b + n, 0, rel);
    n += rel;
    unsigned start = g->units[g->cur].len;
    gen_emit_bytes(g, b, n);
    gen_fixup(g, near ? GEN_FIX_REL32 : GEN_FIX_REL8, start + n - rel, start + n, gen_target(g));
    return true;
}

/* JMP rel8 (EB) / rel32 (E9). */
static bool tpl_jmp(Gen *g, const GenTemplate *t)
{
    bool near = t->op == 0xe9;
    uint8_t b[5] = {t->op};
    unsigned n = near ? 5 : 2;
    unsigned start = g->units[g->cur].len;
    gen_emit_bytes(g, b, n);
    gen_fixup(g, near ? GEN_FIX_REL32 : GEN_FIX_REL8, start + 1, start + n, gen_target(g));
    g->units[g->cur].falls_through = false;
    return true;
}

/* LOOPNE/LOOPE/LOOP/JECXZ (E0..E3); digit 1: with 67, which counts in CX. */
static bool tpl_loop(Gen *g, const GenTemplate *t)
{
    if (!gen_readable(g, t->reads))
        return false;
    uint8_t b[3];
    unsigned n = 0;
    if (t->digit)
        b[n++] = 0x67;
    b[n++] = t->op;
    b[n++] = 0;
    unsigned start = g->units[g->cur].len;
    gen_emit_bytes(g, b, n);
    gen_fixup(g, GEN_FIX_REL8, start + n - 1, start + n, gen_target(g));
    return true;
}

/* CALL rel32 (E8) forward: the return address stays on the stack. */
static bool tpl_call(Gen *g, const GenTemplate *t)
{
    (void)t;
    if (!gen_stack_ok(g, 4, 0))
        return false;
    unsigned start = g->units[g->cur].len;
    gen_emit_bytes(g, (const uint8_t[]){0xe8, 0, 0, 0, 0}, 5);
    gen_stack_adjust(g, -4);
    gen_fixup(g, GEN_FIX_REL32, start + 1, start + 5, gen_target(g));
    g->units[g->cur].falls_through = false;
    return true;
}

/* CALL +2; JMP over; RET [imm16]: a call and a return inside one unit. */
static bool tpl_call_ret(Gen *g, const GenTemplate *t)
{
    (void)t;
    unsigned extra = gen_chance(g, 50) ? 0 : 2 * gen_below(g, 8);
    if (!gen_stack_ok(g, 4, extra))
        return false;
    unsigned ret_len = extra || gen_chance(g, 20) ? 3 : 1;
    gen_emit_bytes(g, (const uint8_t[]){0xe8, 2, 0, 0, 0}, 5);
    gen_emit_bytes(g, (const uint8_t[]){0xeb, (uint8_t)ret_len}, 2);
    if (ret_len == 3)
        gen_emit_bytes(g, (const uint8_t[]){0xc2, (uint8_t)extra, 0}, 3);
    else
        gen_emit_bytes(g, (const uint8_t[]){0xc3}, 1);
    gen_stack_adjust(g, extra);
    return true;
}

/* CALL +0; POP r: the usual way to read EIP in 32-bit code. */
static bool tpl_call_pop(Gen *g, const GenTemplate *t)
{
    (void)t;
    if (!gen_stack_ok(g, 4, 0))
        return false;
    unsigned r = gen_reg_dst(g, 4);
    gen_emit_bytes(g, (const uint8_t[]){0xe8, 0, 0, 0, 0}, 5);
    gen_emit_bytes(g, (const uint8_t[]){(uint8_t)(0x58 + r)}, 1);
    gen_clobber(g, r, 4);
    return true;
}

/* MOV r, target; JMP r (FF /4) or CALL r (FF /2; digit 2). */
static bool tpl_jmp_reg(Gen *g, const GenTemplate *t)
{
    bool call = t->digit == 2;
    if (call && !gen_stack_ok(g, 4, 0))
        return false;
    unsigned r = gen_reg_free(g);
    unsigned start = g->units[g->cur].len;
    gen_emit_bytes(g, (const uint8_t[]){(uint8_t)(0xb8 + r), 0, 0, 0, 0}, 5);
    gen_emit_bytes(g, (const uint8_t[]){0xff, (uint8_t)(0xc0 | t->digit << 3 | r)}, 2);
    if (call)
        gen_stack_adjust(g, -4);
    gen_fixup(g, GEN_FIX_ABS32, start + 1, 0, gen_target(g));
    g->units[g->cur].falls_through = false;
    return true;
}

/* MOV DWORD m, target; JMP DWORD m (FF /4). */
static bool tpl_jmp_mem(Gen *g, const GenTemplate *t)
{
    (void)t;
    GenInsn st;
    gen_insn_init(&st, 4);
    st.op[st.n_op++] = 0xc7;
    st.has_modrm = true;
    st.rm_mem = true;
    if (!gen_mem(g, 4, 0, 0, GEN_MEM_WRITE, &st.mem))
        return false;
    st.imm_size = 4;
    unsigned at = gen_emit(g, &st);
    GenInsn jmp;
    gen_insn_init(&jmp, 4);
    jmp.op[jmp.n_op++] = 0xff;
    jmp.reg = 4;
    jmp.has_modrm = true;
    jmp.rm_mem = true;
    jmp.mem = st.mem;
    gen_emit(g, &jmp);
    gen_fixup(g, GEN_FIX_ABS32, at, 0, gen_target(g));
    g->units[g->cur].falls_through = false;
    return true;
}

/* ---- the table ---- */

#define FX(x) DIFF_FX_##x
#define SH(x) DIFF_SHIFT_##x

/* The five forms of a group-1 ALU op with /digit d (opcode d*8 + 0/2/4). */
#define ALU(name, d, fx, reads, attr)                                                        \
    {name " r/m,r", tpl_rm_r, (d) * 8, 0, SZ_ALL, fx, reads, T_W | (attr), 3},                \
    {name " r,r/m", tpl_r_rm, (d) * 8 + 2, 0, SZ_ALL, fx, reads, T_W | ((attr) & T_RO), 3},   \
    {name " r/m,imm", tpl_rm_imm, 0x80, d, SZ_ALL, fx, reads, T_W | (attr), 2},               \
    {name " r/m,imm8", tpl_rm_imm8s, 0x83, d, SZ_WIDE, fx, reads, attr, 2},                   \
    {name " acc,imm", tpl_acc_imm, (d) * 8 + 4, 0, SZ_ALL, fx, reads, T_W, 1}

/* A shift or rotate by 1, by CL and by imm8. */
#define SHIFT(name, kind, reads)                                                           \
    {name " r/m,1", tpl_shift, 0xd0, kind, SZ_ALL, 0, reads, 0, 1},                         \
    {name " r/m,cl", tpl_shift, 0xd2, kind, SZ_ALL, 0, reads, 0, 2},                        \
    {name " r/m,imm8", tpl_shift, 0xc0, kind, SZ_ALL, 0, reads, 0, 2}

/* BT/BTS/BTR/BTC: register base, memory base with a register offset, imm8. */
#define BT(name, op, d, attr)                                                              \
    {name " r,r", tpl_bt_rr, op, 0, SZ_WIDE, FX(BT), 0, attr, 1},                           \
    {name " m,r", tpl_bt_mr, op, 0, SZ_WIDE, FX(BT), 0, attr, 2},                           \
    {name " r/m,imm8", tpl_bt_imm, 0xba, d, SZ_WIDE, FX(BT), 0, attr, 1}

const GenTemplate gen_templates[] = {
    ALU("add", 0, FX(ARITH), 0, T_LOCK),
    ALU("or", 1, FX(LOGIC), 0, T_LOCK),
    ALU("adc", 2, FX(ARITH), DIFF_CF, T_LOCK),
    ALU("sbb", 3, FX(ARITH), DIFF_CF, T_LOCK),
    ALU("and", 4, FX(LOGIC), 0, T_LOCK),
    ALU("sub", 5, FX(ARITH), 0, T_LOCK),
    ALU("xor", 6, FX(LOGIC), 0, T_LOCK),
    ALU("cmp", 7, FX(ARITH), 0, T_RO),
    {"alu r/m8,imm8 (82)", tpl_alu82, 0x82, 0, SZ8, 0, 0, 0, 1},
    {"test r/m,r", tpl_rm_r, 0x84, 0, SZ_ALL, FX(LOGIC), 0, T_W | T_RO, 2},
    {"test r/m,imm", tpl_rm_imm, 0xf6, 0, SZ_ALL, FX(LOGIC), 0, T_W | T_RO, 2},
    {"test acc,imm", tpl_acc_imm, 0xa8, 0, SZ_ALL, FX(LOGIC), 0, T_W, 1},

    {"mov r/m,r", tpl_rm_r, 0x88, 0, SZ_ALL, FX(NONE), 0, T_W, 3},
    {"mov r,r/m", tpl_r_rm, 0x8a, 0, SZ_ALL, FX(NONE), 0, T_W, 3},
    {"mov r/m,imm", tpl_rm_imm, 0xc6, 0, SZ_ALL, FX(NONE), 0, T_W, 2},
    {"mov r8,imm8", tpl_reg_op, 0xb0, 1, SZ8, FX(NONE), 0, 0, 1},
    {"mov r,imm", tpl_reg_op, 0xb8, 1, SZ_WIDE, FX(NONE), 0, 0, 2},
    {"mov acc,moffs", tpl_moffs, 0xa0, 0, SZ_ALL, FX(NONE), 0, T_W, 1},
    {"mov moffs,acc", tpl_moffs, 0xa2, 1, SZ_ALL, FX(NONE), 0, T_W, 1},
    {"movzx r,r/m8", tpl_movx, 0xb6, 0, SZ_WIDE, FX(NONE), 0, 0, 2},
    {"movzx r32,r/m16", tpl_movx, 0xb7, 0, SZ32, FX(NONE), 0, 0, 1},
    {"movsx r,r/m8", tpl_movx, 0xbe, 0, SZ_WIDE, FX(NONE), 0, 0, 2},
    {"movsx r32,r/m16", tpl_movx, 0xbf, 0, SZ32, FX(NONE), 0, 0, 1},
    {"xchg r/m,r", tpl_rm_r, 0x86, 0, SZ_ALL, FX(NONE), 0, T_W | T_BOTH | T_XLOCK | T_LOCK, 2},
    {"xchg eax,r", tpl_reg_op, 0x90, 0, SZ_WIDE, FX(NONE), 0, 0, 1},
    {"bswap r32", tpl_reg_op, 0xc8, 0, SZ32, FX(NONE), 0, T_TWO, 1},
    {"lea r,m", tpl_lea, 0x8d, 0, SZ_WIDE, FX(NONE), 0, 0, 2},
    {"mov ptr,imm32", tpl_ptr_mov, 0xb8, 0, SZ32, FX(NONE), 0, 0, 2},
    {"lea ptr,[ptr+disp]", tpl_ptr_lea, 0x8d, 0, SZ32, FX(NONE), 0, 0, 2},

    {"inc r/m", tpl_unary, 0xfe, 0, SZ_ALL, FX(INCDEC), 0, T_W | T_LOCK, 2},
    {"dec r/m", tpl_unary, 0xfe, 1, SZ_ALL, FX(INCDEC), 0, T_W | T_LOCK, 2},
    {"inc r", tpl_reg_op, 0x40, 0, SZ_WIDE, FX(INCDEC), 0, 0, 1},
    {"dec r", tpl_reg_op, 0x48, 0, SZ_WIDE, FX(INCDEC), 0, 0, 1},
    {"not r/m", tpl_unary, 0xf6, 2, SZ_ALL, FX(NONE), 0, T_W | T_LOCK, 2},
    {"neg r/m", tpl_unary, 0xf6, 3, SZ_ALL, FX(ARITH), 0, T_W | T_LOCK, 2},
    {"mul r/m", tpl_unary, 0xf6, 4, SZ_ALL, FX(MUL), 0, T_W | T_RO, 2},
    {"imul r/m", tpl_unary, 0xf6, 5, SZ_ALL, FX(MUL), 0, T_W | T_RO, 2},
    {"div r/m", tpl_unary, 0xf6, 6, SZ_ALL, FX(DIV), 0, T_W | T_RO, 1},
    {"idiv r/m", tpl_unary, 0xf6, 7, SZ_ALL, FX(DIV), 0, T_W | T_RO, 1},
    {"div r/m (extended dividend)", tpl_div, 0xf6, 6, SZ_ALL, FX(DIV), 0, 0, 2},
    {"idiv r/m (extended dividend)", tpl_div, 0xf6, 7, SZ_ALL, FX(DIV), 0, 0, 2},
    {"imul r,r/m", tpl_r_rm, 0xaf, 0, SZ_WIDE, FX(MUL), 0, T_TWO, 2},
    {"imul r,r/m,imm", tpl_imul3, 0x69, 0, SZ_WIDE, FX(MUL), 0, 0, 1},
    {"imul r,r/m,imm8", tpl_imul3, 0x6b, 0, SZ_WIDE, FX(MUL), 0, 0, 1},

    SHIFT("rol", SH(ROL), 0),
    SHIFT("ror", SH(ROR), 0),
    SHIFT("rcl", SH(RCL), DIFF_CF),
    SHIFT("rcr", SH(RCR), DIFF_CF),
    SHIFT("shl", SH(SHL), 0),
    SHIFT("shr", SH(SHR), 0),
    SHIFT("sar", SH(SAR), 0),
    {"shld r/m,r,imm8", tpl_shxd, 0xa4, SH(SHLD), SZ_WIDE, 0, 0, 0, 1},
    {"shld r/m,r,cl", tpl_shxd, 0xa5, SH(SHLD), SZ_WIDE, 0, 0, 0, 1},
    {"shrd r/m,r,imm8", tpl_shxd, 0xac, SH(SHRD), SZ_WIDE, 0, 0, 0, 1},
    {"shrd r/m,r,cl", tpl_shxd, 0xad, SH(SHRD), SZ_WIDE, 0, 0, 0, 1},

    BT("bt", 0xa3, 4, T_RO),
    BT("bts", 0xab, 5, T_LOCK),
    BT("btr", 0xb3, 6, T_LOCK),
    BT("btc", 0xbb, 7, T_LOCK),
    {"bsf r,r/m", tpl_r_rm, 0xbc, 0, SZ_WIDE, FX(BSF), 0, T_TWO, 1},
    {"bsr r,r/m", tpl_r_rm, 0xbd, 0, SZ_WIDE, FX(BSF), 0, T_TWO, 1},

    {"setcc r/m8", tpl_setcc, 0x90, 0, SZ8, FX(NONE), 0, 0, 2},
    {"cmovcc r,r/m", tpl_cmov, 0x40, 0, SZ_WIDE, FX(NONE), 0, 0, 2},
    {"jcc rel8", tpl_jcc, 0x70, 0, 0, FX(NONE), 0, 0, 3},
    {"jcc rel32", tpl_jcc, 0x80, 0, 0, FX(NONE), 0, 0, 1},
    {"jmp rel8", tpl_jmp, 0xeb, 0, 0, FX(NONE), 0, 0, 1},
    {"jmp rel32", tpl_jmp, 0xe9, 0, 0, FX(NONE), 0, 0, 1},
    {"loopne", tpl_loop, 0xe0, 0, 0, FX(NONE), DIFF_ZF, 0, 1},
    {"loope", tpl_loop, 0xe1, 0, 0, FX(NONE), DIFF_ZF, 0, 1},
    {"loop", tpl_loop, 0xe2, 0, 0, FX(NONE), 0, 0, 1},
    {"jecxz", tpl_loop, 0xe3, 0, 0, FX(NONE), 0, 0, 1},
    {"loop (cx, 67)", tpl_loop, 0xe2, 1, 0, FX(NONE), 0, 0, 1},
    {"jcxz (67)", tpl_loop, 0xe3, 1, 0, FX(NONE), 0, 0, 1},
    {"call rel32", tpl_call, 0xe8, 0, 0, FX(NONE), 0, 0, 1},
    {"call/ret [imm16]", tpl_call_ret, 0xe8, 0, 0, FX(NONE), 0, 0, 1},
    {"call +0; pop r", tpl_call_pop, 0xe8, 0, 0, FX(NONE), 0, 0, 1},
    {"jmp r32", tpl_jmp_reg, 0xff, 4, 0, FX(NONE), 0, 0, 1},
    {"call r32", tpl_jmp_reg, 0xff, 2, 0, FX(NONE), 0, 0, 1},
    {"jmp m32", tpl_jmp_mem, 0xff, 4, 0, FX(NONE), 0, 0, 1},

    {"push r", tpl_push_reg, 0x50, 0, SZ_WIDE, FX(NONE), 0, 0, 2},
    {"push imm8", tpl_push_imm, 0x6a, 0, SZ_WIDE, FX(NONE), 0, 0, 1},
    {"push imm", tpl_push_imm, 0x68, 0, SZ_WIDE, FX(NONE), 0, 0, 1},
    {"push m", tpl_push_mem, 0xff, 6, SZ_WIDE, FX(NONE), 0, 0, 1},
    {"pop r", tpl_pop_reg, 0x58, 0, SZ_WIDE, FX(NONE), 0, 0, 2},
    {"pop m", tpl_pop_mem, 0x8f, 0, SZ_WIDE, FX(NONE), 0, 0, 1},
    {"pusha", tpl_pusha, 0x60, 0, SZ_WIDE, FX(NONE), 0, 0, 1},
    {"popa", tpl_pusha, 0x61, 1, SZ_WIDE, FX(NONE), 0, 0, 1},
    {"pushf", tpl_pushf, 0x9c, 0, SZ_WIDE, FX(NONE), 0, 0, 1},
    {"push imm; popf", tpl_popf, 0x9d, 0, SZ_WIDE, FX(POPF), 0, 0, 2},
    {"pushf; xor [esp]; popf", tpl_pushf_xor, 0x9d, 0, SZ32, FX(POPF), 0, 0, 1},
    {"enter", tpl_enter, 0xc8, 0, SZ_WIDE, FX(NONE), 0, 0, 1},
    {"leave", tpl_leave, 0xc9, 0, SZ_WIDE, FX(NONE), 0, 0, 1},

    {"movs", tpl_string, 0xa4, 0, SZ_ALL, FX(NONE), 0, 0, 1},
    {"rep movs", tpl_string, 0xa4, 1, SZ_ALL, FX(NONE), 0, 0, 1},
    {"cmps", tpl_string, 0xa6, 0, SZ_ALL, FX(ARITH), 0, 0, 1},
    {"repe/repne cmps", tpl_string, 0xa6, 1, SZ_ALL, FX(ARITH), 0, 0, 1},
    {"stos", tpl_string, 0xaa, 0, SZ_ALL, FX(NONE), 0, 0, 1},
    {"rep stos", tpl_string, 0xaa, 1, SZ_ALL, FX(NONE), 0, 0, 1},
    {"lods", tpl_string, 0xac, 0, SZ_ALL, FX(NONE), 0, 0, 1},
    {"rep lods", tpl_string, 0xac, 1, SZ_ALL, FX(NONE), 0, 0, 1},
    {"scas", tpl_string, 0xae, 0, SZ_ALL, FX(ARITH), 0, 0, 1},
    {"repe/repne scas", tpl_string, 0xae, 1, SZ_ALL, FX(ARITH), 0, 0, 1},

    {"cbw/cwde", tpl_simple, 0x98, 0, SZ_WIDE, FX(NONE), 0, 0, 1},
    {"cwd/cdq", tpl_simple, 0x99, 0, SZ_WIDE, FX(NONE), 0, 0, 1},
    {"xlat", tpl_xlat, 0xd7, 0, SZ8, FX(NONE), 0, 0, 1},
    {"cmpxchg r/m,r", tpl_rm_r, 0xb0, 0, SZ_ALL, FX(ARITH), 0, T_TWO | T_W | T_LOCK, 2},
    {"xadd r/m,r", tpl_rm_r, 0xc0, 0, SZ_ALL, FX(ARITH), 0, T_TWO | T_W | T_BOTH | T_LOCK, 2},
    {"cmpxchg8b m64", tpl_cmpxchg8b, 0xc7, 1, SZ32, FX(CMPXCHG8B), 0, 0, 1},
    {"lahf", tpl_simple, 0x9f, 0, SZ32, FX(NONE), DIFF_SF | DIFF_ZF | DIFF_AF | DIFF_PF | DIFF_CF, 0, 1},
    {"sahf", tpl_simple, 0x9e, 0, SZ32, FX(SAHF), 0, 0, 1},
    {"clc", tpl_simple, 0xf8, 0, SZ32, FX(CF), 0, 0, 1},
    {"stc", tpl_simple, 0xf9, 0, SZ32, FX(CF), 0, 0, 1},
    {"cmc", tpl_simple, 0xf5, 0, SZ32, FX(NONE), 0, 0, 1},
    {"cld", tpl_simple, 0xfc, 1, SZ32, FX(NONE), 0, 0, 1},
    {"std", tpl_simple, 0xfd, 2, SZ32, FX(NONE), 0, 0, 1},
    {"nop", tpl_simple, 0x90, 0, SZ_WIDE, FX(NONE), 0, 0, 1},
    {"pause", tpl_simple, 0x90, 3, SZ32, FX(NONE), 0, 0, 1},
    {"nop r/m", tpl_nop_rm, 0x1f, 0, SZ_WIDE, FX(NONE), 0, 0, 1},
    {"daa", tpl_simple, 0x27, 0, SZ32, FX(DAA), DIFF_AF | DIFF_CF, 0, 1},
    {"das", tpl_simple, 0x2f, 0, SZ32, FX(DAA), DIFF_AF | DIFF_CF, 0, 1},
    {"aaa", tpl_simple, 0x37, 0, SZ32, FX(AAA), DIFF_AF, 0, 1},
    {"aas", tpl_simple, 0x3f, 0, SZ32, FX(AAA), DIFF_AF, 0, 1},
    {"aam imm8", tpl_aam, 0xd4, 0, SZ8, FX(AAM), 0, 0, 1},
    {"aad imm8", tpl_aam, 0xd5, 0, SZ8, FX(AAM), 0, 0, 1},
    {"bound r,m", tpl_bound, 0x62, 0, SZ_WIDE, FX(NONE), 0, 0, 1},
    {"into", tpl_simple, 0xce, 0, SZ32, FX(NONE), DIFF_OF, 0, 1},
    {"int3", tpl_simple, 0xcc, 0, SZ32, FX(NONE), 0, 0, 1},
    {"ud2", tpl_simple, 0x0b, 0, SZ32, FX(NONE), 0, T_TWO, 1},
};

const unsigned gen_template_total = sizeof(gen_templates) / sizeof(gen_templates[0]);
