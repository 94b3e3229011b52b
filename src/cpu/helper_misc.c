/* C helpers for x86 instructions that touch machine state: flags
 * materialization, exceptions and software interrupts, port I/O with the
 * IOPL and I/O permission bitmap checks, EFLAGS moves (POPF, CLI, STI)
 * with each mode's rules, CPUID, HLT, and the #UD of instructions jitpc
 * does not implement. SDM Vol. 2 instruction pages; RDTSC and the MSRs
 * are in helper_msr.c, virtual-8086 specifics in vm86.c. */
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/debug.h"
#include "cpu/exception.h"
#include "cpu/guest.h"
#include "cpu/mem.h"
#include "cpu/vm86.h"

uint64_t helper_cc_compute_all(void *env, uint64_t op, uint64_t dst, uint64_t src, uint64_t src2)
{
    (void)env;
    return cc_compute_all((CcOp)op, (uint32_t)dst, (uint32_t)src, (uint32_t)src2);
}

uint64_t helper_cc_compute_c(void *env, uint64_t op, uint64_t dst, uint64_t src, uint64_t src2)
{
    (void)env;
    return cc_compute_c((CcOp)op, (uint32_t)dst, (uint32_t)src, (uint32_t)src2);
}

uint64_t helper_raise_exception(void *env, uint64_t vector, uint64_t error, uint64_t a2, uint64_t a3)
{
    (void)a2, (void)a3;
    cpu_raise_exception(env, (int)vector, (uint32_t)error != UINT32_MAX, (uint32_t)error);
}

uint64_t helper_soft_interrupt(void *env, uint64_t vector, uint64_t next_eip, uint64_t a2, uint64_t a3)
{
    (void)a2, (void)a3;
    cpu_raise_interrupt(env, (int)vector, (uint32_t)next_eip);
}

uint64_t helper_into(void *env, uint64_t next_eip, uint64_t a1, uint64_t a2, uint64_t a3)
{
    (void)a1, (void)a2, (void)a3;
    if (cpu_get_eflags(env) & CC_O)
        cpu_raise_interrupt(env, EXCP_OF, (uint32_t)next_eip);
    return 0;
}

/* I/O permission (SDM Vol. 1 §18.5): in protected mode with CPL > IOPL,
 * and always in virtual-8086 mode, every bit for the accessed ports must
 * be clear in the TSS I/O permission bitmap (§18.5.2). The bitmap needs a
 * 32-bit TSS; its two bytes covering the access must be inside the TSS
 * limit, else #GP(0). TSS reads are implicit supervisor accesses. */
static void check_io(CpuState *cpu, uint32_t port, unsigned size)
{
    if (!(cpu->cr[0] & CR0_PE))
        return;
    unsigned iopl = (cpu->eflags & EFLAGS_IOPL) >> 12;
    if (!(cpu->eflags & EFLAGS_VM) && (unsigned)cpu_cpl(cpu) <= iopl)
        return;
    unsigned type = cpu->tr.flags & 0x1F;
    if ((type != 0x09 && type != 0x0B) || cpu->tr.limit < 0x67)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    uint32_t off = cpu_ld_sys(cpu, cpu->tr.base + 0x66, 2) + ((port & 0xFFFF) >> 3);
    if (off + 1 > cpu->tr.limit)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    uint32_t bits = cpu_ld_sys(cpu, cpu->tr.base + off, 2);
    if (bits & (((1u << size) - 1) << (port & 7)))
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
}

uint64_t helper_in(void *env, uint64_t port, uint64_t size, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a2, (void)a3;
    check_io(cpu, (uint32_t)port, (unsigned)size);
    cpu_debug_check_io(cpu, (uint32_t)port, (unsigned)size);
    cpu_sync_icount(cpu);   /* devices see the exact time of the access */
    return as_read(cpu->io, port & 0xFFFF, (unsigned)size);
}

uint64_t helper_out(void *env, uint64_t port, uint64_t val, uint64_t size, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a3;
    check_io(cpu, (uint32_t)port, (unsigned)size);
    cpu_debug_check_io(cpu, (uint32_t)port, (unsigned)size);
    cpu_sync_icount(cpu);
    as_write(cpu->io, port & 0xFFFF, val, (unsigned)size);
    return 0;
}

uint64_t helper_get_eflags(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    (void)a0, (void)a1, (void)a2, (void)a3;
    /* PUSHF stores EFLAGS with VM and RF cleared (SDM Vol. 2B PUSHF). */
    return cpu_get_eflags(env) & ~(EFLAGS_VM | EFLAGS_RF);
}

uint64_t helper_set_eflags(void *env, uint64_t value, uint64_t mask, uint64_t a2, uint64_t a3)
{
    (void)a2, (void)a3;
    cpu_set_eflags(env, (uint32_t)value, (uint32_t)mask);
    return 0;
}

/* POPF/POPFD (SDM Vol. 2B POPF, Table "Effect of POPF/POPFD on the EFLAGS
 * Register"): VM, VIF and VIP never change; IOPL only at CPL 0; IF only
 * at CPL <= IOPL; POPFD clears RF. Virtual-8086 mode is vm86.c's. */
uint64_t helper_popf(void *env, uint64_t value, uint64_t size, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a2, (void)a3;
    if ((cpu->cr[0] & CR0_PE) && (cpu->eflags & EFLAGS_VM)) {
        vm86_popf(cpu, (uint32_t)value, (unsigned)size);
        return 0;
    }
    uint32_t mask = EFLAGS_WRITABLE16;
    if (size == 4)
        mask |= EFLAGS_AC | EFLAGS_ID;
    if (cpu->cr[0] & CR0_PE) {
        unsigned cpl = (unsigned)cpu_cpl(cpu);
        if (cpl > 0)
            mask &= ~EFLAGS_IOPL;
        if (cpl > ((cpu->eflags & EFLAGS_IOPL) >> 12))
            mask &= ~EFLAGS_IF;
    }
    if (size == 2)
        mask &= 0xFFFF;
    cpu_set_eflags(cpu, (uint32_t)value, mask);
    if (size == 4)
        cpu->eflags &= ~EFLAGS_RF;
    return 0;
}

/* CLI/STI: IF, or VIF under VME/PVI, or #GP(0) (SDM Vol. 2A CLI). */
uint64_t helper_cli(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a0, (void)a1, (void)a2, (void)a3;
    switch (vm86_cli_sti_mode(cpu)) {
    case IF_MODE_REAL:
        cpu->eflags &= ~EFLAGS_IF;
        return 0;
    case IF_MODE_VIRTUAL:
        cpu->eflags &= ~EFLAGS_VIF;
        return 0;
    default:
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    }
}

uint64_t helper_sti(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a0, (void)a1, (void)a2, (void)a3;
    switch (vm86_cli_sti_mode(cpu)) {
    case IF_MODE_REAL:
        /* Interrupts stay held until after the next instruction (SDM Vol.
         * 2B STI); the translator ends the block after STI. */
        if (!(cpu->eflags & EFLAGS_IF))
            cpu->irq_inhibit = true;
        cpu->eflags |= EFLAGS_IF;
        return 0;
    case IF_MODE_VIRTUAL:
        /* A pending virtual interrupt goes to the monitor first (§20.3.2). */
        if (cpu->eflags & EFLAGS_VIP)
            cpu_raise_exception(cpu, EXCP_GP, true, 0);
        cpu->eflags |= EFLAGS_VIF;
        return 0;
    default:
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    }
}

static uint32_t str4(const char *s)
{
    uint32_t v;
    memcpy(&v, s, 4);
    return v;
}

uint64_t helper_cpuid(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    const CpuModel *m = cpu->model;
    (void)a0, (void)a1, (void)a2, (void)a3;
    uint32_t leaf = cpu->regs[R_EAX];
    uint32_t r[4] = {0, 0, 0, 0};   /* EAX EBX ECX EDX */
    /* Leaves above the maximum (basic or extended) report the highest
     * basic leaf, as Intel processors do (SDM Vol. 2A CPUID). */
    bool ext = leaf >= 0x80000000u && m->max_ext_leaf && leaf <= m->max_ext_leaf;
    if (!ext && leaf > m->max_leaf)
        leaf = m->max_leaf;
    switch (leaf) {
    case 0x80000000u:
        r[0] = m->max_ext_leaf;
        break;
    case 0x80000001u:
        r[3] = m->ext_features_edx;
        break;
    case 0:
        r[0] = m->max_leaf;
        r[1] = str4(m->vendor);
        r[3] = str4(m->vendor + 4);
        r[2] = str4(m->vendor + 8);
        break;
    case 1:
        r[0] = (m->family << 8) | (m->model << 4) | m->stepping;
        /* CLFLUSH line size in 8-byte units (EBX[15:8]): 64 bytes. */
        if (m->features_edx & CPUID_EDX_CLFSH)
            r[1] = 8 << 8;
        r[2] = m->features_ecx;
        r[3] = m->features_edx;
        break;
    case 2:
        /* Cache descriptors of a Pentium III: one iteration; 16 KiB L1 I and
         * D caches, 512 KiB L2, TLB descriptors (SDM Vol. 2A Table 3-12). */
        r[0] = 0x03020101;
        r[3] = 0x0C040843;
        break;
    }
    cpu->regs[R_EAX] = r[0];
    cpu->regs[R_EBX] = r[1];
    cpu->regs[R_ECX] = r[2];
    cpu->regs[R_EDX] = r[3];
    return 0;
}

uint64_t helper_hlt(void *env, uint64_t next_eip, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a1, (void)a2, (void)a3;
    if (cpu_cpl(cpu) != 0)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    cpu->halted = true;
    cpu->eip = (uint32_t)next_eip;
    return 0;
}

uint64_t helper_unimplemented(void *env, uint64_t pc, uint64_t opcode, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a2, (void)a3;
    LOG(cpu->log, LOG_UNIMP, "unimplemented instruction at %04x:%08x (map %u opcode 0x%02x): #UD\n",
        cpu->seg[SEG_CS].selector, (uint32_t)pc, (unsigned)(opcode >> 8), (unsigned)(opcode & 0xFF));
    cpu_raise_exception(cpu, EXCP_UD, false, 0);
}
