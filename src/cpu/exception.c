/* Exceptions and interrupts: raising (restore the faulting instruction's
 * state, leave translated code) and delivery (SDM Vol. 3A §6.12) through
 * the real-mode IVT (§20.1.4) or the IDT: interrupt and trap gates to the
 * same or a more privileged level with the TSS stack switch (§6.12.1),
 * from virtual-8086 mode to CPL 0 (§20.3.1.1), and task gates (§6.12.2).
 * Error codes follow Table 6-1 and §6.13 (the EXT bit). The double- and
 * triple-fault rules are cpu_exec.c's; segment machinery is desc.c's. */
#include "cpu/exception.h"

#include "cpu/desc.h"
#include "cpu/mem.h"
#include "cpu/task.h"

static void restore_position(CpuState *cpu, bool completed)
{
    ExecPosition pos;
    if (exec_current_position(&cpu->engine, &pos)) {
        cpu->eip = (uint32_t)pos.pc;
        if (pos.static_cc >= 0)
            cpu->cc_op = (uint32_t)pos.static_cc;
        cpu->insns_retired += pos.insns_done;
        if (completed) {
            cpu->eip = (uint32_t)(pos.pc + pos.len);
            cpu->insns_retired++;
        }
    }
}

static void leave(CpuState *cpu) __attribute__((noreturn));
static void leave(CpuState *cpu)
{
    cpu->engine.cur_tb = NULL;
    longjmp(cpu->jmp_env, 1);
}

/* Whether the CPU pushes an error code is the vector's property (SDM Vol.
 * 3A Table 6-1), whatever the raiser says: #DF, #TS, #NP, #SS, #GP, #PF
 * and #AC have one. External interrupts and INT n never push one. */
static bool vector_has_error_code(int vector)
{
    switch (vector) {
    case EXCP_DF: case EXCP_TS: case EXCP_NP: case EXCP_SS: case EXCP_GP: case EXCP_PF: case EXCP_AC:
        return true;
    default:
        return false;
    }
}

void cpu_raise_exception(CpuState *cpu, int vector, bool has_error, uint32_t error)
{
    restore_position(cpu, false);
    bool with_code = vector_has_error_code(vector);
    cpu->exception_vector = vector;
    cpu->exception_has_error = with_code;
    cpu->exception_error = with_code && has_error ? error : 0;
    cpu->exception_next_eip = cpu->eip;     /* faults restart the instruction */
    cpu->exception_soft = false;
    leave(cpu);
}

void cpu_raise_interrupt(CpuState *cpu, int vector, uint32_t next_eip)
{
    restore_position(cpu, true);
    /* EIP is left after the instruction (what a trap shows), but a fault
     * while delivering it saves the INT's own EIP (VM86 monitors decode
     * the INT n that faulted): delivery goes back there. */
    cpu->exception_insn_eip = cpu->eip;
    ExecPosition pos;
    if (exec_current_position(&cpu->engine, &pos))
        cpu->exception_insn_eip = (uint32_t)pos.pc;
    cpu->exception_vector = vector;
    cpu->exception_has_error = false;
    cpu->exception_error = 0;
    cpu->exception_next_eip = next_eip;
    cpu->exception_soft = true;
    leave(cpu);
}

int cpu_cpl(const CpuState *cpu)
{
    if (!(cpu->cr[0] & CR0_PE))
        return 0;
    if (cpu->eflags & EFLAGS_VM)
        return 3;
    return (int)(cpu->seg[SEG_CS].selector & 3);
}

void cpu_push(CpuState *cpu, uint32_t val, unsigned size)
{
    StackFrame f;
    stack_init_current(cpu, &f);
    stack_push(cpu, &f, val, size);
    stack_flush(cpu, &f);
    cpu->regs[R_ESP] = f.esp;
}

uint32_t cpu_pop(CpuState *cpu, unsigned size)
{
    StackFrame f;
    stack_init_current(cpu, &f);
    uint32_t v = stack_pop(cpu, &f, size);
    cpu->regs[R_ESP] = f.esp;
    return v;
}

bool cpu_read_descriptor(CpuState *cpu, uint32_t selector, uint32_t *lo, uint32_t *hi)
{
    Descriptor d;
    if (!desc_fetch(cpu, selector, &d))
        return false;
    *lo = d.lo;
    *hi = d.hi;
    return true;
}

void cpu_load_seg(CpuState *cpu, int seg, uint32_t selector)
{
    selector &= 0xFFFF;
    if (!(cpu->cr[0] & CR0_PE)) {
        /* Real mode: base = selector * 16; the limit and attributes stay
         * as they were (the "unreal mode" behaviour, SDM Vol. 3A §20.1.1). */
        cpu->seg[seg].selector = selector;
        cpu->seg[seg].base = selector << 4;
        return;
    }
    if (cpu->eflags & EFLAGS_VM)
        seg_load_vm86(cpu, seg, selector);
    else
        seg_load_protected(cpu, seg, selector, (unsigned)cpu_cpl(cpu), EXCP_GP);
}

/* An event being delivered. */
typedef struct Event {
    int vector;
    bool soft;                  /* INT n, INT3, INTO: gate DPL checked, EXT = 0 */
    bool has_error;
    uint32_t error;
    uint32_t next_eip;          /* the EIP the handler returns to */
} Event;

/* Real-mode delivery through the IVT (SDM Vol. 3A §20.1.4). */
static void deliver_real(CpuState *cpu, const Event *ev)
{
    uint32_t entry = (uint32_t)ev->vector * 4;
    if (entry + 3 > cpu->idt_limit)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    uint32_t off = cpu_ld(cpu, cpu->idt_base + entry, 2);
    uint32_t sel = cpu_ld(cpu, cpu->idt_base + entry + 2, 2);
    StackFrame f;
    stack_init_current(cpu, &f);
    stack_push(cpu, &f, cpu_get_eflags(cpu), 2);
    stack_push(cpu, &f, cpu->seg[SEG_CS].selector, 2);
    stack_push(cpu, &f, ev->next_eip, 2);
    stack_flush(cpu, &f);
    cpu->regs[R_ESP] = f.esp;
    cpu->eflags &= ~(EFLAGS_IF | EFLAGS_TF | EFLAGS_AC | EFLAGS_RF);
    cpu->seg[SEG_CS].selector = sel;
    cpu->seg[SEG_CS].base = sel << 4;
    cpu->eip = off;
}

/* Through a task gate (SDM Vol. 2A INT n, TASK-GATE). */
static void deliver_task_gate(CpuState *cpu, const Event *ev, const Descriptor *gate, uint32_t ext)
{
    uint32_t tss = gate_selector(gate);
    tss_check_target(cpu, tss, ext);
    cpu_task_switch(cpu, tss, TASK_SWITCH_INT, ev->next_eip, ev->has_error, ev->error);
}

/* Read and check the IDT gate for the event (SDM Vol. 2A INT n,
 * PROTECTED-MODE); returns its type. */
static unsigned read_gate(CpuState *cpu, const Event *ev, uint32_t ext, Descriptor *gate)
{
    uint32_t idt_err = (uint32_t)ev->vector * 8 + 2 + ext;
    if ((uint32_t)ev->vector * 8 + 7 > cpu->idt_limit)
        cpu_raise_exception(cpu, EXCP_GP, true, idt_err);
    gate->lo = cpu_ld_sys(cpu, cpu->idt_base + (uint32_t)ev->vector * 8, 4);
    gate->hi = cpu_ld_sys(cpu, cpu->idt_base + (uint32_t)ev->vector * 8 + 4, 4);
    unsigned type = desc_type(gate);
    bool usable = desc_is_system(gate) && (type == DESC_TASK_GATE || type == DESC_INT_GATE16 ||
                                           type == DESC_TRAP_GATE16 || type == DESC_INT_GATE32 ||
                                           type == DESC_TRAP_GATE32);
    if (!usable)
        cpu_raise_exception(cpu, EXCP_GP, true, idt_err);
    /* INT n, INT3 and INTO may only use gates at or above CPL (§6.12.1.1);
     * exceptions and external interrupts ignore the gate's DPL. */
    if (ev->soft && desc_dpl(gate) < (unsigned)cpu_cpl(cpu))
        cpu_raise_exception(cpu, EXCP_GP, true, (uint32_t)ev->vector * 8 + 2);
    if (!desc_present(gate))
        cpu_raise_exception(cpu, EXCP_NP, true, idt_err);
    return type;
}

/* Protected-mode (and virtual-8086 mode) delivery through the IDT. Every
 * check and every push is done before any register changes, so a fault
 * here is delivered on the state of the interrupted instruction. */
static void deliver_protected(CpuState *cpu, const Event *ev)
{
    uint32_t ext = ev->soft ? 0 : 1;
    unsigned cpl = (unsigned)cpu_cpl(cpu);
    bool vm = cpu->eflags & EFLAGS_VM;
    Descriptor gate;
    unsigned type = read_gate(cpu, ev, ext, &gate);
    if (type == DESC_TASK_GATE) {
        deliver_task_gate(cpu, ev, &gate, ext);
        return;
    }
    bool gate32 = type & 8;
    unsigned size = gate32 ? 4 : 2;
    uint32_t sel = gate_selector(&gate);
    uint32_t offset = gate32 ? gate_offset(&gate) : (gate_offset(&gate) & 0xFFFF);
    uint32_t cs_err = sel_error(sel) | ext;
    if (sel_is_null(sel))
        cpu_raise_exception(cpu, EXCP_GP, true, ext);
    Descriptor cs;
    if (!desc_fetch(cpu, sel, &cs))
        cpu_raise_exception(cpu, EXCP_GP, true, cs_err);
    unsigned dpl = desc_dpl(&cs);
    if (!desc_is_code(&cs) || dpl > cpl)
        cpu_raise_exception(cpu, EXCP_GP, true, cs_err);
    if (!desc_present(&cs))
        cpu_raise_exception(cpu, EXCP_NP, true, cs_err);
    /* A nonconforming handler below CPL runs on its own stack; from
     * virtual-8086 mode it must be at level 0 (§20.3.1.1). */
    bool inner = !desc_is_conforming(&cs) && dpl < cpl;
    if (vm && (!inner || dpl != 0))
        cpu_raise_exception(cpu, EXCP_GP, true, cs_err);
    unsigned new_cpl = inner ? dpl : cpl;

    uint32_t eflags = cpu_get_eflags(cpu);
    StackFrame f;
    SegmentCache new_ss = cpu->seg[SEG_SS];
    if (inner) {
        uint32_t ss_sel, esp;
        tss_get_inner_stack(cpu, dpl, ext, &ss_sel, &esp);
        new_ss = seg_check_inner_stack(cpu, ss_sel, dpl, ext);
        stack_init(&f, &new_ss, esp, sel_error(ss_sel) | ext, true);
        if (vm) {
            stack_push(cpu, &f, cpu->seg[SEG_GS].selector, size);
            stack_push(cpu, &f, cpu->seg[SEG_FS].selector, size);
            stack_push(cpu, &f, cpu->seg[SEG_DS].selector, size);
            stack_push(cpu, &f, cpu->seg[SEG_ES].selector, size);
        }
        stack_push(cpu, &f, cpu->seg[SEG_SS].selector, size);
        stack_push(cpu, &f, cpu->regs[R_ESP], size);
    } else {
        stack_init_current(cpu, &f);
        f.error = ext;          /* #SS(EXT) on the current stack */
    }
    stack_push(cpu, &f, eflags, size);
    stack_push(cpu, &f, cpu->seg[SEG_CS].selector, size);
    stack_push(cpu, &f, ev->next_eip, size);
    if (ev->has_error)
        stack_push(cpu, &f, ev->error, size);
    if (offset > desc_limit(&cs))
        cpu_raise_exception(cpu, EXCP_GP, true, ext);
    desc_set_accessed(cpu, sel, &cs);
    stack_flush(cpu, &f);

    /* Commit: nothing below can fault. */
    cpu->seg[SEG_SS] = new_ss;
    cpu->regs[R_ESP] = f.esp;
    if (vm) {
        seg_load_null(cpu, SEG_ES, 0);
        seg_load_null(cpu, SEG_DS, 0);
        seg_load_null(cpu, SEG_FS, 0);
        seg_load_null(cpu, SEG_GS, 0);
    }
    cpu->seg[SEG_CS] = desc_to_cache((sel & ~3u) | new_cpl, &cs);
    cpu->eip = offset;
    uint32_t clear = EFLAGS_TF | EFLAGS_NT | EFLAGS_RF | EFLAGS_VM;
    if (type == DESC_INT_GATE16 || type == DESC_INT_GATE32)
        clear |= EFLAGS_IF;     /* interrupt gates also clear IF; trap gates do not */
    cpu->eflags &= ~clear;
}

static void deliver(CpuState *cpu, const Event *ev)
{
    LOG(cpu->log, LOG_INT, "interrupt %d%s at %04x:%08x err=%x next=%08x cpl=%d%s\n", ev->vector,
        ev->soft ? " (soft)" : "", cpu->seg[SEG_CS].selector, cpu->eip, ev->has_error ? ev->error : 0,
        ev->next_eip, cpu_cpl(cpu), (cpu->eflags & EFLAGS_VM) ? " vm86" : "");
    if (ev->soft) {
        /* Until delivery succeeds the INT has not completed: a fault here
         * is taken at the INT (and it does not count as retired). */
        cpu->eip = cpu->exception_insn_eip;
        cpu->insns_retired--;
    }
    if (cpu->cr[0] & CR0_PE)
        deliver_protected(cpu, ev);
    else
        deliver_real(cpu, ev);
    if (ev->soft)
        cpu->insns_retired++;
}

void cpu_deliver_exception(CpuState *cpu)
{
    Event ev = {
        .vector = cpu->exception_vector,
        .soft = cpu->exception_soft,
        .has_error = cpu->exception_has_error,
        .error = cpu->exception_error,
        .next_eip = cpu->exception_next_eip,
    };
    cpu->exception_vector = -1;
    deliver(cpu, &ev);
}

void cpu_deliver_external(CpuState *cpu, uint8_t vector)
{
    Event ev = {.vector = vector, .next_eip = cpu->eip};
    deliver(cpu, &ev);
}
