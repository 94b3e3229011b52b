/* Debug exceptions (SDM Vol. 3A ch. 17): the debug registers, single-step
 * (EFLAGS.TF), instruction and data breakpoints (DR0-DR3 with DR7), DR6
 * status, EFLAGS.RF, ICEBP, and the MOV DRn rules (CR4.DE, DR7.GD); and
 * the NMI input (SDM Vol. 3A §6.7.1), which shares their place in the
 * execution loop's event priorities (Table 6-2). */
#ifndef JITPC_CPU_DEBUG_H
#define JITPC_CPU_DEBUG_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* DR6 (SDM Vol. 3A §17.2.3). B0-B3 report the breakpoints that hit; BD, BS
 * and BT stay set until software clears them. Bits 4-11 and 16-31 read as
 * ones and bit 12 as zero on the P6 family (0xFFFF0FF0 after reset). */
#define DR6_B(n) (1u << (n))
#define DR6_BMASK 0xFu
#define DR6_BD (1u << 13)
#define DR6_BS (1u << 14)
#define DR6_BT (1u << 15)
#define DR6_FIXED 0xFFFF0FF0u
#define DR6_WRITABLE (DR6_BMASK | DR6_BD | DR6_BS | DR6_BT)

/* DR7 (SDM Vol. 3A §17.2.4): L/G enables, LE/GE, GD, and per breakpoint a
 * 2-bit R/W field at 16 + 4n and a 2-bit LEN field at 18 + 4n. Bit 10
 * reads as one; bits 11, 12, 14 and 15 as zero. */
#define DR7_L(n) (1u << (2 * (n)))
#define DR7_G(n) (2u << (2 * (n)))
#define DR7_LOCAL_ENABLES 0x155u   /* L0-L3 and LE: cleared by a task switch (§17.2.4) */
#define DR7_GD (1u << 13)
#define DR7_FIXED 0x400u
#define DR7_WRITABLE 0xFFFF23FFu
#define DR7_RW(dr7, n) (((dr7) >> (16 + 4 * (n))) & 3)
#define DR7_LEN(dr7, n) (((dr7) >> (18 + 4 * (n))) & 3)
enum { DR7_RW_EXEC = 0, DR7_RW_WRITE = 1, DR7_RW_IO = 2, DR7_RW_ACCESS = 3 };

/* Block-key bits of the debug machinery, above cpu_hflags()'s: cpu_exec
 * ORs cpu_debug_hflags() into the key, so these blocks are never shared
 * with ordinary execution. */
#define HF_DEBUG_STEP (1u << 30)    /* one instruction per block (TF set, or re-running an
                                     * instruction whose data breakpoint hit inside a longer block) */
#define HF_DEBUG_RESUME (1u << 31)  /* EFLAGS.RF at entry: the first instruction's instruction
                                     * breakpoint is not checked (SDM Vol. 3A §17.3.1.1) */

/* Debug registers with their architectural read and write rules (reserved
 * bits fixed); DR4/DR5 are DR6/DR7. Writing a breakpoint address or DR7
 * drops the translations and TLB entries that depend on them, so this is
 * also what a debugger front end (the later gdb server) and tests call. */
uint32_t cpu_debug_get_dr(const CpuState *cpu, unsigned n);
void cpu_debug_set_dr(CpuState *cpu, unsigned n, uint32_t value);
/* Power-on values: DR0-DR3 = 0, DR6 = 0xFFFF0FF0, DR7 = 0x400; no pending
 * debug trap; NMI neither pending nor blocked (SDM Vol. 3A Table 9-1). */
void cpu_debug_reset(CpuState *cpu);

/* Called by the memory slow path for every data access while any data
 * breakpoint is enabled, after the translation and before the access:
 * records a hit in DR6 (the #DB trap is raised after the instruction
 * completes). Inside a block of several instructions a hit instead
 * restarts the instruction in a block of its own (may longjmp), so the
 * trap comes exactly after it. */
void cpu_debug_check_data(CpuState *cpu, uint32_t linear, unsigned size, bool is_write);
/* Does any enabled data breakpoint cover this linear page? The TLB fill
 * marks such pages so their accesses take the slow path. */
bool cpu_debug_page_watched(const CpuState *cpu, uint32_t linear_page);
/* I/O breakpoints (R/W = 10, only with CR4.DE): for IN/OUT/INS/OUTS before
 * the port access, with the same trap rules as data breakpoints. */
void cpu_debug_check_io(CpuState *cpu, uint32_t port, unsigned size);

/* Enabled instruction breakpoints at this linear address, as DR6 B0-B3
 * bits (the translator emits a check for each such instruction). */
uint32_t cpu_debug_insn_bp_hits(const CpuState *cpu, uint32_t linear);

/* ---- the execution loop's side (cpu_exec.c) ---- */
/* Block-key bits (HF_DEBUG_*) for the current state. */
uint32_t cpu_debug_hflags(const CpuState *cpu);
/* A block is about to run: arm the single-step trap if TF is set, and
 * clear RF, which the processor does at the start of every instruction
 * after its instruction-breakpoint check (§17.3.1.1). */
void cpu_debug_enter_block(CpuState *cpu);
/* The block ran to its end: a single-step trap becomes pending (BS);
 * after a MOV SS / POP SS the pending traps wait one more instruction
 * (SDM Vol. 2B MOV). `if_before` is EFLAGS.IF at entry (tells STI's
 * shadow, which holds only interrupts, from MOV SS's). */
void cpu_debug_leave_block(CpuState *cpu, bool if_before);
/* An exception left the block: the instruction did not complete (or was
 * INT n / INT3 / INTO / ICEBP, which clear TF on the way to the handler),
 * so its single-step trap and data hits are dropped (§17.3.1.4). If it is
 * now `delivering` (not stopped for a test), a fault other than an
 * instruction breakpoint saves RF = 1, so the handler's IRET does not hit
 * the instruction breakpoint again (§17.3.1.1). */
void cpu_debug_exception_raised(CpuState *cpu, bool delivering);
/* Is a #DB trap pending at this instruction boundary (not held by a
 * MOV SS shadow)? */
bool cpu_debug_trap_pending(const CpuState *cpu);
/* Turn the pending trap into cpu->exception_* (vector 1, a trap at the
 * current EIP) and report it in DR6. The caller delivers it. */
void cpu_debug_take_trap(CpuState *cpu);

/* ---- NMI (SDM Vol. 3A §6.7.1) ---- */
/* Latch the NMI input: delivered through vector 2 at the next instruction
 * boundary whatever EFLAGS.IF says, then blocked until the next IRET. */
void cpu_raise_nmi(CpuState *cpu);
/* At an instruction boundary: is an NMI to be taken now? If so it is
 * marked taken (blocked until IRET; the CPU leaves HLT) and the caller
 * delivers vector 2. */
bool cpu_nmi_take(CpuState *cpu);

#endif
