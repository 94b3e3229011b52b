/* The x87 FPU: register stack, tags, status/control words and exception
 * reporting around the portable float library (fpu_float.h), the saved
 * state layouts, and the helpers translated x87 code calls (one per
 * instruction class; lower_x87.c passes an X87_DESC). Not here: the
 * arithmetic itself (fpu_float.c, fpu_trans.c), SSE and MMX (helper_sse.c).
 * References: Intel SDM Vol. 1 ch. 8 (§8.1 state, §8.5 exceptions, §8.6
 * exception synchronization, Figures 8-9 to 8-12 env/state images),
 * §10.5.1 (FXSAVE area, Table 10-2), Vol. 2 instruction pages, Vol. 3A
 * §2.5 (CR0.EM/MP/TS/NE), Table 2-2, §9.2 and Table 9-1. */
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/exception.h"
#include "cpu/fpu.h"
#include "cpu/guest.h"
#include "cpu/mem.h"

static const Float80 f80_indefinite = {0xC000000000000000ull, 0xFFFF};

/* ---- state ---- */

unsigned fpu_tag_of(Float80 v)
{
    unsigned exp = v.se & 0x7FFF;
    if (exp == 0)
        return v.mant == 0 ? FPU_TAG_ZERO : FPU_TAG_SPECIAL;  /* zero, or (pseudo-)denormal */
    if (exp == 0x7FFF || !(v.mant >> 63))
        return FPU_TAG_SPECIAL;                             /* NaN, infinity, unnormal */
    return FPU_TAG_VALID;
}

static void tag_set(FpuState *f, unsigned phys, unsigned tag)
{
    f->ftw = (uint16_t)((f->ftw & ~(3u << (2 * phys))) | tag << (2 * phys));
}

void fpu_set_st(FpuState *f, unsigned i, Float80 v)
{
    unsigned p = fpu_phys(f, i);
    f->st[p] = v;
    tag_set(f, p, fpu_tag_of(v));
}

void fpu_free_st(FpuState *f, unsigned i)
{
    tag_set(f, fpu_phys(f, i), FPU_TAG_EMPTY);
}

uint16_t fpu_get_fsw(const FpuState *f)
{
    return (uint16_t)((f->fsw & ~(7u << FSW_TOP_SHIFT)) | (unsigned)(f->top & 7) << FSW_TOP_SHIFT);
}

void fpu_set_fsw(FpuState *f, uint16_t fsw)
{
    f->top = (fsw >> FSW_TOP_SHIFT) & 7;
    f->fsw = fsw & (uint16_t)~(7u << FSW_TOP_SHIFT);
}

uint16_t fpu_get_ftw(const FpuState *f)
{
    uint16_t tw = 0;
    for (unsigned p = 0; p < 8; p++) {
        unsigned t = (f->ftw >> (2 * p)) & 3;
        if (t != FPU_TAG_EMPTY)
            t = fpu_tag_of(f->st[p]);
        tw |= (uint16_t)(t << (2 * p));
    }
    return tw;
}

uint8_t fpu_get_abridged_ftw(const FpuState *f)
{
    uint8_t tw = 0;
    for (unsigned p = 0; p < 8; p++)
        if (((f->ftw >> (2 * p)) & 3) != FPU_TAG_EMPTY)
            tw |= (uint8_t)(1u << p);
    return tw;
}

void fpu_set_abridged_ftw(FpuState *f, uint8_t tw)
{
    for (unsigned p = 0; p < 8; p++)
        tag_set(f, p, (tw >> p) & 1 ? fpu_tag_of(f->st[p]) : FPU_TAG_EMPTY);
}

/* FNINIT leaves the registers' contents and the SSE state alone. */
static void fpu_init_x87(FpuState *f)
{
    f->fcw = FCW_INIT;
    f->fsw = 0;
    f->top = 0;
    f->ftw = 0xFFFF;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
}

void fpu_reset(FpuState *f, bool power_on)
{
    fpu_init_x87(f);
    f->mxcsr = MXCSR_INIT;
    if (!power_on)
        return;
    /* Table 9-1, power up / RESET: FCW 0040H (all exceptions unmasked,
     * 24-bit precision: what the 8087-era default looked like), every
     * register +0.0 and tagged zero (FTW 5555H). */
    memset(f->st, 0, sizeof(f->st));
    f->fcw = 0x0040;
    f->ftw = 0x5555;
    memset(f->xmm, 0, sizeof(f->xmm));
}

void fpu_mmx_enter(FpuState *f)
{
    f->top = 0;
    f->ftw = 0;
}

void fpu_mmx_emms(FpuState *f)
{
    f->ftw = 0xFFFF;
}

/* ---- exception reporting (SDM Vol. 1 §8.7, Vol. 3A §2.5 NE) ---- */

/* ES is set whenever a flag is set whose mask bit is clear; B mirrors it. */
static void fpu_update_es(FpuState *f)
{
    if (f->fsw & ~f->fcw & FSW_EXC)
        f->fsw |= FSW_ES | FSW_B;
    else
        f->fsw &= (uint16_t)~(FSW_ES | FSW_B);
}

static void fpu_raise(FpuState *f, unsigned flags)
{
    f->fsw |= (uint16_t)(flags & FSW_EXC);
    fpu_update_es(f);
}

static bool fpu_unmasked(const FpuState *f, unsigned flags)
{
    return (flags & ~f->fcw & FSW_EXC) != 0;
}

static void fpu_set_cc(FpuState *f, unsigned cc)
{
    f->fsw = (uint16_t)((f->fsw & ~FSW_CC) | (cc & FSW_CC));
}

/* A pending unmasked exception met a waiting instruction. With CR0.NE the
 * CPU raises #MF; without it the PC's FERR# line drives IRQ13 through the
 * interrupt controller (the machine wires cpu->fpu_irq13) and the
 * instruction then goes on, as it does once the handler has asserted
 * IGNNE# by writing port F0h. */
static void fpu_report_error(CpuState *cpu)
{
    if (cpu->cr[0] & CR0_NE)
        cpu_raise_exception(cpu, EXCP_MF, false, 0);
    if (cpu->fpu_irq13) {
        cpu->fpu_irq13(cpu->fpu_irq13_opaque, true);
        return;
    }
    LOG(cpu->log, LOG_UNIMP, "x87 error with CR0.NE = 0 and no IRQ13 wiring: raising #MF\n");
    cpu_raise_exception(cpu, EXCP_MF, false, 0);
}

static void fpu_clear_irq13(CpuState *cpu)
{
    if (cpu->fpu_irq13)
        cpu->fpu_irq13(cpu->fpu_irq13_opaque, false);
}

/* Every x87 instruction: #NM with CR0.EM or CR0.TS (Table 2-2); waiting
 * ones then report a pending unmasked exception (§8.6). */
static void fpu_enter(CpuState *cpu, bool waiting)
{
    if (cpu->cr[0] & (CR0_EM | CR0_TS))
        cpu_raise_exception(cpu, EXCP_NM, false, 0);
    if (waiting && (cpu->fpu.fsw & FSW_ES))
        fpu_report_error(cpu);
}

/* The last non-control instruction's pointers (§8.1.8): FIP/FCS and FOP
 * always; FDP/FDS only for instructions with a memory operand (the P6
 * keeps the previous ones otherwise). */
static void fpu_note_insn(CpuState *cpu, uint64_t desc, uint32_t offset, uint32_t pc)
{
    FpuState *f = &cpu->fpu;
    f->fip = pc;
    f->fcs = (uint16_t)cpu->seg[SEG_CS].selector;
    f->fop = X87_DESC_FOP(desc);
    unsigned seg = X87_DESC_SEG(desc);
    if (seg != X87_SEG_NONE) {
        f->fdp = offset;
        f->fds = (uint16_t)cpu->seg[seg].selector;
    }
}

static FloatStatus fpu_status(const FpuState *f)
{
    FloatStatus s = {0};
    s.rounding = (f->fcw >> 10) & 3;
    unsigned pc = (f->fcw >> 8) & 3;
    /* PC = 01 is reserved; the P6 rounds to 64 bits then (as QEMU does). */
    s.precision = pc == 1 ? FLOAT_PREC_64 : (uint8_t)pc;
    s.underflow_masked = f->fcw & FSW_UE;
    return s;
}

/* Fold an operation's flags into FSW; C1 tells whether an inexact result
 * was rounded up (Table 8-10). */
static void fpu_finish(FpuState *f, const FloatStatus *s)
{
    f->fsw &= (uint16_t)~FSW_C1;
    if ((s->flags & FLOAT_INEXACT) && s->c1_round_up)
        f->fsw |= FSW_C1;
    fpu_raise(f, s->flags);
}

/* fpu_finish for an operation whose `blocking` exceptions, when unmasked,
 * suppress the result (§8.5: pre-computation IE, DE, ZE; for stores to
 * memory also OE and UE). Then only those flags are recorded (no PE,
 * C1 = 0, as hardware does) and the caller must leave the destination and
 * the stack alone: returns false. */
static bool fpu_finish_checked(FpuState *f, FloatStatus *s, unsigned blocking)
{
    unsigned hit = s->flags & blocking;
    if (fpu_unmasked(f, hit)) {
        s->flags = (uint16_t)hit;
        s->c1_round_up = false;
        fpu_finish(f, s);
        return false;
    }
    fpu_finish(f, s);
    return true;
}

/* Stack faults (§8.5.1.1): IE and SF, C1 = 1 for overflow, 0 for underflow. */
static void fpu_stack_fault(FpuState *f, bool overflow)
{
    f->fsw = (uint16_t)((f->fsw & ~FSW_C1) | (overflow ? FSW_C1 : 0) | FSW_SF);
    fpu_raise(f, FSW_IE);
}

static void fpu_push(FpuState *f, Float80 v)
{
    f->top = (f->top - 1) & 7;
    fpu_set_st(f, 0, v);
}

static void fpu_pop(FpuState *f)
{
    fpu_free_st(f, 0);
    f->top = (f->top + 1) & 7;
}

/* ---- memory ---- */

static void fpu_check_seg(CpuState *cpu, uint64_t desc, uint32_t offset, unsigned len, bool write)
{
    if (!X87_DESC_SEGCHECK(desc))
        return;
    unsigned seg = X87_DESC_SEG(desc);
    /* helper_check_seg takes up to 255 bytes: check both ends. */
    helper_check_seg(cpu, seg, offset, 1u | (write ? 0x100u : 0), 0);
    helper_check_seg(cpu, seg, offset + len - 1, 1u | (write ? 0x100u : 0), 0);
}

static void mem_read(CpuState *cpu, uint32_t addr, uint8_t *buf, unsigned len)
{
    unsigned i = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t v = cpu_ld(cpu, addr + i, 4);
        memcpy(buf + i, &v, 4);
    }
    for (; i < len; i++)
        buf[i] = (uint8_t)cpu_ld(cpu, addr + i, 1);
}

/* A multi-part store must not fault half-way: touch the last byte's page
 * with a write of its own value first, so a #PF comes before any change. */
static void mem_write(CpuState *cpu, uint32_t addr, const uint8_t *buf, unsigned len)
{
    uint32_t last = addr + len - 1;
    if ((addr ^ last) & ~0xFFFu)
        cpu_st(cpu, last, cpu_ld(cpu, last, 1), 1);
    unsigned i = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t v;
        memcpy(&v, buf + i, 4);
        cpu_st(cpu, addr + i, v, 4);
    }
    for (; i < len; i++)
        cpu_st(cpu, addr + i, buf[i], 1);
}

static unsigned fmt_size(unsigned fmt)
{
    static const uint8_t size[] = {0, 4, 8, 10, 2, 4, 8, 10, 2, 0};
    return size[fmt];
}

static void f80_pack(Float80 v, uint8_t *p)
{
    memcpy(p, &v.mant, 8);
    memcpy(p + 8, &v.se, 2);
}

static Float80 f80_unpack(const uint8_t *p)
{
    Float80 v;
    memcpy(&v.mant, p, 8);
    memcpy(&v.se, p + 8, 2);
    return v;
}

/* Read a memory operand in format `fmt` as an 80-bit value. */
static Float80 fpu_load_operand(CpuState *cpu, uint64_t desc, uint32_t addr, uint32_t offset, FloatStatus *s)
{
    unsigned fmt = X87_DESC_FMT(desc);
    uint8_t b[10] = {0};
    fpu_check_seg(cpu, desc, offset, fmt_size(fmt), false);
    mem_read(cpu, addr, b, fmt_size(fmt));
    uint32_t w32;
    uint64_t w64;
    uint16_t w16;
    memcpy(&w32, b, 4);
    memcpy(&w64, b, 8);
    memcpy(&w16, b, 2);
    switch (fmt) {
    case X87_FMT_F32: return f80_from_f32(w32, s);
    case X87_FMT_F64: return f80_from_f64(w64, s);
    case X87_FMT_F80: return f80_unpack(b);
    case X87_FMT_I16: return f80_from_int64((int16_t)w16, s);
    case X87_FMT_I32: return f80_from_int64((int32_t)w32, s);
    case X87_FMT_I64: return f80_from_int64((int64_t)w64, s);
    default: return f80_from_bcd(b, s);
    }
}

/* ---- the helpers (SDM Vol. 2 instruction pages) ----
 * Each may longjmp: #NM, #MF, and #GP/#SS/#PF from its memory operand.
 * Memory is read before and written after the FPU state is decided, and
 * the state is changed only once no fault can follow. */

/* FLD (m32/m64/m80/ST(i)), FILD, FBLD and the constants: push. */
uint64_t helper_x87_load(void *env, uint64_t desc, uint64_t addr, uint64_t offset, uint64_t pc)
{
    CpuState *cpu = env;
    FpuState *f = &cpu->fpu;
    fpu_enter(cpu, true);
    FloatStatus s = fpu_status(f);
    unsigned mn = X87_DESC_MN(desc);
    Float80 v;
    bool underflow = false;
    if (mn >= MN_FLD1 && mn <= MN_FLDLG2) {
        static const uint8_t which[] = {
            [MN_FLD1 - MN_FLD1] = 0, [MN_FLDZ - MN_FLD1] = 6, [MN_FLDPI - MN_FLD1] = 3, [MN_FLDL2E - MN_FLD1] = 2,
            [MN_FLDLN2 - MN_FLD1] = 5, [MN_FLDL2T - MN_FLD1] = 1, [MN_FLDLG2 - MN_FLD1] = 4,
        };
        v = f80_const(which[mn - MN_FLD1], &s);
    } else if (X87_DESC_FMT(desc) == X87_FMT_NONE) {
        unsigned i = X87_DESC_STI(desc);
        underflow = fpu_empty(f, i);
        v = f->st[fpu_phys(f, i)];
    } else {
        v = fpu_load_operand(cpu, desc, (uint32_t)addr, (uint32_t)offset, &s);
    }
    fpu_note_insn(cpu, desc, (uint32_t)offset, (uint32_t)pc);
    if (!fpu_empty(f, 7)) {
        fpu_stack_fault(f, true);
        if (!fpu_unmasked(f, FSW_IE))
            fpu_push(f, f80_indefinite);
        return 0;
    }
    if (underflow) {
        fpu_stack_fault(f, false);
        if (!fpu_unmasked(f, FSW_IE))
            fpu_push(f, f80_indefinite);
        return 0;
    }
    /* Conversions are exact: C1 = 0. An unmasked IE (SNaN) keeps the
     * stack as it was; a denormal is loaded even with DE unmasked (as
     * hardware does: the exception is reported at the next instruction). */
    s.c1_round_up = false;
    if (fpu_finish_checked(f, &s, FSW_IE))
        fpu_push(f, v);
    return 0;
}

/* FST/FSTP (m32/m64/m80/ST(i)), FIST/FISTP, FBSTP. Memory is written
 * before any FPU state changes, so a fault leaves the FPU untouched. */
uint64_t helper_x87_store(void *env, uint64_t desc, uint64_t addr, uint64_t offset, uint64_t pc)
{
    CpuState *cpu = env;
    FpuState *f = &cpu->fpu;
    fpu_enter(cpu, true);
    unsigned mn = X87_DESC_MN(desc), fmt = X87_DESC_FMT(desc);
    bool pop = mn == MN_FSTP || mn == MN_FISTP || mn == MN_FBSTP;
    FloatStatus s = fpu_status(f);
    Float80 v = f->st[fpu_phys(f, 0)];
    bool underflow = fpu_empty(f, 0);
    if (fmt == X87_FMT_NONE) {
        fpu_note_insn(cpu, desc, (uint32_t)offset, (uint32_t)pc);
        /* FST ST(i): a register copy, no exceptions but the stack fault. */
        if (underflow) {
            fpu_stack_fault(f, false);
            if (fpu_unmasked(f, FSW_IE))
                return 0;
            v = f80_indefinite;
        } else {
            f->fsw &= (uint16_t)~FSW_C1;
        }
        fpu_set_st(f, X87_DESC_STI(desc), v);
        if (pop)
            fpu_pop(f);
        return 0;
    }
    uint8_t b[10] = {0};
    unsigned size = fmt_size(fmt);
    if (underflow) {
        s.flags = FSW_IE;
        if (!fpu_unmasked(f, FSW_IE)) {
            /* The masked response: the indefinite of the format. */
            static const uint8_t ind[][10] = {
                [X87_FMT_F32] = {0, 0, 0xC0, 0xFF}, [X87_FMT_F64] = {0, 0, 0, 0, 0, 0, 0xF8, 0xFF},
                [X87_FMT_F80] = {0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF}, [X87_FMT_I16] = {0, 0x80},
                [X87_FMT_I32] = {0, 0, 0, 0x80}, [X87_FMT_I64] = {0, 0, 0, 0, 0, 0, 0, 0x80},
                [X87_FMT_BCD] = {0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF},
            };
            memcpy(b, ind[fmt], size);
        }
    } else {
        uint32_t w32;
        uint64_t w64;
        uint16_t w16;
        switch (fmt) {
        case X87_FMT_F32: w32 = f80_to_f32(v, &s); memcpy(b, &w32, 4); break;
        case X87_FMT_F64: w64 = f80_to_f64(v, &s); memcpy(b, &w64, 8); break;
        case X87_FMT_F80: f80_pack(v, b); break;
        case X87_FMT_I16: w16 = (uint16_t)f80_to_int64(v, 16, false, &s); memcpy(b, &w16, 2); break;
        case X87_FMT_I32: w32 = (uint32_t)f80_to_int64(v, 32, false, &s); memcpy(b, &w32, 4); break;
        case X87_FMT_I64: w64 = (uint64_t)f80_to_int64(v, 64, false, &s); memcpy(b, &w64, 8); break;
        default: f80_to_bcd(v, b, &s); break;
        }
    }
    /* Unmasked IE, OE or UE: memory and the stack stay as they were
     * (§8.5.1.2, §8.5.4, §8.5.5); an unmasked PE still stores. */
    bool suppress = fpu_unmasked(f, s.flags & (FSW_IE | FSW_DE | FSW_OE | FSW_UE));
    if (!suppress) {
        fpu_check_seg(cpu, desc, (uint32_t)offset, size, true);
        mem_write(cpu, (uint32_t)addr, b, size);
    }
    /* Pointers only once the store can no longer fault. */
    fpu_note_insn(cpu, desc, (uint32_t)offset, (uint32_t)pc);
    if (underflow)
        fpu_stack_fault(f, false);
    else
        fpu_finish_checked(f, &s, FSW_IE | FSW_DE | FSW_OE | FSW_UE);
    if (pop && !suppress)
        fpu_pop(f);
    return 0;
}

typedef Float80 (*F80BinFn)(Float80, Float80, FloatStatus *);

/* C3 C2 C0 for greater, less, equal, unordered (FCOM's Table). */
static const uint16_t compare_cc[4] = {0, FSW_C0, FSW_C3, FSW_C3 | FSW_C2 | FSW_C0};
/* ZF PF CF for FCOMI, same order. */
static const uint32_t compare_eflags[4] = {0, CC_C, CC_Z, CC_Z | CC_P | CC_C};

/* Arithmetic (FADD..FDIVR with every operand form, the P and I forms) and
 * the compares (FCOM/FUCOM/FICOM families, FTST, FCOMI family). */
uint64_t helper_x87_arith(void *env, uint64_t desc, uint64_t addr, uint64_t offset, uint64_t pc)
{
    CpuState *cpu = env;
    FpuState *f = &cpu->fpu;
    fpu_enter(cpu, true);
    unsigned mn = X87_DESC_MN(desc), fmt = X87_DESC_FMT(desc), sti = X87_DESC_STI(desc);
    FloatStatus s = fpu_status(f);
    Float80 src;
    bool empty = fpu_empty(f, 0);
    if (fmt != X87_FMT_NONE) {
        src = fpu_load_operand(cpu, desc, (uint32_t)addr, (uint32_t)offset, &s);
    } else if (mn == MN_FTST) {
        src = (Float80){0, 0};
    } else {
        unsigned i = (mn == MN_FCOMPP || mn == MN_FUCOMPP) ? 1 : sti;
        src = f->st[fpu_phys(f, i)];
        empty |= fpu_empty(f, i);
    }
    fpu_note_insn(cpu, desc, (uint32_t)offset, (uint32_t)pc);
    unsigned pops = 0;
    bool eflags = false, quiet = false, compare = true;
    switch (mn) {
    case MN_FCOMPP: case MN_FUCOMPP: pops = 2; break;
    case MN_FCOMP: case MN_FICOMP: case MN_FUCOMP: pops = 1; break;
    case MN_FCOMIP: case MN_FUCOMIP: pops = 1, eflags = true; break;
    case MN_FCOMI: case MN_FUCOMI: eflags = true; break;
    case MN_FCOM: case MN_FUCOM: case MN_FICOM: case MN_FTST: break;
    case MN_FADDP: case MN_FSUBP: case MN_FSUBRP: case MN_FMULP: case MN_FDIVP: case MN_FDIVRP:
        pops = 1, compare = false;
        break;
    default: compare = false; break;
    }
    quiet = mn == MN_FUCOM || mn == MN_FUCOMP || mn == MN_FUCOMPP || mn == MN_FUCOMI || mn == MN_FUCOMIP;
    if (compare) {
        unsigned rel = 3;
        if (empty) {
            fpu_stack_fault(f, false);
        } else {
            int r = f80_compare(f->st[fpu_phys(f, 0)], src, quiet, &s);
            rel = r == 1 ? 0 : r == -1 ? 1 : r == 0 ? 2 : 3;
            s.c1_round_up = false;
            fpu_finish(f, &s);
        }
        /* Unmasked IE: condition codes (or EFLAGS) and the stack unchanged. */
        if (fpu_unmasked(f, (empty ? FSW_IE : s.flags) & (FSW_IE | FSW_DE))) {
            if (eflags)
                cpu_set_eflags(cpu, 0, 0);   /* keep the lazy flags in EFLAGS form */
            return 0;
        }
        if (eflags) {
            cpu_set_eflags(cpu, compare_eflags[rel], CC_ALL);
            f->fsw &= (uint16_t)~FSW_C1;
        } else {
            fpu_set_cc(f, compare_cc[rel]);
        }
        while (pops--)
            fpu_pop(f);
        return 0;
    }
    /* Destination ST(0) (D8, DA, DE memory forms) or ST(i) (DC/DE register
     * forms); the R variants swap the operands. */
    unsigned d = X87_DESC_DST_STI(desc) ? sti : 0;
    Float80 a = f->st[fpu_phys(f, d)], b = d ? f->st[fpu_phys(f, 0)] : src;
    F80BinFn fn;
    bool rev = false;
    switch (mn) {
    case MN_FADD: case MN_FADDP: case MN_FIADD: fn = f80_add; break;
    case MN_FMUL: case MN_FMULP: case MN_FIMUL: fn = f80_mul; break;
    case MN_FSUB: case MN_FSUBP: case MN_FISUB: fn = f80_sub; break;
    case MN_FSUBR: case MN_FSUBRP: case MN_FISUBR: fn = f80_sub, rev = true; break;
    case MN_FDIV: case MN_FDIVP: case MN_FIDIV: fn = f80_div; break;
    default: fn = f80_div, rev = true; break;
    }
    Float80 r;
    if (empty) {
        fpu_stack_fault(f, false);
        if (fpu_unmasked(f, FSW_IE))
            return 0;
        r = f80_indefinite;
    } else {
        r = rev ? fn(b, a, &s) : fn(a, b, &s);
        /* Unmasked IE, DE, ZE: destination and stack unchanged. Unmasked
         * OE/UE should store the result with its exponent re-biased by
         * 24576 (§8.5.4); jitpc stores the masked result (known gap: the
         * float library does not return the unbounded exponent). */
        if (!fpu_finish_checked(f, &s, FSW_IE | FSW_DE | FSW_ZE))
            return 0;
    }
    fpu_set_st(f, d, r);
    while (pops--)
        fpu_pop(f);
    return 0;
}

/* FCMOVcc's conditions from EFLAGS (B E BE U and their negations). */
static bool fcmov_cond(CpuState *cpu, unsigned cc)
{
    uint32_t fl = cpu_get_eflags(cpu);
    bool v;
    switch (cc >> 1) {
    case DECODE_CC_B >> 1: v = fl & CC_C; break;
    case DECODE_CC_E >> 1: v = fl & CC_Z; break;
    case DECODE_CC_BE >> 1: v = fl & (CC_C | CC_Z); break;
    default: v = fl & CC_P; break;
    }
    return (cc & 1) ? !v : v;
}

/* FXAM (C3 C2 C0 by class, C1 the sign; empty is C3 = C0 = 1). */
static void fpu_fxam(FpuState *f)
{
    Float80 v = f->st[fpu_phys(f, 0)];
    unsigned cc = (v.se & 0x8000) ? FSW_C1 : 0;
    unsigned k = fpu_empty(f, 0) ? 5 : f80_classify(v);
    cc |= (k & 4 ? FSW_C3 : 0) | (k & 2 ? FSW_C2 : 0) | (k & 1 ? FSW_C0 : 0);
    fpu_set_cc(f, cc);
}

/* FPREM/FPREM1: C2 = 1 for a partial remainder; a complete one gives the
 * quotient's low bits in C0 (Q2), C3 (Q1), C1 (Q0). */
static void fpu_fprem(FpuState *f, bool ieee, FloatStatus *s)
{
    unsigned q = 0;
    bool complete = true;
    Float80 r = f80_rem(f->st[fpu_phys(f, 0)], f->st[fpu_phys(f, 1)], ieee, &q, &complete, s);
    if (!fpu_finish_checked(f, s, FSW_IE | FSW_DE))
        return;
    unsigned cc = complete ? ((q & 4 ? FSW_C0 : 0) | (q & 2 ? FSW_C3 : 0) | (q & 1 ? FSW_C1 : 0)) : FSW_C2;
    fpu_set_cc(f, cc);
    fpu_set_st(f, 0, r);
}

/* One-operand and stack instructions, FXCH, FCMOVcc and the
 * transcendentals. */
uint64_t helper_x87_misc(void *env, uint64_t desc, uint64_t addr, uint64_t offset, uint64_t pc)
{
    CpuState *cpu = env;
    FpuState *f = &cpu->fpu;
    (void)addr;
    fpu_enter(cpu, true);
    fpu_note_insn(cpu, desc, (uint32_t)offset, (uint32_t)pc);
    unsigned mn = X87_DESC_MN(desc), sti = X87_DESC_STI(desc);
    FloatStatus s = fpu_status(f);
    switch (mn) {
    case MN_FNOP:
        return 0;
    case MN_FINCSTP: case MN_FDECSTP:
        f->top = (f->top + (mn == MN_FINCSTP ? 1 : 7)) & 7;
        f->fsw &= (uint16_t)~FSW_C1;
        return 0;
    case MN_FFREE: case MN_FFREEP:
        fpu_free_st(f, sti);
        if (mn == MN_FFREEP)
            f->top = (f->top + 1) & 7;
        return 0;
    case MN_FXAM:
        fpu_fxam(f);
        return 0;
    default:
        break;
    }
    /* Operands that must be present. */
    bool two = mn == MN_FSCALE || mn == MN_FPREM || mn == MN_FPREM1 || mn == MN_FYL2X || mn == MN_FYL2XP1 ||
               mn == MN_FPATAN;
    bool with_i = mn == MN_FXCH || mn == MN_FCMOVCC;
    if (fpu_empty(f, 0) || (two && fpu_empty(f, 1)) || (with_i && fpu_empty(f, sti))) {
        fpu_stack_fault(f, false);
        if (fpu_unmasked(f, FSW_IE))
            return 0;
        /* Masked response: the empty operands read as QNaN indefinite. */
        if (mn == MN_FXCH || mn == MN_FCMOVCC) {
            if (fpu_empty(f, 0))
                fpu_set_st(f, 0, f80_indefinite);
            if (fpu_empty(f, sti))
                fpu_set_st(f, sti, f80_indefinite);
        } else if (two) {
            fpu_set_st(f, 1, f80_indefinite);
            if (mn == MN_FYL2X || mn == MN_FYL2XP1 || mn == MN_FPATAN)
                fpu_pop(f);
            else
                fpu_set_st(f, 0, f80_indefinite);
            return 0;
        } else {
            fpu_set_st(f, 0, f80_indefinite);
            if (mn == MN_FXTRACT || mn == MN_FSINCOS)
                fpu_push(f, f80_indefinite);
            return 0;
        }
    }
    Float80 a = f->st[fpu_phys(f, 0)], b = f->st[fpu_phys(f, 1)], r;
    switch (mn) {
    case MN_FXCH: {
        Float80 x = f->st[fpu_phys(f, 0)], y = f->st[fpu_phys(f, sti)];
        fpu_set_st(f, 0, y);
        fpu_set_st(f, sti, x);
        f->fsw &= (uint16_t)~FSW_C1;
        return 0;
    }
    case MN_FCMOVCC:
        if (fcmov_cond(cpu, X87_DESC_COND(desc)))
            fpu_set_st(f, 0, f->st[fpu_phys(f, sti)]);
        f->fsw &= (uint16_t)~FSW_C1;
        return 0;
    case MN_FABS: case MN_FCHS:
        a.se = mn == MN_FABS ? a.se & 0x7FFF : a.se ^ 0x8000;
        fpu_set_st(f, 0, a);
        f->fsw &= (uint16_t)~FSW_C1;
        return 0;
    case MN_FPREM: case MN_FPREM1:
        fpu_fprem(f, mn == MN_FPREM1, &s);
        return 0;
    case MN_FXTRACT: case MN_FPTAN: case MN_FSINCOS:
        if (!fpu_empty(f, 7)) {
            fpu_stack_fault(f, true);
            if (!fpu_unmasked(f, FSW_IE)) {
                /* Masked overflow: ST(0) and the pushed one are indefinite. */
                fpu_set_st(f, 0, f80_indefinite);
                fpu_push(f, f80_indefinite);
            }
            return 0;
        }
        break;
    default:
        break;
    }
    Float80 second = {0, 0};
    bool push = false, pop = false, ok = true;
    switch (mn) {
    case MN_FRNDINT: r = f80_round_to_int(a, &s); break;
    case MN_FSQRT: r = f80_sqrt(a, &s); break;
    case MN_FSCALE: r = f80_scale(a, b, &s); break;
    case MN_F2XM1: r = f80_2xm1(a, &s); break;
    case MN_FXTRACT:
        second = f80_extract(a, &r, &s);    /* r: exponent into ST(0), then push the significand */
        push = true;
        break;
    case MN_FYL2X: r = f80_yl2x(a, b, &s), pop = true; break;
    case MN_FYL2XP1: r = f80_yl2xp1(a, b, &s), pop = true; break;
    case MN_FPATAN: r = f80_atan2(b, a, &s), pop = true; break;
    case MN_FPTAN:
        ok = f80_tan(a, &r, &s);
        second = (Float80){0x8000000000000000ull, 0x3FFF};     /* FPTAN pushes 1.0 */
        push = true;
        break;
    case MN_FSIN: ok = f80_sin(a, &r, &s); break;
    case MN_FCOS: ok = f80_cos(a, &r, &s); break;
    default:                                /* FSINCOS: ST(0) = sin, then push cos */
        ok = f80_cos(a, &second, &s) && f80_sin(a, &r, &s);    /* C1 from the sine (ST(1)) */
        push = true;
        break;
    }
    if (!ok) {
        /* |x| >= 2^63: C2 = 1 and the operand stays (FSIN page). */
        fpu_set_cc(f, (f->fsw & FSW_CC) | FSW_C2);
        return 0;
    }
    f->fsw &= (uint16_t)~FSW_C2;
    if (!fpu_finish_checked(f, &s, FSW_IE | FSW_DE | FSW_ZE))
        return 0;
    if (pop) {
        fpu_set_st(f, 1, r);
        fpu_pop(f);
    } else {
        fpu_set_st(f, 0, r);
        if (push)
            fpu_push(f, second);
    }
    return 0;
}

/* ---- saved-state images ---- */

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v), put16(p + 2, v >> 16); }
static uint32_t get16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | get16(p + 2) << 16; }

static bool fpu_real_layout(const CpuState *cpu)
{
    return !(cpu->cr[0] & CR0_PE) || (cpu->eflags & EFLAGS_VM);
}

/* FSTENV's image (Figures 8-9 to 8-12). In real and virtual-8086 mode the
 * pointers are 20-bit (16-bit layout) or 32-bit linear addresses; the
 * 32-bit layouts' reserved upper halves read as FFFFh, as on hardware. */
static unsigned env_image(const CpuState *cpu, uint8_t *b, bool op32)
{
    const FpuState *f = &cpu->fpu;
    bool real = fpu_real_layout(cpu);
    uint32_t fip = f->fip, fdp = f->fdp;
    if (real) {
        fip += (uint32_t)f->fcs << 4;
        fdp += (uint32_t)f->fds << 4;
    }
    if (!op32) {
        put16(b, f->fcw), put16(b + 2, fpu_get_fsw(f)), put16(b + 4, fpu_get_ftw(f));
        put16(b + 6, fip);
        if (real) {
            put16(b + 8, f->fop | (fip >> 16 & 0xF) << 12);
            put16(b + 10, fdp), put16(b + 12, (fdp >> 16 & 0xF) << 12);
        } else {
            put16(b + 8, f->fcs), put16(b + 10, fdp), put16(b + 12, f->fds);
        }
        return 14;
    }
    put32(b, 0xFFFF0000u | f->fcw), put32(b + 4, 0xFFFF0000u | fpu_get_fsw(f));
    put32(b + 8, 0xFFFF0000u | fpu_get_ftw(f));
    if (real) {
        put32(b + 12, 0xFFFF0000u | (fip & 0xFFFF));
        put32(b + 16, f->fop | (fip >> 16 & 0xFFFF) << 12);
        put32(b + 20, 0xFFFF0000u | (fdp & 0xFFFF));
        put32(b + 24, (fdp >> 16 & 0xFFFF) << 12);
    } else {
        put32(b + 12, fip), put32(b + 16, f->fcs | (uint32_t)f->fop << 16);
        put32(b + 20, fdp), put32(b + 24, 0xFFFF0000u | f->fds);
    }
    return 28;
}

static void fpu_set_fcw(FpuState *f, uint32_t v)
{
    /* Bit 6 reads as 1, bits 13-15 as 0; X (bit 12) is kept. */
    f->fcw = (uint16_t)((v & 0x1F3F) | 0x40);
}

/* The inverse: real-mode pointers come back as linear addresses (FCS and
 * FDS 0), which env_image turns into the same image again. */
static unsigned env_load_image(CpuState *cpu, const uint8_t *b, bool op32)
{
    FpuState *f = &cpu->fpu;
    bool real = fpu_real_layout(cpu);
    uint32_t ftw;
    fpu_set_fcw(f, get16(b));
    fpu_set_fsw(f, (uint16_t)get16(b + (op32 ? 4 : 2)));
    ftw = get16(b + (op32 ? 8 : 4));
    if (!op32) {
        f->fip = get16(b + 6);
        if (real) {
            f->fop = get16(b + 8) & 0x7FF;
            f->fip |= (get16(b + 8) >> 12) << 16;
            f->fdp = get16(b + 10) | (get16(b + 12) >> 12) << 16;
            f->fcs = f->fds = 0;
        } else {
            f->fcs = (uint16_t)get16(b + 8), f->fdp = get16(b + 10), f->fds = (uint16_t)get16(b + 12);
        }
    } else if (real) {
        f->fip = get16(b + 12) | (get32(b + 16) >> 12 & 0xFFFF) << 16;
        f->fop = get32(b + 16) & 0x7FF;
        f->fdp = get16(b + 20) | (get32(b + 24) >> 12 & 0xFFFF) << 16;
        f->fcs = f->fds = 0;
    } else {
        f->fip = get32(b + 12), f->fcs = (uint16_t)get16(b + 16), f->fop = get16(b + 18) & 0x7FF;
        f->fdp = get32(b + 20), f->fds = (uint16_t)get16(b + 24);
    }
    /* Only "empty" is taken from the image; the other tags follow the
     * registers' contents (§8.1.7). */
    for (unsigned p = 0; p < 8; p++)
        tag_set(f, p, ((ftw >> (2 * p)) & 3) == FPU_TAG_EMPTY ? FPU_TAG_EMPTY : fpu_tag_of(f->st[p]));
    fpu_update_es(f);
    if (!(f->fsw & FSW_ES))
        fpu_clear_irq13(cpu);
    return op32 ? 28 : 14;
}

void fpu_store_env(CpuState *cpu, uint32_t addr, bool op32)
{
    uint8_t b[28];
    unsigned n = env_image(cpu, b, op32);
    mem_write(cpu, addr, b, n);
}

void fpu_load_env(CpuState *cpu, uint32_t addr, bool op32)
{
    uint8_t b[28];
    mem_read(cpu, addr, b, op32 ? 28 : 14);
    env_load_image(cpu, b, op32);
}

void fpu_fsave(CpuState *cpu, uint32_t addr, bool op32)
{
    uint8_t b[108];
    unsigned n = env_image(cpu, b, op32);
    for (unsigned i = 0; i < 8; i++)
        f80_pack(cpu->fpu.st[fpu_phys(&cpu->fpu, i)], b + n + 10 * i);
    mem_write(cpu, addr, b, n + 80);
    fpu_init_x87(&cpu->fpu);
    fpu_clear_irq13(cpu);
}

void fpu_frstor(CpuState *cpu, uint32_t addr, bool op32)
{
    uint8_t b[108];
    unsigned n = op32 ? 28 : 14;
    mem_read(cpu, addr, b, n + 80);
    /* Registers first (in stack order, so TOP from the image), then the
     * environment, whose tags are checked against them. */
    FpuState *f = &cpu->fpu;
    f->top = (uint8_t)((get16(b + (op32 ? 4 : 2)) >> FSW_TOP_SHIFT) & 7);
    for (unsigned i = 0; i < 8; i++)
        f->st[fpu_phys(f, i)] = f80_unpack(b + n + 10 * i);
    env_load_image(cpu, b, op32);
}

/* FXSAVE area (Table 10-2, 32-bit form): registers in stack order with
 * zeroed padding, the abridged tag byte, MXCSR and MXCSR_MASK, XMM0-7.
 * Bytes 288-511 are not written. XMM state and MXCSR are saved whatever
 * CR4.OSFXSR says: the SDM leaves that implementation-dependent and the
 * P6 and NetBurst save them (QEMU skips them; AMD's FFXSR differs). */
void fpu_fxsave(CpuState *cpu, uint32_t addr)
{
    const FpuState *f = &cpu->fpu;
    uint8_t b[288] = {0};
    put16(b, f->fcw), put16(b + 2, fpu_get_fsw(f));
    b[4] = fpu_get_abridged_ftw(f);
    put16(b + 6, f->fop);
    put32(b + 8, f->fip), put16(b + 12, f->fcs);
    put32(b + 16, f->fdp), put16(b + 20, f->fds);
    put32(b + 24, f->mxcsr), put32(b + 28, MXCSR_MASK);
    for (unsigned i = 0; i < 8; i++)
        f80_pack(f->st[fpu_phys(f, i)], b + 32 + 16 * i);
    for (unsigned i = 0; i < 8; i++)
        memcpy(b + 160 + 16 * i, f->xmm[i], 16);
    mem_write(cpu, addr, b, sizeof(b));
}

void fpu_fxrstor(CpuState *cpu, uint32_t addr)
{
    FpuState *f = &cpu->fpu;
    uint8_t b[288];
    mem_read(cpu, addr, b, sizeof(b));
    uint32_t mxcsr = get32(b + 24);
    if (mxcsr & ~MXCSR_MASK)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    fpu_set_fcw(f, get16(b));
    fpu_set_fsw(f, (uint16_t)get16(b + 2));
    f->fop = get16(b + 6) & 0x7FF;
    f->fip = get32(b + 8), f->fcs = (uint16_t)get16(b + 12);
    f->fdp = get32(b + 16), f->fds = (uint16_t)get16(b + 20);
    f->mxcsr = mxcsr;
    for (unsigned i = 0; i < 8; i++)
        f->st[fpu_phys(f, i)] = f80_unpack(b + 32 + 16 * i);
    for (unsigned i = 0; i < 8; i++)
        memcpy(f->xmm[i], b + 160 + 16 * i, 16);
    fpu_set_abridged_ftw(f, b[4]);
    fpu_update_es(f);
    if (!(f->fsw & FSW_ES))
        fpu_clear_irq13(cpu);
}

/* Control instructions: FNINIT FNCLEX FLDCW FNSTCW FNSTSW FNSTENV FLDENV
 * FNSAVE FRSTOR FXSAVE FXRSTOR and the 8087/287 no-ops. They leave
 * FIP/FDP/FOP alone; only FLDCW, FLDENV and FRSTOR wait (§8.3.11). The
 * return value is the status word (FNSTSW AX). */
uint64_t helper_x87_control(void *env, uint64_t desc, uint64_t addr, uint64_t offset, uint64_t pc)
{
    CpuState *cpu = env;
    FpuState *f = &cpu->fpu;
    unsigned mn = X87_DESC_MN(desc);
    bool op32 = X87_DESC_OP32(desc);
    uint32_t a = (uint32_t)addr, off = (uint32_t)offset;
    (void)pc;
    fpu_enter(cpu, mn == MN_FLDCW || mn == MN_FLDENV || mn == MN_FRSTOR);
    switch (mn) {
    case MN_FNINIT:
        fpu_init_x87(f);
        fpu_clear_irq13(cpu);
        break;
    case MN_FNCLEX:
        f->fsw &= (uint16_t)~(FSW_EXC | FSW_SF | FSW_ES | FSW_B);
        fpu_clear_irq13(cpu);
        break;
    case MN_FLDCW:
        fpu_check_seg(cpu, desc, off, 2, false);
        fpu_set_fcw(f, cpu_ld(cpu, a, 2));
        /* Unmasking a pending exception makes it pending for #MF. */
        fpu_update_es(f);
        break;
    case MN_FNSTCW:
        fpu_check_seg(cpu, desc, off, 2, true);
        cpu_st(cpu, a, f->fcw, 2);
        break;
    case MN_FNSTSW:
        if (X87_DESC_FMT(desc) == X87_FMT_NONE)
            return fpu_get_fsw(f);
        fpu_check_seg(cpu, desc, off, 2, true);
        cpu_st(cpu, a, fpu_get_fsw(f), 2);
        break;
    case MN_FNSTENV:
        fpu_check_seg(cpu, desc, off, op32 ? 28 : 14, true);
        fpu_store_env(cpu, a, op32);
        f->fcw |= FSW_EXC;      /* then every exception is masked */
        break;
    case MN_FLDENV:
        fpu_check_seg(cpu, desc, off, op32 ? 28 : 14, false);
        fpu_load_env(cpu, a, op32);
        break;
    case MN_FNSAVE:
        fpu_check_seg(cpu, desc, off, op32 ? 108 : 94, true);
        fpu_fsave(cpu, a, op32);
        break;
    case MN_FRSTOR:
        fpu_check_seg(cpu, desc, off, op32 ? 108 : 94, false);
        fpu_frstor(cpu, a, op32);
        break;
    case MN_FXSAVE: case MN_FXRSTOR:
        if (a & 15)
            cpu_raise_exception(cpu, EXCP_GP, true, 0);
        fpu_check_seg(cpu, desc, off, 512, mn == MN_FXSAVE);
        if (mn == MN_FXSAVE)
            fpu_fxsave(cpu, a);
        else
            fpu_fxrstor(cpu, a);
        break;
    default:                    /* FNENI, FNDISI, FNSETPM: no-ops on the 387 and later */
        break;
    }
    return 0;
}

/* WAIT/FWAIT: #NM only when both CR0.MP and CR0.TS are set (Table 2-2),
 * then a pending unmasked exception is reported. */
uint64_t helper_x87_wait(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a0, (void)a1, (void)a2, (void)a3;
    if ((cpu->cr[0] & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        cpu_raise_exception(cpu, EXCP_NM, false, 0);
    if (cpu->fpu.fsw & FSW_ES)
        fpu_report_error(cpu);
    return 0;
}
