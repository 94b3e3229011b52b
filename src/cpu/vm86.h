/* Virtual-8086 mode and virtual interrupts (SDM Vol. 3A §20.2-20.4): the
 * IOPL-sensitive instructions (CLI, STI, PUSHF, POPF, INT n, IRET), the
 * virtual-mode extensions (CR4.VME: VIF/VIP, the interrupt redirection
 * bitmap) and protected-mode virtual interrupts (CR4.PVI). */
#ifndef JITPC_CPU_VM86_H
#define JITPC_CPU_VM86_H

#include <stdint.h>

#include "cpu/cpu.h"

/* EFLAGS bits POPF/IRET may ever change, by operand size. */
#define EFLAGS_WRITABLE16 (CC_ALL | EFLAGS_TF | EFLAGS_IF | EFLAGS_DF | EFLAGS_IOPL | EFLAGS_NT)
#define EFLAGS_WRITABLE32 (EFLAGS_WRITABLE16 | EFLAGS_RF | EFLAGS_VM | EFLAGS_AC | EFLAGS_VIF | EFLAGS_VIP | EFLAGS_ID)

/* Where CLI/STI (and in virtual-8086 mode PUSHF/POPF/IRET) find the
 * interrupt flag in the current mode. */
typedef enum IfMode {
    IF_MODE_REAL,               /* EFLAGS.IF itself */
    IF_MODE_VIRTUAL,            /* EFLAGS.VIF stands in for it (VME / PVI) */
    IF_MODE_FAULT,              /* #GP(0) */
} IfMode;

/* CLI/STI (SDM Vol. 2A CLI, Vol. 2B STI, Table "Decision Table for CLI"). */
IfMode vm86_cli_sti_mode(const CpuState *cpu);
/* PUSHF/POPF/IRET in virtual-8086 mode: IOPL 3, or VME with 16 bits. */
IfMode vm86_flags_mode(const CpuState *cpu, unsigned size);
/* The (E)FLAGS image PUSHF stores in virtual-8086 mode. May raise #GP. */
uint32_t vm86_pushf_value(CpuState *cpu, unsigned size);
/* POPF in virtual-8086 mode. May raise #GP. */
void vm86_popf(CpuState *cpu, uint32_t value, unsigned size);
/* IRET in virtual-8086 mode (SDM Vol. 2A IRET). May raise. */
void vm86_iret(CpuState *cpu, unsigned size);

#endif
