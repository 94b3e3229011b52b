/* Helpers for the protected-mode system instructions: LLDT and LTR (SDM
 * Vol. 2A), the descriptor probes LAR, LSL, VERR and VERW (Vol. 2A/2B,
 * with the type tables of those pages and §5.10), CLTS, INVLPG, and the
 * fast system calls SYSENTER/SYSEXIT (Vol. 2B; Vol. 3A §5.8.7). The
 * lowering decides #UD in real and virtual-8086 mode (lower_sys.c). */
#include "cpu/cpu.h"
#include "cpu/desc.h"
#include "cpu/exception.h"
#include "cpu/guest.h"
#include "cpu/mem.h"

static void require_cpl0(CpuState *cpu)
{
    if (cpu_cpl(cpu) != 0)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
}

/* LLDT: a null selector leaves LDTR unusable (later LDT references are
 * #GP); otherwise an LDT descriptor in the GDT, present. */
uint64_t helper_lldt(void *env, uint64_t selector, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a1, (void)a2, (void)a3;
    require_cpl0(cpu);
    uint32_t sel = (uint32_t)selector & 0xFFFF, err = sel_error(sel);
    if (sel_is_null(sel)) {
        cpu->ldt = (SegmentCache){.selector = sel};
        return 0;
    }
    Descriptor d;
    if ((sel & 4) || !desc_fetch(cpu, sel, &d))
        cpu_raise_exception(cpu, EXCP_GP, true, err);
    if (!desc_is_system(&d) || desc_type(&d) != DESC_LDT)
        cpu_raise_exception(cpu, EXCP_GP, true, err);
    if (!desc_present(&d))
        cpu_raise_exception(cpu, EXCP_NP, true, err);
    cpu->ldt = desc_to_cache(sel, &d);
    return 0;
}

/* LTR: an available TSS in the GDT, present; marks it busy. */
uint64_t helper_ltr(void *env, uint64_t selector, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a1, (void)a2, (void)a3;
    require_cpl0(cpu);
    uint32_t sel = (uint32_t)selector & 0xFFFF, err = sel_error(sel);
    if (sel_is_null(sel))
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    Descriptor d;
    if ((sel & 4) || !desc_fetch(cpu, sel, &d))
        cpu_raise_exception(cpu, EXCP_GP, true, err);
    unsigned type = desc_type(&d);
    if (!desc_is_system(&d) || (type != DESC_TSS16_AVAIL && type != DESC_TSS32_AVAIL))
        cpu_raise_exception(cpu, EXCP_GP, true, err);
    if (!desc_present(&d))
        cpu_raise_exception(cpu, EXCP_NP, true, err);
    desc_set_tss_busy(cpu, sel, &d, true);
    cpu->tr = desc_to_cache(sel, &d);
    return 0;
}

/* System types LAR reports (TSSs, LDT, call and task gates) and LSL
 * reports (those with a limit: TSSs and LDT). */
static bool lar_system_type(unsigned t)
{
    return t == DESC_TSS16_AVAIL || t == DESC_LDT || t == DESC_TSS16_BUSY || t == DESC_CALL_GATE16 ||
           t == DESC_TASK_GATE || t == DESC_TSS32_AVAIL || t == DESC_TSS32_BUSY || t == DESC_CALL_GATE32;
}

static bool lsl_system_type(unsigned t)
{
    return t == DESC_TSS16_AVAIL || t == DESC_LDT || t == DESC_TSS16_BUSY || t == DESC_TSS32_AVAIL ||
           t == DESC_TSS32_BUSY;
}

enum { PROBE_LAR, PROBE_LSL, PROBE_VERR, PROBE_VERW };

/* LAR/LSL/VERR/VERW without faulting on the selector: returns the value
 * (access rights or limit) with bit 32 set when ZF is to be set. The
 * present bit is not checked. Null and out-of-table selectors clear ZF. */
uint64_t helper_probe_desc(void *env, uint64_t kind, uint64_t selector, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a2, (void)a3;
    uint32_t sel = (uint32_t)selector & 0xFFFF;
    Descriptor d;
    if (sel_is_null(sel) || !desc_fetch(cpu, sel, &d))
        return 0;
    unsigned cpl = (unsigned)cpu_cpl(cpu), rpl = sel & 3, dpl = desc_dpl(&d);
    /* Everything but conforming code needs max(CPL, RPL) <= DPL. */
    bool visible = desc_is_conforming(&d) || (cpl <= dpl && rpl <= dpl);
    const uint64_t zf = 1ULL << 32;
    switch (kind) {
    case PROBE_LAR:
        if (!visible || (desc_is_system(&d) && !lar_system_type(desc_type(&d))))
            return 0;
        return zf | (d.hi & 0x00F0FF00);
    case PROBE_LSL:
        if (!visible || (desc_is_system(&d) && !lsl_system_type(desc_type(&d))))
            return 0;
        return zf | desc_limit(&d);
    case PROBE_VERR:
        return visible && desc_is_readable(&d) ? zf : 0;
    default:
        /* VERW: writable data, never code (conforming or not). */
        return desc_is_writable_data(&d) && cpl <= dpl && rpl <= dpl ? zf : 0;
    }
}

uint64_t helper_clts(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a0, (void)a1, (void)a2, (void)a3;
    require_cpl0(cpu);
    cpu->cr[0] &= ~CR0_TS;
    return 0;
}

/* INVLPG m: drop the TLB entries of the page holding the linear address
 * (global ones too, SDM Vol. 2A INVLPG). */
uint64_t helper_invlpg(void *env, uint64_t linear, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a1, (void)a2, (void)a3;
    require_cpl0(cpu);
    tlb_flush_page(&cpu->tlb, (uint32_t)linear);
    return 0;
}

/* The flat segments SYSENTER and SYSEXIT load: base 0, 4 GiB, 32-bit,
 * accessed execute/read code or read/write data at DPL 0 or 3. */
static SegmentCache flat_segment(uint32_t selector, bool code, unsigned dpl)
{
    uint32_t flags = SEG_FLAG_P | 0x10 | (dpl << 5) | (code ? 0xB : 0x3) | SEG_FLAG_DB | SEG_FLAG_G;
    return (SegmentCache){.selector = selector & 0xFFFF, .base = 0, .limit = 0xFFFFFFFF, .flags = flags};
}

uint64_t helper_sysenter(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a0, (void)a1, (void)a2, (void)a3;
    uint32_t cs = cpu->sysenter_cs & 0xFFFC;
    if (!(cpu->cr[0] & CR0_PE) || cs == 0)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    cpu->eflags &= ~(EFLAGS_VM | EFLAGS_IF | EFLAGS_RF);
    cpu->seg[SEG_CS] = flat_segment(cs, true, 0);
    cpu->seg[SEG_SS] = flat_segment(cs + 8, false, 0);
    cpu->regs[R_ESP] = cpu->sysenter_esp;
    cpu->eip = cpu->sysenter_eip;
    return 0;
}

uint64_t helper_sysexit(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a0, (void)a1, (void)a2, (void)a3;
    uint32_t cs = cpu->sysenter_cs & 0xFFFF;
    if (!(cpu->cr[0] & CR0_PE) || sel_is_null(cs) || cpu_cpl(cpu) != 0)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    cpu->seg[SEG_CS] = flat_segment((cs + 16) | 3, true, 3);
    cpu->seg[SEG_SS] = flat_segment((cs + 24) | 3, false, 3);
    cpu->regs[R_ESP] = cpu->regs[R_ECX];
    cpu->eip = cpu->regs[R_EDX];
    return 0;
}
