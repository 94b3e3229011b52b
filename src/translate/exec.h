/* Running translated blocks: the backend interface the guest's execution
 * loop uses. The IR interpreter (backend/interp) is the portable reference
 * backend; native backends arrive later behind the same calls.
 *
 * A block returns a TbExit: chain through slot 0 or 1 (direct branch to a
 * known pc), look up an indirect target, or an exit code the guest defined.
 * While a block runs, ExecEngine.cur_tb/cur_op say where it is, so a helper
 * that raises a guest exception (longjmp) can have the exact instruction
 * restored (DESIGN.md invariant 2). */
#ifndef JITPC_TRANSLATE_EXEC_H
#define JITPC_TRANSLATE_EXEC_H

#include <stdint.h>

#include "translate/ir.h"
#include "translate/tb.h"

enum {
    TB_EXIT_GOTO0 = 0,      /* goto_tb slot 0 */
    TB_EXIT_GOTO1 = 1,      /* goto_tb slot 1 */
    TB_EXIT_LOOKUP = 2,     /* lookup_tb */
    TB_EXIT_STALE = 3,      /* the block's code was overwritten while it ran: it stopped at the
                             * next instruction boundary (cur_tb/cur_op tell which) */
    TB_EXIT_CODE = 16,      /* exit_tb(n) returns TB_EXIT_CODE + n */
};

typedef struct ExecEngine {
    const IrGuest *guest;
    TbCache cache;
    TranslationBlock *cur_tb;       /* block executing, or NULL */
    unsigned cur_op;                /* index of the op executing */
} ExecEngine;

void exec_engine_init(ExecEngine *e, const IrGuest *guest, unsigned max_blocks);
void exec_engine_destroy(ExecEngine *e);

/* Run one block on the CPU state `env`; returns a TB_EXIT_* value. After
 * TB_EXIT_STALE, exec_current_position() gives the instruction to resume at
 * (it has not started) and how many completed. */
uint64_t exec_tb(ExecEngine *e, TranslationBlock *tb, void *env);

/* Where a fault left the block: the guest instruction that was executing.
 * Fills the pc, length and static cc value of its insn_start, and how many
 * instructions of the block completed before it; false if no block runs. */
typedef struct ExecPosition {
    uint64_t pc;
    uint64_t len;
    int64_t static_cc;
    unsigned insns_done;
} ExecPosition;
bool exec_current_position(const ExecEngine *e, ExecPosition *pos);

/* The interpreter backend. */
uint64_t interp_exec(ExecEngine *e, TranslationBlock *tb, void *env);

#endif
