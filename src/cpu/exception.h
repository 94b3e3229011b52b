/* Raising and delivering exceptions and interrupts, and the segment
 * machinery delivery needs: descriptor reads, segment register loads,
 * far transfers. Real mode goes through the IVT; protected mode through
 * IDT interrupt and trap gates at the same privilege level. Privilege
 * changes, task gates and virtual-8086 mode arrive with the protection
 * issue: until then they are logged under -d unimp and refused with the
 * exception the CPU would raise for a gate it cannot use (#GP). */
#ifndef JITPC_CPU_EXCEPTION_H
#define JITPC_CPU_EXCEPTION_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* Deliver a pending exception or interrupt (cpu->exception_*) now. The
 * saved EIP is cpu->exception_next_eip. May raise a nested exception. */
void cpu_deliver_exception(CpuState *cpu);
/* Deliver an external (hardware) interrupt with this vector. */
void cpu_deliver_external(CpuState *cpu, uint8_t vector);

/* Current privilege level. */
int cpu_cpl(const CpuState *cpu);
/* Load a segment register with the rules of the current mode. May raise. */
void cpu_load_seg(CpuState *cpu, int seg, uint32_t selector);
/* Read the 8-byte descriptor for `selector` from the GDT or LDT; false if
 * the selector is outside the table. */
bool cpu_read_descriptor(CpuState *cpu, uint32_t selector, uint32_t *lo, uint32_t *hi);
/* Stack helpers for helpers: push/pop `size` bytes on SS:ESP with the
 * current stack width. May raise. */
void cpu_push(CpuState *cpu, uint32_t val, unsigned size);
uint32_t cpu_pop(CpuState *cpu, unsigned size);

#endif
