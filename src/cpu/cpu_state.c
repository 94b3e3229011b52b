/* CPU reset, loader entry states and the register dump. Reset values:
 * Intel SDM Vol. 3A §9.1.1, Table 9-1. Multiboot entry: Multiboot
 * Specification 0.6.96 §3.2 "Machine state". */
#include "cpu/cpu.h"

#include <string.h>

void cpu_reset(CpuState *cpu, const CpuModel *model)
{
    memset(cpu, 0, sizeof(*cpu));
    cpu->model = model;
    cpu->eflags = EFLAGS_FIXED;
    cpu->eip = 0xFFF0;
    /* EDX holds the processor signature after reset. */
    cpu->regs[R_EDX] = (model->family << 8) | (model->model << 4) | model->stepping;
    cpu->cr[0] = CR0_ET | CR0_NW | CR0_CD;
    for (int i = 0; i < SEG_COUNT; i++) {
        /* Present, accessed read/write data (or execute/read code for CS). */
        cpu->seg[i] = (SegmentCache){.selector = 0, .base = 0, .limit = 0xFFFF, .flags = 0x93};
    }
    cpu->seg[SEG_CS] = (SegmentCache){.selector = 0xF000, .base = 0xFFFF0000, .limit = 0xFFFF, .flags = 0x9B};
}

void cpu_enter_multiboot(CpuState *cpu, uint32_t entry, uint32_t info_addr)
{
    /* Flat 4 GiB segments, 32-bit default size, granularity 4 KiB. The
     * spec leaves the selector values undefined; use GDT-style ones. */
    const uint16_t big = SEG_FLAG_DB | (1u << 15);
    for (int i = 0; i < SEG_COUNT; i++)
        cpu->seg[i] = (SegmentCache){.selector = 0x10, .base = 0, .limit = 0xFFFFFFFF, .flags = 0x93 | big};
    cpu->seg[SEG_CS] = (SegmentCache){.selector = 0x08, .base = 0, .limit = 0xFFFFFFFF, .flags = 0x9B | big};
    /* The spec defines only PG = 0 and PE = 1; a boot loader runs after the
     * BIOS has enabled the caches, so CD and NW are clear as well. */
    cpu->cr[0] = CR0_ET | CR0_PE;
    cpu->eflags = EFLAGS_FIXED;     /* IF = 0, VM = 0 */
    cpu->regs[R_EAX] = 0x2BADB002;
    cpu->regs[R_EBX] = info_addr;
    cpu->eip = entry;
}

void cpu_dump_state(const CpuState *cpu, Log *log)
{
    static const char *regn[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
    static const char *segn[SEG_COUNT] = {"ES", "CS", "SS", "DS", "FS", "GS"};
    for (int i = 0; i < 8; i++)
        log_printf(log, "%s=%08x%s", regn[i], cpu->regs[i], (i % 4 == 3) ? "\n" : " ");
    log_printf(log, "EIP=%08x EFL=%08x\n", cpu->eip, cpu->eflags);
    for (int i = 0; i < SEG_COUNT; i++)
        log_printf(log, "%s =%04x %08x %08x %04x\n", segn[i], cpu->seg[i].selector, cpu->seg[i].base,
                   cpu->seg[i].limit, cpu->seg[i].flags);
    log_printf(log, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", cpu->cr[0], cpu->cr[2], cpu->cr[3], cpu->cr[4]);
}

CpuExecStatus cpu_exec(CpuState *cpu)
{
    (void)cpu;
    return CPU_EXEC_NO_ENGINE;
}
