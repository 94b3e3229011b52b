/* Hardware task switching (SDM Vol. 3A §7.3): checks on the new TSS
 * descriptor, saving the current task in its TSS (32-bit and 16-bit
 * formats, Figures 7-2 and 7-11), the busy bits, NT and the back link
 * (Table 7-2), then loading the new task: CR3, LDTR, EFLAGS, registers and
 * segment registers, whose checks fault in the new task's context (Table
 * 7-1). Finding the TSS (task gates, the back link) and the privilege
 * checks of JMP/CALL on the gate or TSS descriptor are the callers'. */
#include "cpu/task.h"

#include "cpu/debug.h"
#include "cpu/exception.h"
#include "cpu/mem.h"

/* Field offsets of a 32-bit TSS (Figure 7-2) and a 16-bit TSS (Figure
 * 7-11). Selectors are stored in the order of SEG_ES..SEG_GS. */
enum {
    TSS32_CR3 = 0x1C, TSS32_EIP = 0x20, TSS32_EFLAGS = 0x24, TSS32_REGS = 0x28,
    TSS32_SEGS = 0x48, TSS32_LDT = 0x60, TSS32_TRAP = 0x64,
    TSS16_IP = 0x0E, TSS16_FLAGS = 0x10, TSS16_REGS = 0x12, TSS16_SEGS = 0x22, TSS16_LDT = 0x2A,
};
#define TSS_LINK 0x00
/* Smallest limits: a TSS must hold all of its fields (§7.2.2). The current
 * TSS needs only what is saved into it, up to GS (or DS for 16 bits). */
#define TSS32_MIN_LIMIT 0x67u
#define TSS16_MIN_LIMIT 0x2Bu
#define TSS32_SAVE_LIMIT 0x5Fu
#define TSS16_SAVE_LIMIT 0x29u

/* Descriptor bits (Figure 3-8): type with S in bits 8-12 of the high word. */
#define DESC_P (1u << 15)
#define DESC_S (1u << 12)
#define DESC_TSS_BUSY (2u << 8)
#define DESC_ACCESSED (1u << 8)
#define SYS_TYPE_LDT 0x2

/* The dynamic fields of a TSS: what a switch loads. */
typedef struct TaskState {
    uint32_t cr3, eip, eflags, regs[8];
    uint32_t sel[SEG_COUNT];
    uint32_t ldt;
    bool trap;                  /* T bit: #DB when the task starts (32-bit TSS only) */
} TaskState;

static uint32_t desc_base_of(uint32_t lo, uint32_t hi)
{
    return (hi & 0xFF000000) | ((hi & 0xFF) << 16) | (lo >> 16);
}

static uint32_t desc_limit_of(uint32_t hi, uint32_t lo)
{
    uint32_t limit = (hi & 0xF0000) | (lo & 0xFFFF);
    return (hi & (1u << 23)) ? (limit << 12) | 0xFFF : limit;
}

static SegmentCache cache_of(uint32_t selector, uint32_t lo, uint32_t hi)
{
    return (SegmentCache){
        .selector = selector,
        .base = desc_base_of(lo, hi),
        .limit = desc_limit_of(hi, lo),
        .flags = (hi >> 8) & 0xF0FF,
    };
}

/* Read the descriptor of `selector` from the GDT or the LDT with implicit
 * supervisor accesses; false when it lies outside the table. */
static bool read_descriptor(CpuState *cpu, uint32_t selector, uint32_t *lo, uint32_t *hi, uint32_t *addr)
{
    uint32_t base = cpu->gdt_base, limit = cpu->gdt_limit;
    if (selector & 4) {
        if ((cpu->ldt.selector & 0xFFFC) == 0 || !(cpu->ldt.flags & SEG_FLAG_P))
            return false;
        base = cpu->ldt.base;
        limit = cpu->ldt.limit;
    }
    if ((selector | 7) > limit)
        return false;
    *addr = base + (selector & ~7u);
    *lo = cpu_ld_sys(cpu, *addr, 4);
    *hi = cpu_ld_sys(cpu, *addr + 4, 4);
    return true;
}

/* The busy bit lives in the GDT copy of the TSS descriptor (§7.2.2). */
static void set_busy(CpuState *cpu, uint32_t selector, bool busy)
{
    uint32_t addr = cpu->gdt_base + (selector & ~7u) + 4;
    uint32_t hi = cpu_ld_sys(cpu, addr, 4);
    cpu_st_sys(cpu, addr, busy ? hi | DESC_TSS_BUSY : hi & ~DESC_TSS_BUSY, 4);
}

static void save_task(CpuState *cpu, uint32_t base, bool is32, uint32_t eip, uint32_t eflags)
{
    if (is32) {
        cpu_st_sys(cpu, base + TSS32_EIP, eip, 4);
        cpu_st_sys(cpu, base + TSS32_EFLAGS, eflags, 4);
        for (int r = 0; r < 8; r++)
            cpu_st_sys(cpu, base + TSS32_REGS + 4 * (uint32_t)r, cpu->regs[r], 4);
        for (int s = 0; s < SEG_COUNT; s++)
            cpu_st_sys(cpu, base + TSS32_SEGS + 4 * (uint32_t)s, cpu->seg[s].selector, 2);
        return;
    }
    cpu_st_sys(cpu, base + TSS16_IP, eip, 2);
    cpu_st_sys(cpu, base + TSS16_FLAGS, eflags, 2);
    for (int r = 0; r < 8; r++)
        cpu_st_sys(cpu, base + TSS16_REGS + 2 * (uint32_t)r, cpu->regs[r], 2);
    for (int s = SEG_ES; s <= SEG_DS; s++)
        cpu_st_sys(cpu, base + TSS16_SEGS + 2 * (uint32_t)s, cpu->seg[s].selector, 2);
}

static void load_task(CpuState *cpu, uint32_t base, bool is32, TaskState *t)
{
    if (is32) {
        t->cr3 = cpu_ld_sys(cpu, base + TSS32_CR3, 4);
        t->eip = cpu_ld_sys(cpu, base + TSS32_EIP, 4);
        t->eflags = cpu_ld_sys(cpu, base + TSS32_EFLAGS, 4);
        for (int r = 0; r < 8; r++)
            t->regs[r] = cpu_ld_sys(cpu, base + TSS32_REGS + 4 * (uint32_t)r, 4);
        for (int s = 0; s < SEG_COUNT; s++)
            t->sel[s] = cpu_ld_sys(cpu, base + TSS32_SEGS + 4 * (uint32_t)s, 2);
        t->ldt = cpu_ld_sys(cpu, base + TSS32_LDT, 2);
        t->trap = cpu_ld_sys(cpu, base + TSS32_TRAP, 2) & 1;
        return;
    }
    /* A 16-bit TSS has no CR3, FS, GS or T bit; the upper halves of EIP
     * and EFLAGS become zero and those of the general registers all ones
     * (the SDM says nothing; Bochs documents this as the hardware's). */
    t->cr3 = 0;
    t->eip = cpu_ld_sys(cpu, base + TSS16_IP, 2);
    t->eflags = cpu_ld_sys(cpu, base + TSS16_FLAGS, 2);
    for (int r = 0; r < 8; r++)
        t->regs[r] = 0xFFFF0000u | cpu_ld_sys(cpu, base + TSS16_REGS + 2 * (uint32_t)r, 2);
    for (int s = SEG_ES; s <= SEG_DS; s++)
        t->sel[s] = cpu_ld_sys(cpu, base + TSS16_SEGS + 2 * (uint32_t)s, 2);
    t->sel[SEG_FS] = t->sel[SEG_GS] = 0;
    t->ldt = cpu_ld_sys(cpu, base + TSS16_LDT, 2);
    t->trap = false;
}

static void task_fault(CpuState *cpu, int vector, uint32_t selector) __attribute__((noreturn));
static void task_fault(CpuState *cpu, int vector, uint32_t selector)
{
    cpu_raise_exception(cpu, vector, true, selector & 0xFFFC);
}

/* LDTR of the new task: null, or an LDT descriptor in the GDT (#TS). */
static void load_ldt(CpuState *cpu, uint32_t selector)
{
    if (selector & 4)
        task_fault(cpu, EXCP_TS, selector);
    if ((selector & 0xFFFC) == 0) {
        cpu->ldt = (SegmentCache){.selector = selector};
        return;
    }
    uint32_t lo, hi, addr;
    if (!read_descriptor(cpu, selector, &lo, &hi, &addr))
        task_fault(cpu, EXCP_TS, selector);
    if ((hi & DESC_S) || ((hi >> 8) & 0xF) != SYS_TYPE_LDT || !(hi & DESC_P))
        task_fault(cpu, EXCP_TS, selector);
    cpu->ldt = cache_of(selector, lo, hi);
}

/* A segment register of the new task with the checks of Table 7-1: bad
 * selectors, types and privileges are #TS; a segment not present is #NP
 * (#SS for SS). `cpl` is the new CPL, CS.RPL. */
static void load_segment(CpuState *cpu, int seg, uint32_t selector, unsigned cpl)
{
    if ((selector & 0xFFFC) == 0) {
        if (seg == SEG_CS || seg == SEG_SS)
            task_fault(cpu, EXCP_TS, selector);
        cpu->seg[seg] = (SegmentCache){.selector = selector};     /* null: unusable until loaded */
        return;
    }
    uint32_t lo, hi, addr;
    if (!read_descriptor(cpu, selector, &lo, &hi, &addr) || !(hi & DESC_S))
        task_fault(cpu, EXCP_TS, selector);
    unsigned type = (hi >> 8) & 0xF, dpl = (hi >> 13) & 3, rpl = selector & 3;
    bool code = type & 8, conforming = code && (type & 4), rw = type & 2;
    bool ok;
    if (seg == SEG_CS)
        ok = code && (conforming ? dpl <= rpl : dpl == rpl);
    else if (seg == SEG_SS)
        ok = !code && rw && dpl == cpl && rpl == cpl;
    else
        ok = (!code || rw) && (conforming || (dpl >= cpl && dpl >= rpl));
    if (!ok)
        task_fault(cpu, EXCP_TS, selector);
    if (!(hi & DESC_P))
        task_fault(cpu, seg == SEG_SS ? EXCP_SS : EXCP_NP, selector);
    /* A segment load sets the descriptor's accessed bit (§3.4.5.1). */
    if (!(hi & DESC_ACCESSED)) {
        hi |= DESC_ACCESSED;
        cpu_st_sys(cpu, addr + 4, hi, 4);
    }
    cpu->seg[seg] = cache_of(selector, lo, hi);
}

/* The commit point (§7.3): the switch now completes whatever happens, and
 * later faults belong to the new task. The instruction that switched (if
 * any; interrupts switch between instructions) has completed, so a fault
 * must not restore the block's position: account for it here and forget
 * the block. Returns what was counted, to give back if the switch returns
 * normally (the loop then counts the whole block, which ends here). */
static unsigned commit(CpuState *cpu)
{
    ExecPosition pos;
    if (!exec_current_position(&cpu->engine, &pos))
        return 0;
    unsigned done = pos.insns_done + 1;
    cpu->insns_retired += done;
    cpu->engine.cur_tb = NULL;
    return done;
}

/* Called from a helper (far JMP/CALL, IRET), the switch completes the
 * instruction: the helper must end the block when this returns. */
void cpu_task_switch(CpuState *cpu, uint32_t tss_selector, TaskSwitchSource source, uint32_t next_eip,
                     bool has_error, uint32_t error)
{
    uint32_t sel = tss_selector & 0xFFFF;
    bool nested = source == TASK_SWITCH_CALL || source == TASK_SWITCH_INT;
    /* IRET finds its target in the back link: a bad one is #TS; a bad
     * JMP/CALL/INT target is #GP (SDM Vol. 2A JMP, CALL, INT n; IRET). */
    int bad = source == TASK_SWITCH_IRET ? EXCP_TS : EXCP_GP;

    /* The new TSS descriptor: in the GDT, a TSS (types 1, 3, 9, B),
     * available unless returning by IRET to the busy task that called. */
    uint32_t lo, hi, addr;
    if ((sel & 4) || !read_descriptor(cpu, sel, &lo, &hi, &addr))
        task_fault(cpu, bad, sel);
    unsigned type = (hi >> 8) & 0x1F;
    if ((type & 0x15) != 0x01 || !!(type & 2) != (source == TASK_SWITCH_IRET))
        task_fault(cpu, bad, sel);
    if (!(hi & DESC_P))
        task_fault(cpu, EXCP_NP, sel);
    bool new32 = type & 8;
    uint32_t base = desc_base_of(lo, hi);
    uint32_t limit = desc_limit_of(hi, lo);
    if (limit < (new32 ? TSS32_MIN_LIMIT : TSS16_MIN_LIMIT))
        task_fault(cpu, EXCP_TS, sel);
    bool old32 = cpu->tr.flags & 8;
    uint32_t old_base = cpu->tr.base;
    if (cpu->tr.limit < (old32 ? TSS32_SAVE_LIMIT : TSS16_SAVE_LIMIT))
        task_fault(cpu, EXCP_TS, cpu->tr.selector);
    LOG(cpu->log, LOG_INT, "task switch %04x -> %04x (%s)\n", cpu->tr.selector, sel,
        source == TASK_SWITCH_JMP ? "jmp" : source == TASK_SWITCH_CALL ? "call" :
        source == TASK_SWITCH_IRET ? "iret" : "interrupt");

    /* Touch both TSSs first: a page fault here leaves the old task as it
     * was (§7.3 step 4: "paged into system memory"). */
    cpu_ld_sys(cpu, base, 1);
    cpu_ld_sys(cpu, base + (new32 ? TSS32_MIN_LIMIT : TSS16_MIN_LIMIT), 1);
    cpu_ld_sys(cpu, old_base, 1);
    cpu_ld_sys(cpu, old_base + (old32 ? TSS32_SAVE_LIMIT : TSS16_SAVE_LIMIT), 1);

    /* Table 7-2: JMP and IRET leave the old task (its busy bit clears, and
     * IRET clears NT in the saved image); CALL and interrupts nest the new
     * task inside it (busy stays, the back link names it, NT is set). */
    uint32_t eflags = cpu_get_eflags(cpu);
    if (!nested)
        set_busy(cpu, cpu->tr.selector, false);
    if (source == TASK_SWITCH_IRET)
        eflags &= ~EFLAGS_NT;
    save_task(cpu, old_base, old32, next_eip, eflags);
    if (nested)
        cpu_st_sys(cpu, base + TSS_LINK, cpu->tr.selector, 2);
    TaskState t;
    load_task(cpu, base, new32, &t);
    if (source != TASK_SWITCH_IRET)
        set_busy(cpu, sel, true);

    unsigned counted = commit(cpu);
    cpu->tr = cache_of(sel, lo, hi | DESC_TSS_BUSY);
    cpu->cr[0] |= CR0_TS;       /* the new task's first x87/SSE use faults (#NM) */
    /* L0-L3 and LE are the old task's breakpoints (SDM Vol. 3A §17.2.4). */
    if (cpu->dr[7] & DR7_LOCAL_ENABLES)
        cpu_debug_set_dr(cpu, 7, cpu->dr[7] & ~DR7_LOCAL_ENABLES);
    /* The old task's single-step trap and interrupt shadow end with it;
     * a TF in the new EFLAGS traps after the new task's first instruction. */
    cpu->debug_step_armed = false;
    cpu->irq_inhibit = false;
    if (nested)
        t.eflags |= EFLAGS_NT;

    /* Loaded now, checked below: a fault leaves the selectors visible and
     * the descriptor caches unusable, in the new task (Table 7-1). */
    if (new32 && (cpu->cr[0] & CR0_PG)) {
        /* Without paging CR3 means nothing and is left alone, as QEMU and
         * Bochs do. */
        cpu->cr[3] = t.cr3;
        tlb_flush_nonglobal(&cpu->tlb, cpu->cr[4] & CR4_PGE);
    }
    cpu->eip = t.eip;
    for (int r = 0; r < 8; r++)
        cpu->regs[r] = t.regs[r];
    /* A 16-bit TSS replaces the whole of EFLAGS with a 16-bit image, as
     * Bochs does (QEMU keeps the upper half; the SDM does not say). */
    cpu_set_eflags(cpu, t.eflags, 0xFFFFFFFFu);
    for (int s = 0; s < SEG_COUNT; s++)
        cpu->seg[s] = (SegmentCache){.selector = t.sel[s]};
    cpu->ldt = (SegmentCache){.selector = t.ldt};

    load_ldt(cpu, t.ldt);
    if (cpu->eflags & EFLAGS_VM) {
        /* A virtual-8086 task: real-mode style segments at CPL 3 (§20.2.5). */
        for (int s = 0; s < SEG_COUNT; s++)
            cpu->seg[s] = (SegmentCache){.selector = t.sel[s], .base = t.sel[s] << 4, .limit = 0xFFFF,
                                         .flags = 0xF3};
    } else {
        unsigned cpl = t.sel[SEG_CS] & 3;
        static const int order[SEG_COUNT] = {SEG_CS, SEG_SS, SEG_ES, SEG_DS, SEG_FS, SEG_GS};
        for (int i = 0; i < SEG_COUNT; i++)
            load_segment(cpu, order[i], t.sel[order[i]], cpl);
    }
    if (cpu->eip > cpu->seg[SEG_CS].limit)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    /* An exception with an error code pushes it on the new task's stack,
     * with the new TSS's width (§6.12.2). */
    if (source == TASK_SWITCH_INT && has_error)
        cpu_push(cpu, error, new32 ? 4 : 2);
    /* The T bit: #DB before the new task's first instruction, BT in DR6
     * (§17.3.1.5). */
    if (t.trap)
        cpu->debug_pending |= DR6_BT;
    cpu->insns_retired -= counted;
}
