/* Helpers for LGDT/LIDT and MOV to and from CR0/CR2/CR3/CR4 (SDM Vol. 2B
 * MOV-Control Registers; Vol. 3A §2.5), with the TLB flushes those writes
 * imply (§4.10.4.1). CR4 bits jitpc does not implement are refused with
 * #GP and logged under -d unimp. */
#include "cpu/cpu.h"
#include "cpu/exception.h"
#include "cpu/guest.h"
#include "cpu/mem.h"

uint64_t helper_check_cpl0(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    (void)a0, (void)a1, (void)a2, (void)a3;
    if (cpu_cpl(env) != 0)
        cpu_raise_exception(env, EXCP_GP, true, 0);
    return 0;
}

uint64_t helper_load_dtr(void *env, uint64_t which, uint64_t base, uint64_t limit, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a3;
    if (cpu_cpl(cpu) != 0)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    if (which == 0) {
        cpu->gdt_base = (uint32_t)base;
        cpu->gdt_limit = (uint32_t)limit & 0xFFFF;
    } else {
        cpu->idt_base = (uint32_t)base;
        cpu->idt_limit = (uint32_t)limit & 0xFFFF;
    }
    return 0;
}

/* CR4 bits jitpc implements (others are reserved for this CPU: #GP). */
#define CR4_SUPPORTED \
    (CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT)

uint64_t helper_write_cr(void *env, uint64_t cr, uint64_t value, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    uint32_t v = (uint32_t)value;
    (void)a2, (void)a3;
    if (cpu_cpl(cpu) != 0)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    switch (cr) {
    case 0: {
        /* PG without PE, or NW without CD, is #GP (SDM Vol. 3A §2.5). */
        if (((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD)))
            cpu_raise_exception(cpu, EXCP_GP, true, 0);
        uint32_t old = cpu->cr[0];
        /* ET is hard-wired to 1 on P6; reserved bits are kept as zero. */
        cpu->cr[0] = (v & (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG)) |
                     CR0_ET;
        /* Paging, write protection and the mode change what the TLB holds
         * (§4.10.4.1: a MOV to CR0 that changes PG or WP flushes it). */
        if ((old ^ cpu->cr[0]) & (CR0_PG | CR0_WP | CR0_PE))
            cpu_tlb_flush(cpu);
        break;
    }
    case 2:
        cpu->cr[2] = v;
        break;
    case 3:
        cpu->cr[3] = v;
        /* Non-global entries go; with CR4.PGE, global ones stay (§4.10.4.1). */
        tlb_flush_nonglobal(&cpu->tlb, cpu->cr[4] & CR4_PGE);
        break;
    case 4: {
        if (v & ~CR4_SUPPORTED) {
            LOG(cpu->log, LOG_UNIMP, "CR4 = 0x%x: bits 0x%x are not implemented\n", v, v & ~CR4_SUPPORTED);
            cpu_raise_exception(cpu, EXCP_GP, true, 0);
        }
        uint32_t old = cpu->cr[4];
        cpu->cr[4] = v;
        if ((old ^ v) & (CR4_PSE | CR4_PAE | CR4_PGE))
            cpu_tlb_flush(cpu);
        break;
    }
    default:
        cpu_raise_exception(cpu, EXCP_UD, false, 0);
    }
    return 0;
}

uint64_t helper_read_cr(void *env, uint64_t cr, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a1, (void)a2, (void)a3;
    if (cpu_cpl(cpu) != 0)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    if (cr == 1 || cr > 4)
        cpu_raise_exception(cpu, EXCP_UD, false, 0);
    return cpu->cr[cr];
}
