/* The emulated side of the host differential test: runs one case in jitpc.
 *
 * Contract (what diff_emulate() must do; diff_case.h has the addresses):
 *  - Machine: DIFF_RAM_SIZE of RAM at physical 0, paging off (linear =
 *    physical), 32-bit protected mode with flat segments (base 0, limit 4 GiB;
 *    CS a 32-bit code segment, DS = ES = SS = FS = GS writable data, SS.B = 1),
 *    no device raising interrupts. CPL 3 is what the host has; CPL 0 gives the
 *    same results, because cases never run a CPL-dependent instruction and
 *    every POPF value keeps IF = 1 and IOPL = 0.
 *  - Load: c->code[0 .. c->code_len) at DIFF_CODE_BASE followed by one HLT
 *    (F4) at DIFF_CODE_BASE + c->code_len (at CPL 3 the HLT raises #GP: treat
 *    that #GP at offset code_len as the normal end too); c->init.data at
 *    DIFF_DATA_BASE; EAX..EDI = c->init.regs (cpu.h R_* order); EFLAGS =
 *    c->init.eflags (it has bit 1 and IF set); EIP = DIFF_CODE_BASE.
 *  - Run until the terminator, the first exception, or DIFF_STEP_LIMIT
 *    instructions (then exception = DIFF_EXC_TIMEOUT).
 *  - Report in *out: regs and the full EFLAGS, data = the DIFF_DATA_SIZE
 *    bytes at DIFF_DATA_BASE, exception = DIFF_EXC_NONE or the vector, and
 *    fault_offset = offset from DIFF_CODE_BASE of the instruction that raised
 *    it. For a fault (#DE #UD #BR #GP #PF ...) the state is the one before the
 *    faulting instruction; for the traps #BP (INT3) and #OF (INTO) the state
 *    after it, with fault_offset still the INT3/INTO itself (the pushed EIP
 *    minus its length: diff_case_insn_ending_at() converts). Nothing is
 *    delivered through an IDT; the first exception ends the run.
 *  - The driver compares all eight registers, EFLAGS under the case's mask of
 *    defined flags (status flags and DF only), the data area, and the
 *    exception with its offset.
 *  - Return false, with a one-line reason in `why`, only when a case cannot
 *    be run at all (the driver then exits 77, "skipped"); a wrong answer is
 *    returned as a state, never as false. Must not print or longjmp out. */
#ifndef JITPC_TESTS_DIFF_EMULATE_H
#define JITPC_TESTS_DIFF_EMULATE_H

#include <stdbool.h>
#include <stddef.h>

#include "diff_case.h"

/* Which backend runs the cases: the native JIT (default) or the IR
 * interpreter. Call before the first diff_emulate(). */
void diff_emulate_use_jit(bool jit);

bool diff_emulate(const DiffCase *c, DiffState *out, char *why, size_t why_len);

#endif
