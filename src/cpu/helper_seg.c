/* Helpers for segment register loads and far control transfers: MOV/POP
 * Sreg, LDS-family, far JMP/CALL/RET and IRET, in real mode and in
 * protected mode at the current privilege level (SDM Vol. 2A JMP/CALL,
 * Vol. 2B RET, IRET). Call gates, task switches, returns to an outer
 * privilege level and virtual-8086 entry are the protection issue's: until
 * then they are logged under -d unimp and answered with #GP. */
#include "cpu/cpu.h"
#include "cpu/exception.h"
#include "cpu/guest.h"

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

/* Load CS for a far transfer in protected mode to a code segment at the
 * current privilege level; system descriptors (gates, TSS) are refused. */
static void load_cs_same_privilege(CpuState *cpu, uint32_t selector, uint32_t offset)
{
    selector &= 0xFFFF;
    if ((selector & ~3u) == 0)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    uint32_t lo, hi;
    if (!cpu_read_descriptor(cpu, selector, &lo, &hi))
        cpu_raise_exception(cpu, EXCP_GP, true, selector & ~3u);
    unsigned type = (hi >> 8) & 0x1F;
    if ((type & 0x18) != 0x18) {
        LOG(cpu->log, LOG_UNIMP, "far transfer through system descriptor type 0x%x (gate/TSS) is not "
            "implemented yet\n", type & 0xF);
        cpu_raise_exception(cpu, EXCP_GP, true, selector & ~3u);
    }
    unsigned dpl = (hi >> 13) & 3, rpl = selector & 3, cpl = (unsigned)cpu_cpl(cpu);
    bool conforming = type & 0x04;
    if (conforming ? dpl > cpl : (dpl != cpl || rpl > cpl))
        cpu_raise_exception(cpu, EXCP_GP, true, selector & ~3u);
    if (!(hi & (1u << 15)))
        cpu_raise_exception(cpu, EXCP_NP, true, selector & ~3u);
    uint32_t limit = (hi & 0xF0000) | (lo & 0xFFFF);
    if (hi & (1u << 23))
        limit = (limit << 12) | 0xFFF;
    if (offset > limit)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    cpu->seg[SEG_CS] = (SegmentCache){
        .selector = (selector & ~3u) | cpl,
        .base = (hi & 0xFF000000) | ((hi & 0xFF) << 16) | (lo >> 16),
        .limit = limit,
        .flags = (hi >> 8) & 0xF0FF,
    };
    cpu->eip = offset;
}

static void load_cs_real(CpuState *cpu, uint32_t selector, uint32_t offset)
{
    cpu->seg[SEG_CS].selector = selector & 0xFFFF;
    cpu->seg[SEG_CS].base = (selector & 0xFFFF) << 4;
    cpu->eip = offset;
}

uint64_t helper_ljmp(void *env, uint64_t selector, uint64_t offset, uint64_t next_eip, uint64_t a3)
{
    CpuState *cpu = env;
    (void)next_eip, (void)a3;
    if (real_or_vm86(cpu))
        load_cs_real(cpu, (uint32_t)selector, (uint32_t)offset);
    else
        load_cs_same_privilege(cpu, (uint32_t)selector, (uint32_t)offset);
    return 0;
}

uint64_t helper_lcall(void *env, uint64_t selector, uint64_t offset, uint64_t size, uint64_t next_eip)
{
    CpuState *cpu = env;
    uint32_t old_cs = cpu->seg[SEG_CS].selector;
    uint32_t old_esp = cpu->regs[R_ESP];
    /* Check the target before pushing, so a fault leaves the stack alone. */
    SegmentCache saved_cs = cpu->seg[SEG_CS];
    uint32_t saved_eip = cpu->eip;
    if (real_or_vm86(cpu))
        load_cs_real(cpu, (uint32_t)selector, (uint32_t)offset);
    else
        load_cs_same_privilege(cpu, (uint32_t)selector, (uint32_t)offset);
    SegmentCache new_cs = cpu->seg[SEG_CS];
    uint32_t new_eip = cpu->eip;
    cpu->seg[SEG_CS] = saved_cs;
    cpu->eip = saved_eip;
    cpu_push(cpu, old_cs, (unsigned)size);
    cpu_push(cpu, (uint32_t)next_eip, (unsigned)size);
    (void)old_esp;
    cpu->seg[SEG_CS] = new_cs;
    cpu->eip = new_eip;
    return 0;
}

uint64_t helper_lret(void *env, uint64_t size, uint64_t release, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a2, (void)a3;
    uint32_t esp = cpu->regs[R_ESP];
    uint32_t eip = cpu_pop(cpu, (unsigned)size);
    uint32_t cs = cpu_pop(cpu, (unsigned)size) & 0xFFFF;
    if (!real_or_vm86(cpu) && (cs & 3) > (unsigned)cpu_cpl(cpu)) {
        cpu->regs[R_ESP] = esp;
        LOG(cpu->log, LOG_UNIMP, "far return to an outer privilege level is not implemented yet\n");
        cpu_raise_exception(cpu, EXCP_GP, true, cs & ~3u);
    }
    if (real_or_vm86(cpu)) {
        load_cs_real(cpu, cs, eip);
    } else {
        uint32_t after = cpu->regs[R_ESP];
        cpu->regs[R_ESP] = esp;     /* a fault on CS leaves ESP as it was */
        load_cs_same_privilege(cpu, cs, eip);
        cpu->regs[R_ESP] = after;
    }
    bool ss32 = !real_or_vm86(cpu) && (cpu->seg[SEG_SS].flags & SEG_FLAG_DB);
    if (ss32)
        cpu->regs[R_ESP] += (uint32_t)release;
    else
        cpu->regs[R_ESP] = (cpu->regs[R_ESP] & 0xFFFF0000) | ((cpu->regs[R_ESP] + (uint32_t)release) & 0xFFFF);
    return 0;
}

uint64_t helper_iret(void *env, uint64_t size, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a1, (void)a2, (void)a3;
    unsigned sz = (unsigned)size;
    if (!(cpu->cr[0] & CR0_PE)) {
        /* Real mode (SDM Vol. 2B IRET, REAL-ADDRESS-MODE). */
        uint32_t eip = cpu_pop(cpu, sz);
        uint32_t cs = cpu_pop(cpu, sz);
        uint32_t fl = cpu_pop(cpu, sz);
        load_cs_real(cpu, cs, sz == 2 ? eip & 0xFFFF : eip);
        uint32_t mask = CC_ALL | EFLAGS_TF | EFLAGS_IF | EFLAGS_DF | EFLAGS_IOPL | EFLAGS_NT;
        if (sz == 4)
            mask |= EFLAGS_AC | EFLAGS_ID | EFLAGS_RF;
        cpu_set_eflags(cpu, fl, mask);
        return 0;
    }
    if (cpu->eflags & EFLAGS_VM) {
        LOG(cpu->log, LOG_UNIMP, "IRET in virtual-8086 mode is not implemented yet\n");
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    }
    if (cpu->eflags & EFLAGS_NT) {
        LOG(cpu->log, LOG_UNIMP, "IRET with NT set (task return) is not implemented yet\n");
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    }
    uint32_t esp = cpu->regs[R_ESP];
    uint32_t eip = cpu_pop(cpu, sz);
    uint32_t cs = cpu_pop(cpu, sz) & 0xFFFF;
    uint32_t fl = cpu_pop(cpu, sz);
    int cpl = cpu_cpl(cpu);
    if ((fl & EFLAGS_VM) && sz == 4 && cpl == 0) {
        cpu->regs[R_ESP] = esp;
        LOG(cpu->log, LOG_UNIMP, "IRET to virtual-8086 mode is not implemented yet\n");
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    }
    if ((int)(cs & 3) > cpl) {
        cpu->regs[R_ESP] = esp;
        LOG(cpu->log, LOG_UNIMP, "IRET to an outer privilege level is not implemented yet\n");
        cpu_raise_exception(cpu, EXCP_GP, true, cs & ~3u);
    }
    uint32_t after = cpu->regs[R_ESP];
    cpu->regs[R_ESP] = esp;
    load_cs_same_privilege(cpu, cs, sz == 2 ? eip & 0xFFFF : eip);
    cpu->regs[R_ESP] = after;
    uint32_t mask = CC_ALL | EFLAGS_TF | EFLAGS_DF | EFLAGS_NT | EFLAGS_RF;
    if (sz == 4)
        mask |= EFLAGS_AC | EFLAGS_ID | EFLAGS_VIF | EFLAGS_VIP;
    if (cpl == 0)
        mask |= EFLAGS_IOPL;
    if ((unsigned)cpl <= ((cpu->eflags & EFLAGS_IOPL) >> 12))
        mask |= EFLAGS_IF;
    if (sz == 2)
        mask &= 0xFFFF;
    cpu_set_eflags(cpu, fl, mask);
    return 0;
}
