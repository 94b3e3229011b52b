/* Dead-code elimination, dead global stores included, by a backward
 * liveness walk. Locals die at block exits; globals are live at every exit
 * and wherever the state can be observed: helper calls that read or fault,
 * ld_env/st_env, guest memory ops (a fault exposes the state), labels and
 * branches (kept conservative), and an insn_start that may end the block
 * with TB_EXIT_STALE (one after a guest store or a label, see interp.c).
 * At labels and branches every local still used somewhere is live. An op
 * goes if it has no side effects and none of its outputs is live. */
#include <stdlib.h>
#include <string.h>

#include "translate/opt.h"

/* Mark insn_starts at which the interpreter may stop with TB_EXIT_STALE:
 * a guest store (qst or a helper that is not pure) or a join (label) lies
 * between the previous insn_start and it. */
static void find_stale_points(const IrBlock *b, uint8_t *stale)
{
    bool store = false;
    for (unsigned i = 0; i < b->nops; i++) {
        const IrOp *op = &b->ops[i];
        if (op->opc == IR_insn_start) {
            stale[i] = store;
            store = false;
        } else if (op->opc == IR_qst || op->opc == IR_set_label || opt_op_clobbers_globals(b, op)) {
            store = true;
        }
    }
}

static void globals_live(const IrBlock *b, uint8_t *live)
{
    memset(live, 1, b->guest->nglobals);
}

/* One backward walk; returns whether it removed anything. */
static bool dce_walk(IrBlock *b, uint8_t *live, const unsigned *uses, const uint8_t *stale, uint8_t *dead,
                     bool globals)
{
    unsigned ng = b->guest->nglobals;
    bool removed = false;
    memset(live, 0, b->ntemps);
    for (unsigned i = b->nops; i-- > 0;) {
        const IrOp *op = &b->ops[i];
        if (dead[i])
            continue;
        unsigned flags = ir_op_defs[op->opc].flags;
        if (flags & IR_F_END) {
            memset(live, 0, b->ntemps);
            globals_live(b, live);
        } else if (op->opc == IR_set_label || (flags & IR_F_BRANCH)) {
            globals_live(b, live);
            for (unsigned t = ng; t < b->ntemps; t++)
                live[t] = uses[t] > 0;
        } else if (op->opc == IR_insn_start && stale[i]) {
            globals_live(b, live);
        }
        bool any_live = false;
        for (unsigned k = 0; k < op->nout; k++)
            any_live |= live[op->args[k]] || (!globals && opt_is_global(b, op->args[k]));
        bool noop = op->opc == IR_mov && op->args[0] == op->args[1];
        if (noop || (!any_live && opt_op_removable(b, op))) {
            dead[i] = 1;
            removed = true;
            continue;
        }
        for (unsigned k = 0; k < op->nout; k++)
            live[op->args[k]] = 0;
        for (unsigned k = op->nout; k < (unsigned)op->nout + op->nin; k++)
            live[op->args[k]] = 1;
        if (opt_op_observes_globals(b, op))
            globals_live(b, live);
    }
    return removed;
}

bool opt_dce(IrBlock *b)
{
    unsigned n = b->ntemps ? b->ntemps : 1;
    uint8_t *live = malloc(n), *dead = calloc(b->nops ? b->nops : 1, 1), *stale = calloc(b->nops ? b->nops : 1, 1);
    unsigned *uses = malloc(n * sizeof(*uses));
    if (!live || !dead || !stale || !uses)
        abort();
    bool globals = opt_globals_disjoint(b), changed = false;
    find_stale_points(b, stale);
    /* Removing an op can leave a local unused across a label: walk again. */
    for (;;) {
        memset(uses, 0, n * sizeof(*uses));
        for (unsigned i = 0; i < b->nops; i++) {
            const IrOp *op = &b->ops[i];
            if (!dead[i])
                for (unsigned k = op->nout; k < (unsigned)op->nout + op->nin; k++)
                    uses[op->args[k]]++;
        }
        if (!dce_walk(b, live, uses, stale, dead, globals))
            break;
        changed = true;
    }
    if (changed)
        opt_remove_ops(b, dead);
    free(uses);
    free(stale);
    free(dead);
    free(live);
    return changed;
}
