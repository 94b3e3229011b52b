/* Exceptions and interrupts: raising (restore the faulting instruction's
 * state, leave translated code) and delivery through the real-mode IVT or
 * the protected-mode IDT (SDM Vol. 3A §6.12 "Exception and interrupt
 * handling", §20.1.4 for real mode), with the double- and triple-fault
 * rules of §6.15 (interrupt 8). Segment loads and descriptor decoding for
 * the flat protected mode of this stage live here too. */
#include "cpu/exception.h"

#include "cpu/mem.h"

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

void cpu_raise_exception(CpuState *cpu, int vector, bool has_error, uint32_t error)
{
    restore_position(cpu, false);
    cpu->exception_vector = vector;
    cpu->exception_has_error = has_error;
    cpu->exception_error = error;
    cpu->exception_next_eip = cpu->eip;     /* faults restart the instruction */
    cpu->exception_soft = false;
    leave(cpu);
}

void cpu_raise_interrupt(CpuState *cpu, int vector, uint32_t next_eip)
{
    restore_position(cpu, true);
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

static bool stack32(const CpuState *cpu)
{
    return (cpu->cr[0] & CR0_PE) && !(cpu->eflags & EFLAGS_VM) && (cpu->seg[SEG_SS].flags & SEG_FLAG_DB);
}

void cpu_push(CpuState *cpu, uint32_t val, unsigned size)
{
    uint32_t sp = cpu->regs[R_ESP] - size;
    if (!stack32(cpu))
        sp &= 0xFFFF;
    cpu_st(cpu, cpu->seg[SEG_SS].base + sp, val, size);
    if (stack32(cpu))
        cpu->regs[R_ESP] = sp;
    else
        cpu->regs[R_ESP] = (cpu->regs[R_ESP] & 0xFFFF0000) | sp;
}

uint32_t cpu_pop(CpuState *cpu, unsigned size)
{
    uint32_t sp = stack32(cpu) ? cpu->regs[R_ESP] : (cpu->regs[R_ESP] & 0xFFFF);
    uint32_t v = cpu_ld(cpu, cpu->seg[SEG_SS].base + sp, size);
    sp += size;
    if (stack32(cpu))
        cpu->regs[R_ESP] = sp;
    else
        cpu->regs[R_ESP] = (cpu->regs[R_ESP] & 0xFFFF0000) | (sp & 0xFFFF);
    return v;
}

bool cpu_read_descriptor(CpuState *cpu, uint32_t selector, uint32_t *lo, uint32_t *hi)
{
    uint32_t base, limit;
    if (selector & 4) {
        base = cpu->ldt.base;
        limit = cpu->ldt.limit;
    } else {
        base = cpu->gdt_base;
        limit = cpu->gdt_limit;
    }
    uint32_t index = selector & ~7u;
    if (index + 7 > limit)
        return false;
    *lo = cpu_ld(cpu, base + index, 4);
    *hi = cpu_ld(cpu, base + index + 4, 4);
    return true;
}

/* Descriptor words to a segment cache (SDM Vol. 3A §3.4.5, Figure 3-8). */
static SegmentCache descriptor_to_cache(uint32_t selector, uint32_t lo, uint32_t hi)
{
    SegmentCache s;
    s.selector = selector;
    s.base = (hi & 0xFF000000) | ((hi & 0xFF) << 16) | (lo >> 16);
    s.limit = (hi & 0xF0000) | (lo & 0xFFFF);
    if (hi & (1u << 23))
        s.limit = (s.limit << 12) | 0xFFF;
    s.flags = (hi >> 8) & 0xF0FF;
    return s;
}

void cpu_load_seg(CpuState *cpu, int seg, uint32_t selector)
{
    selector &= 0xFFFF;
    if (!(cpu->cr[0] & CR0_PE) || (cpu->eflags & EFLAGS_VM)) {
        /* Real and virtual-8086 mode: base = selector * 16; the limit and
         * attributes stay as they were (the "unreal mode" behaviour). */
        cpu->seg[seg].selector = selector;
        cpu->seg[seg].base = selector << 4;
        return;
    }
    if ((selector & ~3u) == 0) {
        /* A null selector: fine for data segments until used; never for SS
         * (SDM Vol. 3A §5.4.1) or CS. */
        if (seg == SEG_SS || seg == SEG_CS)
            cpu_raise_exception(cpu, EXCP_GP, true, 0);
        cpu->seg[seg] = (SegmentCache){.selector = selector};
        return;
    }
    uint32_t lo, hi;
    if (!cpu_read_descriptor(cpu, selector, &lo, &hi))
        cpu_raise_exception(cpu, EXCP_GP, true, selector & ~3u);
    SegmentCache s = descriptor_to_cache(selector, lo, hi);
    bool is_code_or_data = s.flags & 0x10;
    bool is_code = s.flags & 0x08;
    bool writable = !is_code && (s.flags & 0x02);
    bool readable = !is_code || (s.flags & 0x02);
    if (!is_code_or_data || (seg == SEG_SS && !writable) || (seg == SEG_CS && !is_code) ||
        (seg != SEG_CS && !readable))
        cpu_raise_exception(cpu, EXCP_GP, true, selector & ~3u);
    if (!(s.flags & SEG_FLAG_P))
        cpu_raise_exception(cpu, seg == SEG_SS ? EXCP_SS : EXCP_NP, true, selector & ~3u);
    /* Privilege checks of the full protection model come with issue 4;
     * at this stage code runs at CPL 0 with flat segments. */
    cpu->seg[seg] = s;
}

/* Real-mode delivery through the IVT (SDM Vol. 3A §20.1.4). */
static void deliver_real(CpuState *cpu, int vector, uint32_t next_eip)
{
    uint32_t entry = cpu->idt_base + (uint32_t)vector * 4;
    if ((uint32_t)vector * 4 + 3 > cpu->idt_limit)
        cpu_raise_exception(cpu, EXCP_GP, true, (uint32_t)vector * 8 + 2);
    uint32_t off = cpu_ld(cpu, entry, 2);
    uint32_t sel = cpu_ld(cpu, entry + 2, 2);
    cpu_push(cpu, cpu_get_eflags(cpu) & 0xFFFF, 2);
    cpu_push(cpu, cpu->seg[SEG_CS].selector, 2);
    cpu_push(cpu, next_eip & 0xFFFF, 2);
    cpu->eflags &= ~(EFLAGS_IF | EFLAGS_TF | EFLAGS_AC | EFLAGS_RF);
    cpu->seg[SEG_CS].selector = sel;
    cpu->seg[SEG_CS].base = sel << 4;
    cpu->eip = off;
}

/* Protected-mode delivery through an interrupt or trap gate to a handler
 * at the current privilege level (SDM Vol. 3A §6.12.1). */
static void deliver_protected(CpuState *cpu, int vector, bool soft, bool has_error, uint32_t error,
                              uint32_t next_eip)
{
    uint32_t ext = soft ? 0 : 1;
    if ((uint32_t)vector * 8 + 7 > cpu->idt_limit)
        cpu_raise_exception(cpu, EXCP_GP, true, (uint32_t)vector * 8 + 2 + ext);
    uint32_t lo = cpu_ld(cpu, cpu->idt_base + (uint32_t)vector * 8, 4);
    uint32_t hi = cpu_ld(cpu, cpu->idt_base + (uint32_t)vector * 8 + 4, 4);
    unsigned type = (hi >> 8) & 0x1F;
    unsigned dpl = (hi >> 13) & 3;
    bool gate32;
    switch (type) {
    case 0x0E: case 0x0F: gate32 = true; break;     /* 32-bit interrupt / trap gate */
    case 0x06: case 0x07: gate32 = false; break;    /* 16-bit interrupt / trap gate */
    case 0x05:
        LOG(cpu->log, LOG_UNIMP, "interrupt %d through a task gate: task switching is not implemented yet\n",
            vector);
        cpu_raise_exception(cpu, EXCP_GP, true, (uint32_t)vector * 8 + 2 + ext);
    default:
        cpu_raise_exception(cpu, EXCP_GP, true, (uint32_t)vector * 8 + 2 + ext);
    }
    /* INT n, INT3 and INTO check the gate's DPL against CPL (§6.12.1.1). */
    if (soft && dpl < (unsigned)cpu_cpl(cpu))
        cpu_raise_exception(cpu, EXCP_GP, true, (uint32_t)vector * 8 + 2);
    if (!(hi & (1u << 15)))
        cpu_raise_exception(cpu, EXCP_NP, true, (uint32_t)vector * 8 + 2 + ext);
    uint32_t sel = lo >> 16;
    uint32_t offset = (hi & 0xFFFF0000) | (lo & 0xFFFF);
    if (!gate32)
        offset &= 0xFFFF;
    if ((sel & ~3u) == 0)
        cpu_raise_exception(cpu, EXCP_GP, true, ext);
    uint32_t clo, chi;
    if (!cpu_read_descriptor(cpu, sel, &clo, &chi))
        cpu_raise_exception(cpu, EXCP_GP, true, (sel & ~3u) + ext);
    SegmentCache cs = descriptor_to_cache(sel, clo, chi);
    if ((cs.flags & 0x18) != 0x18)
        cpu_raise_exception(cpu, EXCP_GP, true, (sel & ~3u) + ext);
    if (!(cs.flags & SEG_FLAG_P))
        cpu_raise_exception(cpu, EXCP_NP, true, (sel & ~3u) + ext);
    unsigned target_dpl = (cs.flags >> 5) & 3;
    bool conforming = cs.flags & 0x04;
    if (!conforming && target_dpl < (unsigned)cpu_cpl(cpu)) {
        LOG(cpu->log, LOG_UNIMP, "interrupt %d to a more privileged level: stack switching is not implemented yet\n",
            vector);
        cpu_raise_exception(cpu, EXCP_GP, true, (sel & ~3u) + ext);
    }
    unsigned size = gate32 ? 4 : 2;
    uint32_t eflags = cpu_get_eflags(cpu);
    cpu_push(cpu, eflags, size);
    cpu_push(cpu, cpu->seg[SEG_CS].selector, size);
    cpu_push(cpu, next_eip, size);
    if (has_error)
        cpu_push(cpu, error, size);
    cs.selector = (sel & ~3u) | (uint32_t)cpu_cpl(cpu);
    cpu->seg[SEG_CS] = cs;
    cpu->eip = offset;
    uint32_t clear = EFLAGS_TF | EFLAGS_NT | EFLAGS_RF | EFLAGS_VM;
    if (!(type & 1))
        clear |= EFLAGS_IF;     /* interrupt gates also clear IF; trap gates do not */
    cpu->eflags &= ~clear;
}

static void deliver(CpuState *cpu, int vector, bool soft, bool has_error, uint32_t error, uint32_t next_eip)
{
    LOG(cpu->log, LOG_INT, "interrupt %d%s at %04x:%08x err=%x next=%08x\n", vector, soft ? " (soft)" : "",
        cpu->seg[SEG_CS].selector, cpu->eip, has_error ? error : 0, next_eip);
    if (cpu->cr[0] & CR0_PE) {
        if (cpu->eflags & EFLAGS_VM) {
            LOG(cpu->log, LOG_UNIMP, "interrupt %d in virtual-8086 mode is not implemented yet\n", vector);
            cpu_raise_exception(cpu, EXCP_GP, true, 0);
        }
        deliver_protected(cpu, vector, soft, has_error, error, next_eip);
    } else {
        deliver_real(cpu, vector, next_eip);
    }
}

void cpu_deliver_exception(CpuState *cpu)
{
    int vector = cpu->exception_vector;
    cpu->exception_vector = -1;
    deliver(cpu, vector, cpu->exception_soft, cpu->exception_has_error, cpu->exception_error,
            cpu->exception_next_eip);
}

void cpu_deliver_external(CpuState *cpu, uint8_t vector)
{
    deliver(cpu, vector, false, false, 0, cpu->eip);
}
