/* Virtual-8086 mode (SDM Vol. 3A §20.2 "Virtual-8086 mode", §20.3
 * "Interrupt and exception handling in virtual-8086 mode") and virtual
 * interrupts (§20.3.2 VME, §20.4 PVI): which of IF or VIF the sensitive
 * instructions reach, PUSHF/POPF/IRET in virtual-8086 mode, and INT n
 * with the TSS interrupt redirection bitmap (Table 20-2, methods 1-6).
 * Entering and leaving virtual-8086 mode is IRET's and the IDT's job
 * (helper_seg.c, exception.c). */
#include "cpu/vm86.h"

#include "cpu/desc.h"
#include "cpu/exception.h"
#include "cpu/guest.h"
#include "cpu/mem.h"

static unsigned iopl_of(const CpuState *cpu)
{
    return (cpu->eflags & EFLAGS_IOPL) >> 12;
}

static bool in_vm86(const CpuState *cpu)
{
    return (cpu->cr[0] & CR0_PE) && (cpu->eflags & EFLAGS_VM);
}

IfMode vm86_cli_sti_mode(const CpuState *cpu)
{
    if (!(cpu->cr[0] & CR0_PE))
        return IF_MODE_REAL;
    unsigned iopl = iopl_of(cpu);
    if (cpu->eflags & EFLAGS_VM) {
        if (iopl == 3)
            return IF_MODE_REAL;
        return (cpu->cr[4] & CR4_VME) ? IF_MODE_VIRTUAL : IF_MODE_FAULT;
    }
    unsigned cpl = (unsigned)cpu_cpl(cpu);
    if (cpl <= iopl)
        return IF_MODE_REAL;
    /* PVI: CPL 3 code below IOPL gets VIF (§20.4). */
    if (cpl == 3 && (cpu->cr[4] & CR4_PVI))
        return IF_MODE_VIRTUAL;
    return IF_MODE_FAULT;
}

IfMode vm86_flags_mode(const CpuState *cpu, unsigned size)
{
    if (iopl_of(cpu) == 3)
        return IF_MODE_REAL;
    /* VME virtualizes only the 16-bit forms; PUSHFD/POPFD/IRETD still
     * fault below IOPL 3 (§20.3.2). */
    return ((cpu->cr[4] & CR4_VME) && size == 2) ? IF_MODE_VIRTUAL : IF_MODE_FAULT;
}

uint32_t vm86_pushf_value(CpuState *cpu, unsigned size)
{
    uint32_t fl = cpu_get_eflags(cpu);
    switch (vm86_flags_mode(cpu, size)) {
    case IF_MODE_REAL:
        /* The image has VM and RF clear (SDM Vol. 2B PUSHF). */
        fl &= ~(EFLAGS_VM | EFLAGS_RF);
        return size == 2 ? (fl & 0xFFFF) : fl;
    case IF_MODE_VIRTUAL:
        /* FLAGS with IF taken from VIF and IOPL reading 3. */
        fl = (fl & 0xFFFF & ~EFLAGS_IF) | EFLAGS_IOPL;
        if (cpu->eflags & EFLAGS_VIF)
            fl |= EFLAGS_IF;
        return fl;
    default:
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    }
}

/* FLAGS for the VME forms of POPF and IRET: a pending virtual interrupt
 * that the new flags would enable, or TF, goes to the monitor (#GP);
 * otherwise IF and IOPL stay and VIF takes the popped IF. */
static void set_flags_virtual(CpuState *cpu, uint32_t value)
{
    cpu_set_eflags(cpu, value, EFLAGS_WRITABLE16 & ~(EFLAGS_IF | EFLAGS_IOPL));
    if (value & EFLAGS_IF)
        cpu->eflags |= EFLAGS_VIF;
    else
        cpu->eflags &= ~EFLAGS_VIF;
}

static void check_flags_virtual(CpuState *cpu, uint32_t value)
{
    if (((cpu->eflags & EFLAGS_VIP) && (value & EFLAGS_IF)) || (value & EFLAGS_TF))
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
}

void vm86_popf(CpuState *cpu, uint32_t value, unsigned size)
{
    switch (vm86_flags_mode(cpu, size)) {
    case IF_MODE_REAL:
        /* IOPL 3: everything but IOPL (and for POPFD VM, VIF, VIP); RF
         * is cleared (SDM Vol. 2B POPF). */
        if (size == 2) {
            cpu_set_eflags(cpu, value, EFLAGS_WRITABLE16 & ~EFLAGS_IOPL);
        } else {
            cpu_set_eflags(cpu, value, EFLAGS_WRITABLE32 & ~(EFLAGS_IOPL | EFLAGS_VM | EFLAGS_VIF | EFLAGS_VIP |
                                                              EFLAGS_RF));
            cpu->eflags &= ~EFLAGS_RF;
        }
        return;
    case IF_MODE_VIRTUAL:
        check_flags_virtual(cpu, value);
        set_flags_virtual(cpu, value);
        return;
    default:
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    }
}

void vm86_iret(CpuState *cpu, unsigned size)
{
    IfMode mode = vm86_flags_mode(cpu, size);
    if (mode == IF_MODE_FAULT)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    StackFrame f;
    stack_init_current(cpu, &f);
    uint32_t eip = stack_pop(cpu, &f, size);
    uint32_t cs = stack_pop(cpu, &f, size) & 0xFFFF;
    uint32_t fl = stack_pop(cpu, &f, size);
    /* The virtual-8086 code segment is 64 KiB. */
    if (eip > 0xFFFF)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    if (mode == IF_MODE_VIRTUAL)
        check_flags_virtual(cpu, fl);
    cpu->regs[R_ESP] = f.esp;
    seg_load_vm86(cpu, SEG_CS, cs);
    cpu->eip = eip;
    if (mode == IF_MODE_VIRTUAL)
        set_flags_virtual(cpu, fl);
    else if (size == 2)
        cpu_set_eflags(cpu, fl, EFLAGS_WRITABLE16 & ~EFLAGS_IOPL);
    else
        cpu_set_eflags(cpu, fl, EFLAGS_WRITABLE32 & ~(EFLAGS_IOPL | EFLAGS_VM | EFLAGS_VIF | EFLAGS_VIP));
}

/* Bit `vector` of the TSS interrupt redirection bitmap, the 32 bytes
 * below the I/O map base (§20.3.3, Figure 20-5): set means "through the
 * IDT". A TSS too short to hold it is #GP(0). */
static bool redirection_bit(CpuState *cpu, unsigned vector)
{
    if (!(cpu->tr.flags & 8) || cpu->tr.limit < 0x67)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    uint32_t io_base = cpu_ld_sys(cpu, cpu->tr.base + 0x66, 2);
    uint32_t off = io_base - 32 + vector / 8;
    if (io_base < 32 || off > cpu->tr.limit)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    return (cpu_ld_sys(cpu, cpu->tr.base + off, 1) >> (vector & 7)) & 1;
}

/* Methods 5 and 6 of Table 20-2: an 8086-style interrupt through the
 * virtual-8086 task's own IVT at linear 0, without leaving the mode. */
static void redirect_to_ivt(CpuState *cpu, unsigned vector, uint32_t next_eip)
{
    uint32_t off = cpu_ld(cpu, vector * 4, 2);
    uint32_t sel = cpu_ld(cpu, vector * 4 + 2, 2);
    bool iopl3 = iopl_of(cpu) == 3;
    uint32_t fl = cpu_get_eflags(cpu) & 0xFFFF;
    if (!iopl3) {
        /* Method 6: the image shows IOPL 3 and VIF as IF. */
        fl = (fl & ~EFLAGS_IF) | EFLAGS_IOPL | ((cpu->eflags & EFLAGS_VIF) ? EFLAGS_IF : 0);
    }
    StackFrame f;
    stack_init_current(cpu, &f);
    stack_push(cpu, &f, fl, 2);
    stack_push(cpu, &f, cpu->seg[SEG_CS].selector, 2);
    stack_push(cpu, &f, next_eip, 2);
    stack_flush(cpu, &f);
    cpu->regs[R_ESP] = f.esp;
    cpu->eflags &= ~(EFLAGS_TF | (iopl3 ? EFLAGS_IF : EFLAGS_VIF));
    seg_load_vm86(cpu, SEG_CS, sel);
    cpu->eip = off;
}

/* INT n (CD ib). Unlike INT3 and INTO it is IOPL-sensitive in
 * virtual-8086 mode (SDM Vol. 2A INT n pseudo-code); a redirected
 * interrupt completes here, everything else is delivered by the loop. */
uint64_t helper_int_n(void *env, uint64_t vector, uint64_t next_eip, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a2, (void)a3;
    if (in_vm86(cpu)) {
        bool to_idt = true;
        if (cpu->cr[4] & CR4_VME)
            to_idt = redirection_bit(cpu, (unsigned)vector);
        if (!to_idt) {
            redirect_to_ivt(cpu, (unsigned)vector, (uint32_t)next_eip);
            return 0;
        }
        if (iopl_of(cpu) < 3)
            cpu_raise_exception(cpu, EXCP_GP, true, 0);
    }
    cpu_raise_interrupt(cpu, (int)vector, (uint32_t)next_eip);
}

uint64_t helper_pushf_vm86(void *env, uint64_t size, uint64_t a1, uint64_t a2, uint64_t a3)
{
    (void)a1, (void)a2, (void)a3;
    return vm86_pushf_value(env, (unsigned)size);
}
