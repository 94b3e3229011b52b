/* Helpers for segment register loads and far control transfers: MOV/POP
 * Sreg and LDS-family (through cpu_load_seg), far JMP and CALL (to code
 * segments, through call gates with the stack switch and parameter copy,
 * to TSSs and task gates), far RET and IRET (to the same or an outer
 * level, IRET to virtual-8086 mode and task return). SDM Vol. 2A CALL,
 * JMP; Vol. 2B RET, IRET; Vol. 3A §5.8. Every check and push is done
 * before any register changes, so faults are precise. */
#include "cpu/cpu.h"
#include "cpu/desc.h"
#include "cpu/exception.h"
#include "cpu/guest.h"
#include "cpu/mem.h"
#include "cpu/task.h"
#include "cpu/vm86.h"

uint64_t helper_load_seg(void *env, uint64_t seg, uint64_t selector, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a2, (void)a3;
    cpu_load_seg(cpu, (int)seg, (uint32_t)selector);
    /* MOV SS / POP SS hold interrupts until after the next instruction
     * (SDM Vol. 2B MOV), so a stack switch is not split by one. */
    if (seg == SEG_SS)
        cpu->irq_inhibit = true;
    return 0;
}

static bool real_or_vm86(const CpuState *cpu)
{
    return !(cpu->cr[0] & CR0_PE) || (cpu->eflags & EFLAGS_VM);
}

/* Real and virtual-8086 mode: CS = selector with base selector * 16; the
 * new EIP must be inside the CS limit (#GP(0)). */
static void check_jump_real(CpuState *cpu, uint32_t eip)
{
    uint32_t limit = (cpu->eflags & EFLAGS_VM) ? 0xFFFF : cpu->seg[SEG_CS].limit;
    if (eip > limit)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
}

static void jump_real(CpuState *cpu, uint32_t selector, uint32_t eip)
{
    selector &= 0xFFFF;
    if (cpu->eflags & EFLAGS_VM) {
        seg_load_vm86(cpu, SEG_CS, selector);
    } else {
        cpu->seg[SEG_CS].selector = selector;
        cpu->seg[SEG_CS].base = selector << 4;
    }
    cpu->eip = eip;
}

/* EIP of the instruction after the running one (IRET's return address
 * in the outgoing TSS). */
static uint32_t next_insn_eip(const CpuState *cpu)
{
    ExecPosition pos;
    if (!exec_current_position(&cpu->engine, &pos))
        return cpu->eip;
    uint32_t next = (uint32_t)(pos.pc + pos.len);
    return (cpu->seg[SEG_CS].flags & SEG_FLAG_DB) ? next : (next & 0xFFFF);
}

/* Fetch the descriptor of a protected-mode far-transfer target: #GP(0)
 * for null, #GP(selector) outside the table. */
static void fetch_target(CpuState *cpu, uint32_t selector, Descriptor *d)
{
    if (sel_is_null(selector))
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    if (!desc_fetch(cpu, selector, d))
        cpu_raise_exception(cpu, EXCP_GP, true, sel_error(selector));
}

/* A code segment named directly by JMP/CALL (SDM Vol. 2A JMP,
 * CONFORMING-CODE-SEGMENT and NONCONFORMING-CODE-SEGMENT; §5.8.1). */
static void check_code_direct(CpuState *cpu, uint32_t selector, const Descriptor *d, unsigned cpl)
{
    uint32_t err = sel_error(selector);
    unsigned dpl = desc_dpl(d), rpl = selector & 3;
    if (!desc_is_code(d))
        cpu_raise_exception(cpu, EXCP_GP, true, err);
    if (desc_is_conforming(d) ? dpl > cpl : (rpl > cpl || dpl != cpl))
        cpu_raise_exception(cpu, EXCP_GP, true, err);
    if (!desc_present(d))
        cpu_raise_exception(cpu, EXCP_NP, true, err);
}

/* The code segment a call gate names (§5.8.4): CALL may go to any more
 * privileged level, JMP only to the same one (or conforming code). */
static uint32_t check_gate_target(CpuState *cpu, const Descriptor *gate, Descriptor *cs, bool is_call,
                                  unsigned cpl)
{
    uint32_t sel = gate_selector(gate);
    fetch_target(cpu, sel, cs);
    uint32_t err = sel_error(sel);
    unsigned dpl = desc_dpl(cs);
    if (!desc_is_code(cs))
        cpu_raise_exception(cpu, EXCP_GP, true, err);
    if ((is_call || desc_is_conforming(cs)) ? dpl > cpl : dpl != cpl)
        cpu_raise_exception(cpu, EXCP_GP, true, err);
    if (!desc_present(cs))
        cpu_raise_exception(cpu, EXCP_NP, true, err);
    return sel;
}

static void check_gate(CpuState *cpu, uint32_t selector, const Descriptor *gate, unsigned cpl)
{
    unsigned dpl = desc_dpl(gate);
    if (dpl < cpl || dpl < (selector & 3))
        cpu_raise_exception(cpu, EXCP_GP, true, sel_error(selector));
    if (!desc_present(gate))
        cpu_raise_exception(cpu, EXCP_NP, true, sel_error(selector));
}

/* Load CS (with RPL = `cpl`) and EIP after every check has passed. */
static void commit_cs(CpuState *cpu, uint32_t selector, Descriptor *d, unsigned cpl, uint32_t eip)
{
    desc_set_accessed(cpu, selector, d);
    cpu->seg[SEG_CS] = desc_to_cache((selector & ~3u) | cpl, d);
    cpu->eip = eip;
}

/* JMP or CALL to a TSS or a task gate (SDM Vol. 2A JMP, TASK-GATE and
 * TASK-STATE-SEGMENT; Vol. 3A §7.3). */
static void far_task(CpuState *cpu, uint32_t selector, const Descriptor *d, TaskSwitchSource source,
                     uint32_t next_eip, unsigned cpl)
{
    uint32_t err = sel_error(selector);
    unsigned type = desc_type(d), dpl = desc_dpl(d);
    bool busy = type == DESC_TSS16_BUSY || type == DESC_TSS32_BUSY;
    /* A TSS must be available and in the GDT; both it and a task gate
     * must be reachable from CPL and RPL. */
    if (dpl < cpl || dpl < (selector & 3) || busy || (type != DESC_TASK_GATE && (selector & 4)))
        cpu_raise_exception(cpu, EXCP_GP, true, err);
    if (!desc_present(d))
        cpu_raise_exception(cpu, EXCP_NP, true, err);
    uint32_t tss = selector;
    if (type == DESC_TASK_GATE) {
        tss = gate_selector(d);
        tss_check_target(cpu, tss, 0);
    }
    cpu_task_switch(cpu, tss, source, next_eip, false, 0);
}

uint64_t helper_ljmp(void *env, uint64_t selector, uint64_t offset, uint64_t next_eip, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a3;
    uint32_t sel = (uint32_t)selector & 0xFFFF, eip = (uint32_t)offset;
    if (real_or_vm86(cpu)) {
        check_jump_real(cpu, eip);
        jump_real(cpu, sel, eip);
        return 0;
    }
    unsigned cpl = (unsigned)cpu_cpl(cpu);
    Descriptor d;
    fetch_target(cpu, sel, &d);
    if (!desc_is_system(&d)) {
        check_code_direct(cpu, sel, &d, cpl);
        if (eip > desc_limit(&d))
            cpu_raise_exception(cpu, EXCP_GP, true, 0);
        commit_cs(cpu, sel, &d, cpl, eip);
        return 0;
    }
    switch (desc_type(&d)) {
    case DESC_CALL_GATE16:
    case DESC_CALL_GATE32: {
        check_gate(cpu, sel, &d, cpl);
        Descriptor cs;
        uint32_t csel = check_gate_target(cpu, &d, &cs, false, cpl);
        eip = gate_offset(&d);
        if (desc_type(&d) == DESC_CALL_GATE16)
            eip &= 0xFFFF;
        if (eip > desc_limit(&cs))
            cpu_raise_exception(cpu, EXCP_GP, true, 0);
        commit_cs(cpu, csel, &cs, cpl, eip);
        return 0;
    }
    case DESC_TASK_GATE:
    case DESC_TSS16_AVAIL:
    case DESC_TSS32_AVAIL:
    case DESC_TSS16_BUSY:
    case DESC_TSS32_BUSY:
        far_task(cpu, sel, &d, TASK_SWITCH_JMP, (uint32_t)next_eip, cpl);
        return 0;
    default:
        cpu_raise_exception(cpu, EXCP_GP, true, sel_error(sel));
    }
}

/* CALL through a call gate to a more privileged level (SDM Vol. 2A CALL,
 * MORE-PRIVILEGE; §5.8.5): switch to the TSS stack for the new level,
 * push the caller's SS:ESP, copy the gate's parameter count of words or
 * dwords from the caller's stack, push the return address. */
static void call_gate_inner(CpuState *cpu, const Descriptor *gate, uint32_t csel, Descriptor *cs, uint32_t eip,
                            uint32_t next_eip)
{
    unsigned dpl = desc_dpl(cs);
    unsigned size = desc_type(gate) == DESC_CALL_GATE32 ? 4 : 2;
    uint32_t ss_sel, esp;
    tss_get_inner_stack(cpu, dpl, 0, &ss_sel, &esp);
    SegmentCache ss = seg_check_inner_stack(cpu, ss_sel, dpl, 0);
    StackFrame f, caller;
    stack_init(&f, &ss, esp, sel_error(ss_sel), true);
    stack_init_current(cpu, &caller);
    stack_push(cpu, &f, cpu->seg[SEG_SS].selector, size);
    stack_push(cpu, &f, cpu->regs[R_ESP], size);
    for (unsigned i = gate_param_count(gate); i-- > 0;) {
        uint32_t off = stack_offset(&caller) + i * size;
        if (!caller.big)
            off &= 0xFFFF;
        stack_push(cpu, &f, cpu_ld(cpu, caller.ss.base + off, size), size);
    }
    stack_push(cpu, &f, cpu->seg[SEG_CS].selector, size);
    stack_push(cpu, &f, next_eip, size);
    if (eip > desc_limit(cs))
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    stack_flush(cpu, &f);
    commit_cs(cpu, csel, cs, dpl, eip);
    cpu->seg[SEG_SS] = ss;
    cpu->regs[R_ESP] = f.esp;
}

/* Push the return address on the current stack and jump (same level). */
static void call_same_level(CpuState *cpu, uint32_t csel, Descriptor *cs, unsigned cpl, uint32_t eip,
                            unsigned size, uint32_t next_eip)
{
    StackFrame f;
    stack_init_current(cpu, &f);
    stack_push(cpu, &f, cpu->seg[SEG_CS].selector, size);
    stack_push(cpu, &f, next_eip, size);
    if (eip > desc_limit(cs))
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    stack_flush(cpu, &f);
    commit_cs(cpu, csel, cs, cpl, eip);
    cpu->regs[R_ESP] = f.esp;
}

uint64_t helper_lcall(void *env, uint64_t selector, uint64_t offset, uint64_t size, uint64_t next_eip)
{
    CpuState *cpu = env;
    uint32_t sel = (uint32_t)selector & 0xFFFF, eip = (uint32_t)offset;
    unsigned sz = (unsigned)size;
    if (real_or_vm86(cpu)) {
        StackFrame f;
        stack_init_current(cpu, &f);
        stack_push(cpu, &f, cpu->seg[SEG_CS].selector, sz);
        stack_push(cpu, &f, (uint32_t)next_eip, sz);
        check_jump_real(cpu, eip);
        stack_flush(cpu, &f);
        cpu->regs[R_ESP] = f.esp;
        jump_real(cpu, sel, eip);
        return 0;
    }
    unsigned cpl = (unsigned)cpu_cpl(cpu);
    Descriptor d;
    fetch_target(cpu, sel, &d);
    if (!desc_is_system(&d)) {
        check_code_direct(cpu, sel, &d, cpl);
        call_same_level(cpu, sel, &d, cpl, eip, sz, (uint32_t)next_eip);
        return 0;
    }
    switch (desc_type(&d)) {
    case DESC_CALL_GATE16:
    case DESC_CALL_GATE32: {
        check_gate(cpu, sel, &d, cpl);
        Descriptor cs;
        uint32_t csel = check_gate_target(cpu, &d, &cs, true, cpl);
        bool gate32 = desc_type(&d) == DESC_CALL_GATE32;
        eip = gate32 ? gate_offset(&d) : (gate_offset(&d) & 0xFFFF);
        if (!desc_is_conforming(&cs) && desc_dpl(&cs) < cpl)
            call_gate_inner(cpu, &d, csel, &cs, eip, (uint32_t)next_eip);
        else
            call_same_level(cpu, csel, &cs, cpl, eip, gate32 ? 4 : 2, (uint32_t)next_eip);
        return 0;
    }
    case DESC_TASK_GATE:
    case DESC_TSS16_AVAIL:
    case DESC_TSS32_AVAIL:
    case DESC_TSS16_BUSY:
    case DESC_TSS32_BUSY:
        far_task(cpu, sel, &d, TASK_SWITCH_CALL, (uint32_t)next_eip, cpl);
        return 0;
    default:
        cpu_raise_exception(cpu, EXCP_GP, true, sel_error(sel));
    }
}

/* The code segment RET or IRET returns to (SDM Vol. 2B RET,
 * PROTECTED-MODE): never inward; conforming DPL <= RPL, else DPL = RPL. */
static void check_return_cs(CpuState *cpu, uint32_t cs, unsigned cpl, Descriptor *d)
{
    uint32_t err = sel_error(cs);
    unsigned rpl = cs & 3;
    fetch_target(cpu, cs, d);
    if (!desc_is_code(d) || rpl < cpl)
        cpu_raise_exception(cpu, EXCP_GP, true, err);
    if (desc_is_conforming(d) ? desc_dpl(d) > rpl : desc_dpl(d) != rpl)
        cpu_raise_exception(cpu, EXCP_GP, true, err);
    if (!desc_present(d))
        cpu_raise_exception(cpu, EXCP_NP, true, err);
}

/* The stack of the outer level RET or IRET returns to: writable data at
 * exactly the new CPL (#GP(selector)), present (#SS(selector)). */
static SegmentCache check_outer_stack(CpuState *cpu, uint32_t ss_sel, unsigned rpl)
{
    uint32_t err = sel_error(ss_sel);
    Descriptor d;
    if (sel_is_null(ss_sel))
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    if (!desc_fetch(cpu, ss_sel, &d))
        cpu_raise_exception(cpu, EXCP_GP, true, err);
    if ((ss_sel & 3) != rpl || !desc_is_writable_data(&d) || desc_dpl(&d) != rpl)
        cpu_raise_exception(cpu, EXCP_GP, true, err);
    if (!desc_present(&d))
        cpu_raise_exception(cpu, EXCP_SS, true, err);
    desc_set_accessed(cpu, ss_sel, &d);
    return desc_to_cache(ss_sel, &d);
}

/* Finish a return to an outer level: the popped SS:ESP (only SP on a
 * 16-bit stack: the upper half of ESP keeps the inner value, as on real
 * hardware), then ES/DS/FS/GS the new level may not use are nulled. */
static void switch_to_outer_stack(CpuState *cpu, const SegmentCache *ss, uint32_t esp, unsigned new_cpl)
{
    cpu->seg[SEG_SS] = *ss;
    cpu->regs[R_ESP] = stack_merge_esp(cpu->regs[R_ESP], esp, ss->flags & SEG_FLAG_DB);
    seg_clear_inaccessible(cpu, new_cpl);
}

uint64_t helper_lret(void *env, uint64_t size, uint64_t release, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a2, (void)a3;
    unsigned sz = (unsigned)size;
    StackFrame f;
    stack_init_current(cpu, &f);
    uint32_t eip = stack_pop(cpu, &f, sz);
    uint32_t cs = stack_pop(cpu, &f, sz) & 0xFFFF;
    if (real_or_vm86(cpu)) {
        check_jump_real(cpu, eip);
        stack_adjust(&f, (uint32_t)release);
        cpu->regs[R_ESP] = f.esp;
        jump_real(cpu, cs, eip);
        return 0;
    }
    unsigned cpl = (unsigned)cpu_cpl(cpu), rpl = cs & 3;
    Descriptor d;
    check_return_cs(cpu, cs, cpl, &d);
    if (rpl > cpl) {
        /* RETURN-TO-OUTER-PRIVILEGE-LEVEL: skip the parameters, pop the
         * caller's SS:ESP, release the parameters there too. */
        stack_check_pop(cpu, &f, (uint32_t)release + 2 * sz);
        stack_adjust(&f, (uint32_t)release);
        uint32_t esp = stack_pop(cpu, &f, sz);
        uint32_t ss_sel = stack_pop(cpu, &f, sz) & 0xFFFF;
        SegmentCache ss = check_outer_stack(cpu, ss_sel, rpl);
        if (eip > desc_limit(&d))
            cpu_raise_exception(cpu, EXCP_GP, true, 0);
        commit_cs(cpu, cs, &d, rpl, eip);
        switch_to_outer_stack(cpu, &ss, esp + (uint32_t)release, rpl);
        return 0;
    }
    if (eip > desc_limit(&d))
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    commit_cs(cpu, cs, &d, cpl, eip);
    stack_adjust(&f, (uint32_t)release);
    cpu->regs[R_ESP] = f.esp;
    return 0;
}

/* Real-address mode IRET (SDM Vol. 2B IRET, REAL-ADDRESS-MODE): every
 * flag but VM, VIF and VIP comes from the stack. */
static void iret_real(CpuState *cpu, unsigned size)
{
    StackFrame f;
    stack_init_current(cpu, &f);
    uint32_t eip = stack_pop(cpu, &f, size);
    uint32_t cs = stack_pop(cpu, &f, size);
    uint32_t fl = stack_pop(cpu, &f, size);
    check_jump_real(cpu, eip);
    cpu->regs[R_ESP] = f.esp;
    jump_real(cpu, cs, eip);
    uint32_t mask = EFLAGS_WRITABLE16;
    if (size == 4)
        mask |= EFLAGS_AC | EFLAGS_ID | EFLAGS_RF;
    cpu_set_eflags(cpu, fl, mask);
}

/* IRET with NT set returns to the task in the TSS back link (SDM Vol. 2B
 * IRET, TASK-RETURN; Vol. 3A §7.4). */
static void iret_task(CpuState *cpu)
{
    uint32_t link = cpu_ld_sys(cpu, cpu->tr.base, 2);
    uint32_t err = sel_error(link);
    Descriptor d;
    if ((link & 4) || !desc_fetch(cpu, link, &d))
        cpu_raise_exception(cpu, EXCP_TS, true, err);
    unsigned type = desc_type(&d);
    if (!desc_is_system(&d) || (type != DESC_TSS16_BUSY && type != DESC_TSS32_BUSY))
        cpu_raise_exception(cpu, EXCP_TS, true, err);
    if (!desc_present(&d))
        cpu_raise_exception(cpu, EXCP_NP, true, err);
    cpu_task_switch(cpu, link, TASK_SWITCH_IRET, next_insn_eip(cpu), false, 0);
}

/* IRETD at CPL 0 with VM set in the popped EFLAGS (SDM Vol. 2B IRET,
 * RETURN-TO-VIRTUAL-8086-MODE; Vol. 3A §20.2.5): the rest of the frame
 * holds ESP, SS, ES, DS, FS and GS, each in a dword. */
static void iret_to_vm86(CpuState *cpu, StackFrame *f, uint32_t eip, uint32_t cs, uint32_t fl)
{
    uint32_t esp = stack_pop(cpu, f, 4);
    uint32_t sel[4], ss = stack_pop(cpu, f, 4);
    for (unsigned i = 0; i < 4; i++)
        sel[i] = stack_pop(cpu, f, 4);
    if (eip > 0xFFFF)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    cpu_set_eflags(cpu, fl, EFLAGS_WRITABLE32);
    seg_load_vm86(cpu, SEG_CS, cs);
    seg_load_vm86(cpu, SEG_SS, ss);
    seg_load_vm86(cpu, SEG_ES, sel[0]);
    seg_load_vm86(cpu, SEG_DS, sel[1]);
    seg_load_vm86(cpu, SEG_FS, sel[2]);
    seg_load_vm86(cpu, SEG_GS, sel[3]);
    cpu->regs[R_ESP] = esp;
    cpu->eip = eip;
}

uint64_t helper_iret(void *env, uint64_t size, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a1, (void)a2, (void)a3;
    unsigned sz = (unsigned)size;
    if (!(cpu->cr[0] & CR0_PE)) {
        iret_real(cpu, sz);
        return 0;
    }
    if (cpu->eflags & EFLAGS_VM) {
        vm86_iret(cpu, sz);
        return 0;
    }
    if (cpu->eflags & EFLAGS_NT) {
        iret_task(cpu);
        return 0;
    }
    StackFrame f;
    stack_init_current(cpu, &f);
    uint32_t eip = stack_pop(cpu, &f, sz);
    uint32_t cs = stack_pop(cpu, &f, sz) & 0xFFFF;
    uint32_t fl = stack_pop(cpu, &f, sz);
    unsigned cpl = (unsigned)cpu_cpl(cpu), rpl = cs & 3;
    if ((fl & EFLAGS_VM) && sz == 4 && cpl == 0) {
        iret_to_vm86(cpu, &f, eip, cs, fl);
        return 0;
    }
    Descriptor d;
    check_return_cs(cpu, cs, cpl, &d);
    /* Which flags the old CPL may change (SDM Vol. 2B IRET, table of
     * RETURN-TO-SAME/OUTER-PRIVILEGE-LEVEL). */
    uint32_t mask = CC_ALL | EFLAGS_TF | EFLAGS_DF | EFLAGS_NT;
    if (sz == 4)
        mask |= EFLAGS_RF | EFLAGS_AC | EFLAGS_ID;
    if (cpl <= ((cpu->eflags & EFLAGS_IOPL) >> 12))
        mask |= EFLAGS_IF;
    if (cpl == 0)
        mask |= EFLAGS_IOPL | (sz == 4 ? EFLAGS_VIF | EFLAGS_VIP : 0);
    if (sz == 2)
        mask &= 0xFFFF;
    if (rpl > cpl) {
        uint32_t esp = stack_pop(cpu, &f, sz);
        uint32_t ss_sel = stack_pop(cpu, &f, sz) & 0xFFFF;
        SegmentCache ss = check_outer_stack(cpu, ss_sel, rpl);
        if (eip > desc_limit(&d))
            cpu_raise_exception(cpu, EXCP_GP, true, 0);
        commit_cs(cpu, cs, &d, rpl, eip);
        switch_to_outer_stack(cpu, &ss, esp, rpl);
    } else {
        if (eip > desc_limit(&d))
            cpu_raise_exception(cpu, EXCP_GP, true, 0);
        commit_cs(cpu, cs, &d, cpl, eip);
        cpu->regs[R_ESP] = f.esp;
    }
    cpu_set_eflags(cpu, fl, mask);
    return 0;
}
