/* Raising and delivering exceptions and interrupts (SDM Vol. 3A ch. 6):
 * real mode through the IVT; protected and virtual-8086 mode through IDT
 * interrupt, trap and task gates with privilege changes and the TSS stack
 * switch. Also the segment-register and stack entry points other parts of
 * the CPU use; the descriptor machinery itself is in desc.h. */
#ifndef JITPC_CPU_EXCEPTION_H
#define JITPC_CPU_EXCEPTION_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* Deliver a pending exception or interrupt (cpu->exception_*) now. The
 * saved EIP is cpu->exception_next_eip. May raise a nested exception. */
void cpu_deliver_exception(CpuState *cpu);
/* Deliver an external (hardware) interrupt with this vector. May raise. */
void cpu_deliver_external(CpuState *cpu, uint8_t vector);

/* Current privilege level: 0 in real mode, 3 in virtual-8086 mode, else
 * CS.RPL. */
int cpu_cpl(const CpuState *cpu);
/* Load a data/stack segment register (MOV, POP, LxS) with the rules of
 * the current mode (SDM Vol. 2B MOV). May raise. */
void cpu_load_seg(CpuState *cpu, int seg, uint32_t selector);
/* Read the 8-byte descriptor for `selector` from the GDT or LDT; false if
 * the selector is outside the table. May raise #PF. */
bool cpu_read_descriptor(CpuState *cpu, uint32_t selector, uint32_t *lo, uint32_t *hi);
/* Push/pop `size` bytes on SS:ESP with the current stack width and limit
 * (#SS(0)); ESP changes only if the access succeeds. May raise. */
void cpu_push(CpuState *cpu, uint32_t val, unsigned size);
uint32_t cpu_pop(CpuState *cpu, unsigned size);

#endif
