/* Helpers for the system instructions this stage needs to get guests into
 * and out of protected mode: LGDT/LIDT, and MOV to and from CR0/CR2/CR3/
 * CR4 (SDM Vol. 2B MOV-Control Registers; Vol. 3A §2.5). Paging and the
 * CR4 features arrive with the MMU issue: setting CR0.PG or any CR4 bit is
 * refused with #GP and logged under -d unimp until then. */
#include "cpu/cpu.h"
#include "cpu/exception.h"
#include "cpu/guest.h"

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

uint64_t helper_write_cr(void *env, uint64_t cr, uint64_t value, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    uint32_t v = (uint32_t)value;
    (void)a2, (void)a3;
    if (cpu_cpl(cpu) != 0)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    switch (cr) {
    case 0:
        /* PG without PE, or NW without CD, is #GP (SDM Vol. 3A §2.5). */
        if (((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD)))
            cpu_raise_exception(cpu, EXCP_GP, true, 0);
        if (v & CR0_PG) {
            LOG(cpu->log, LOG_UNIMP, "CR0.PG: paging is not implemented yet\n");
            cpu_raise_exception(cpu, EXCP_GP, true, 0);
        }
        /* ET is hard-wired to 1 on P6; reserved bits are kept as zero. */
        cpu->cr[0] = (v & (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG)) |
                     CR0_ET;
        break;
    case 2:
    case 3:
        cpu->cr[cr] = v;
        break;
    case 4:
        if (v) {
            LOG(cpu->log, LOG_UNIMP, "CR4 = 0x%x: CR4 features are not implemented yet\n", v);
            cpu_raise_exception(cpu, EXCP_GP, true, 0);
        }
        cpu->cr[4] = 0;
        break;
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
