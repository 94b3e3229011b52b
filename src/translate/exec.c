/* Block execution and fault-position lookup; see exec.h. */
#include "translate/exec.h"

#include <string.h>

uint64_t exec_tb(ExecEngine *e, TranslationBlock *tb, void *env)
{
    uint64_t r = interp_exec(e, tb, env);
    if (r != TB_EXIT_STALE)
        e->cur_tb = NULL;
    return r;
}

bool exec_current_position(const ExecEngine *e, ExecPosition *pos)
{
    const TranslationBlock *tb = e->cur_tb;
    if (!tb)
        return false;
    const IrOp *start = NULL;
    unsigned done = 0;
    for (unsigned i = 0; i <= e->cur_op && i < tb->ir.nops; i++) {
        if (tb->ir.ops[i].opc == IR_insn_start) {
            if (start)
                done++;
            start = &tb->ir.ops[i];
        }
    }
    /* Stopped on an insn_start (TB_EXIT_STALE): that instruction has not run. */
    if (!start)
        return false;
    pos->pc = start->args[0];
    pos->len = start->args[1];
    pos->static_cc = (int64_t)start->args[2];
    pos->insns_done = done;
    return true;
}
