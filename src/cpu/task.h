/* Hardware task switching (SDM Vol. 3A ch. 7): JMP or CALL to a TSS
 * descriptor or task gate, IRET with EFLAGS.NT set, and interrupts or
 * exceptions through a task gate. Linux i386 uses a task gate for #DF. */
#ifndef JITPC_CPU_TASK_H
#define JITPC_CPU_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

typedef enum TaskSwitchSource {
    TASK_SWITCH_JMP,
    TASK_SWITCH_CALL,
    TASK_SWITCH_IRET,
    TASK_SWITCH_INT,            /* interrupt or exception through a task gate */
} TaskSwitchSource;

/* Switch to the task whose TSS selector is `tss_selector` (already taken
 * from a task gate when one was used). `next_eip` is the EIP saved in the
 * old TSS. For TASK_SWITCH_INT with an error code, it is pushed on the new
 * task's stack. Raises #TS/#NP/#GP/#SS as the SDM requires (may longjmp). */
void cpu_task_switch(CpuState *cpu, uint32_t tss_selector, TaskSwitchSource source, uint32_t next_eip,
                     bool has_error, uint32_t error);

#endif
