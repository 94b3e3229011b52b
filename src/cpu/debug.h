/* Debug exceptions (SDM Vol. 3A ch. 17): the debug registers, single-step
 * (EFLAGS.TF), instruction and data breakpoints (DR0-DR3 with DR7), DR6
 * status, EFLAGS.RF, ICEBP, and the MOV DRn rules (CR4.DE, DR7.GD). */
#ifndef JITPC_CPU_DEBUG_H
#define JITPC_CPU_DEBUG_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* Called by the memory slow path for every data access while any data
 * breakpoint is enabled: records a hit in DR6 (the #DB trap is raised
 * after the instruction completes). */
void cpu_debug_check_data(CpuState *cpu, uint32_t linear, unsigned size, bool is_write);
/* Does any enabled data breakpoint cover this linear page? The TLB fill
 * marks such pages so their accesses take the slow path. */
bool cpu_debug_page_watched(const CpuState *cpu, uint32_t linear_page);

#endif
