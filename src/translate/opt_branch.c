/* Compare-and-branch fusion. A brcond that tests a value against zero for
 * (in)equality, where the value is the difference, xor or and of two
 * operands computed earlier in the same straight-line region with neither
 * operand written since, becomes a brcond on the operands themselves: EQ/NE
 * for sub and xor (a - b == 0 iff a == b), TSTEQ/TSTNE for and. A brcond on
 * a setcond result against zero takes the setcond's condition (inverted for
 * == 0). The value's own computation stays while something else reads it
 * (the x86 front end keeps it for the lazy flags; DCE decides). Backends
 * then emit one host compare or test and a branch: CMP/TEST + Jcc of the
 * guest becomes cmp/test + jcc of the host. */
#include <stdlib.h>

#include "translate/opt.h"

/* Whether `t` is written by an op in (from, to), or, for a global, may be
 * written behind the IR's back there. */
static bool written_between(const IrBlock *b, uint64_t t, unsigned from, unsigned to)
{
    if (b->temps[t].kind == IR_TEMP_CONST)
        return false;
    for (unsigned i = from + 1; i < to; i++) {
        const IrOp *op = &b->ops[i];
        for (unsigned k = 0; k < op->nout; k++)
            if (op->args[k] == t)
                return true;
        if (opt_is_global(b, t) && opt_op_clobbers_globals(b, op))
            return true;
    }
    return false;
}

bool opt_branch(IrBlock *b)
{
    /* def[t]: the op that last wrote local t in the current straight-line
     * region, or UINT32_MAX. */
    uint32_t *def = malloc((b->ntemps ? b->ntemps : 1) * sizeof(*def));
    if (!def)
        abort();
    for (unsigned t = 0; t < b->ntemps; t++)
        def[t] = UINT32_MAX;
    bool changed = false;
    for (unsigned i = 0; i < b->nops; i++) {
        IrOp *op = &b->ops[i];
        if (op->opc == IR_set_label) {
            for (unsigned t = 0; t < b->ntemps; t++)
                def[t] = UINT32_MAX;
            continue;
        }
        if (op->opc == IR_brcond) {
            uint64_t *c = &op->args[2];
            uint64_t v = op->args[0], zero = op->args[1];
            IrCond cond = (IrCond)c[0];
            if ((cond == IR_COND_EQ || cond == IR_COND_NE) && b->temps[v].kind == IR_TEMP_LOCAL &&
                b->temps[zero].kind == IR_TEMP_CONST && b->temps[zero].value == 0 && def[v] != UINT32_MAX) {
                const IrOp *d = &b->ops[def[v]];
                uint64_t x = d->args[1], y = d->args[2];
                IrCond nc = IR_COND_COUNT;
                if (d->type == op->type) {
                    if (d->opc == IR_sub || d->opc == IR_xor)
                        nc = cond;
                    else if (d->opc == IR_and)
                        nc = cond == IR_COND_EQ ? IR_COND_TSTEQ : IR_COND_TSTNE;
                    else if (d->opc == IR_setcond)
                        nc = cond == IR_COND_NE ? (IrCond)d->args[3] : ir_cond_invert((IrCond)d->args[3]);
                }
                /* `sub t, t, 1` consumed its own input: nothing to fuse. */
                if (nc != IR_COND_COUNT && x != v && y != v && !written_between(b, x, def[v], i) &&
                    !written_between(b, y, def[v], i)) {
                    op->type = d->type;
                    op->args[0] = x;
                    op->args[1] = y;
                    c[0] = nc;
                    changed = true;
                }
            }
        }
        for (unsigned k = 0; k < op->nout; k++)
            if (b->temps[op->args[k]].kind == IR_TEMP_LOCAL)
                def[op->args[k]] = i;
    }
    free(def);
    return changed;
}
